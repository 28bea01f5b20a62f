import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { ResolvedIdentity } from '../../../shared/core/fhir/contract.js';
import {
  buildObservation,
  findFhirTemplate,
  groupMeasurements,
  parseFhirMapping,
  planObservationGroups,
} from '../../../shared/core/fhir/index.js';
import type { Measurement } from '../../../shared/core/measurement.js';

const FIXTURES = new URL('../../fixtures/fhir/', import.meta.url);

function read<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(new URL(`${dir}/${file}`, FIXTURES), 'utf8')) as T;
}

function transform(dir: string): Observation[] {
  const parsed = parseFhirMapping(readFileSync(new URL(`${dir}/fhirmapping.json`, FIXTURES), 'utf8'));
  if (!parsed.ok) {
    throw new Error(`${dir}: invalid mapping: ${parsed.problems.map((p) => p.message).join('; ')}`);
  }
  expect(parsed.warnings).toEqual([]);
  const { identity, issued } = read<{ identity: ResolvedIdentity; issued: string }>(dir, 'case.json');
  return groupMeasurements(read<Measurement[]>(dir, 'measurements.json')).flatMap((group) => {
    const template = findFhirTemplate(parsed.value, group.key.type);
    if (template === undefined) {
      throw new Error(`${dir}: no template for ${group.key.type}`);
    }
    return planObservationGroups(group, template).map((og) => buildObservation(og, template, identity, issued));
  });
}

describe('Microsoft documentation examples', () => {
  const dirs = readdirSync(FIXTURES).filter((d) => d.startsWith('docs_'));

  it('has the overview example and the five configure examples', () => {
    expect(dirs.sort()).toEqual([
      'docs_configure_bloodpressure_quantity',
      'docs_configure_bloodpressure_sampleddata',
      'docs_configure_deviceremoved_codeableconcept',
      'docs_configure_heartrate_sampleddata',
      'docs_configure_steps_sampleddata',
      'docs_overview_quantity_heartrate',
    ]);
  });

  for (const dir of dirs) {
    it(`produces the expected Observations for ${dir}`, () => {
      const observations = transform(dir);
      const expected = read<Observation[]>(dir, 'expected.json');
      for (const observation of observations) {
        const identifier = observation.identifier?.[0];
        const text = `${identifier?.system ?? ''}_${identifier?.value ?? ''}`;
        expect(observation.id).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }
      expect(observations.map(({ id: _id, ...rest }) => rest)).toEqual(expected);
    });
  }
});
