/**
 * The Function entry points, called as the Functions host calls them (real InvocationContext), on the local services.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationContext, HttpRequest, type Timer } from '@azure/functions';
import { readMessagesFile, startLocalPipeline, type LocalPipeline } from '../../scripts/localPipeline.js';
import { MISSING_PARTITION_WARNING, ingest, ingestTrigger } from '../../functions/ingest.js';
import { flushTimer } from '../../functions/flushTimer.js';
import { flushWorker } from '../../functions/flushWorker.js';
import { health } from '../../functions/health.js';
import { setAppServices } from '../../shared/app/appServices.js';
import type { AppServices } from '../../shared/app/createAppServices.js';
import { toWorkUnitKey, type WorkUnit } from '../../shared/core/staging/stagingKeys.js';
import { MedTechError } from '../../shared/core/errors.js';
import { loadConfig } from '../../shared/config/loadConfig.js';
import { createAppServices } from '../../shared/app/createAppServices.js';

let pipeline: LocalPipeline;

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    deviceMapping: await readFile('samples/devicecontent.json', 'utf8'),
    fhirMapping: await readFile('samples/fhirmapping.json', 'utf8'),
    startTime: new Date('2026-11-24T10:05:00.000Z'),
  });
});

afterAll(async () => {
  await pipeline.close();
});

function contextWithLog(functionName: string, triggerMetadata?: Record<string, unknown>) {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName,
    ...(triggerMetadata === undefined ? {} : { triggerMetadata }),
    logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
  });
  return { context, lines };
}

describe('ingest', () => {
  it('accepts bodies as parsed JSON, JSON text and bytes, dead-letters the one that is not JSON, counts the unmatched one', async () => {
    const body = { deviceId: 'device-h1', patientId: 'patient-h1', endDate: '2026-11-24T10:00:00Z', heartRate: 64 };
    const { context, lines } = contextWithLog('ingest', {
      partitionContext: { partitionId: '7' },
      enqueuedTimeUtcArray: Array(5).fill('2026-11-24T10:05:00Z'),
      sequenceNumberArray: [1, 2, 3, 4, 5],
      offsetArray: ['1', '2', '3', '4', '5'],
      propertiesArray: [{}, {}, {}, {}, {}],
      systemPropertiesArray: [{}, {}, {}, {}, {}],
    });

    await ingest(
      [
        body,
        JSON.stringify({ ...body, heartRate: 65, endDate: '2026-11-24T10:00:05Z' }),
        Buffer.from(JSON.stringify({ ...body, heartRate: 66, endDate: '2026-11-24T10:00:10Z' })),
        Buffer.from('not json'),
        // Matches no template of the sample mapping: dropped, not an error.
        Buffer.from(JSON.stringify({ deviceId: 'device-h1', battery: 80 })),
      ],
      context,
    );

    const summary = JSON.parse(lines.find((l) => l.includes('ingest {'))!.replace(/^information ingest /, '')) as {
      deviceEvents: number;
      measurements: number;
      droppedEvents: number;
      rejectedEvents: number;
      errorsByName: Record<string, number>;
    };
    expect(summary).toMatchObject({
      deviceEvents: 5,
      measurements: 3,
      droppedEvents: 1,
      rejectedEvents: 1,
      errorsByName: { InvalidDataFormat: 1 },
    });
    const staged = await pipeline.services.adapters.cosmos.staging.readUnit({
      windowStart: '2026-11-24T10:00:00.000Z',
      shard: '7',
    });
    expect(staged.measurements.map((m) => m.properties[0]?.value).sort()).toEqual(['64', '65', '66']);
    expect(lines.filter((l) => l.startsWith('warning'))).toEqual([]);
  });

  it('warns when the host gives no partition id, and stages the batch as partition 0', async () => {
    const body = { deviceId: 'device-h2', patientId: 'patient-h2', endDate: '2026-11-24T10:01:00Z', heartRate: 70 };
    const { context, lines } = contextWithLog('ingest', {
      enqueuedTimeUtcArray: ['2026-11-24T10:05:00Z'],
      sequenceNumberArray: [9],
      offsetArray: ['9'],
    });

    await ingest([Buffer.from(JSON.stringify(body))], context);

    expect(lines).toContain(`warning ${MISSING_PARTITION_WARNING}`);
    const staged = await pipeline.services.adapters.cosmos.staging.readUnit({
      windowStart: '2026-11-24T10:00:00.000Z',
      shard: '0',
    });
    expect(staged.measurements.map((m) => m.deviceId)).toContain('device-h2');
  });
});

describe('ingest failing', () => {
  it('logs a line for the failed invocation, without data, and throws so that the batch is retried', async () => {
    const real = pipeline.services;
    setAppServices({ ...real, ingest: () => Promise.reject(new TypeError('staging said {"patientId":"P-SECRET"}')) });
    const { context, lines } = contextWithLog('ingest', {
      partitionContext: { partitionId: '3' },
      enqueuedTimeUtcArray: ['2026-11-24T10:05:00Z', '2026-11-24T10:05:00Z'],
      sequenceNumberArray: [1, 2],
    });
    try {
      const error = await ingest([Buffer.from('{}'), Buffer.from('{}')], context).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TypeError);
    } finally {
      setAppServices(real);
    }
    expect(lines).toEqual(['error ingest failed {"deviceEvents":2}: TypeError; the batch is retried']);
  });
});

describe('ingest trigger', () => {
  it('asks the host for the batch as bytes: a body that is not JSON must reach the handler, not fail the batch', () => {
    // Without dataType the host deserializes a "many" batch as JSON itself and fails the whole invocation on one
    // non-JSON body, which the infinite retry policy would then repeat for ever.
    expect(ingestTrigger).toMatchObject({ cardinality: 'many', dataType: 'binary', retry: { maxRetryCount: -1 } });
  });
});

describe('flushWorker', () => {
  it('drops a message that is not a work unit with an error log instead of failing forever', async () => {
    const { context, lines } = contextWithLog('flushWorker');
    await flushWorker({ hello: 'world' }, context);
    expect(lines.some((l) => l.startsWith('error') && l.includes('not a work unit'))).toBe(true);
  });

  it('completes the message of a unit that failed retriably, which stays staged for the timer, and throws otherwise', async () => {
    await pipeline.deliver(readMessagesFile(await readFile('samples/messages.ndjson', 'utf8')));
    pipeline.advance(60 * 60_000);
    const [unit] = await pipeline.services.planFlush();
    if (unit === undefined) {
      throw new Error('nothing staged');
    }
    const real = pipeline.services;
    const failingWith = (error: Error): AppServices => ({ ...real, flushUnit: () => Promise.reject(error) });
    const message = { windowStart: unit.windowStart, shard: unit.shard };
    const { context, lines } = contextWithLog('flushWorker');
    try {
      setAppServices(
        failingWith(
          new MedTechError('FhirServiceError', 'Persist', 'FHIR search failed with HTTP 503', { retriable: true }),
        ),
      );
      await flushWorker(message, context);
      setAppServices(failingWith(new RangeError('a bug')));
      const bug = await flushWorker(message, context).catch((e: unknown) => e);

      expect(bug).toBeInstanceOf(RangeError);
    } finally {
      setAppServices(real);
    }
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([
      `warning flushWorker: work unit ${toWorkUnitKey(unit)} failed (FhirServiceError: FHIR search failed with HTTP 503); ` +
        'it stays staged, and the next timer run enqueues it again',
    ]);
    expect((await real.planFlush()).map(toWorkUnitKey)).toContain(toWorkUnitKey(unit));
  });
});

describe('flushTimer', () => {
  it('flushes inline unit by unit: one that fails stays staged without holding back the others', async () => {
    await pipeline.deliver(readMessagesFile(await readFile('samples/messages.ndjson', 'utf8')));
    pipeline.advance(60 * 60_000);
    const units = await pipeline.services.planFlush();
    const [failing] = units;
    expect(units.length).toBeGreaterThan(1);
    const key = (unit: WorkUnit | undefined): string => (unit === undefined ? '' : toWorkUnitKey(unit));
    const real = pipeline.services;
    const inline: AppServices = {
      ...real,
      config: { ...real.config, flush: { ...real.config.flush, mode: 'inline' } },
      flushUnit: (unit) =>
        key(unit) === key(failing) ? Promise.reject(new RangeError('injected failure')) : real.flushUnit(unit),
    };
    const { context, lines } = contextWithLog('flushTimer');
    setAppServices(inline);
    try {
      await expect(flushTimer({ isPastDue: false } as Timer, context)).rejects.toThrow(
        `1 of ${units.length} work unit(s) failed`,
      );
    } finally {
      setAppServices(real);
    }

    // The failed unit is planned again; the others are flushed (their shards' next windows may now be planned).
    const after = (await real.planFlush()).map(key);
    expect(after).toContain(key(failing));
    expect(after.filter((k) => units.slice(1).map(key).includes(k))).toEqual([]);
    expect(lines.filter((l) => l.includes('flushTimer flushed'))).toHaveLength(units.length - 1);
    expect(lines.some((l) => l.startsWith('error') && l.includes(key(failing)) && l.includes('RangeError'))).toBe(true);
  });
});

describe('FLUSH__MODE=inline', () => {
  it('needs no flush-queue setting: the app starts, and the timer flushes the units itself', async () => {
    const config = loadConfig({
      FHIR__URL: pipeline.endpoints.fhir,
      FHIR__RESOLUTION: 'Create',
      COSMOS__ENDPOINT: pipeline.endpoints.cosmos,
      COSMOS__KEY: 'local',
      MAPPINGS__CONNECTION_STRING: pipeline.endpoints.storageConnectionString,
      FLUSH__MODE: 'inline',
    });
    if (!config.ok) {
      throw new Error(config.problems.join('; '));
    }
    const silent = (): void => undefined;
    const inline = await createAppServices(config.config, {
      logger: { info: silent, warn: silent, error: silent },
      now: () => pipeline.now(),
      owner: 'inline-worker',
    });
    const real = pipeline.services;
    await pipeline.deliver(readMessagesFile(await readFile('samples/messages.ndjson', 'utf8')));
    pipeline.advance(60 * 60_000);
    const { context, lines } = contextWithLog('flushTimer');
    setAppServices(inline);
    try {
      await expect(inline.enqueueFlush([])).rejects.toThrow('FLUSH__MODE is inline');
      for (let run = 0; run < 10 && (await inline.planFlush()).length > 0; run++) {
        await flushTimer({ isPastDue: false } as Timer, context);
      }
    } finally {
      setAppServices(real);
      inline.dispose();
    }

    expect(await real.planFlush()).toEqual([]);
    expect(lines.filter((l) => l.includes('flushTimer flushed')).length).toBeGreaterThan(0);
  });
});

describe('health', () => {
  it('answers 200 with the mapping versions being served', async () => {
    const { context } = contextWithLog('health');
    const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), context);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ status: 'healthy', mappings: { deviceMapping: expect.any(String) } });
  });

  it('answers 503 naming every configuration problem when the app settings are invalid', async () => {
    setAppServices(undefined);
    const saved = { ...process.env };
    delete process.env.FHIR__URL;
    delete process.env.COSMOS__ENDPOINT;
    try {
      const { context } = contextWithLog('health');
      const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), context);
      expect(response.status).toBe(503);
      const reason = (response.jsonBody as { reason: string }).reason;
      expect(reason).toContain('FHIR__URL: required');
      expect(reason).toContain('COSMOS__ENDPOINT: required');
    } finally {
      process.env = saved;
      setAppServices(pipeline.services);
    }
  });

  it('names a foreign error only, in its answer and its log: anyone may call it, and a library may quote data', async () => {
    const failing = {
      ...pipeline.services,
      mappingVersions: () => Promise.reject(new TypeError('could not read {"patientId":"PATIENT-SECRET-42"}')),
    };
    setAppServices(failing);
    try {
      const { context, lines } = contextWithLog('health');
      const response = await health(new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }), context);

      expect(response.status).toBe(503);
      expect(response.jsonBody).toEqual({ status: 'unhealthy', reason: 'TypeError' });
      expect(lines.join('\n')).not.toContain('PATIENT-SECRET-42');
      expect(lines.join('\n')).toContain('TypeError');
    } finally {
      setAppServices(pipeline.services);
    }
  });
});
