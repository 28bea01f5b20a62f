/**
 * Quantity, String and CodeableConcept Observations, and their components, against MedTech's algorithm
 * (reference-behaviour §2, §3.3, §3.4), restated here independently and run on seeded random cases:
 *
 * - Building: `status` final; `code` = the template codes then the service coding (code and display = the group's
 *   type), `text` = the group's type; `category` only when the template has some (a category's empty coding list and
 *   absent text are not written); `effectivePeriod` from the group's boundaries with seven fraction digits; the value
 *   when the group has the template's valueName (not blank); one component per template component whose valueName the
 *   group has, in template order, its code = its codes then the service coding for the valueName. A Quantity parses
 *   its one value as .NET's `decimal.Parse` with the invariant culture does; a String copies it; a CodeableConcept is
 *   the template's text and codes whatever the value.
 * - Merging: the stored resource is copied; `category` is replaced from the template (removed when it has none);
 *   the value is replaced when the group has its valueName and kept otherwise; a template component the group has is
 *   looked up by its service coding (`system` = the service system, `code` = valueName, first match) and its value
 *   replaced, its `code` left as stored, or appended when the Observation lacks it; stored components the group does
 *   not have stay where they are; `effectivePeriod` becomes the union, written with seven fraction digits; when the
 *   copy equals the stored resource nothing is written, otherwise its `status` becomes `amended`.
 *
 * Known differences are named where they are met: two deliberate ones (reference-behaviour / toFhirValue.ts: Quantity
 * values refuse thousands separators and accept exponents; `periodInterval` folds only SampledData, so these
 * templates always make one group per timestamp) and the undeclared ones in "differences from MedTech" below.
 */
import { createHash } from 'node:crypto';
import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isMedTechError } from '../../../shared/core/errors.js';
import { buildObservation } from '../../../shared/core/fhir/buildObservation.js';
import type {
  CodeValueFhirTemplate,
  FhirValueTemplate,
  MappingCoding,
  ObservationGroup,
} from '../../../shared/core/fhir/contract.js';
import { groupMeasurements } from '../../../shared/core/fhir/groupMeasurements.js';
import { toObservationIdentifier } from '../../../shared/core/fhir/identifiers.js';
import { mergeObservation } from '../../../shared/core/fhir/mergeObservation.js';
import { planObservationGroups } from '../../../shared/core/fhir/planObservationGroups.js';
import { toDecimal } from '../../../shared/core/fhir/toFhirValue.js';
import type { Measurement } from '../../../shared/core/measurement.js';
import { seededRandom } from '../../support/seededRandom.js';
import { ms, observationGroup, sampledTemplate } from './support.js';

type Random = (n: number) => number;
type Json = Record<string, unknown>;

/** The system of MedTech's identifier and service codings. */
const SERVICE_SYSTEM = 'https://azure.microsoft.com/en-us/services/iomt-fhir-connector/';
const identity = { patientId: 'p1', deviceId: 'd1' };
const ISSUED = '2019-01-02T00:00:00Z';

// ---------------------------------------------------------------------------------------------------------------
// .NET's decimal.Parse(text, CultureInfo.InvariantCulture): NumberStyles.Number

/** ASCII white space, the only white space .NET's number parsing skips. */
function isNumberSpace(c: string | undefined): boolean {
  return c !== undefined && (c === ' ' || (c >= '\t' && c <= '\r'));
}

interface ParsedDecimal {
  value: number;
  /** The sign was written after the digits (`5-`). */
  trailingSign: boolean;
}

/**
 * A number as .NET's `decimal.Parse` reads it with the invariant culture (`NumberStyles.Number`): white space, then
 * one optional sign directly before the digits; digits, with `,` group separators anywhere after the first digit
 * and before the point (when `groupSeparators`); an optional `.` and fraction digits; at least one digit in all;
 * then white space and, when no sign came first, one sign in any order; any run of NUL characters at the very end.
 * A decimal holds less than 2^96 in magnitude: more overflows. `exponent` adds an optional `e[sign]digits` after the
 * fraction (an `e` without digits fails): our deliberate variant, within the same range.
 */
function parseDecimal(
  text: string,
  { groupSeparators, exponent }: { groupSeparators: boolean; exponent: boolean },
): ParsedDecimal | undefined {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\0') {
    end--;
  }
  let i = 0;
  while (i < end && isNumberSpace(text[i])) {
    i++;
  }
  let sign = '';
  let signed = false;
  if (text[i] === '+' || text[i] === '-') {
    sign = text[i] === '-' ? '-' : '';
    signed = true;
    i++;
  }
  let whole = '';
  let fraction = '';
  let point = false;
  for (; i < end; i++) {
    const c = text[i] as string;
    if (c >= '0' && c <= '9') {
      if (point) {
        fraction += c;
      } else {
        whole += c;
      }
    } else if (c === '.' && !point) {
      point = true;
    } else if (!(c === ',' && groupSeparators && whole !== '' && !point)) {
      break;
    }
  }
  if (whole === '' && fraction === '') {
    return undefined;
  }
  let power = '';
  if (exponent && (text[i] === 'e' || text[i] === 'E')) {
    let j = i + 1;
    let digits = text[j] === '-' || text[j] === '+' ? (text[j++] as string) : '';
    const first = j;
    while (j < end && (text[j] as string) >= '0' && (text[j] as string) <= '9') {
      digits += text[j++] as string;
    }
    if (j > first) {
      power = `e${digits}`;
      i = j;
    }
  }
  let trailingSign = false;
  for (; i < end; i++) {
    const c = text[i];
    if (isNumberSpace(c)) {
      continue;
    }
    if ((c === '+' || c === '-') && !signed) {
      sign = c === '-' ? '-' : '';
      signed = true;
      trailingSign = true;
      continue;
    }
    break;
  }
  if (i !== end) {
    return undefined;
  }
  const value = Number(`${sign}${whole === '' ? '0' : whole}.${fraction === '' ? '0' : fraction}${power}`);
  if (!Number.isFinite(value) || Math.abs(value) >= 2 ** 96) {
    return undefined;
  }
  return { value, trailingSign };
}

/** MedTech's reading of a Quantity value. */
const medTechDecimal = (text: string): ParsedDecimal | undefined =>
  parseDecimal(text, { groupSeparators: true, exponent: false });

/** MedTech's reading with our two deliberate decisions: no thousands separators, exponents accepted. */
const decidedDecimal = (text: string): ParsedDecimal | undefined =>
  parseDecimal(text, { groupSeparators: false, exponent: true });

/** White space JavaScript's `\s` knows and .NET's number parsing does not. */
const NON_ASCII_SPACES = ['\u00a0', '\u2028', '\ufeff', '\u3000'];

// ---------------------------------------------------------------------------------------------------------------
// MedTech's Observation building and merging, on the wire (JSON as written: no nulls, no empty lists)

/** What the FHIR serializer writes of an element: absent and empty-list members left out. */
function pruned(element: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(element)) {
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      out[key] = value;
    }
  }
  return out;
}

function codingOf(code: MappingCoding): Json {
  return pruned({ system: code.system, code: code.code, display: code.display });
}

/** A CodeableConcept of the template codes followed by the service coding for `name`. */
function serviceConcept(name: string, codes: readonly MappingCoding[]): Json {
  return {
    text: name,
    coding: [...codes.map(codingOf), { system: SERVICE_SYSTEM, code: name, display: name }],
  };
}

function categoryOf(template: CodeValueFhirTemplate): Json[] {
  return template.category.map((c) => pruned({ text: c.text, coding: c.codes.map(codingOf) }));
}

/** .NET's round-trip ("o") text of a UTC instant: seven fraction digits. */
function roundTrip(time: number): string {
  return `${new Date(time).toISOString().slice(0, 23)}0000Z`;
}

/** The identifier's time segment: yyyyMMddHHmmss and a literal Z. */
function secondsText(time: number): string {
  return `${new Date(time).toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

const VALUE_KEY = {
  Quantity: 'valueQuantity',
  String: 'valueString',
  CodeableConcept: 'valueCodeableConcept',
  SampledData: 'valueSampledData',
} as const;

class OracleError extends Error {
  constructor(readonly kind: 'InvalidQuantityFhirValue' | 'NotSupported') {
    super(kind);
  }
}

/**
 * MedTech's value of a template value for the group's values of its valueName (one value: a point group). Quantity
 * texts are read with our two deliberate decisions; the random values are ones on which both readings agree.
 */
function valueOf(template: FhirValueTemplate, values: readonly string[]): Json {
  switch (template.valueType) {
    case 'Quantity': {
      const parsed = values.length === 1 ? decidedDecimal(values[0] as string) : undefined;
      if (parsed === undefined) {
        throw new OracleError('InvalidQuantityFhirValue');
      }
      return {
        valueQuantity: pruned({
          value: parsed.value,
          unit: template.unit,
          system: template.system,
          code: template.code,
        }),
      };
    }
    case 'String':
      if (values.length !== 1) {
        throw new Error('a point group has one value');
      }
      // As written: Firely's serializer (Hl7.Fhir 4.3.0, FhirJsonBuilder) trims every string MedTech sends.
      return { valueString: values[0]?.trim() };
    case 'CodeableConcept':
      return { valueCodeableConcept: pruned({ text: template.text, coding: template.codes.map(codingOf) }) };
    case 'SampledData':
      throw new Error('SampledData is covered by sampledDataMergeOracle.test.ts');
  }
}

/** Drops every value[x] of an Observation or component. */
function withoutValue(holder: Json): Json {
  for (const key of Object.keys(holder)) {
    if (/^value[A-Z]/.test(key)) {
      delete holder[key];
    }
  }
  return holder;
}

/** A point group: one time, the values by name. */
interface PointGroup {
  type: string;
  time: number;
  values: Map<string, string[]>;
}

function hasName(template: FhirValueTemplate | undefined, group: PointGroup): template is FhirValueTemplate {
  return template !== undefined && template.valueName.trim() !== '' && group.values.has(template.valueName);
}

/** MedTech's new Observation (identifier, id, subject, device and issued as its import service adds them). */
function medTechCreate(template: CodeValueFhirTemplate, group: PointGroup): Json {
  const identifierValue = `${identity.patientId}.${identity.deviceId}.${group.type}.${secondsText(group.time)}.${secondsText(group.time)}`;
  const observation: Json = {
    resourceType: 'Observation',
    id: createHash('sha256').update(`${SERVICE_SYSTEM}_${identifierValue}`).digest('hex'),
    identifier: [{ system: SERVICE_SYSTEM, value: identifierValue }],
    status: 'final',
    code: serviceConcept(group.type, template.codes),
    subject: { reference: `Patient/${identity.patientId}` },
    device: { reference: `Device/${identity.deviceId}` },
    effectivePeriod: { start: roundTrip(group.time), end: roundTrip(group.time) },
    issued: ISSUED,
  };
  if (template.category.length > 0) {
    observation.category = categoryOf(template);
  }
  if (hasName(template.value, group)) {
    Object.assign(observation, valueOf(template.value, group.values.get(template.value.valueName) ?? []));
  }
  const components: Json[] = [];
  for (const component of template.components) {
    const values = group.values.get(component.value.valueName);
    if (values !== undefined) {
      components.push({
        code: serviceConcept(component.value.valueName, component.codes),
        ...valueOf(component.value, values),
      });
    }
  }
  return pruned({ ...observation, component: components });
}

/** What MedTech does when a value to merge finds a stored value of another type (or none): throw, or (ours) replace. */
type Mismatch = 'throw' | 'replace';

/** MedTech's merge of a point group into a stored Observation. */
function medTechMerge(
  stored: Json,
  template: CodeValueFhirTemplate,
  group: PointGroup,
  mismatch: Mismatch,
): { changed: boolean; observation: Json } {
  const merged = structuredClone(stored);
  delete merged.category;
  if (template.category.length > 0) {
    merged.category = categoryOf(template);
  }
  const period = merged.effectivePeriod as { start: string; end: string };
  let start = ms(period.start);
  let end = ms(period.end);

  const replaceIn = (holder: Json, value: FhirValueTemplate, values: readonly string[]): void => {
    if (!(VALUE_KEY[value.valueType] in holder) && mismatch === 'throw') {
      throw new OracleError('NotSupported');
    }
    const created = valueOf(value, values);
    Object.assign(withoutValue(holder), created);
  };
  if (hasName(template.value, group)) {
    replaceIn(merged, template.value, group.values.get(template.value.valueName) ?? []);
  }
  for (const component of template.components) {
    const name = component.value.valueName;
    const values = group.values.get(name);
    if (values === undefined) {
      continue;
    }
    const components = (merged.component ?? []) as Json[];
    const found = components.find((c) =>
      (((c.code as Json | undefined)?.coding ?? []) as Json[]).some(
        (coding) => coding.code === name && coding.system === SERVICE_SYSTEM,
      ),
    );
    if (found === undefined) {
      merged.component = [
        ...components,
        { code: serviceConcept(name, component.codes), ...valueOf(component.value, values) },
      ];
    } else {
      replaceIn(found, component.value, values);
    }
  }
  start = Math.min(start, group.time);
  end = Math.max(end, group.time);
  merged.effectivePeriod = { start: roundTrip(start), end: roundTrip(end) };
  const changed = canonical(merged) !== canonical(stored);
  if (changed) {
    merged.status = 'amended';
  }
  return { changed, observation: changed ? merged : stored };
}

/** JSON text with object keys sorted: equal texts, equal resources. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A resource as written on the wire. */
function wire(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

/** Our ObservationGroup for a point group. */
function toOurGroup(group: PointGroup): ObservationGroup {
  return {
    typeName: group.type,
    start: group.time,
    end: group.time,
    values: new Map(
      [...group.values].map(([name, values]) => [name, values.map((value) => ({ time: group.time, value }))]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Random templates, measurements and groups

const NAMES = ['hr', 'spo2', 'note', 'flag'];
/** Values on which MedTech's and our Quantity parsing agree, and a few that are not numbers. */
const VALUES = ['78', '98.60', '-0.5', '+.5', '5.', ' 42 ', '007', '120.250', '0', '1.5', 'low', 'n/a'];
const BASE = ms('2019-01-01T05:00:00.000Z');

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random(items.length)] as T;
}

function randomCodes(random: Random, prefix: string, max: number): MappingCoding[] {
  return Array.from({ length: random(max + 1) }, (_, i) => {
    const coding: MappingCoding = { code: `${prefix}-${random(5)}-${i}` };
    if (random(2) === 0) {
      coding.system = pick(random, ['http://loinc.org', 'urn:example']);
    }
    if (random(2) === 0) {
      coding.display = `Display ${random(9)}`;
    }
    return coding;
  });
}

function randomValueTemplate(random: Random, valueName: string): FhirValueTemplate {
  switch (random(3)) {
    case 0: {
      const value: FhirValueTemplate = { valueType: 'Quantity', valueName };
      if (random(2) === 0) {
        value.unit = pick(random, ['count/min', '%', 'mmHg']);
      }
      if (random(2) === 0) {
        value.system = 'http://unitsofmeasure.org';
      }
      if (random(2) === 0) {
        value.code = pick(random, ['/min', '%']);
      }
      return value;
    }
    case 1:
      return { valueType: 'String', valueName };
    default: {
      const value: FhirValueTemplate = { valueType: 'CodeableConcept', valueName, codes: randomCodes(random, 'cc', 2) };
      if (random(2) === 0) {
        value.text = `Concept ${random(9)}`;
      }
      return value;
    }
  }
}

/** A non-SampledData template: codes, categories, a value or not, up to three components (valueNames may repeat). */
function randomTemplate(random: Random): CodeValueFhirTemplate {
  const template: CodeValueFhirTemplate = {
    typeName: 'heartrate',
    periodInterval: pick(random, [0, 60, 1440, -1] as const),
    category: Array.from({ length: random(3) }, () => {
      const category: { text?: string; codes: MappingCoding[] } = { codes: randomCodes(random, 'cat', 2) };
      if (random(2) === 0) {
        category.text = `Category ${random(9)}`;
      }
      return category;
    }),
    codes: randomCodes(random, 'code', 2),
    components: Array.from({ length: random(4) }, () => ({
      codes: randomCodes(random, 'comp', 2),
      value: randomValueTemplate(random, pick(random, NAMES)),
    })),
  };
  if (random(4) !== 0) {
    template.value = randomValueTemplate(random, pick(random, NAMES));
  }
  return template;
}

/** A random edit of a mapping between MedTech's writes and ours: categories, codes, units, types, components. */
function editTemplate(random: Random, template: CodeValueFhirTemplate): CodeValueFhirTemplate {
  const edited = structuredClone(template);
  if (random(3) === 0) {
    edited.category = random(2) === 0 ? [] : [{ text: 'Edited', codes: randomCodes(random, 'cat', 2) }];
  }
  if (random(4) === 0) {
    edited.codes = randomCodes(random, 'edited', 2);
  }
  if (random(4) === 0 && edited.value !== undefined) {
    // Sometimes the same valueName with another type: a stored value of another type.
    edited.value = randomValueTemplate(random, edited.value.valueName);
  }
  if (random(3) === 0) {
    edited.components.reverse();
  }
  if (random(4) === 0) {
    edited.components.splice(random(edited.components.length + 1), 1);
  }
  if (random(4) === 0) {
    edited.components.push({
      codes: randomCodes(random, 'new', 1),
      value: randomValueTemplate(random, pick(random, NAMES)),
    });
  }
  for (const component of edited.components) {
    if (random(6) === 0) {
      component.codes = randomCodes(random, 'recoded', 1);
    }
  }
  return edited;
}

function randomPointGroup(random: Random, time: number): PointGroup {
  const values = new Map<string, string[]>();
  for (const name of NAMES) {
    if (random(5) < 3) {
      values.set(name, [pick(random, VALUES)]);
    }
  }
  return { type: random(4) === 0 ? 'HeartRate' : 'heartrate', time, values };
}

/** A stored Observation as MedTech wrote it, sometimes since touched: amended, a note, a foreign component, reordered. */
function storedAsWritten(random: Random, created: Json): Json {
  const stored: Json = { ...structuredClone(created), meta: { versionId: String(1 + random(3)) } };
  if (random(3) === 0) {
    stored.status = 'amended';
  }
  if (random(4) === 0) {
    stored.note = [{ text: 'checked by a nurse' }];
  }
  const components = [...((stored.component ?? []) as Json[])];
  if (random(4) === 0) {
    components.splice(random(components.length + 1), 0, {
      // A valueName as code, under another system: not a component MedTech looks up.
      code: { coding: [{ system: 'http://loinc.org', code: pick(random, ['foreign', ...NAMES]) }] },
      valueString: 'kept',
    });
  }
  if (random(3) === 0) {
    components.reverse();
  }
  if (components.length > 0) {
    stored.component = components;
  }
  return stored;
}

// ---------------------------------------------------------------------------------------------------------------
// A batch end to end: grouping, one Observation per timestamp, create or merge by identifier

/** How a run orders its observation groups and treats a stored value of another type. */
interface RunRules {
  /** MedTech: in the order the timestamps first appear in the batch; ours: by time. */
  order: 'arrival' | 'time';
  mismatch: Mismatch;
}

const MEDTECH: RunRules = { order: 'arrival', mismatch: 'throw' };
const OURS: RunRules = { order: 'time', mismatch: 'replace' };

interface RunResult {
  store: Map<string, Json>;
  errors: string[];
}

/**
 * MedTech's measurement groups of a batch (one per type here: device and patient are fixed), in order of first
 * appearance; in each, per occurrence time in order of first appearance, the latest-ingested measurement (the first of
 * equals).
 */
function medTechGroups(measurements: readonly Measurement[]): Map<number, Measurement>[] {
  const groups = new Map<string, Map<number, Measurement>>();
  for (const m of measurements) {
    let byTime = groups.get(m.type);
    if (byTime === undefined) {
      byTime = new Map();
      groups.set(m.type, byTime);
    }
    const time = ms(m.occurrenceTimeUtc);
    const kept = byTime.get(time);
    if (kept === undefined || ms(m.ingestionTimeUtc) > ms(kept.ingestionTimeUtc)) {
      byTime.set(time, m);
    }
  }
  return [...groups.values()];
}

/** MedTech's import of one batch into an empty FHIR server (a map by identifier), one Observation per timestamp. */
function medTechRun(measurements: readonly Measurement[], template: CodeValueFhirTemplate, rules: RunRules): RunResult {
  const store = new Map<string, Json>();
  const errors: string[] = [];
  for (const byTime of medTechGroups(measurements)) {
    let times = [...byTime.keys()];
    if (rules.order === 'time') {
      times = times.sort((a, b) => a - b);
    }
    for (const time of times) {
      const m = byTime.get(time) as Measurement;
      const values = new Map<string, string[]>();
      for (const { name, value } of m.properties) {
        // A name the measurement repeats: a set ordered by time keeps the first value of a time.
        if (!values.has(name)) {
          values.set(name, [value]);
        }
      }
      const group: PointGroup = { type: m.type, time, values };
      const key = `${identity.patientId}.${identity.deviceId}.${m.type}.${secondsText(time)}.${secondsText(time)}`;
      try {
        const existing = store.get(key);
        if (existing === undefined) {
          store.set(key, { ...medTechCreate(template, group), meta: { versionId: '1' } });
        } else {
          const merged = medTechMerge(existing, template, group, rules.mismatch);
          if (merged.changed) {
            const versionId = String(Number((existing.meta as Json).versionId) + 1);
            store.set(key, { ...merged.observation, meta: { versionId } });
          }
        }
      } catch (error) {
        if (!(error instanceof OracleError)) {
          throw error;
        }
        errors.push(error.kind);
      }
    }
  }
  return { store, errors };
}

/** Our transform of the same batch. */
function ourRun(measurements: readonly Measurement[], template: CodeValueFhirTemplate): RunResult {
  const store = new Map<string, Json>();
  const errors: string[] = [];
  for (const measurementGroup of groupMeasurements(measurements)) {
    for (const group of planObservationGroups(measurementGroup, template)) {
      const key = toObservationIdentifier(identity, group).value;
      try {
        const existing = store.get(key);
        if (existing === undefined) {
          store.set(key, wire({ ...buildObservation(group, template, identity, ISSUED), meta: { versionId: '1' } }));
        } else {
          const merged = mergeObservation(existing as unknown as Observation, group, template, identity, ISSUED);
          if (merged.changed) {
            const versionId = String(Number((existing.meta as Json).versionId) + 1);
            store.set(key, wire({ ...merged.observation, meta: { versionId } }));
          }
        }
      } catch (error) {
        if (!isMedTechError(error)) {
          throw error;
        }
        errors.push(error.name);
      }
    }
  }
  return { store, errors };
}

function randomBatch(random: Random): Measurement[] {
  return Array.from({ length: 1 + random(6) }, () => {
    // Three seconds, four instants each: same-second groups share an Observation, equal instants are deduplicated.
    const time = BASE + random(3) * 1000 + pick(random, [0, 250, 500, 999]);
    const properties: { name: string; value: string }[] = [];
    for (const name of NAMES) {
      if (random(5) < 3) {
        properties.push({ name, value: pick(random, VALUES) });
        if (random(40) === 0) {
          properties.push({ name, value: pick(random, VALUES) });
        }
      }
    }
    return {
      // The type as the device mapping spells it: the FHIR template is found case-insensitively.
      type: random(4) === 0 ? 'HeartRate' : 'heartrate',
      occurrenceTimeUtc: new Date(time).toISOString(),
      ingestionTimeUtc: new Date(BASE + 60_000 + random(3) * 1000).toISOString(),
      deviceId: 'device-1',
      patientId: 'patient-1',
      properties,
    };
  });
}

/** Whether a batch meets a rule on which MedTech and we differ (see RunRules). */
function meetsDifference(measurements: readonly Measurement[], medTech: RunResult): string[] {
  const found: string[] = [];
  const groups = medTechGroups(measurements);
  const sameSecond = (t: number, u: number): boolean => Math.floor(t / 1000) === Math.floor(u / 1000);
  if (
    groups.some((byTime) => {
      const arrival = [...byTime.keys()];
      return arrival.some((t, i) => arrival.slice(i + 1).some((u) => u < t && sameSecond(t, u)));
    })
  ) {
    found.push('order');
  }
  if (medTech.errors.includes('NotSupported')) {
    found.push('mismatch');
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------

describe("Quantity values against .NET's decimal.Parse", () => {
  /** Number-like texts: signs, separators, points, exponents and white space in plausible and random places. */
  function randomNumberText(random: Random): string {
    const part = (items: readonly string[], chance: number): string =>
      random(chance) === 0 ? pick(random, items) : '';
    const digits = (): string => Array.from({ length: random(4) }, () => String(random(10))).join('');
    let text =
      part([' ', '\t', ...NON_ASCII_SPACES], 5) +
      part(['+', '-'], 3) +
      part([' '], 12) +
      digits() +
      part([',', ',,'], 5) +
      digits() +
      part(['.'], 2) +
      digits() +
      part(['e', 'E', 'e-', 'E+'], 6) +
      part(['1', '12', ''], 1) +
      part([' ', '\n', ...NON_ASCII_SPACES], 5) +
      part(['+', '-'], 6) +
      part([' '], 6) +
      part(['\0', '\0\0'], 10);
    if (random(8) === 0) {
      const at = random(text.length + 1);
      text = text.slice(0, at) + pick(random, ['x', '.', ',', '-', ' ', '5', '(']) + text.slice(at);
    }
    return text;
  }

  it('accepts and reads the texts MedTech does, except thousands separators and exponents (deliberate)', () => {
    const random = seededRandom(20_190_101);
    const counts = { agreed: 0, acceptedByBoth: 0, thousands: 0, exponent: 0, trailingOrSpaces: 0 };
    for (let n = 0; n < 20_000; n++) {
      const text = randomNumberText(random);
      const medTech = medTechDecimal(text);
      const decided = decidedDecimal(text);
      // Texts on which an earlier reading differed from MedTech's: a sign after the digits, NULs, non-ASCII spaces.
      if (
        text.includes('\0') ||
        NON_ASCII_SPACES.some((s) => text.includes(s)) ||
        medTech?.trailingSign === true ||
        decided?.trailingSign === true
      ) {
        counts.trailingOrSpaces++;
      }
      const ours = toDecimal(text);
      expect(ours === undefined ? undefined : ours + 0, JSON.stringify(text)).toBe(
        decided === undefined ? undefined : decided.value + 0,
      );
      if (medTech?.value !== decided?.value) {
        // Only the deliberate decisions separate MedTech's reading from ours.
        const reason = medTech !== undefined && text.includes(',') ? 'thousands' : 'exponent';
        expect(reason === 'thousands' || /[eE]/.test(text), JSON.stringify(text)).toBe(true);
        counts[reason]++;
      } else {
        counts.agreed++;
        counts.acceptedByBoth += medTech === undefined ? 0 : 1;
      }
    }
    expect(counts.agreed).toBeGreaterThan(9000);
    expect(counts.acceptedByBoth).toBeGreaterThan(5000);
    expect(counts.thousands).toBeGreaterThan(1000);
    expect(counts.exponent).toBeGreaterThan(600);
    expect(counts.trailingOrSpaces).toBeGreaterThan(5000);
  });

  it('reads a sign after the digits, NULs at the end, only ASCII white space, and the decimal range as MedTech', () => {
    for (const text of [
      '5-',
      ' 5 - ',
      '78\0',
      '78\u00a0',
      '\u3000' + '1',
      `1${'0'.repeat(29)}`,
      `7${'9'.repeat(27)}`,
    ]) {
      expect(toDecimal(text), JSON.stringify(text)).toBe(medTechDecimal(text)?.value);
    }
    const quantity = sampledTemplate({
      periodInterval: 0,
      value: { valueType: 'Quantity', valueName: 'hr' },
    });
    const group = observationGroup('2019-01-01T05:00:00Z', '2019-01-01T05:00:00Z', {
      hr: [['2019-01-01T05:00:00Z', '5-']],
    });
    expect(buildObservation(group, quantity, identity, ISSUED).valueQuantity?.value).toBe(-5);
  });

  it('restates the decisions on fixed texts: thousands separators refused, exponents accepted', () => {
    expect(medTechDecimal('1,000.5')?.value).toBe(1000.5);
    expect(medTechDecimal('1,,0,')?.value).toBe(10);
    expect(toDecimal('1,000.5')).toBeUndefined();
    expect(medTechDecimal('1e3')).toBeUndefined();
    expect(toDecimal('1e3')).toBe(1000);
    // Where both accept, the same number.
    for (const text of ['78', ' 98.60 ', '+.5', '5.', '-007', '\t1.25\n']) {
      expect(toDecimal(text), text).toBe(medTechDecimal(text)?.value);
    }
  });
});

describe("Observations built by a batch against MedTech's, on random templates and measurements", () => {
  it('builds, and merges same-second groups into, the Observations MedTech would', () => {
    const random = seededRandom(31_337);
    const counts = { exact: 0, repeatedName: 0, order: 0, mismatch: 0, observations: 0, merged: 0, failed: 0 };
    for (let n = 0; n < 3000; n++) {
      const template = randomTemplate(random);
      const batch = randomBatch(random);
      const what = JSON.stringify({ template, batch });
      const ours = ourRun(batch, template);
      const medTech = medTechRun(batch, template, MEDTECH);
      // Our behaviour is MedTech's with the rules of RunRules changed, nothing else...
      const modelled = medTechRun(batch, template, OURS);
      expect(Object.fromEntries(ours.store), what).toEqual(Object.fromEntries(modelled.store));
      expect(ours.errors, what).toEqual(modelled.errors);
      // ...and on a batch those rules do not touch, exactly MedTech's.
      const differences = meetsDifference(batch, medTech);
      if (differences.length === 0) {
        expect(Object.fromEntries(ours.store), what).toEqual(Object.fromEntries(medTech.store));
        // Groups of different seconds are independent; only their errors' order may differ.
        expect([...ours.errors].sort(), what).toEqual([...medTech.errors].sort());
        counts.exact++;
      }
      for (const difference of differences) {
        counts[difference as 'order' | 'mismatch']++;
      }
      counts.observations += ours.store.size;
      counts.merged += [...ours.store.values()].filter((o) => o.status === 'amended').length;
      counts.failed += ours.errors.length;
      if (batch.some((m) => new Set(m.properties.map((p) => p.name)).size !== m.properties.length)) {
        counts.repeatedName++;
      }
    }
    expect(counts.exact).toBeGreaterThan(1200);
    expect(counts.observations).toBeGreaterThan(5000);
    expect(counts.merged).toBeGreaterThan(1500);
    expect(counts.failed).toBeGreaterThan(400);
    expect(counts.repeatedName).toBeGreaterThan(300);
    expect(counts.order).toBeGreaterThan(800);
    expect(counts.mismatch).toBeGreaterThan(400);
  });

  it('a valueName a measurement repeats: the first value, as MedTech keeps it', () => {
    const template = sampledTemplate({ periodInterval: 0, value: { valueType: 'String', valueName: 'hr' } });
    const batch: Measurement[] = [
      {
        type: 'heartrate',
        occurrenceTimeUtc: '2019-01-01T05:00:00.000Z',
        ingestionTimeUtc: '2019-01-01T05:00:01.000Z',
        deviceId: 'device-1',
        properties: [
          { name: 'hr', value: 'first' },
          { name: 'hr', value: 'second' },
        ],
      },
    ];
    expect([...medTechRun(batch, template, MEDTECH).store.values()][0]?.valueString).toBe('first');
    expect([...ourRun(batch, template).store.values()][0]?.valueString).toBe('first');
  });
});

describe("merges into Observations MedTech stored, against MedTech's merge", () => {
  /** Our merge and MedTech's of one group into a stored resource; MedTech's failure to merge a value of another type is set aside. */
  function compareMerge(stored: Json, template: CodeValueFhirTemplate, group: PointGroup): string {
    const run = (mismatch: Mismatch): { changed: boolean; observation: Json } | string => {
      try {
        return medTechMerge(stored, template, group, mismatch);
      } catch (error) {
        if (error instanceof OracleError) {
          return error.kind;
        }
        throw error;
      }
    };
    const ourStored = structuredClone(stored) as unknown as Observation;
    let ours: { changed: boolean; observation: Json } | string;
    try {
      const merged = mergeObservation(ourStored, toOurGroup(group), template, identity, '2019-01-03T00:00:00Z');
      ours = { changed: merged.changed, observation: wire(merged.observation) };
    } catch (error) {
      ours = isMedTechError(error) ? error.name : 'unexpected';
    }
    const what = JSON.stringify({ template, stored, group: [group.type, group.time, [...group.values]] });
    expect(ourStored, `the stored resource is not modified: ${what}`).toEqual(stored);
    const medTech = run('throw');
    if (medTech === 'NotSupported') {
      // Difference: MedTech throws; we replace the value (see "differences from MedTech").
      expect(ours, what).toEqual(run('replace'));
      return 'mismatch';
    }
    expect(ours, what).toEqual(medTech);
    return typeof medTech === 'string' ? 'failed' : medTech.changed ? 'changed' : 'unchanged';
  }

  it('replaces, keeps and appends as MedTech does, under random mapping edits', () => {
    const random = seededRandom(4_242);
    const counts: Record<string, number> = {};
    const again: Record<string, number> = {};
    for (let n = 0; n < 4000; n++) {
      const before = randomTemplate(random);
      const first = randomPointGroup(random, BASE + pick(random, [0, 250, 999]));
      let created: Json;
      try {
        created = medTechCreate(before, first);
      } catch {
        continue; // MedTech wrote nothing.
      }
      const stored = storedAsWritten(random, created);
      // The same group again under the same mapping (nothing to write, unless components share a valueName).
      const same = compareMerge(stored, before, first);
      again[same] = (again[same] ?? 0) + 1;
      const outcome = compareMerge(
        stored,
        editTemplate(random, before),
        randomPointGroup(random, BASE + pick(random, [0, 250, 999])),
      );
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    expect(again.unchanged).toBeGreaterThan(3000);
    expect(counts.changed).toBeGreaterThan(1500);
    expect(counts.unchanged).toBeGreaterThan(200);
    expect(counts.mismatch).toBeGreaterThan(800);
    expect(counts.failed).toBeGreaterThan(80);
  });

  it('keeps a stored component the group lacks in place, appends one it lacks, and leaves stored codes', () => {
    const template: CodeValueFhirTemplate = {
      typeName: 'bp',
      periodInterval: 0,
      category: [],
      codes: [{ code: '85354-9', system: 'http://loinc.org' }],
      components: [
        { codes: [{ code: 'new-code' }], value: { valueType: 'Quantity', valueName: 'systolic', unit: 'mmHg' } },
        { codes: [], value: { valueType: 'Quantity', valueName: 'diastolic', unit: 'mmHg' } },
        { codes: [], value: { valueType: 'String', valueName: 'position' } },
      ],
    };
    const time = ms('2019-01-01T05:00:00.000Z');
    // Stored by MedTech under an earlier mapping: diastolic first, systolic without the code the mapping has now.
    const earlier = {
      ...template,
      components: [
        { codes: [], value: { valueType: 'Quantity', valueName: 'diastolic', unit: 'mmHg' } as const },
        { codes: [], value: { valueType: 'Quantity', valueName: 'systolic', unit: 'mmHg' } as const },
      ],
    };
    const stored = medTechCreate(earlier, {
      type: 'bp',
      time,
      values: new Map([
        ['systolic', ['120']],
        ['diastolic', ['80']],
      ]),
    });
    const group: PointGroup = {
      type: 'bp',
      time: time + 500,
      values: new Map([
        ['systolic', ['121']],
        ['position', ['sitting']],
      ]),
    };
    const ours = wire(
      mergeObservation(stored as unknown as Observation, toOurGroup(group), template, identity, ISSUED).observation,
    );
    const medTech = medTechMerge(stored, template, group, 'throw').observation;
    expect(ours).toEqual(medTech);
    const components = ours.component as Json[];
    // Stored order kept (diastolic was stored first), the missing component appended.
    expect(components.map((c) => (c.code as Json).text)).toEqual(['diastolic', 'systolic', 'position']);
    expect(components[0]).toMatchObject({ valueQuantity: { value: 80 } });
    expect(components[1]).toMatchObject({ valueQuantity: { value: 121 } });
    // The stored component keeps its stored code: the template's new code is not written into it.
    expect(((components[1]?.code as Json).coding as Json[]).map((c) => c.code)).toEqual(['systolic']);
    expect(ours.effectivePeriod).toEqual({
      start: '2019-01-01T05:00:00.0000000Z',
      end: '2019-01-01T05:00:00.5000000Z',
    });
    expect(ours.status).toBe('amended');
  });

  it('a blank main valueName is never set, when built or merged, as MedTech checks it', () => {
    const template = sampledTemplate({ periodInterval: 0, value: { valueType: 'String', valueName: ' ' } });
    const group: PointGroup = { type: 'heartrate', time: BASE, values: new Map([[' ', ['x']]]) };
    expect(medTechCreate(template, group)).not.toHaveProperty('valueString');
    const built = buildObservation(toOurGroup(group), template, identity, ISSUED);
    expect(built).not.toHaveProperty('valueString');
    expect(mergeObservation(built, toOurGroup(group), template, identity, ISSUED).changed).toBe(false);
  });
});

describe('differences from MedTech (asserting our behaviour; MedTech named in each)', () => {
  it('two groups in one second: the later time wins for us, the later arrival for MedTech', () => {
    const template = sampledTemplate({ periodInterval: 0, value: { valueType: 'String', valueName: 'hr' } });
    const at = (time: string, value: string): Measurement => ({
      type: 'heartrate',
      occurrenceTimeUtc: time,
      ingestionTimeUtc: '2019-01-01T05:00:01.000Z',
      deviceId: 'device-1',
      properties: [{ name: 'hr', value }],
    });
    const batch = [at('2019-01-01T05:00:00.700Z', 'later time'), at('2019-01-01T05:00:00.200Z', 'arrived last')];
    const medTech = [...medTechRun(batch, template, MEDTECH).store.values()][0];
    const ours = [...ourRun(batch, template).store.values()][0];
    expect(medTech?.valueString).toBe('arrived last');
    expect(ours?.valueString).toBe('later time');
    expect(ours?.effectivePeriod).toEqual(medTech?.effectivePeriod);
  });

  it('a stored value of another type, or none: we replace it, MedTech throws NotSupportedException', () => {
    const template = sampledTemplate({ periodInterval: 0, value: { valueType: 'Quantity', valueName: 'hr' } });
    const time = ms('2019-01-01T05:00:00.000Z');
    // Stored without a value: its first measurement lacked hr.
    const stored = medTechCreate(template, { type: 'heartrate', time, values: new Map([['spo2', ['97']]]) });
    const group: PointGroup = { type: 'heartrate', time, values: new Map([['hr', ['78']]]) };
    expect(() => medTechMerge(stored, template, group, 'throw')).toThrow(OracleError);
    const merged = mergeObservation(stored as unknown as Observation, toOurGroup(group), template, identity, ISSUED);
    expect(merged.observation.valueQuantity).toEqual({ value: 78 });
  });

  it('stored period texts: we keep them when not extended, MedTech rewrites both in its own form', () => {
    const template = sampledTemplate({ periodInterval: 0, value: { valueType: 'String', valueName: 'hr' } });
    const time = ms('2019-01-01T05:00:00.000Z');
    const group: PointGroup = { type: 'heartrate', time, values: new Map([['hr', ['78']]]) };
    const stored = {
      ...medTechCreate(template, group),
      effectivePeriod: { start: '2019-01-01T05:00:00Z', end: '2019-01-01T06:00:00+01:00' },
    };
    const medTech = medTechMerge(stored, template, group, 'throw');
    expect(medTech.changed).toBe(true);
    expect(medTech.observation.effectivePeriod).toEqual({
      start: '2019-01-01T05:00:00.0000000Z',
      end: '2019-01-01T05:00:00.0000000Z',
    });
    const ours = mergeObservation(stored as unknown as Observation, toOurGroup(group), template, identity, ISSUED);
    expect(ours.changed).toBe(false);
  });

  it('a SampledData component added by a merge: we lay it over the merged period, MedTech over the stored one', () => {
    // MedTech creates the missing component with the stored period as its span, before the period is extended.
    const template = sampledTemplate({
      typeName: 'bp',
      periodInterval: -1,
      value: undefined,
      components: [
        { codes: [], value: { valueType: 'SampledData', valueName: 'systolic', defaultPeriod: 1000 } },
        { codes: [], value: { valueType: 'SampledData', valueName: 'diastolic', defaultPeriod: 1000 } },
      ],
    });
    const first = observationGroup(
      '2019-01-01T05:00:00Z',
      '2019-01-01T05:00:02Z',
      {
        systolic: [
          ['2019-01-01T05:00:00Z', '120'],
          ['2019-01-01T05:00:02Z', '121'],
        ],
      },
      { typeName: 'bp', correlationId: 's1' },
    );
    const second = observationGroup(
      '2019-01-01T05:00:01Z',
      '2019-01-01T05:00:04Z',
      {
        diastolic: [
          ['2019-01-01T05:00:01Z', '80'],
          ['2019-01-01T05:00:04Z', '81'],
        ],
      },
      { typeName: 'bp', correlationId: 's1' },
    );
    const stored = buildObservation(first, template, identity, ISSUED);
    const merged = mergeObservation(stored, second, template, identity, ISSUED).observation;
    // Ours: 05:00:00..05:00:04, five slots. MedTech's would be 05:00:00..05:00:02 ('E 80 E'), 81 dropped.
    expect(merged.component?.[1]?.valueSampledData?.data).toBe('E 80 E E 81');
    expect(merged.effectivePeriod?.end).toBe('2019-01-01T05:00:04.0000000Z');
  });

  it('a SampledData merge: we write origin, period and dimensions from the template, MedTech only data', () => {
    // MedTech's SampledData merge sets `data` on the stored element and keeps it (SampledDataFhirValueProcessor's
    // merge, iomt-fhir), so a unit or period edited in the mapping never reached a stored Observation; its period then
    // named another spacing than the data, which it lays at the template's period as we do.
    const template = sampledTemplate({
      periodInterval: 60,
      value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 1000, unit: '/min' },
    });
    const start = '2019-01-01T05:00:00.0000000Z';
    const stored: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'heartrate' },
      effectivePeriod: { start, end: '2019-01-01T05:59:59.9999999Z' },
      valueSampledData: {
        origin: { value: 0, unit: 'count/min', system: 'urn:units' },
        period: 5000,
        dimensions: 1,
        data: '72',
      },
    };
    const group = observationGroup('2019-01-01T05:00:00Z', '2019-01-01T05:59:59.999Z', {
      hr: [['2019-01-01T05:00:01Z', '80']],
    });
    const merged = mergeObservation(stored, group, template, identity, ISSUED).observation.valueSampledData;
    // MedTech would keep `{ value: 0, unit: 'count/min', system: 'urn:units' }` and period 5000 around the same data.
    expect(merged?.origin).toEqual({ value: 0, unit: '/min' });
    expect(merged?.period).toBe(1000);
    expect(merged?.data?.split(' ').slice(0, 3)).toEqual(['72', '80', 'E']);
  });
});
