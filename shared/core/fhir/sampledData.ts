import { type ErrorLocation, MedTechError } from '../errors.js';
import type { TimedValue } from './contract.js';

/**
 * Most slots one SampledData may have. Beyond it the data is not turned into an Observation (memory, FHIR resource
 * size): e.g. a correlation-id series with one reading a year off, or a template whose defaultPeriod is far too short.
 */
export const MAX_SAMPLED_DATA_SLOTS = 1_000_000;

/**
 * Most characters of values one Observation may hold: its SampledData streams and strings, main value and components
 * together. Each SampledData is bounded by {@link MAX_SAMPLED_DATA_SLOTS}, but a template may have any number of
 * components, and several may read the same value: 200 day-long components at 100 ms made a 346 MB Observation.
 */
export const MAX_OBSERVATION_VALUE_CHARS = 8_000_000;

/** The token SampledData uses for a slot without a value. */
export const EMPTY_SLOT = 'E';

/**
 * Number of SampledData slots from `start` to `end` (inclusive) at one slot per `period`:
 * `floor((end - start) / period) + 1` (720 for an hour at 5000 ms, 86,400 for a day at 1000 ms).
 * @param start - first slot time, epoch ms
 * @param end - inclusive end, epoch ms
 * @param period - slot length in ms (positive)
 */
export function toSlotCount(start: number, end: number, period: number): number {
  return end < start ? 0 : Math.floor((end - start) / period) + 1;
}

/**
 * Builds a SampledData `data` stream (reference-behaviour §3.3): one space-separated token per slot, `E` for an
 * empty slot, the latest value (by time) when several fall into one slot; values before `start` or after the last
 * slot are dropped; value strings are copied as they are.
 * @param values - timed values (any order)
 * @param start - first slot time, epoch ms
 * @param end - inclusive end, epoch ms
 * @param period - slot length in ms (positive)
 * @param where - where the SampledData's template value is written in the mapping, for the error
 * @throws MedTechError IncompatibleData (stage FHIRConversion) past {@link MAX_SAMPLED_DATA_SLOTS} slots
 */
export function toSampledDataStream(
  values: readonly TimedValue[],
  start: number,
  end: number,
  period: number,
  where: ErrorLocation = {},
): string {
  const count = toSlotCount(start, end, period);
  if (count > MAX_SAMPLED_DATA_SLOTS) {
    throw new MedTechError(
      'IncompatibleData',
      'FHIRConversion',
      `The values span ${count} SampledData slots of ${period} ms, more than the ${MAX_SAMPLED_DATA_SLOTS} one ` +
        "Observation may hold; check the device clock or the template's defaultPeriod.",
      { location: { ...where, field: 'defaultPeriod' } },
    );
  }
  const slots = new Array<string>(count).fill(EMPTY_SLOT);
  // Stable sort: for equal times the later value in the input wins.
  for (const { time, value } of [...values].sort((a, b) => a.time - b.time)) {
    const index = Math.floor((time - start) / period);
    if (index >= 0 && index < slots.length) {
      slots[index] = value;
    }
  }
  return slots.join(' ');
}

/**
 * Reads a SampledData `data` stream back into timed values: token `k` is at `start + k * period`; `E` (and empty
 * tokens) are skipped.
 * @param data - the stream, e.g. `"78 E 80"`
 * @param start - time of the first slot, epoch ms
 * @param period - slot length in ms (positive)
 */
export function fromSampledDataStream(data: string, start: number, period: number): TimedValue[] {
  const values: TimedValue[] = [];
  data.split(' ').forEach((token, k) => {
    if (token !== EMPTY_SLOT && token !== '') {
      values.push({ time: start + k * period, value: token });
    }
  });
  return values;
}

/**
 * Merges two timed value lists by time; when both have a value at the same time the incoming one wins.
 * @param existing - values already stored
 * @param incoming - new values
 * @returns the merged values, sorted by time
 */
export function mergeTimedValues(existing: readonly TimedValue[], incoming: readonly TimedValue[]): TimedValue[] {
  const byTime = new Map<number, string>();
  for (const { time, value } of existing) {
    byTime.set(time, value);
  }
  for (const { time, value } of incoming) {
    byTime.set(time, value);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}
