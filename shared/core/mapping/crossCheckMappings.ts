import type { FhirMapping } from '../fhir/contract.js';
import { findFhirTemplate } from '../fhir/fhirMapping.js';
import type { DeviceMapping } from './deviceMapping.js';
import type { MappingProblem } from './problems.js';
import { toPointer } from './locate.js';

/**
 * Cross-checks a device mapping against a FHIR destination mapping, as MedTech's mapping debugger does
 * (reference-behaviour §8). Only warnings: a device template whose `typeName` has no FHIR template (looked up
 * case-insensitively, as at run time), and a device `valueName` the FHIR template uses neither as its value nor
 * in a component (value names are case-sensitive), so it would never reach an Observation. Locations point into
 * the device mapping (template index and JSON pointer; no line/column).
 * @param device - the parsed device mapping
 * @param fhir - the parsed FHIR mapping
 * @returns the warnings, in device template order
 */
export function crossCheckMappings(device: DeviceMapping, fhir: FhirMapping): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const available = [...fhir.templates.values()].map((t) => t.typeName);
  for (const template of device.templates) {
    const fhirTemplate = findFhirTemplate(fhir, template.typeName);
    if (fhirTemplate === undefined) {
      problems.push({
        severity: 'warning',
        name: 'TemplateNotFound',
        message:
          `No FHIR template has typeName '${template.typeName}' (compared case-insensitively; check the spelling); ` +
          `its measurements would fail with TemplateNotFound. FHIR templates: ${list(available)}`,
        location: {
          templateIndex: template.index,
          pointer: toPointer(['template', template.index, 'template', 'typeName']),
          field: 'typeName',
        },
      });
      continue;
    }
    const used = [
      ...(fhirTemplate.value === undefined ? [] : [fhirTemplate.value.valueName]),
      ...fhirTemplate.components.map((c) => c.value.valueName),
    ].filter((name) => name !== '');
    template.values.forEach((value, valueIndex) => {
      if (used.includes(value.valueName)) {
        return;
      }
      const caseOnly = used.find((name) => name.toLowerCase() === value.valueName.toLowerCase());
      problems.push({
        severity: 'warning',
        name: 'InvalidTemplate',
        message:
          `Value '${value.valueName}' of type '${template.typeName}' is not used by the FHIR template ` +
          `'${fhirTemplate.typeName}' (its values: ${list(used)})` +
          (caseOnly === undefined ? '' : `; value names are case-sensitive: did you mean '${caseOnly}'?`) +
          '; it will not appear in Observations',
        location: {
          templateIndex: template.index,
          pointer: toPointer(['template', template.index, 'template', 'values', valueIndex, 'valueName']),
          field: 'valueName',
        },
      });
    });
  }
  return problems;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `'${n}'`).join(', ');
}
