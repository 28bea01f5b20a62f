import { MedTechError } from '../errors.js';
import type { Measurement } from '../measurement.js';
import type { MeasurementGroup, MeasurementGroupKey } from './contract.js';
import { toEpochMs } from './instants.js';

/**
 * Groups measurements by `deviceId, type, patientId, encounterId, correlationId` (case-sensitive), keeps one
 * measurement per occurrence time (the latest-ingested; on a tie the first in input order, as MedTech's stable sort by
 * ingestion time keeps it) and sorts each
 * group by occurrence time (reference-behaviour §2). Groups come in order of first appearance.
 * @param measurements - normalized measurements, in any order
 * @throws MedTechError IncompatibleData when a measurement time is not an ISO-8601 timestamp
 */
export function groupMeasurements(measurements: readonly Measurement[]): MeasurementGroup[] {
  const groups = new Map<string, { key: MeasurementGroupKey; byTime: Map<number, Timed> }>();
  for (const measurement of measurements) {
    const key = toGroupKey(measurement);
    const id = JSON.stringify([key.deviceId, key.type, key.patientId, key.encounterId, key.correlationId]);
    let group = groups.get(id);
    if (group === undefined) {
      group = { key, byTime: new Map() };
      groups.set(id, group);
    }
    const occurrence = toMs(measurement.occurrenceTimeUtc, 'occurrenceTimeUtc');
    const ingestion = toMs(measurement.ingestionTimeUtc, 'ingestionTimeUtc');
    const kept = group.byTime.get(occurrence);
    if (kept === undefined || ingestion > kept.ingestion) {
      group.byTime.set(occurrence, { occurrence, ingestion, measurement });
    }
  }
  return [...groups.values()].map(({ key, byTime }) => ({
    key,
    measurements: [...byTime.values()].sort((a, b) => a.occurrence - b.occurrence).map((t) => t.measurement),
  }));
}

interface Timed {
  occurrence: number;
  ingestion: number;
  measurement: Measurement;
}

function toGroupKey(m: Measurement): MeasurementGroupKey {
  const key: MeasurementGroupKey = { deviceId: m.deviceId, type: m.type };
  if (m.patientId !== undefined) {
    key.patientId = m.patientId;
  }
  if (m.encounterId !== undefined) {
    key.encounterId = m.encounterId;
  }
  if (m.correlationId !== undefined) {
    key.correlationId = m.correlationId;
  }
  return key;
}

function toMs(text: string, field: string): number {
  const ms = toEpochMs(text);
  if (ms === undefined) {
    throw new MedTechError('IncompatibleData', 'Grouping', `Measurement ${field} is not an ISO-8601 timestamp`, {
      location: { field },
    });
  }
  return ms;
}
