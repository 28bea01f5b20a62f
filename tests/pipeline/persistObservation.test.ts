import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { createFhirStore } from '../../shared/adapters/fhir/createFhirStore.js';
import { toObservationId, toObservationIdentifier } from '../../shared/core/fhir/index.js';
import type { CodeValueFhirTemplate, ResolvedIdentity } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { startFhirServer } from '../../shared/local/fhirServer.js';
import type { FhirServer } from '../../shared/local/fhirServer.js';
import { persistObservation } from '../../shared/pipeline/persistObservation.js';
import type { FhirStore, FhirUpdateResult } from '../../shared/pipeline/ports.js';
import {
  cutShortSearches,
  heartRate,
  heartRateTemplate,
  onlyObservationGroup,
  sampledValues,
  versionedUpdateStore,
} from './fixtures.js';

let server: FhirServer;
let store: FhirStore;

beforeAll(async () => {
  server = await startFhirServer({ port: 0 });
  store = createFhirStore({ baseUrl: server.url });
});

afterAll(async () => {
  await server.close();
});

const ISSUED = '2024-05-01T12:00:00.000Z';

function input(identity: ResolvedIdentity, times: Record<string, string>): Parameters<typeof persistObservation>[1] {
  const measurements = Object.entries(times).map(([time, hr]) => heartRate('dev', time, hr));
  return { group: onlyObservationGroup(measurements), template: heartRateTemplate, identity, issued: ISSUED };
}

/** The heart-rate template with a String `status` component: a writer may hold a status or not. */
const withStatus: CodeValueFhirTemplate = {
  ...heartRateTemplate,
  components: [{ codes: [{ code: 'status' }], value: { valueType: 'String', valueName: 'status' } }],
};

/** A heart rate (when `hr` is given) and a status (when `status` is) at one time. */
function reading(time: string, values: { hr?: string; status?: string }): Measurement {
  const properties = Object.entries(values).map(([name, value]) => ({ name, value }));
  return { ...heartRate('dev', time, ''), properties };
}

function idOf(data: Parameters<typeof persistObservation>[1]): string {
  return toObservationId(toObservationIdentifier(data.identity, data.group));
}

/**
 * A store whose `update` calls wait until `parties` of them have been made, so concurrent writers really race:
 * all of them read before any of them writes. Counts conflicts.
 */
function racingStore(inner: FhirStore, parties: number): FhirStore & { conflicts: number } {
  let waiting: (() => void)[] = [];
  let armed = true;
  const wrapper = {
    ...inner,
    conflicts: 0,
    async update<T extends Parameters<FhirStore['update']>[0]>(
      resource: T,
      options?: Parameters<FhirStore['update']>[1],
    ) {
      if (armed) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === parties) {
            armed = false;
            waiting.forEach((release) => release());
            waiting = [];
          }
        });
      }
      const result = (await inner.update(resource, options)) as FhirUpdateResult<never>;
      if (result.kind === 'conflict') {
        wrapper.conflicts += 1;
      }
      return result;
    },
  };
  return wrapper as unknown as FhirStore & { conflicts: number };
}

/**
 * Runs `write` with the clock `ms` ahead, so that the embedded server (which runs in this process) stamps what it
 * writes then with a `meta.lastUpdated` that much later than the writes before. Only `Date` is faked.
 */
async function later<T>(ms: number, write: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
  try {
    return await write();
  } finally {
    vi.useRealTimers();
  }
}

/** The store with a search that finds nothing: its writer searched before any creator had written. */
function searchedTooEarly(inner: FhirStore): FhirStore {
  return { ...inner, search: () => Promise.resolve([]) };
}

describe('persistObservation', () => {
  it('creates a new Observation at its deterministic id', async () => {
    const data = input({ patientId: 'p1', deviceId: 'create' }, { '2024-05-01T10:00:00Z': '70' });

    const outcome = await persistObservation(store, data);

    const stored = await store.read<Observation>('Observation', idOf(data));
    expect(outcome).toBe('created');
    expect(stored?.status).toBe('final');
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '70' });
  });

  it('merges a second call into the same Observation with If-Match', async () => {
    const identity = { patientId: 'p1', deviceId: 'merge' };
    await persistObservation(store, input(identity, { '2024-05-01T10:00:00Z': '70' }));

    const outcome = await persistObservation(store, input(identity, { '2024-05-01T10:30:00Z': '75' }));

    const stored = await store.read<Observation>(
      'Observation',
      idOf(input(identity, { '2024-05-01T10:00:00Z': '70' })),
    );
    expect(outcome).toBe('updated');
    expect(stored?.status).toBe('amended');
    expect(sampledValues(stored)).toEqual({ '2024-05-01T10:00:00.000Z': '70', '2024-05-01T10:30:00.000Z': '75' });
  });

  it('writes nothing when the same data is persisted again', async () => {
    const data = input({ patientId: 'p1', deviceId: 'noop' }, { '2024-05-01T10:00:00Z': '70' });
    await persistObservation(store, data);
    const versionsBefore = await store.history('Observation', idOf(data));

    const outcome = await persistObservation(store, data);

    expect(outcome).toBe('noop');
    expect(await store.history('Observation', idOf(data))).toHaveLength(versionsBefore.length);
  });

  it('keeps both values when two writers merge into the same Observation at once (412, re-read, merge)', async () => {
    const identity = { patientId: 'p1', deviceId: 'contention' };
    await persistObservation(store, input(identity, { '2024-05-01T10:00:00Z': '70' }));
    const racing = racingStore(store, 2);

    const outcomes = await Promise.all([
      persistObservation(racing, input(identity, { '2024-05-01T10:10:00Z': '71' })),
      persistObservation(racing, input(identity, { '2024-05-01T10:20:00Z': '72' })),
    ]);

    const stored = await store.read<Observation>(
      'Observation',
      idOf(input(identity, { '2024-05-01T10:00:00Z': '70' })),
    );
    expect(outcomes).toEqual(['updated', 'updated']);
    expect(racing.conflicts).toBe(1);
    expect(sampledValues(stored)).toEqual({
      '2024-05-01T10:00:00.000Z': '70',
      '2024-05-01T10:10:00.000Z': '71',
      '2024-05-01T10:20:00.000Z': '72',
    });
  });

  // On the embedded server the second creator's PUT replaces the first's version, and the values come back from the
  // history; on one that wants If-Match on every update it is refused, and the second creator merges at once.
  it.each([
    ['that lets a PUT replace a version', 'double-create', (inner: FhirStore) => inner],
    ['that wants If-Match on every update', 'double-create-versioned-update', versionedUpdateStore],
  ])(
    'keeps both values when two writers create the same new Observation at once, on a server %s',
    async (_what, device, server) => {
      const identity = { patientId: 'p1', deviceId: device };
      const racing = racingStore(server(store), 2);

      const outcomes = await Promise.all([
        persistObservation(racing, input(identity, { '2024-05-01T10:10:00Z': '81' })),
        persistObservation(racing, input(identity, { '2024-05-01T10:20:00Z': '82' })),
      ]);

      const stored = await store.read<Observation>(
        'Observation',
        idOf(input(identity, { '2024-05-01T10:10:00Z': '81' })),
      );
      expect([...outcomes].sort()).toEqual(['created', 'updated']);
      expect(sampledValues(stored)).toEqual({ '2024-05-01T10:10:00.000Z': '81', '2024-05-01T10:20:00.000Z': '82' });
      expect(stored?.status).toBe('amended');
    },
  );

  it.each([
    ['that lets a PUT replace a version', 'status-create', (inner: FhirStore) => inner],
    ['that wants If-Match on every update', 'status-create-versioned-update', versionedUpdateStore],
  ])(
    'keeps a component only one of two writers creating the same Observation at once had, on a server %s',
    async (_what, device, server) => {
      const identity = { patientId: 'p1', deviceId: device };
      const data = (values: Measurement[]): Parameters<typeof persistObservation>[1] => ({
        group: onlyObservationGroup(values, withStatus),
        template: withStatus,
        identity,
        issued: ISSUED,
      });
      const withOk = data([reading('2024-05-01T10:10:00Z', { hr: '81', status: 'ok' })]);
      const racing = racingStore(server(store), 2);

      await Promise.all([
        persistObservation(racing, withOk),
        persistObservation(racing, data([reading('2024-05-01T10:20:00Z', { hr: '82' })])),
      ]);

      const stored = await store.read<Observation>('Observation', idOf(withOk));
      expect(sampledValues(stored)).toEqual({ '2024-05-01T10:10:00.000Z': '81', '2024-05-01T10:20:00.000Z': '82' });
      expect(stored?.component?.map((c) => c.valueString)).toEqual(['ok']);
    },
  );

  it.each([3, 5])('keeps every value when %i writers create the same new Observation at once', async (writers) => {
    const identity = { patientId: 'p1', deviceId: `create-${writers}` };
    const racing = racingStore(store, writers);
    const minutes = Array.from({ length: writers }, (_, i) => 10 + i * 10);
    const data = (minute: number) => input(identity, { [`2024-05-01T10:${minute}:00Z`]: String(80 + minute / 10) });

    const outcomes = await Promise.all(minutes.map((minute) => persistObservation(racing, data(minute))));

    const stored = await store.read<Observation>('Observation', idOf(data(10)));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(sampledValues(stored)).toEqual(
      Object.fromEntries(minutes.map((m) => [`2024-05-01T10:${m}:00.000Z`, String(80 + m / 10)])),
    );
  });

  it('on a server that numbers versions, reads no history before merging into a version 1', async () => {
    const identity = { patientId: 'p1', deviceId: 'numbered' };
    await persistObservation(store, input(identity, { '2024-05-01T10:00:00Z': '70' }));
    const id = idOf(input(identity, { '2024-05-01T10:00:00Z': '70' }));
    const asVersionOne = (o: Observation): Observation => ({ ...o, meta: { ...o.meta, versionId: '1' } });
    let historyReads = 0;
    const numbered: FhirStore = {
      ...store,
      search: (async (type: 'Observation', query: Readonly<Record<string, string>>) =>
        (await store.search<Observation>(type, query)).map(asVersionOne)) as FhirStore['search'],
      history: (type, historyId) => {
        historyReads += 1;
        return store.history(type, historyId);
      },
      // The embedded server's own version ids are opaque: write over whatever version is current.
      update: (resource) => store.update(resource),
    };

    const outcome = await persistObservation(numbered, input(identity, { '2024-05-01T10:30:00Z': '75' }));

    expect(outcome).toBe('updated');
    expect(historyReads).toBe(0);
    expect(sampledValues(await store.read<Observation>('Observation', id))).toEqual({
      '2024-05-01T10:00:00.000Z': '70',
      '2024-05-01T10:30:00.000Z': '75',
    });
  });

  it('keeps the values of two racers when a third, which searched before them, replaces the restore of the second and dies', async () => {
    const racing: ResolvedIdentity = { patientId: 'p1', deviceId: 'late-creator-dies' };
    // Each racer's flush writes its own issued.
    const data = (time: string, hr: string, issued: string): Parameters<typeof persistObservation>[1] => ({
      group: onlyObservationGroup([heartRate('dev', time, hr)]),
      template: heartRateTemplate,
      identity: racing,
      issued,
    });
    const searchedTooEarly = (inner: FhirStore): FhirStore => ({ ...inner, search: () => Promise.resolve([]) });
    const id = toObservationId(toObservationIdentifier(racing, data('2024-05-01T10:10:00Z', '81', ISSUED).group));
    await persistObservation(store, data('2024-05-01T10:10:00Z', '81', '2024-05-01T12:00:00.000Z'));
    // B searched before A's create: it replaces it, then restores A's value (an amended version).
    await persistObservation(searchedTooEarly(store), data('2024-05-01T10:20:00Z', '82', '2024-05-01T12:00:01.000Z'));
    // C searched before both: it replaces B's restore and dies before its own.
    const dying: FhirStore = { ...searchedTooEarly(store), history: () => Promise.reject(new Error('C died')) };
    await expect(
      persistObservation(dying, data('2024-05-01T10:30:00Z', '83', '2024-05-01T12:00:02.000Z')),
    ).rejects.toThrow('C died');

    // C's unit is flushed again (or the next window of the hour comes): it finds C's final version and merges.
    await persistObservation(store, data('2024-05-01T10:40:00Z', '84', '2024-05-01T12:15:00.000Z'));

    expect(sampledValues(await store.read<Observation>('Observation', id))).toEqual({
      '2024-05-01T10:10:00.000Z': '81',
      '2024-05-01T10:20:00.000Z': '82',
      '2024-05-01T10:30:00.000Z': '83',
      '2024-05-01T10:40:00.000Z': '84',
    });
  });

  it('keeps a value a user removed from a final Observation later, when a new reading is merged', async () => {
    const identity = { patientId: 'p1', deviceId: 'user-corrected' };
    const first = input(identity, { '2024-05-01T10:00:00Z': '70', '2024-05-01T10:05:00Z': '999' });
    await persistObservation(store, first);
    const written = await store.read<Observation>('Observation', idOf(first));
    if (written?.valueSampledData?.data === undefined) {
      throw new Error('expected the created Observation');
    }
    // Twenty minutes later a user replaces the wrong 999 by E (no value) and leaves the status final.
    const corrected: Observation & { id: string } = {
      ...written,
      id: idOf(first),
      valueSampledData: { ...written.valueSampledData, data: written.valueSampledData.data.replace('999', 'E') },
    };
    const saved = await later(20 * 60_000, () =>
      store.update(corrected, { ifMatchVersionId: written.meta?.versionId ?? '' }),
    );
    expect(saved).toMatchObject({ kind: 'saved', resource: { status: 'final' } });

    const outcome = await later(25 * 60_000, () =>
      persistObservation(store, input(identity, { '2024-05-01T10:30:00Z': '75' })),
    );

    expect(outcome).toBe('updated');
    expect(sampledValues(await store.read<Observation>('Observation', idOf(first)))).toEqual({
      '2024-05-01T10:00:00.000Z': '70',
      '2024-05-01T10:30:00.000Z': '75',
    });
  });

  it.each([
    ['keeping its issued', undefined],
    ['re-issuing it as the correction is saved', 30_000],
  ])('keeps a value a user removed from a merged Observation soon after the merge, %s', async (_, reissueAfterMs) => {
    const identity = { patientId: 'p1', deviceId: `user-corrected-merge-${reissueAfterMs ?? 'kept'}` };
    const first = input(identity, { '2024-05-01T10:00:00Z': '70', '2024-05-01T10:05:00Z': '999' });
    await persistObservation(store, first);
    await persistObservation(store, input(identity, { '2024-05-01T10:10:00Z': '72' }));
    const merged = await store.read<Observation>('Observation', idOf(first));
    if (merged?.valueSampledData?.data === undefined) {
      throw new Error('expected the merged Observation');
    }
    // A user replaces the wrong 999 by E (no value) and sets the status back to final.
    await store.update(
      {
        ...merged,
        id: idOf(first),
        status: 'final',
        ...(reissueAfterMs === undefined ? {} : { issued: new Date(Date.now() + reissueAfterMs).toISOString() }),
        valueSampledData: { ...merged.valueSampledData, data: merged.valueSampledData.data.replace('999', 'E') },
      },
      { ifMatchVersionId: merged.meta?.versionId ?? '' },
    );

    await persistObservation(store, input(identity, { '2024-05-01T10:30:00Z': '75' }));

    expect(merged.status).toBe('amended');
    expect(sampledValues(await store.read<Observation>('Observation', idOf(first)))).toEqual({
      '2024-05-01T10:00:00.000Z': '70',
      '2024-05-01T10:10:00.000Z': '72',
      '2024-05-01T10:30:00.000Z': '75',
    });
  });

  it('still puts back, on a rerun, the values a replacing create took a moment after the first create', async () => {
    // As the user's correction above, but 14 minutes after the create (within the 15-minute bound), by a creator that
    // then died.
    const identity = { patientId: 'p1', deviceId: 'replaced-within-bound' };
    const first = input(identity, { '2024-05-01T10:00:00Z': '70', '2024-05-01T10:05:00Z': '71' });
    await persistObservation(store, first);
    const dying: FhirStore = {
      ...searchedTooEarly(store),
      history: () => Promise.reject(new Error('the worker died here')),
    };
    await expect(
      later(14 * 60_000, () => persistObservation(dying, input(identity, { '2024-05-01T10:10:00Z': '72' }))),
    ).rejects.toThrow('the worker died here');

    await persistObservation(store, input(identity, { '2024-05-01T10:30:00Z': '75' }));

    expect(sampledValues(await store.read<Observation>('Observation', idOf(first)))).toEqual({
      '2024-05-01T10:00:00.000Z': '70',
      '2024-05-01T10:05:00.000Z': '71',
      '2024-05-01T10:10:00.000Z': '72',
      '2024-05-01T10:30:00.000Z': '75',
    });
  });

  it('keeps every value when a late creator replaces the version another creator restored', async () => {
    const identity = { patientId: 'p1', deviceId: 'late-creator' };
    const data = (time: string, hr: string) => input(identity, { [time]: hr });
    await persistObservation(store, data('2024-05-01T10:10:00Z', '81'));
    // B's create replaces A's and B restores A's value (an amended version); C, which searched before A's create,
    // then replaces that.
    expect(await persistObservation(searchedTooEarly(store), data('2024-05-01T10:20:00Z', '82'))).toBe('updated');
    const restoredByB = await store.read<Observation>('Observation', idOf(data('2024-05-01T10:10:00Z', '81')));
    expect(restoredByB?.status).toBe('amended');

    const outcome = await persistObservation(searchedTooEarly(store), data('2024-05-01T10:30:00Z', '83'));

    expect(outcome).toBe('updated');
    expect(
      sampledValues(await store.read<Observation>('Observation', idOf(data('2024-05-01T10:10:00Z', '81')))),
    ).toEqual({
      '2024-05-01T10:10:00.000Z': '81',
      '2024-05-01T10:20:00.000Z': '82',
      '2024-05-01T10:30:00.000Z': '83',
    });
  });

  it('ignores an Observation the server matched whose identifier is not exactly ours', async () => {
    const data = input({ patientId: 'exact', deviceId: 'exact-dev' }, { '2024-05-01T10:00:00Z': '70' });
    const identifier = toObservationIdentifier(data.identity, data.group);
    await store.update({
      resourceType: 'Observation',
      id: 'upper-case-twin',
      status: 'final',
      code: { text: 'heartrate' },
      identifier: [{ system: identifier.system, value: identifier.value.toUpperCase() }],
    });
    const returned = await store.search('Observation', { identifier: `${identifier.system}|${identifier.value}` });

    const outcome = await persistObservation(store, data);

    expect(returned.map((o) => o.id)).toEqual(['upper-case-twin']);
    expect(outcome).toBe('created');
    expect(await store.read('Observation', idOf(data))).toBeDefined();
  });

  it('fails with MultipleResourceFound when two Observations have exactly our identifier', async () => {
    const data = input({ patientId: 'p1', deviceId: 'twins' }, { '2024-05-01T10:00:00Z': '70' });
    const identifier = toObservationIdentifier(data.identity, data.group);
    for (const id of ['twin-1', 'twin-2']) {
      await store.update({
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { text: 'x' },
        identifier: [identifier],
      });
    }

    const error = await persistObservation(store, data).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'MultipleResourceFound', retriable: false });
  });

  it('refuses a search cut short (a next link not followed) before an exact match, and merges when one is found', async () => {
    // Every answer ends with a next link the store did not follow: a later page may hold our Observation.
    const cutShort = cutShortSearches(store);
    const missing = input({ patientId: 'p1', deviceId: 'cut-short-missing' }, { '2024-05-01T10:00:00Z': '70' });
    const found = input({ patientId: 'p1', deviceId: 'cut-short-found' }, { '2024-05-01T10:00:00Z': '70' });
    await persistObservation(store, found);

    const error = await persistObservation(cutShort, missing).catch((e: unknown) => e);
    const merged = await persistObservation(cutShort, {
      ...found,
      ...input({ patientId: 'p1', deviceId: 'cut-short-found' }, { '2024-05-01T10:00:30Z': '71' }),
    });

    expect(error).toMatchObject({ name: 'MultipleResourceFound', stage: 'Persist', retriable: false });
    expect(await store.read('Observation', idOf(missing))).toBeUndefined();
    expect(merged).toBe('updated');
  });

  it('gives up with a retriable error when every write meets a version conflict', async () => {
    const data = input({ patientId: 'p1', deviceId: 'always-conflict' }, { '2024-05-01T10:00:00Z': '70' });
    await persistObservation(store, data);
    const conflicting: FhirStore = {
      ...store,
      update: () => Promise.resolve({ kind: 'conflict', status: 412 }),
    };

    const error = await persistObservation(conflicting, input(data.identity, { '2024-05-01T10:05:00Z': '71' }), {
      maxWriteAttempts: 3,
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true });
  });

  it('gives up retriably when restoring after a replacing create keeps conflicting, and a rerun restores', async () => {
    const identity = { patientId: 'p1', deviceId: 'restore-contended' };
    const first = input(identity, { '2024-05-01T10:10:00Z': '81' });
    const second = input(identity, { '2024-05-01T10:20:00Z': '82' });
    await persistObservation(store, first);
    let guardedWrites = 0;
    // The second writer's search missed the first's create (it raced), and every guarded write it tries conflicts.
    const contended: FhirStore = {
      ...store,
      search: () => Promise.resolve([]),
      update: (resource, options) => {
        if (options?.ifMatchVersionId !== undefined) {
          guardedWrites += 1;
          return Promise.resolve({ kind: 'conflict', status: 412 });
        }
        return store.update(resource, options);
      },
    };

    const error = await persistObservation(contended, second, { maxWriteAttempts: 3 }).catch((e: unknown) => e);
    const replaced = await store.read<Observation>('Observation', idOf(first));
    const rerun = await persistObservation(store, second);

    expect(error).toMatchObject({ name: 'FhirServiceError', retriable: true });
    expect(guardedWrites).toBe(3);
    // Between the two, the first writer's value was missing: the unit stays staged, and its rerun puts it back.
    expect(sampledValues(replaced)).toEqual({ '2024-05-01T10:20:00.000Z': '82' });
    expect(rerun).toBe('updated');
    expect(sampledValues(await store.read<Observation>('Observation', idOf(first)))).toEqual({
      '2024-05-01T10:10:00.000Z': '81',
      '2024-05-01T10:20:00.000Z': '82',
    });
  });

  it('puts back, on a rerun, the value a replacing create took from a template of two Quantity-like values', async () => {
    // No SampledData: one Observation per time, and two writers of one time may each hold a different value.
    const template: CodeValueFhirTemplate = {
      ...withStatus,
      value: { valueType: 'Quantity', valueName: 'hr', unit: 'count/min' },
    };
    const identity = { patientId: 'p1', deviceId: 'quantity-replaced' };
    const at = '2024-05-01T10:10:00Z';
    const data = (values: { hr?: string; status?: string }): Parameters<typeof persistObservation>[1] => ({
      group: onlyObservationGroup([reading(at, values)], template),
      template,
      identity,
      issued: ISSUED,
    });
    await persistObservation(store, data({ hr: '81' }));
    // The second writer's search missed the first's create, and it failed before its guarded restore.
    const failing: FhirStore = {
      ...store,
      search: () => Promise.resolve([]),
      history: () => Promise.reject(new Error('the worker died here')),
    };

    await expect(persistObservation(failing, data({ status: 'ok' }))).rejects.toThrow('the worker died here');
    const replaced = await store.read<Observation>('Observation', idOf(data({ hr: '81' })));
    const rerun = await persistObservation(store, data({ status: 'ok' }));

    const stored = await store.read<Observation>('Observation', idOf(data({ hr: '81' })));
    expect(replaced?.valueQuantity).toBeUndefined();
    expect(rerun).toBe('updated');
    expect(stored?.valueQuantity?.value).toBe(81);
    expect(stored?.component?.map((c) => c.valueString)).toEqual(['ok']);
  });
});
