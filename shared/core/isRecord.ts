/**
 * Whether a JSON value is an object (not `null`, not an array), so its members can be read by name.
 * @param value - any parsed JSON value
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
