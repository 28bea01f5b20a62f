/** One named value of a normalized measurement; values are always strings (reference-behaviour §1.9). */
export interface MeasurementProperty {
  name: string;
  value: string;
}

/**
 * A normalized measurement, in the shape MedTech's mapping debugger shows (camelCase, absent fields omitted).
 * Times are ISO-8601 UTC strings ending in `Z` with millisecond or finer precision as given.
 */
export interface Measurement {
  type: string;
  occurrenceTimeUtc: string;
  ingestionTimeUtc: string;
  deviceId: string;
  patientId?: string;
  encounterId?: string;
  correlationId?: string;
  properties: MeasurementProperty[];
}
