import type { Measurement, MeasurementProperty } from '../measurement.js';

/**
 * A measurement as stored in a staging document: a positional array instead of an object, so field names are not
 * repeated for every measurement. Strings are kept as-is.
 *
 * `[type, occurrenceTimeUtc, ingestionTimeUtc, deviceId, [name0, value0, name1, value1, …], patientId?,
 * encounterId?, correlationId?]` — absent optional ids are `null` when a later one is present, and trailing
 * absent ids are left out.
 */
export type CompactMeasurement = [
  type: string,
  occurrenceTimeUtc: string,
  ingestionTimeUtc: string,
  deviceId: string,
  properties: string[],
  patientId?: string | null,
  encounterId?: string | null,
  correlationId?: string | null,
];

/**
 * Converts a measurement to its compact staging form.
 * @param measurement - a normalized measurement
 */
export function toCompactMeasurement(measurement: Measurement): CompactMeasurement {
  const properties: string[] = [];
  for (const property of measurement.properties) {
    properties.push(property.name, property.value);
  }
  const compact: CompactMeasurement = [
    measurement.type,
    measurement.occurrenceTimeUtc,
    measurement.ingestionTimeUtc,
    measurement.deviceId,
    properties,
  ];
  const optional = [measurement.patientId, measurement.encounterId, measurement.correlationId];
  let last = optional.length - 1;
  while (last >= 0 && optional[last] === undefined) {
    last -= 1;
  }
  for (let i = 0; i <= last; i += 1) {
    compact.push(optional[i] ?? null);
  }
  return compact;
}

/**
 * Reads a compact staging measurement back; anything not in the compact shape yields `undefined`.
 * @param value - one element of a staging document's `measurements` array (untrusted)
 */
export function fromCompactMeasurement(value: unknown): Measurement | undefined {
  if (!Array.isArray(value) || value.length < 5 || value.length > 8) {
    return undefined;
  }
  const [type, occurrenceTimeUtc, ingestionTimeUtc, deviceId, flat, patientId, encounterId, correlationId] =
    value as unknown[];
  if (
    typeof type !== 'string' ||
    typeof occurrenceTimeUtc !== 'string' ||
    typeof ingestionTimeUtc !== 'string' ||
    typeof deviceId !== 'string' ||
    !Array.isArray(flat) ||
    flat.length % 2 !== 0 ||
    !flat.every((item) => typeof item === 'string')
  ) {
    return undefined;
  }
  const optional = [patientId, encounterId, correlationId];
  if (!optional.every((item) => item === undefined || item === null || typeof item === 'string')) {
    return undefined;
  }
  const properties: MeasurementProperty[] = [];
  const names = flat;
  for (let i = 0; i < names.length; i += 2) {
    properties.push({ name: names[i] ?? '', value: names[i + 1] ?? '' });
  }
  const measurement: Measurement = { type, occurrenceTimeUtc, ingestionTimeUtc, deviceId, properties };
  if (typeof patientId === 'string') {
    measurement.patientId = patientId;
  }
  if (typeof encounterId === 'string') {
    measurement.encounterId = encounterId;
  }
  if (typeof correlationId === 'string') {
    measurement.correlationId = correlationId;
  }
  return measurement;
}
