/**
 * Vitest global setup: starts the local services integration tests need (added as the adapters land).
 */
export default function setup(): () => Promise<void> {
  return async () => {};
}
