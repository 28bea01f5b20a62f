/**
 * The body of an event as it reaches normalization: raw bytes or text still to be parsed as JSON, or a JSON value
 * the Functions host already parsed.
 */
export type EventBody =
  { kind: 'bytes'; bytes: Uint8Array } | { kind: 'text'; text: string } | { kind: 'json'; value: unknown };

/**
 * One device event with its Event Hubs metadata, in the names IoT Hub templates use
 * (reference-behaviour §1.2). `enqueuedTimeUtc` becomes each measurement's `ingestionTimeUtc`.
 */
export interface DeviceEvent {
  body: EventBody;
  /** Application properties (IoT Hub puts `iothub-creation-time-utc` here). */
  properties: Record<string, unknown>;
  /** System properties (`iothub-connection-device-id`, `iothub-enqueuedtime`, `x-opt-*`). */
  systemProperties: Record<string, unknown>;
  /** Event Hubs enqueued time, ISO-8601 UTC. */
  enqueuedTimeUtc: string;
}

/** Where an event came from in Event Hubs: enough to find it again, and to make staging ids deterministic. */
export interface EventCoordinates {
  partitionId: string;
  sequenceNumber: number;
  offset: string;
  enqueuedTimeUtc: string;
  partitionKey?: string;
}

/** A device event together with its Event Hubs coordinates, as the ingest use case receives it. */
export interface IngestEvent {
  event: DeviceEvent;
  coordinates: EventCoordinates;
}
