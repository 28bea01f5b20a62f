import type { DeviceMapping } from '../../shared/core/mapping/deviceMapping.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import type { DeviceEvent } from '../../shared/core/deviceEvent.js';
import { normalizeEvent } from '../../shared/core/normalize/normalizeEvent.js';

/**
 * A test's device mapping: its content templates in a `CollectionContent`, parsed as a mapping file would be. Throws
 * with the problems when the mapping is invalid, so a test never runs on a mapping it did not mean.
 * @param templates - the content templates (`{ templateType, template }`)
 */
export function deviceMappingOf(templates: unknown[]): DeviceMapping {
  const parsed = parseDeviceMapping(JSON.stringify({ templateType: 'CollectionContent', template: templates }));
  if (!parsed.ok) {
    throw new Error(`invalid test mapping: ${parsed.problems.map((p) => p.message).join('; ')}`);
  }
  return parsed.value;
}

/**
 * What one CalculatedContent template makes of a message body: the value named `valueName` of each measurement (`?`
 * when one has none) and the names of the message's errors.
 * @param template - the template's `template` object
 * @param body - the body's JSON text
 * @param valueName - the value to read
 */
export function calculatedValuesOf(
  template: Record<string, unknown>,
  body: string,
  valueName = 'v',
): { values: string[]; errors: string[] } {
  const mapping = deviceMappingOf([{ templateType: 'CalculatedContent', template }]);
  const result = normalizeEvent(mapping, bodyEvent(body));
  return {
    values: result.measurements.map((m) => m.properties.find((p) => p.name === valueName)?.value ?? '?'),
    errors: result.errors.map((e) => e.name),
  };
}

/**
 * A test's device event: a message body as the bytes of `body`, no properties, enqueued at 2024-05-01T12:00:00Z.
 * @param body - the body's text
 */
export function bodyEvent(body: string): DeviceEvent {
  return {
    body: { kind: 'bytes', bytes: new TextEncoder().encode(body) },
    properties: {},
    systemProperties: {},
    enqueuedTimeUtc: '2024-05-01T12:00:00Z',
  };
}

/**
 * The least bound from 1 to `high` that `passes` accepts, by bisection; `passes` must hold from some bound up.
 * @param passes - whether a run with that bound succeeds
 * @param high - a bound that is known to pass
 */
export function leastPassingBound(passes: (bound: number) => boolean, high: number): number {
  let low = 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (passes(middle)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}
