/**
 * Support of the chaos differential (`tests/e2e/chaos.test.ts`): seeded scenarios of device messages spread over
 * Event Hubs partitions and staging windows, the values a run must end with (the latest-ingested reading of each
 * device, type and time), the trigger input that hands a batch to the real ingest handler, and a fault plan that
 * kills staging (Cosmos DB) and FHIR calls before or after the service applied them, decided by a hash of the call so
 * that a seed fails the same calls on every run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Container, FeedOptions, QueryIterator, SqlQuerySpec } from '@azure/cosmos';
import type { Resource } from '@medplum/fhirtypes';
import { toEpochMs } from '../../shared/core/fhir/instants.js';
import { sampledValues } from '../pipeline/fixtures.js';
import type { FaultRule, ProxiedRequest } from './faultProxy.js';
import { SeededRandom } from './seededRandom.js';
import { toEventHubTriggerInput } from '../../scripts/localPipeline.js';

/** Length of a staging window (the app's default, `STAGING__WINDOW_MINUTES` 15). */
export const WINDOW_MS = 15 * 60_000;

/** Start of a scenario's first staging window (windows are aligned to the epoch, so this is a window start). */
export const SCENARIO_START_MS = Date.parse('2026-11-24T10:00:00.000Z');

/** The measurement types of the bundled sample mappings (`samples/`): SampledData for heart rate and steps. */
export type ReadingType = 'heartrate' | 'bloodpressure' | 'bodytemperature' | 'stepcount';

/** The values one message gives a device, type and time: what FHIR must hold unless a later reading replaces them. */
export interface ChaosReading {
  deviceId: string;
  type: ReadingType;
  /** Occurrence time, epoch ms. */
  time: number;
  /** Value name (as the device mapping names it) → value. */
  values: Record<string, number>;
}

/** One event of a scenario, as Event Hubs holds it in its partition. */
export interface ChaosEvent {
  partition: string;
  /** Position in its partition's stream. */
  index: number;
  sequenceNumber: number;
  /** Event Hubs enqueued time, epoch ms: unique in the scenario (no two events are ingested at the same instant). */
  enqueuedMs: number;
  /** Index of its staging window from the scenario's start. */
  window: number;
  /** The body as sent. */
  text: string;
  /** The partition key (the device id), when the message has one. */
  partitionKey?: string;
  /** The readings the device mapping makes of it (none for a rejected message). */
  readings: ChaosReading[];
  /** What ingest dead-letters it as, for a message the device mapping rejects. */
  rejectedAs?: 'InvalidDataFormat' | 'IncompatibleData';
  /**
   * No later event reads any of its (device, type, time) again: delivering it again after its window was flushed
   * changes nothing. (Of one that a later event corrects, a redelivery after the correction was flushed would put the
   * older value back: the known limitation `tests/e2e/pipeline.test.ts` pins, which the chaos test does not exercise.)
   */
  final: boolean;
}

/** A device: its patient and the partition its messages are keyed to. */
export interface ChaosDevice {
  id: string;
  patientId: string;
  partition: string;
}

/** A generated scenario. */
export interface ChaosScenario {
  seed: number;
  /** How many staging windows the events span. */
  windows: number;
  partitions: string[];
  devices: ChaosDevice[];
  /** Every event, by enqueued time. */
  events: ChaosEvent[];
  /** Each partition's events, in stream order. */
  streams: Map<string, ChaosEvent[]>;
}

/** The kinds of message a scenario sends; the grid keeps distinct times of a type in distinct slots. */
const messageKinds = [
  // Heart rate alone: SampledData slots of 5 s.
  { kind: 'hr', gridMs: 5_000 },
  // Blood pressure, two Quantity components; an Observation per second.
  { kind: 'bp', gridMs: 1_000 },
  // A temperature reading in a readings array (a JMESPath template, time in epoch ms), beside a battery level.
  { kind: 'temp', gridMs: 1_000 },
  // Steps alone: SampledData slots of 60 s.
  { kind: 'steps', gridMs: 60_000 },
  // Everything at once, as the sample messages are.
  { kind: 'all', gridMs: 60_000 },
] as const;

type MessageKind = (typeof messageKinds)[number]['kind'];

/**
 * The seeds to run: `CHAOS_SEEDS` as a list of seeds and ranges (`100-130`, `1,5,9-12`), else the defaults.
 * @param text - the variable's value, if set
 * @param defaults - the seeds to run without it
 * @throws Error when the text is not such a list
 */
export function parseSeeds(text: string | undefined, defaults: readonly number[]): number[] {
  if (text === undefined || text.trim() === '') {
    return [...defaults];
  }
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (match === null) {
      throw new Error(`CHAOS_SEEDS: '${part}' is not a seed or a range of seeds (e.g. 100-130)`);
    }
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let seed = first; seed <= last; seed++) {
      seeds.push(seed);
    }
  }
  return seeds;
}

/**
 * A uniform number in [0, 1) made from a text: the same text gives the same number on every run and machine.
 * @param text - what the decision is about
 */
export function uniformOf(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Generates a scenario: 2–4 devices of 2–3 patients keyed to 2–4 partitions, 24–48 messages over 2–3 windows, a
 * quarter of them correcting an earlier reading of their device (the same time read again, another value, possibly
 * in a later window), and sometimes a message the mapping rejects. Enqueued times are all distinct.
 * @param seed - the seed
 */
export function generateScenario(seed: number): ChaosScenario {
  const random = new SeededRandom(seed);
  const windows = 2 + random.below(2);
  const partitions = Array.from({ length: 2 + random.below(3) }, (_, i) => String(i));
  const patients = 2 + random.below(2);
  const devices: ChaosDevice[] = Array.from({ length: Math.max(patients, 2 + random.below(3)) }, (_, i) => ({
    id: `chaos-device-${i}`,
    // Every patient has a device; the others are spread at random.
    patientId: `chaos-patient-${i < patients ? i : random.below(patients)}`,
    partition: random.pick(partitions),
  }));

  const count = 24 + random.below(25);
  const offsets = new Set<number>();
  while (offsets.size < count) {
    offsets.add(random.below(windows * WINDOW_MS));
  }
  const sequence = new Map(partitions.map((p) => [p, 1_000 * (Number(p) + 1) + random.below(100)]));
  const streams = new Map<string, ChaosEvent[]>(partitions.map((p) => [p, []]));
  const readByDevice = new Map<string, { kind: MessageKind; time: number }[]>();
  const events: ChaosEvent[] = [];

  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const enqueuedMs = SCENARIO_START_MS + offset;
    const device = random.pick(devices);
    let kind: MessageKind | 'bad-json' | 'bad-value' = random.pick(messageKinds).kind;
    let time = alignDown(enqueuedMs - random.below(10 * 60_000), gridOf(kind));
    const earlier = readByDevice.get(device.id) ?? [];
    if (random.chance(0.05)) {
      kind = random.chance(0.5) ? 'bad-json' : 'bad-value';
    } else if (earlier.length > 0 && random.chance(0.25)) {
      // A correction: a time this device read before, read again (values of the types that time's grid allows);
      // mostly one of its last few readings, so that the two often share a batch, or batches a redelivery overlaps.
      const before = random.pick(random.chance(0.6) ? earlier.slice(random.chance(0.5) ? -1 : -3) : earlier);
      time = before.time;
      kind = random.pick(messageKinds.filter((k) => time % k.gridMs === 0)).kind;
    }
    const partition = kind === 'bad-json' ? random.pick(partitions) : device.partition;
    const stream = streams.get(partition) ?? [];
    const sequenceNumber = sequence.get(partition) ?? 0;
    sequence.set(partition, sequenceNumber + 1);
    const message = toMessage(kind, device, time, random);
    const event: ChaosEvent = {
      partition,
      index: stream.length,
      sequenceNumber,
      enqueuedMs,
      window: Math.floor(offset / WINDOW_MS),
      ...message,
      ...(kind === 'bad-json' ? {} : { partitionKey: device.id }),
      final: true,
    };
    if (kind !== 'bad-json' && kind !== 'bad-value') {
      earlier.push({ kind, time });
      readByDevice.set(device.id, earlier);
    }
    stream.push(event);
    streams.set(partition, stream);
    events.push(event);
  }

  // An event is final when no later one reads any of its (device, type, time).
  const readLater = new Set<string>();
  for (const event of [...events].reverse()) {
    const keys = event.readings.map((r) => JSON.stringify([r.deviceId, r.type, r.time]));
    event.final = keys.every((key) => !readLater.has(key));
    keys.forEach((key) => readLater.add(key));
  }
  return { seed, windows, partitions, devices, events, streams };
}

/** A message of a kind, and the readings the sample device mapping makes of it. */
function toMessage(
  kind: MessageKind | 'bad-json' | 'bad-value',
  device: ChaosDevice,
  time: number,
  random: SeededRandom,
): Pick<ChaosEvent, 'text' | 'readings' | 'rejectedAs'> {
  const ids = { deviceId: device.id, patientId: device.patientId };
  const endDate = new Date(time).toISOString();
  const reading = (type: ReadingType, values: Record<string, number>): ChaosReading => ({
    deviceId: device.id,
    type,
    time,
    values,
  });
  const heartRate = 45 + random.below(120);
  const steps = random.below(400);
  const systolic = 90 + random.below(70);
  const diastolic = 50 + random.below(45);
  const fahrenheit = (960 + random.below(80)) / 10;
  // The device mapping's JMESPath: divide(multiply(subtract(fahrenheit, `32`), `5`), `9`), in doubles.
  const celsius = ((fahrenheit - 32) * 5) / 9;
  const temperatureReadings = [
    { kind: 'temperature', fahrenheit, ts: time },
    { kind: 'battery', level: random.below(100) },
  ];
  switch (kind) {
    case 'hr':
      return {
        text: JSON.stringify({ ...ids, endDate, heartRate }),
        readings: [reading('heartrate', { hr: heartRate })],
      };
    case 'bp':
      return {
        text: JSON.stringify({ ...ids, endDate, systolic, diastolic }),
        readings: [reading('bloodpressure', { systolic, diastolic })],
      };
    case 'temp':
      return {
        text: JSON.stringify({ ...ids, readings: temperatureReadings }),
        readings: [reading('bodytemperature', { celsius })],
      };
    case 'steps':
      return { text: JSON.stringify({ ...ids, endDate, steps }), readings: [reading('stepcount', { steps })] };
    case 'all':
      return {
        text: JSON.stringify({ ...ids, endDate, heartRate, systolic, diastolic, steps, readings: temperatureReadings }),
        readings: [
          reading('heartrate', { hr: heartRate }),
          reading('bloodpressure', { systolic, diastolic }),
          reading('bodytemperature', { celsius }),
          reading('stepcount', { steps }),
        ],
      };
    case 'bad-json':
      return {
        text: `{"deviceId": "${device.id}", "heartRate": 71, oops`,
        readings: [],
        rejectedAs: 'InvalidDataFormat',
      };
    case 'bad-value':
      return {
        text: JSON.stringify({ ...ids, endDate, heartRate: '' }),
        readings: [],
        rejectedAs: 'IncompatibleData',
      };
  }
}

function gridOf(kind: MessageKind | 'bad-json' | 'bad-value'): number {
  return messageKinds.find((k) => k.kind === kind)?.gridMs ?? 1_000;
}

function alignDown(ms: number, grid: number): number {
  return Math.floor(ms / grid) * grid;
}

/**
 * A scenario in a few lines, for failure messages: its shape, and each partition's events as
 * `sequenceNumber@window:kind(time)` (`*` marks an event a later one corrects).
 * @param scenario - the scenario
 */
export function describeScenario(scenario: ChaosScenario): string {
  const lines = [
    `seed ${scenario.seed}: ${scenario.events.length} events over ${scenario.windows} windows, partitions ` +
      `${scenario.partitions.join(',')}, devices ` +
      scenario.devices.map((d) => `${d.id}→${d.patientId}@p${d.partition}`).join(' '),
  ];
  for (const [partition, stream] of scenario.streams) {
    const items = stream.map((e) => {
      const what =
        e.rejectedAs ?? e.readings.map((r) => `${r.type}(${new Date(r.time).toISOString().slice(11, 19)})`).join('+');
      return `${e.sequenceNumber}@w${e.window}:${e.partitionKey ?? '-'}:${what}${e.final ? '' : '*'}`;
    });
    lines.push(`  p${partition}: ${items.join(' ')}`);
  }
  return lines.join('\n');
}

/**
 * What FHIR must hold at the end: for each (device, type, time, value name), the value of the latest-ingested
 * reading (a later window's reading is flushed later and wins the merge; within a window, grouping keeps the latest).
 * @param scenario - the scenario
 * @returns `device|type|time|valueName` → value
 */
export function expectedValues(scenario: ChaosScenario): Map<string, number> {
  const values = new Map<string, number>();
  for (const event of scenario.events) {
    for (const reading of event.readings) {
      for (const [name, value] of Object.entries(reading.values)) {
        values.set(valueKey(reading.deviceId, reading.type, reading.time, name), value);
      }
    }
  }
  return values;
}

const typeByCode: Record<string, ReadingType> = {
  '8867-4': 'heartrate',
  '85354-9': 'bloodpressure',
  '8310-5': 'bodytemperature',
  '55423-8': 'stepcount',
};
const valueNameByCode: Record<string, string> = {
  '8867-4': 'hr',
  '8480-6': 'systolic',
  '8462-4': 'diastolic',
  '8310-5': 'celsius',
  '55423-8': 'steps',
};

/**
 * The values the FHIR resources hold, in the keys of {@link expectedValues}: SampledData slot by slot, a Quantity or
 * a component at the Observation's time.
 * @param resources - every resource on the server
 * @returns the values, and what could not be read (a device reference to no Device, an unknown code)
 */
export function observedValues(resources: readonly Resource[]): { values: Map<string, number>; problems: string[] } {
  const deviceIds = new Map<string, string>();
  for (const resource of resources) {
    if (resource.resourceType === 'Device') {
      deviceIds.set(`Device/${resource.id ?? ''}`, resource.identifier?.[0]?.value ?? '?');
    }
  }
  const values = new Map<string, number>();
  const problems: string[] = [];
  const put = (key: string, value: number): void => {
    if (values.has(key)) {
      problems.push(`two values for ${key}`);
    }
    values.set(key, value);
  };
  for (const resource of resources) {
    if (resource.resourceType !== 'Observation') {
      continue;
    }
    const observation = resource;
    const code = observation.code.coding?.[0]?.code ?? '';
    const type = typeByCode[code];
    const deviceId = deviceIds.get(observation.device?.reference ?? '');
    if (type === undefined || deviceId === undefined) {
      problems.push(`Observation ${observation.id ?? '?'}: code ${code}, device ${observation.device?.reference}`);
      continue;
    }
    const start = toEpochMs(observation.effectivePeriod?.start ?? observation.effectiveDateTime ?? '') ?? NaN;
    if (observation.valueSampledData !== undefined) {
      for (const [time, value] of Object.entries(sampledValues(observation))) {
        put(valueKey(deviceId, type, Date.parse(time), valueNameByCode[code] ?? '?'), Number(value));
      }
    }
    if (observation.valueQuantity?.value !== undefined) {
      put(valueKey(deviceId, type, start, valueNameByCode[code] ?? '?'), observation.valueQuantity.value);
    }
    for (const component of observation.component ?? []) {
      const name = valueNameByCode[component.code.coding?.[0]?.code ?? ''] ?? '?';
      if (component.valueQuantity?.value !== undefined) {
        put(valueKey(deviceId, type, start, name), component.valueQuantity.value);
      }
    }
  }
  return { values, problems };
}

function valueKey(deviceId: string, type: ReadingType, time: number, name: string): string {
  return `${deviceId}|${type}|${new Date(time).toISOString()}|${name}`;
}

/**
 * A batch as the Functions host hands it to the Event Hubs trigger (bodies as bytes, the trigger metadata with each
 * event's own sequence number and enqueued time), so that a redelivery gives the same events the same coordinates.
 * @param batch - consecutive events of one partition
 */
export function toTriggerInput(batch: readonly ChaosEvent[]): { bodies: Buffer[]; metadata: Record<string, unknown> } {
  return toEventHubTriggerInput(
    batch[0]?.partition ?? '0',
    batch.map((e) => ({
      body: Buffer.from(e.text),
      sequenceNumber: e.sequenceNumber,
      offset: String(e.sequenceNumber * 1024),
      enqueuedTimeUtc: new Date(e.enqueuedMs).toISOString(),
      partitionKey: e.partitionKey ?? null,
    })),
  );
}

/** When a call dies: before the service applied it, or after (its answer is lost). */
export type FaultTiming = 'before' | 'after';

/** Which calls may die, and how often: one scope per delivery attempt or timer run. */
export interface FaultScope {
  /** Names the attempt; with the call, it decides the fault. */
  readonly epoch: string;
  /** Probability that a call dies. */
  readonly rate: number;
  /** Probability that a staging delete dies, when not `rate` (a flush stopped part-way through its deletes). */
  readonly deleteRate?: number;
  /** Holds the staging read of one unit once it has its answer, until `resume` (a worker stalled past its lease). */
  readonly stall?: StallPoint;
  /**
   * Holds the staging writes to the first partition (window) a staging writes to, until `resume` (a slow write,
   * while the timer runs).
   */
  readonly hold?: HoldPoint;
}

/** Where a slow staging write waits. */
export interface HoldPoint {
  /** The staging partition key held: the first one written to. */
  pk?: string;
  /** Called when a write is held. */
  reached(): void;
  /** Settles when the writes may go on. */
  readonly resume: Promise<void>;
}

/** Where a stalled flush waits. */
export interface StallPoint {
  /** The staging partition key of the unit. */
  readonly pk: string;
  /** Called once the read is held. */
  reached(): void;
  /** Settles when the read may go on. */
  readonly resume: Promise<void>;
}

/**
 * The faults of a chaos run. Staging calls take their scope from the async context they run in
 * ({@link FaultPlan.staging}); FHIR requests, which reach the fault proxy on another connection, from
 * {@link FaultPlan.fhir}. A call dies when the hash of (seed, epoch, call, how often the call was made in the epoch)
 * falls below the rate, so the same seed kills the same calls.
 */
export class FaultPlan {
  /** The scope of the staging calls made in the async context (ingest attempt, flush worker). */
  readonly staging = new AsyncLocalStorage<FaultScope>();
  /** The scope of FHIR requests now (undefined: none dies). */
  fhir: FaultScope | undefined;
  /** Calls killed so far. */
  readonly injected = { stagingBefore: 0, stagingAfter: 0, fhirBefore: 0, fhirAfter: 0 };
  private readonly calls = new Map<string, number>();
  private readonly decided = new WeakMap<ProxiedRequest, FaultTiming | 'none'>();

  /** @param seed - the scenario's seed */
  constructor(private readonly seed: number) {}

  /**
   * Whether a call dies, and when.
   * @param scope - the scope it runs in
   * @param call - what it is (operation and its target; no random parts)
   */
  decide(scope: FaultScope | undefined, call: string): FaultTiming | undefined {
    const rate = (call.startsWith('delete ') ? scope?.deleteRate : undefined) ?? scope?.rate ?? 0;
    if (scope === undefined || rate <= 0) {
      return undefined;
    }
    const key = `${scope.epoch}|${call}`;
    const n = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, n);
    const u = uniformOf(`${this.seed}|${key}|${n}`);
    return u >= rate ? undefined : u < rate / 2 ? 'before' : 'after';
  }

  /** The fault proxy's rules: a 503 instead of the request, or the request applied and a 503 instead of its answer. */
  fhirRules(): FaultRule[] {
    const timing = (request: ProxiedRequest): FaultTiming | 'none' => {
      let decided = this.decided.get(request);
      if (decided === undefined) {
        decided = this.decide(this.fhir, `${request.method} ${request.path}`) ?? 'none';
        this.decided.set(request, decided);
        if (decided !== 'none') {
          this.injected[decided === 'before' ? 'fhirBefore' : 'fhirAfter'] += 1;
        }
      }
      return decided;
    };
    return [
      { fault: { kind: 'status', status: 503 }, times: Infinity, match: (r) => timing(r) === 'before' },
      { fault: { kind: 'lose-response', status: 503 }, times: Infinity, match: (r) => timing(r) === 'after' },
    ];
  }

  /**
   * The staging container with its calls dying as the scope of the calling context decides: an upsert or a delete
   * before or after Cosmos DB applied it, a query page before it is read. A scope's stall point holds that unit's
   * read once answered.
   * @param container - the real `staging` container
   */
  faultyStaging(container: Container): Container {
    const dies = async <T>(call: string, run: () => Promise<T>): Promise<T> => {
      const timing = this.decide(this.staging.getStore(), call);
      if (timing !== undefined) {
        this.injected[timing === 'before' ? 'stagingBefore' : 'stagingAfter'] += 1;
      }
      if (timing === 'before') {
        throw injectedCosmosError();
      }
      const result = await run();
      if (timing === 'after') {
        throw injectedCosmosError();
      }
      return result;
    };
    const items = container.items;
    /** A staging document's write (a later chunk's upsert, a head's create or replace), held or dying as decided. */
    const write = async <T>(kind: string, document: StagedWrite, call: () => Promise<T>): Promise<T> => {
      const hold = this.staging.getStore()?.hold;
      if (hold !== undefined && (hold.pk ??= document.pk) === document.pk) {
        hold.reached();
        await hold.resume;
      }
      return dies(
        `${kind} ${document.pk} ${document.firstSequenceNumber}-${document.lastSequenceNumber} c${document.chunk}`,
        call,
      );
    };
    const faultyItems = Object.assign(Object.create(items) as typeof items, {
      upsert: (document: StagedWrite) => write('upsert', document, () => items.upsert(document)),
      create: (document: StagedWrite) => write('create', document, () => items.create(document)),
      query: <T>(query: string | SqlQuerySpec, options?: FeedOptions): QueryIterator<T> => {
        const iterator = items.query<T>(query, options);
        const pk = typeof options?.partitionKey === 'string' ? options.partitionKey : 'all';
        const page = {
          fetchNext: async () => {
            const response = await dies(`query ${pk}`, () => iterator.fetchNext());
            const scope = this.staging.getStore();
            if (scope?.stall?.pk === pk) {
              scope.stall.reached();
              await scope.stall.resume;
            }
            return response;
          },
          hasMoreResults: () => iterator.hasMoreResults(),
        };
        return page as unknown as QueryIterator<T>;
      },
    });
    return new Proxy(container, {
      get: (target, property, receiver) => {
        if (property === 'items') {
          return faultyItems;
        }
        if (property === 'item') {
          return (id: string, pk: string) => {
            const item = target.item(id, pk);
            // A later chunk's id names its staging (random): the call is named without it.
            const name = id.split('_').slice(0, 4).join('_');
            return Object.assign(Object.create(item) as typeof item, {
              delete: (options?: Parameters<typeof item.delete>[0]) =>
                dies(`delete ${pk} ${name}`, () => item.delete(options)),
              replace: (document: StagedWrite, options?: Parameters<typeof item.replace>[1]) =>
                write('replace', document, () => item.replace(document, options)),
            });
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  }
}

/** The fields of a staging document a fault names its write by. */
interface StagedWrite {
  pk: string;
  firstSequenceNumber: number;
  lastSequenceNumber: number;
  chunk: number;
}

/** A staging call that died: Cosmos DB's 503, which the adapter maps to a retriable error. */
function injectedCosmosError(): Error {
  return Object.assign(new Error('injected: the call died'), { code: 503 });
}
