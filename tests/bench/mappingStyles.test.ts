import { describe, expect, it } from 'vitest';
import { MAPPING_STYLES } from '../../bench/mappingStylesBench.js';
import { benchEvent, makeBenchMessages } from '../../bench/normalizationBench.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import { normalizeEvent } from '../../shared/core/normalize/normalizeEvent.js';

describe('the benchmark’s mapping styles', () => {
  it('load, and give the same measurements on the benchmark’s messages (what the bench compares is evaluation)', () => {
    const messages = makeBenchMessages(200);
    const outputs = Object.entries(MAPPING_STYLES).map(([name, mapping]) => {
      const parsed = parseDeviceMapping(JSON.stringify(mapping));
      expect(parsed.ok, name).toBe(true);
      if (!parsed.ok) {
        return [];
      }
      return messages.map((m) => normalizeEvent(parsed.value, benchEvent(m)));
    });

    const [first, ...others] = outputs;
    // Every message has a heart rate, with no error.
    expect(first?.every((r) => r.measurements.length === 1 && r.errors.length === 0)).toBe(true);
    expect(first?.[0]?.measurements[0]).toMatchObject({ type: 'heartrate', deviceId: 'device-000' });
    for (const output of others) {
      expect(output).toEqual(first);
    }
    expect(others).toHaveLength(3);
  });
});
