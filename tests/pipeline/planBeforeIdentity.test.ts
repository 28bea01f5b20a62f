/**
 * A flush plans a group's Observations before it resolves the group's identity, as `medtech debug` does: a group
 * missing its correlation id under a `-1` template is set aside as CorrelationIdNotDefined, not as the identity's
 * error, and no identity is resolved (with Create: no Patient or Device written) for a group that can make no
 * Observation. (A review found a reordering that broke both.)
 */
import { describe, expect, it } from 'vitest';
import { MemoryFhirStore } from '../../shared/adapters/fhir/memoryFhirStore.js';
import type { FhirMapping } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import type { FhirStore } from '../../shared/pipeline/ports.js';
import { createIdentityResolver } from '../../shared/pipeline/resolveIdentity.js';
import { transformAndPersist } from '../../shared/pipeline/transformAndPersist.js';
import { heartRateTemplate } from './fixtures.js';

const session: FhirMapping = {
  templates: new Map([['heartrate', { ...heartRateTemplate, periodInterval: -1 as const }]]),
};

/** A heart-rate reading without correlation id: a `-1` template cannot plan it. */
const reading: Measurement = {
  type: 'heartrate',
  occurrenceTimeUtc: '2024-05-01T10:10:00Z',
  ingestionTimeUtc: '2024-05-01T10:10:00Z',
  deviceId: 'no-session-dev',
  patientId: 'no-session-pat',
  properties: [{ name: 'hr', value: '70' }],
};

describe('a group its template cannot plan (no correlation id under periodInterval -1)', () => {
  it('is set aside as CorrelationIdNotDefined, as medtech debug says, even when its Device is unknown (Lookup)', async () => {
    const store = new MemoryFhirStore();
    const summary = await transformAndPersist([reading], {
      mapping: session,
      store,
      identity: createIdentityResolver(store, { resolutionType: 'Lookup' }),
      now: () => Date.parse('2024-05-01T12:00:00Z'),
    });

    expect(summary.errors.map((e) => e.error.name)).toEqual(['CorrelationIdNotDefined']);
  });

  it('writes no Patient or Device for it with Create', async () => {
    const inner = new MemoryFhirStore();
    const written: string[] = [];
    const store: FhirStore = {
      search: (type, query) => inner.search(type, query),
      read: (type, id) => inner.read(type, id),
      history: (type, id) => inner.history(type, id),
      update: (resource, options) => {
        written.push(resource.resourceType);
        return inner.update(resource, options);
      },
      requestCount: () => inner.requestCount(),
    };
    const summary = await transformAndPersist([reading], {
      mapping: session,
      store,
      identity: createIdentityResolver(store, { resolutionType: 'Create' }),
      now: () => Date.parse('2024-05-01T12:00:00Z'),
    });

    expect(summary.errors.map((e) => e.error.name)).toEqual(['CorrelationIdNotDefined']);
    expect(written).toEqual([]);
  });
});
