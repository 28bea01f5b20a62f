import type { CodeableConcept, Coding, Quantity, SampledData } from '@medplum/fhirtypes';
import { DECIMAL_MAX_DOUBLE, numberStyleReader } from '../dotNetNumbers.js';
import { trimDotNet } from '../dotNetWhiteSpace.js';
import { MedTechError } from '../errors.js';
import type { FhirValueTemplate, MappingCoding, TimedValue } from './contract.js';
import { type DecimalQuantity, setDecimalValue, toDecimalText } from './fhirJson.js';
import { toSampledDataStream } from './sampledData.js';
import { locateFhirTemplate } from './templateLocations.js';

/** The `value[x]` element of an Observation or component, tagged by its FHIR element name. */
export type FhirValueElement =
  | { valueSampledData: SampledData }
  | { valueQuantity: Quantity }
  | { valueString: string }
  | { valueCodeableConcept: CodeableConcept };

/** Every `value[x]` element name of Observation / Observation.component in FHIR R4. */
export const VALUE_ELEMENT_NAMES = [
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const;

/**
 * Builds the `value[x]` of one template value from the group's values (reference-behaviour §3.3).
 * SampledData covers `start..end`; the other types take the latest value (a non-folded group has exactly one).
 * @param template - the template value (or component value)
 * @param values - the group's values for `template.valueName`, sorted by time, non-empty
 * @param start - first SampledData slot, epoch ms
 * @param end - inclusive end of the SampledData stream, epoch ms
 * @param typeName - measurement type, for error messages
 * @param periodEnd - `end` is the last millisecond of an hour or day, standing for its last tick
 * @throws MedTechError InvalidQuantityFhirValue when a Quantity value is not a decimal number
 */
export function toFhirValue(
  template: FhirValueTemplate,
  values: readonly TimedValue[],
  start: number,
  end: number,
  typeName: string,
  periodEnd = false,
): FhirValueElement {
  switch (template.valueType) {
    case 'SampledData':
      return { valueSampledData: toSampledData(template, values, start, end, periodEnd) };
    case 'Quantity': {
      const read = readDecimal(latest(values));
      const value = read === undefined ? undefined : decimalOf(read);
      if (read === undefined || value === undefined) {
        throw new MedTechError(
          'InvalidQuantityFhirValue',
          'FHIRConversion',
          `Value '${template.valueName}' of type '${typeName}' is not a decimal number`,
          { location: { ...locateFhirTemplate(template), field: template.valueName } },
        );
      }
      const quantity: DecimalQuantity = {};
      setDecimalValue(quantity, value, toDecimalText(read.negative, read.number));
      setIfDefined(quantity, 'unit', template.unit);
      setIfDefined(quantity, 'system', template.system);
      setIfDefined(quantity, 'code', template.code);
      return { valueQuantity: quantity };
    }
    case 'String':
      // Trimmed as MedTech's FHIR serializer (Firely's) wrote every string, and Azure's FHIR service stores them.
      return { valueString: toFhirString(latest(values)) };
    case 'CodeableConcept': {
      // The measured value is not used: its presence means the concept applies.
      const concept: CodeableConcept = {};
      setIfDefined(concept, 'text', template.text);
      if (template.codes.length > 0) {
        concept.coding = template.codes.map(toCoding);
      }
      return { valueCodeableConcept: concept };
    }
  }
}

/**
 * Builds a SampledData for a template: origin `{value: 0, unit}`, `period` = defaultPeriod, one dimension.
 * @param template - a SampledData template value
 * @param values - the values to place
 * @param start - first slot, epoch ms
 * @param end - inclusive end, epoch ms
 * @param periodEnd - `end` is the last millisecond of an hour or day, standing for its last tick
 */
export function toSampledData(
  template: Extract<FhirValueTemplate, { valueType: 'SampledData' }>,
  values: readonly TimedValue[],
  start: number,
  end: number,
  periodEnd = false,
): SampledData {
  const origin: Quantity = { value: 0 };
  setIfDefined(origin, 'unit', template.unit);
  return {
    origin,
    period: template.defaultPeriod,
    dimensions: 1,
    data: toSampledDataStream(
      values,
      start,
      end,
      template.defaultPeriod,
      locateFhirTemplate(template, 'defaultPeriod'),
      periodEnd,
    ),
  };
}

/**
 * Converts a mapping coding to a FHIR Coding (`system`, `code`, `display`; absent or empty ones omitted).
 * @param coding - a coding from the mapping
 */
export function toCoding(coding: MappingCoding): Coding {
  const result: Coding = {};
  setIfDefined(result, 'system', coding.system);
  setIfDefined(result, 'code', coding.code);
  setIfDefined(result, 'display', coding.display);
  return result;
}

// MedTech's `decimal.Parse(text, CultureInfo.InvariantCulture)` (NumberStyles.Number, framed by numberStyleReader),
// with our two decisions: an exponent (ours); no group separators (ours). The number is `\d+(?:\.\d*)?`, not
// `\d+\.?\d*`: two adjacent digit runs backtrack over every split of a long run of digits that fails to match
// (quadratic: minutes for one measurement value, in the flush).
const readDecimal = numberStyleReader('(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?');

/**
 * Parses a measurement value as a FHIR decimal, as MedTech reads it (.NET's `decimal.Parse` with the invariant
 * culture): ASCII white space around; one sign, before the digits or after them (`5-`); digits with an optional
 * decimal point; NULs at the end; a magnitude below 2^96. Two deliberate differences: an exponent is accepted
 * (`1e-7`), and thousands separators are refused (.NET reads `"1,024"` as 1024, but `"72,5"` as 725 too).
 * @param text - the measurement value
 * @returns the number, or `undefined` when the text is not such a decimal
 */
export function toDecimal(text: string): number | undefined {
  const read = readDecimal(text);
  return read === undefined ? undefined : decimalOf(read);
}

/** The number of a decimal {@link readDecimal} read, or `undefined` past a .NET decimal's range. */
function decimalOf(read: { negative: boolean; number: string }): number | undefined {
  const magnitude = Number(read.number);
  // A .NET decimal holds magnitudes below 2^96; a larger value overflows (MedTech: InvalidQuantityFhirValue).
  if (!(magnitude < DECIMAL_MAX_DOUBLE)) {
    return undefined;
  }
  return read.negative ? -magnitude : magnitude;
}

function latest(values: readonly TimedValue[]): string {
  return values[values.length - 1]?.value ?? '';
}

/**
 * A string as it is written to FHIR: without white space at either end, as MedTech's FHIR serializer (Firely's, which
 * trims every string it writes) sent it and as Azure's FHIR service (whose parser trims them too) stores it, so that
 * a merge compares like with like.
 * @param text - a measured value or a text from the mapping
 */
export function toFhirString(text: string): string {
  return trimDotNet(text);
}

// FHIR strings may not be empty: an empty text in the mapping (the docs' steps example has `"unit": ""`), or one of
// white space only, is omitted.
function setIfDefined<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: (T[K] & string) | undefined,
): void {
  const text = value === undefined ? '' : toFhirString(value);
  if (text !== '') {
    target[key] = text as T[K];
  }
}
