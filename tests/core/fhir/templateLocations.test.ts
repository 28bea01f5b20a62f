import { describe, expect, it } from 'vitest';
import { buildObservation } from '../../../shared/core/fhir/buildObservation.js';
import type { CodeValueFhirTemplate, MeasurementGroup } from '../../../shared/core/fhir/contract.js';
import { findFhirTemplate, parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';
import { mergeObservation } from '../../../shared/core/fhir/mergeObservation.js';
import { planObservationGroups } from '../../../shared/core/fhir/planObservationGroups.js';
import { locateFhirTemplate } from '../../../shared/core/fhir/templateLocations.js';
import { isMedTechError } from '../../../shared/core/errors.js';
import { measurement, observationGroup, quantityTemplate, thrownBy } from './support.js';

const ISSUED = '2023-04-05T21:02:59.165Z';
const identity = { patientId: 'p1', deviceId: 'd1' };

// Property names as users write them, in another case here and there: locations name the file's own spelling.
const DAY_COMPONENT =
  '{ "codes": [], "value": { "valueType": "SampledData", "valueName": "hr", "defaultPeriod": 100 } }';
const MAPPING = `{
  "templateType": "CollectionFhir",
  "template": [
    {
      "templateType": "CodeValueFhir",
      "template": {
        "typeName": "heartrate",
        "codes": [],
        "Value": { "valueType": "Quantity", "valueName": "hr" }
      }
    },
    {
      "templateType": "CodeValueFhir",
      "template": {
        "typeName": "bp",
        "PeriodInterval": -1,
        "codes": [],
        "components": [
          { "codes": [], "value": { "valueType": "Quantity", "valueName": "systolic" } },
          { "codes": [], "Value": { "valueType": "SampledData", "valueName": "diastolic", "DefaultPeriod": 1 } }
        ]
      }
    },
    {
      "templateType": "CodeValueFhir",
      "template": {
        "typeName": "dayofhr",
        "periodInterval": 1440,
        "codes": [],
        "Components": [
          ${Array.from({ length: 20 }, () => DAY_COMPONENT).join(',\n          ')}
        ]
      }
    }
  ]
}`;

function template(typeName: string): CodeValueFhirTemplate {
  const parsed = parseFhirMapping(MAPPING);
  if (!parsed.ok) {
    throw new Error(parsed.problems.map((p) => p.message).join('; '));
  }
  const found = findFhirTemplate(parsed.value, typeName);
  if (found === undefined) {
    throw new Error(`no template ${typeName}`);
  }
  return found;
}

function locationOf(error: unknown): unknown {
  return isMedTechError(error) ? error.toRecord().location : error;
}

describe('transform errors locate the FHIR mapping template they come from', () => {
  it('an InvalidQuantityFhirValue of the main value: the value, as the file spells it', () => {
    const group = observationGroup('2023-03-13T10:00:00Z', '2023-03-13T10:00:00Z', {
      hr: [['2023-03-13T10:00:00Z', 'not a number']],
    });
    const error = thrownBy(() => buildObservation(group, template('heartrate'), identity, ISSUED));
    expect(isMedTechError(error) && error.name).toBe('InvalidQuantityFhirValue');
    expect(locationOf(error)).toEqual({
      templateIndex: 0,
      pointer: '/template/0/template/Value',
      line: 9,
      column: 9,
      field: 'hr',
    });
  });

  it("an InvalidQuantityFhirValue of a component, when merged too: the component's value", () => {
    const bp = template('bp');
    const good = observationGroup('2023-03-13T10:00:00Z', '2023-03-13T10:00:00Z', {
      systolic: [['2023-03-13T10:00:00Z', '120']],
    });
    const bad = observationGroup('2023-03-13T10:00:00Z', '2023-03-13T10:00:00Z', {
      systolic: [['2023-03-13T10:00:00Z', '12O']],
    });
    const expected = { templateIndex: 1, pointer: '/template/1/template/components/0/value', line: 19, column: 26 };
    expect(locationOf(thrownBy(() => buildObservation(bad, bp, identity, ISSUED)))).toEqual({
      ...expected,
      field: 'systolic',
    });
    const existing = buildObservation(good, bp, identity, ISSUED);
    expect(locationOf(thrownBy(() => mergeObservation(existing, bad, bp, identity, ISSUED)))).toEqual({
      ...expected,
      field: 'systolic',
    });
  });

  it("too many SampledData slots: the value's defaultPeriod", () => {
    const group = observationGroup('2023-03-13T00:00:00Z', '2023-03-13T01:00:00Z', {
      diastolic: [['2023-03-13T00:30:00Z', '80']],
    });
    const error = thrownBy(() => buildObservation(group, template('bp'), identity, ISSUED));
    expect(isMedTechError(error) && error.message).toContain('SampledData slots');
    expect(locationOf(error)).toEqual({
      templateIndex: 1,
      pointer: '/template/1/template/components/1/Value/DefaultPeriod',
      line: 20,
      column: 91,
      field: 'defaultPeriod',
    });
  });

  it('CorrelationIdNotDefined: the periodInterval of -1', () => {
    const group: MeasurementGroup = {
      key: { deviceId: 'd1', type: 'bp', patientId: 'p1' },
      measurements: [measurement('2023-03-13T10:00:00Z', { systolic: '120' }, { type: 'bp' })],
    };
    const error = thrownBy(() => planObservationGroups(group, template('bp')));
    expect(isMedTechError(error) && error.name).toBe('CorrelationIdNotDefined');
    expect(locationOf(error)).toEqual({
      templateIndex: 1,
      pointer: '/template/1/template/PeriodInterval',
      line: 16,
      column: 9,
      field: 'periodInterval',
    });
  });

  it("an Observation too large for its components: the template's components", () => {
    const group = observationGroup('2023-03-13T00:00:00Z', '2023-03-13T23:59:59.999Z', {
      hr: [['2023-03-13T10:00:00Z', '78']],
    });
    const error = thrownBy(() => buildObservation(group, template('dayofhr'), identity, ISSUED));
    expect(isMedTechError(error) && error.message).toContain('characters of values');
    expect(locationOf(error)).toEqual({
      templateIndex: 2,
      pointer: '/template/2/template/Components',
      line: 30,
      column: 9,
      field: 'components',
    });
  });

  it('a template the parser did not make has no location to give, only the field', () => {
    const group = observationGroup('2023-03-13T10:00:00Z', '2023-03-13T10:00:00Z', {
      hr: [['2023-03-13T10:00:00Z', 'x']],
    });
    const made = quantityTemplate();
    expect(locateFhirTemplate(made)).toEqual({});
    expect(locationOf(thrownBy(() => buildObservation(group, made, identity, ISSUED)))).toEqual({ field: 'hr' });
  });

  it('a member the file does not write: the template itself', () => {
    const heartrate = template('heartrate');
    expect(locateFhirTemplate(heartrate, 'periodInterval')).toEqual({
      templateIndex: 0,
      pointer: '/template/0/template',
      line: 6,
      column: 7,
    });
  });
});
