/**
 * The dead-letter admin endpoints, called as the Functions host calls them, on the real replay use case with stores
 * that fail on demand.
 */
import { readFile } from 'node:fs/promises';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { replayDeadLetters as replayHandler } from '../../functions/deadLetters.js';
import { setAppServices } from '../../shared/app/appServices.js';
import type { AppServices } from '../../shared/app/createAppServices.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import { toDeadLetterDocument } from '../../shared/core/staging/deadLetter.js';
import { replayDeadLetters } from '../../shared/pipeline/replayDeadLetters.js';
import type { DeadLetterStore, StagingStore } from '../../shared/pipeline/stagingPorts.js';

afterEach(() => {
  setAppServices(undefined);
});

describe('replayDeadLetters', () => {
  it('when a store fails part-way, then the 503 answer and the log name the failure without quoting its text', async () => {
    const parsed = parseDeviceMapping(await readFile('samples/devicecontent.json', 'utf8'));
    if (!parsed.ok) {
      throw new Error('the sample device mapping is invalid');
    }
    const mapping = parsed.value;
    const letter = toDeadLetterDocument({
      error: { name: 'DeviceNotFound', stage: 'FHIRConversion', severity: 'non-blocking', message: 'no Device' },
      time: '2024-05-01T10:20:00.000Z',
      subject: {
        kind: 'measurements',
        measurements: [
          {
            type: 'HeartRate',
            occurrenceTimeUtc: '2024-05-01T10:00:00.000Z',
            ingestionTimeUtc: '2024-05-01T10:00:05.000Z',
            deviceId: 'device-7',
            patientId: 'patient-7',
            properties: [{ name: 'hr', value: '70' }],
          },
        ],
      },
    });
    const deadLetters: DeadLetterStore = {
      addDeadLetters: () => Promise.resolve([]),
      listDeadLetters: () => Promise.resolve({ items: [{ ...letter, etag: '"1"' }] }),
      deleteDeadLetters: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
    };
    // A store failure whose text quotes what it was given, as a library's error may.
    const staging: StagingStore = {
      stageBatch: () => Promise.reject(new Error('write refused: {"patientId":"patient-7"}')),
      listClosedUnits: () => Promise.resolve([]),
      readUnit: () => Promise.resolve({ documents: [], measurements: [], malformed: 0 }),
      deleteDocuments: () => Promise.resolve({ deleted: 0, missing: 0, changed: 0 }),
    };
    const now = (): Date => new Date('2024-05-01T11:00:00.000Z');
    setAppServices({
      replayDeadLetters: (options) => replayDeadLetters(mapping, { staging, deadLetters, now }, options),
    } as Pick<AppServices, 'replayDeadLetters'> as AppServices);
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'replayDeadLetters',
      logHandler: (level, ...args) => lines.push(`${level} ${args.map(String).join(' ')}`),
    });

    const response = await replayHandler(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/deadletters/replay', body: { string: '{}' } }),
      context,
    );

    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({ error: 'The replay stopped: Error', summary: { deleted: 0 } });
    expect(JSON.stringify(response.jsonBody)).not.toContain('patient-7');
    expect(lines.some((line) => line.startsWith('warning replayDeadLetters failed'))).toBe(true);
    expect(lines.join('\n')).not.toContain('patient-7');
  });
});
