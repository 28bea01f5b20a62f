import { describe, expect, it } from 'vitest';
import { partitionIdOf, toEventBody, toIngestEvents } from '../../../shared/adapters/functions/toIngestEvents.js';

// Trigger metadata as the Node.js worker delivers it for an IoT Hub-routed batch (keys camel-cased by the worker).
const metadata = {
  partitionContext: { consumerGroup: '$Default', eventHubName: 'devicedata', partitionId: '3' },
  enqueuedTimeUtcArray: ['2026-11-24T10:00:01.5Z', '2026-11-24T10:00:02Z'],
  sequenceNumberArray: [41, 42],
  offsetArray: ['4096', '8192'],
  partitionKeyArray: ['device-01', null],
  propertiesArray: [{ 'iothub-creation-time-utc': '2026-11-24T09:59:59Z' }, {}],
  systemPropertiesArray: [
    { 'iothub-connection-device-id': 'device-01', 'iothub-enqueuedtime': '2026-11-24T10:00:01.5Z' },
    { 'iothub-connection-device-id': 'device-02' },
  ],
};

describe('toIngestEvents', () => {
  it('rebuilds the envelope properties and the Event Hubs coordinates of every event in a batch', () => {
    const events = toIngestEvents([{ heartRate: 70 }, '{"heartRate": 71}'], metadata, '2026-11-24T10:05:00.000Z');
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      event: {
        body: { kind: 'json', value: { heartRate: 70 } },
        properties: { 'iothub-creation-time-utc': '2026-11-24T09:59:59Z' },
        systemProperties: {
          'iothub-connection-device-id': 'device-01',
          'iothub-enqueuedtime': '2026-11-24T10:00:01.5Z',
          'x-opt-sequence-number': 41,
          'x-opt-offset': '4096',
          'x-opt-enqueued-time': '2026-11-24T10:00:01.500Z',
          'x-opt-partition-key': 'device-01',
        },
        enqueuedTimeUtc: '2026-11-24T10:00:01.500Z',
      },
      coordinates: {
        partitionId: '3',
        sequenceNumber: 41,
        offset: '4096',
        enqueuedTimeUtc: '2026-11-24T10:00:01.500Z',
        partitionKey: 'device-01',
      },
    });
    expect(events[1]?.event.body).toEqual({ kind: 'text', text: '{"heartRate": 71}' });
    expect(events[1]?.coordinates).toEqual({
      partitionId: '3',
      sequenceNumber: 42,
      offset: '8192',
      enqueuedTimeUtc: '2026-11-24T10:00:02.000Z',
    });
  });

  it('reads the enqueued times the host writes without an offset as UTC, whatever the process time zone', () => {
    const zone = process.env['TZ'];
    process.env['TZ'] = 'Europe/Berlin';
    try {
      const [event] = toIngestEvents(
        [{}],
        { ...metadata, enqueuedTimeUtcArray: ['2023-03-13T01:25:02.25'], systemPropertiesArray: [{}] },
        '2026-11-24T10:05:00.000Z',
      );
      expect(event?.coordinates.enqueuedTimeUtc).toBe('2023-03-13T01:25:02.250Z');
    } finally {
      if (zone === undefined) {
        delete process.env['TZ'];
      } else {
        process.env['TZ'] = zone;
      }
    }
  });

  it('takes partition keys from the system properties, and from the array only when it has one per event', () => {
    // The host drops empty entries: with two events and one key, the key's event is unknown.
    const events = toIngestEvents(
      [{}, {}],
      {
        ...metadata,
        partitionKeyArray: ['device-02'],
        systemPropertiesArray: [{}, { 'x-opt-partition-key': 'device-02' }],
      },
      '2026-11-24T10:05:00.000Z',
    );

    expect(events.map((e) => e.coordinates.partitionKey)).toEqual([undefined, 'device-02']);
  });

  it('gives a lower-cased application property its upper-cased name too, as the device may have written it', () => {
    const [event] = toIngestEvents(
      [{}],
      {
        ...metadata,
        propertiesArray: [
          {
            deviceId: 'd-1',
            kind: 'a',
            Kind: 'b',
            'iothub-creation-time-utc': '2026-11-24T09:59:59Z',
            '2x': 1,
            // Sent as `Device-Id`, `Patient.Id` and `Unit Name`: the library lower-cases every first letter.
            'device-Id': 'd-1',
            'patient.Id': 'p-1',
            'unit Name': 'bpm',
            'content-type': 'application/json',
          },
        ],
      },
      '2026-11-24T10:05:00.000Z',
    );

    expect(event?.event.properties).toEqual({
      deviceId: 'd-1',
      DeviceId: 'd-1',
      kind: 'a',
      Kind: 'b',
      'iothub-creation-time-utc': '2026-11-24T09:59:59Z',
      '2x': 1,
      'device-Id': 'd-1',
      'Device-Id': 'd-1',
      'patient.Id': 'p-1',
      'Patient.Id': 'p-1',
      'unit Name': 'bpm',
      'Unit Name': 'bpm',
      'content-type': 'application/json',
    });
  });

  it('reads 64-bit sequence numbers as the worker hands them ({low, high}), else the offset, before the batch index', () => {
    const events = toIngestEvents(
      [{}, {}, {}],
      {
        ...metadata,
        sequenceNumberArray: [{ low: 5, high: 1, unsigned: false }, { low: -1, high: 0, unsigned: false }, null],
        offsetArray: ['100', '200', '300'],
        systemPropertiesArray: [{}, {}, {}],
      },
      '2026-11-24T10:05:00.000Z',
    );

    expect(events.map((e) => e.coordinates.sequenceNumber)).toEqual([2 ** 32 + 5, 2 ** 32 - 1, 300]);
  });

  it('reads the partition id however the host spells and types it: it makes the staging ids unique', () => {
    const partitionOf = (partitionContext: unknown): string | undefined =>
      toIngestEvents([{}], { ...metadata, partitionContext }, '2026-11-24T10:05:00.000Z')[0]?.coordinates.partitionId;

    expect(partitionOf({ PartitionId: '5' })).toBe('5');
    expect(partitionOf({ partitionId: 7 })).toBe('7');
    expect(partitionOf({ partitionId: { id: 3 } })).toBe('0');
  });

  it('tells whether the metadata has a partition id at all, so the trigger can warn when it falls back to 0', () => {
    expect(partitionIdOf(metadata)).toBe('3');
    expect(partitionIdOf({ partitionContext: { PartitionId: 0 } })).toBe('0');
    expect(partitionIdOf({ partitionContext: { partitionId: null } })).toBeUndefined();
    expect(partitionIdOf({ partitionContext: 'p' })).toBeUndefined();
    expect(partitionIdOf({})).toBeUndefined();
    expect(partitionIdOf(undefined)).toBeUndefined();
  });

  it('falls back to the receive time and the batch index when the metadata is missing', () => {
    const [event] = toIngestEvents({ a: 1 }, undefined, '2026-11-24T10:05:00.000Z');
    expect(event?.coordinates).toEqual({
      partitionId: '0',
      sequenceNumber: 0,
      offset: '',
      enqueuedTimeUtc: '2026-11-24T10:05:00.000Z',
    });
  });
});

describe('toEventBody', () => {
  it('keeps bytes as bytes so a non-JSON body can be dead-lettered verbatim', () => {
    const bytes = Buffer.from('not json');
    expect(toEventBody(bytes)).toEqual({ kind: 'bytes', bytes });
  });
});
