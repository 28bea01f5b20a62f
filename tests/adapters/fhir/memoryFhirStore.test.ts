import type { Device, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MemoryFhirStore } from '../../../shared/adapters/fhir/memoryFhirStore.js';
import { escapeSearchValue } from '../../../shared/pipeline/resolveIdentity.js';

const device = (id: string, system: string | undefined, value: string): Device & { id: string } => ({
  resourceType: 'Device',
  id,
  identifier: [system === undefined ? { value } : { system, value }],
});

describe('MemoryFhirStore', () => {
  const store = new MemoryFhirStore([
    device('a', undefined, 'dev-1'),
    device('b', 'urn:s', 'dev-1'),
    device('c', 'urn:s', 'DEV-2'),
    device('d', 'urn:s|x', 'v,1|2$\\'),
    { resourceType: 'Patient', id: 'p', identifier: [{ value: 'dev-1' }] },
  ]);
  const ids = async (token: string): Promise<string[]> =>
    (await store.search<Device>('Device', { identifier: token })).map((d) => d.id ?? '');

  it('searches identifier tokens: any system, no system, a system; values ignoring case; escapes', async () => {
    expect(await ids('dev-1')).toEqual(['a', 'b']);
    expect(await ids('|dev-1')).toEqual(['a']);
    expect(await ids('urn:s|dev-1')).toEqual(['b']);
    expect(await ids('URN:S|dev-2')).toEqual(['c']);
    expect(await ids('dev-')).toEqual([]);
    expect(await ids(`${escapeSearchValue('urn:s|x')}|${escapeSearchValue('v,1|2$\\')}`)).toEqual(['d']);
    await expect(store.search('Device', { name: 'x' })).rejects.toThrow('by identifier only');
  });

  it('reads, writes with a version guard, and keeps the current version as the history', async () => {
    const own = new MemoryFhirStore([{ resourceType: 'Patient', id: 'p' }]);
    const read = await own.read<Patient>('Patient', 'p');
    expect(read?.meta?.versionId).toBe('1');
    expect(await own.update<Patient>({ resourceType: 'Patient', id: 'p' }, { ifMatchVersionId: '2' })).toEqual({
      kind: 'conflict',
      status: 412,
    });
    const saved = await own.update<Patient>(
      { resourceType: 'Patient', id: 'p', active: true },
      { ifMatchVersionId: '1' },
    );
    expect(saved).toMatchObject({
      kind: 'saved',
      created: false,
      resource: { active: true, meta: { versionId: '2' } },
    });
    expect(await own.update<Patient>({ resourceType: 'Patient', id: 'q' })).toMatchObject({ created: true });
    expect((await own.history<Patient>('Patient', 'p')).map((p) => p.meta?.versionId)).toEqual(['2']);
    expect(await own.history('Patient', 'none')).toEqual([]);
    expect(await own.read('Patient', 'none')).toBeUndefined();
    expect(own.resources().map((r) => r.id)).toEqual(['p', 'q']);
    expect(own.requestCount()).toBe(7);
  });

  it('hands out copies: changing what it returned changes nothing it holds', async () => {
    const [found] = await store.search<Device>('Device', { identifier: 'urn:s|dev-1' });
    found?.identifier?.push({ value: 'other' });
    expect(await ids('other')).toEqual([]);
  });
});
