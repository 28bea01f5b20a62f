import { trimEndDotNet } from '../dotNetWhiteSpace.js';
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

/** .NET ticks (100 ns) in a millisecond: MedTech's times are ticks. */
export const TICKS_PER_MS = 10_000;

/**
 * The slot length in ticks, as MedTech steps from slot to slot with `DateTime.AddMilliseconds(defaultPeriod)`: on
 * .NET 8 that adds the whole milliseconds and the fraction's ticks truncated (33.3 ms is 332,999 ticks, since 33.3 is
 * a double a little below it; 3.90625 ms is 39,062). Whole-millisecond periods are exact.
 * @param period - slot length in ms (positive)
 */
export function toPeriodTicks(period: number): number {
  const whole = Math.trunc(period);
  return Math.max(1, whole * TICKS_PER_MS + Math.trunc((period - whole) * TICKS_PER_MS));
}

/**
 * Ticks from `start` to a value's time: exact for a value read back from a stream (its `slot`) and for a time in
 * whole milliseconds, as measurement times are.
 * @param value - a timed value
 * @param start - epoch ms
 */
export function toTicksAfter(value: TimedValue, start: number): number {
  return value.slot === undefined
    ? Math.round((value.time - start) * TICKS_PER_MS)
    : Math.round((value.slot.start - start) * TICKS_PER_MS) + value.slot.ticks;
}

/**
 * Number of SampledData slots from `start` to `end` (inclusive) at one slot per `period`, on MedTech's tick grid:
 * `floor((end - start) / period) + 1` (720 for an hour at 5000 ms, 86,400 for a day at 1000 ms).
 * @param start - first slot time, epoch ms
 * @param end - inclusive end, epoch ms
 * @param period - slot length in ms (positive)
 * @param endIsPeriodEnd - `end` is the last millisecond of an hour or day, which stands for its last tick
 *   (`…:59:59.9999999`, as MedTech's boundary is)
 */
export function toSlotCount(start: number, end: number, period: number, endIsPeriodEnd = false): number {
  if (end < start) {
    return 0;
  }
  const span = Math.round((end - start) * TICKS_PER_MS) + (endIsPeriodEnd ? TICKS_PER_MS - 1 : 0);
  return Math.floor(span / toPeriodTicks(period)) + 1;
}

/**
 * Builds a SampledData `data` stream (reference-behaviour §3.3): one space-separated token per slot, `E` for an
 * empty slot, the latest value (by time) when several fall into one slot; values before `start` or after the last
 * slot are dropped; value strings are copied as they are, and white space at the end of the stream is trimmed, as
 * MedTech's `TrimEnd` does. Slots are laid on MedTech's tick grid ({@link toPeriodTicks}).
 * @param values - timed values (any order)
 * @param start - first slot time, epoch ms
 * @param end - inclusive end, epoch ms
 * @param period - slot length in ms (positive)
 * @param where - where the SampledData's template value is written in the mapping, for the error
 * @param endIsPeriodEnd - `end` stands for the last tick of an hour or day (see {@link toSlotCount})
 * @throws MedTechError IncompatibleData (stage FHIRConversion) past {@link MAX_SAMPLED_DATA_SLOTS} slots
 */
export function toSampledDataStream(
  values: readonly TimedValue[],
  start: number,
  end: number,
  period: number,
  where: ErrorLocation = {},
  endIsPeriodEnd = false,
): string {
  const count = toSlotCount(start, end, period, endIsPeriodEnd);
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
  const step = toPeriodTicks(period);
  const placed = values.map((value) => ({ ticks: toTicksAfter(value, start), value: value.value }));
  // Stable sort: for equal times the later value in the input wins.
  for (const { ticks, value } of placed.sort((a, b) => a.ticks - b.ticks)) {
    const index = Math.floor(ticks / step);
    if (index >= 0 && index < slots.length) {
      slots[index] = value;
    }
  }
  return trimEndDotNet(slots.join(' '));
}

/**
 * Reads a SampledData `data` stream back into timed values, as MedTech reads it: token `k` is at `start` plus `k`
 * steps of {@link toPeriodTicks} (kept exactly in the value's `slot`); `E` is skipped; an empty token (two spaces in
 * a row) is a value, the empty string.
 * @param data - the stream, e.g. `"78 E 80"`
 * @param start - time of the first slot, epoch ms
 * @param period - slot length in ms (positive)
 */
export function fromSampledDataStream(data: string, start: number, period: number): TimedValue[] {
  const values: TimedValue[] = [];
  const step = toPeriodTicks(period);
  data.split(' ').forEach((token, k) => {
    if (token !== EMPTY_SLOT) {
      const ticks = k * step;
      values.push({ time: start + ticks / TICKS_PER_MS, value: token, slot: { start, ticks } });
    }
  });
  return values;
}

/**
 * Merges two timed value lists by time (to the tick); when both have a value at the same time the incoming one wins.
 * @param existing - values already stored
 * @param incoming - new values
 * @param start - a time the ticks are counted from, epoch ms (the merged stream's start)
 * @returns the merged values, sorted by time
 */
export function mergeTimedValues(
  existing: readonly TimedValue[],
  incoming: readonly TimedValue[],
  start: number,
): TimedValue[] {
  const byTicks = new Map<number, TimedValue>();
  for (const value of [...existing, ...incoming]) {
    byTicks.set(toTicksAfter(value, start), value);
  }
  return [...byTicks.entries()].sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}
