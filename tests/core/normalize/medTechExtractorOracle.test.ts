/**
 * An independent oracle of MedTech's template-level extraction (iomt-fhir `src/lib/Microsoft.Health.Fhir.Ingest.Template`,
 * cited below as `Template/`, and `src/lib/Microsoft.Health.Fhir.Ingest/`, cited as `Ingest/`), restated here from its
 * sources: which templates match, what each kind of template evaluates its expressions against, the order of fields
 * and measurements, required and optional values, and which field an error names. It is compared with normalizeEvent
 * on facts re-expressed from iomt-fhir's own tests and on seeded random mappings and messages. Expressions are kept to
 * forms both sides surely agree on (member paths, `$..[?(@a)]` scans, `[*]`, `$..a`, JMESPath paths, `[*]` and
 * `[?a=='x']` filters): the expression languages have their own oracles (tests/core/expressions).
 *
 * What MedTech does, per match of the type match (Template/MeasurementExtractor.cs):
 * - CalculatedContent: the type match runs over the envelope `{Body, Properties, SystemProperties}`
 *   (Ingest/Data/EventMessageJObjectConverter.cs:43-45); every other expression sees a copy of the envelope with one
 *   more member `matchedToken` = the match (MeasurementExtractor.cs:129-142). JsonPathContent, IotJsonPathContent and
 *   IotCentralJsonPathContent (LegacyMeasurementExtractor.cs:27-33) evaluate them against the match itself.
 * - IotJsonPathContent fixes the device id to `$.SystemProperties.iothub-connection-device-id` and the timestamp to
 *   `$.Properties.iothub-creation-time-utc`, then `$.SystemProperties.iothub-enqueuedtime` (IotJsonPathContentTemplate.cs:13-28,
 *   IotJsonPathLegacyMeasurementExtractor.cs:23); IotCentral to `$.deviceId` and `$.enqueuedTime`
 *   (IotCentralJsonPathContentTemplate.cs:13-22); what the mapping file says for them is ignored (`[JsonIgnore]`).
 * - Order: device id, timestamp, correlation id (only when its expression is not blank), patient id, encounter id,
 *   then values in declared order (MeasurementExtractor.cs:164-193).
 * - EvalExpression (MeasurementExtractor.cs:43-104): no token → next candidate expression; a token converted with
 *   `Value<T>` (an object or array throws, caught); a required field whose value is null or a white-space string
 *   fails; an optional one returns whatever string it got, blank included; several candidates (timestamps) are tried
 *   in turn, a failure of one only recorded; a JSONPath that matches several tokens throws from `SelectToken`
 *   outside the try (JsonPathExpressionEvaluator.cs:29), even for an optional field.
 * - JMESPath: a null result is no token (JmesPathExpressionEvaluator.cs:45-49); as a type match a projection yields
 *   each element, anything else non-null one match (:59-74).
 * - Templates run in order, matches in order (CollectionContentTemplate.cs:31); the first exception ends the
 *   message: measurements already yielded are kept, nothing after (Ingest/Service/NormalizationEventConsumerService.cs:235-249).
 *
 * Modelled as the project states its deliberate differences (README "Where we deliberately differ", reference-behaviour
 * §1.7-§1.9): booleans are `true`/`false`, date-like strings are kept verbatim, a single value matching several
 * tokens is a non-blocking IncompatibleData of that match, an ISO-8601 time without offset is UTC.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../../shared/core/deviceEvent.js';
import type { Measurement } from '../../../shared/core/measurement.js';
import { normalizeEvent, type NormalizeResult } from '../../../shared/core/normalize/normalizeEvent.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';
import { SeededRandom } from '../../support/seededRandom.js';

// ---------------------------------------------------------------------------------------------------------------
// The oracle's own expression subset
// ---------------------------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [name: string]: Json };
type Language = 'JsonPath' | 'JmesPath';

type OracleExpr =
  | { lang: 'JsonPath'; form: 'path'; path: string[] }
  | { lang: 'JsonPath'; form: 'scan'; op: '&&' | '||'; tests: string[][] }
  | { lang: 'JsonPath'; form: 'each'; path: string[] }
  | { lang: 'JsonPath'; form: 'deep'; name: string }
  | { lang: 'JmesPath'; form: 'path'; path: string[] }
  | { lang: 'JmesPath'; form: 'each'; path: string[] }
  | { lang: 'JmesPath'; form: 'filter'; path: string[]; member: string; equals: string | undefined };

const NAME = String.raw`(?:[A-Za-z_][\w-]*|\['[^']*'\])`;

function jsonPathSteps(text: string): string[] {
  const steps: string[] = [];
  const re = /\.([A-Za-z_][\w-]*)|\['([^']*)'\]|^([A-Za-z_][\w-]*)/g;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index !== at) {
      throw new Error(`oracle: unsupported path ${text}`);
    }
    steps.push((m[1] ?? m[2] ?? m[3]) as string);
    at = re.lastIndex;
  }
  if (at !== text.length) {
    throw new Error(`oracle: unsupported path ${text}`);
  }
  return steps;
}

/** Reads the few expression forms the oracle knows; anything else is a mistake in this file. */
function parseExpr(source: string, lang: Language): OracleExpr {
  if (lang === 'JmesPath') {
    const filter = /^([\w.]+)\[\?(\w+)(?:=='([^']*)')?\]$/.exec(source);
    if (filter !== null) {
      return { lang, form: 'filter', path: filter[1]!.split('.'), member: filter[2]!, equals: filter[3] };
    }
    if (source.endsWith('[*]')) {
      return { lang, form: 'each', path: source.slice(0, -3).split('.') };
    }
    if (!/^\w+(\.\w+)*$/.test(source)) {
      throw new Error(`oracle: unsupported JMESPath ${source}`);
    }
    return { lang, form: 'path', path: source.split('.') };
  }
  const scan = /^\$\.\.\[\?\((.*)\)\]$/.exec(source);
  if (scan !== null) {
    const op = scan[1]!.includes('||') ? '||' : '&&';
    const tests = scan[1]!.split(op).map((t) => {
      const test = t.trim();
      if (!new RegExp(`^@\\.?${NAME}(\\.${NAME})*$`).test(test)) {
        throw new Error(`oracle: unsupported filter ${test}`);
      }
      return jsonPathSteps(test.slice(test[1] === '.' ? 1 : 1).replace(/^([A-Za-z_])/, '.$1'));
    });
    return { lang, form: 'scan', op, tests };
  }
  const deep = /^\$\.\.([A-Za-z_][\w-]*)$/.exec(source);
  if (deep !== null) {
    return { lang, form: 'deep', name: deep[1]! };
  }
  if (!source.startsWith('$')) {
    throw new Error(`oracle: unsupported JSONPath ${source}`);
  }
  if (source.endsWith('[*]')) {
    return { lang, form: 'each', path: jsonPathSteps(source.slice(1, -3)) };
  }
  return { lang, form: 'path', path: jsonPathSteps(source.slice(1)) };
}

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function member(value: unknown, name: string): { found: boolean; value?: Json } {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, name)
    ? { found: true, value: value[name] }
    : { found: false };
}

function walk(value: unknown, path: readonly string[]): { found: boolean; value?: Json } {
  let current: { found: boolean; value?: Json } = { found: true, value: value as Json };
  for (const name of path) {
    current = member(current.value, name);
    if (!current.found) {
      return current;
    }
  }
  return current;
}

/** Root first, then every descendant in document order (Newtonsoft's `..` includes the root). */
function preOrder(value: Json, out: Json[] = []): Json[] {
  out.push(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      preOrder(item, out);
    }
  } else if (isObject(value)) {
    for (const item of Object.values(value)) {
      preOrder(item, out);
    }
  }
  return out;
}

function deepMembers(value: Json, name: string, out: Json[] = []): Json[] {
  if (Array.isArray(value)) {
    for (const item of value) {
      deepMembers(item, name, out);
    }
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === name) {
        out.push(item);
      }
      deepMembers(item, name, out);
    }
  }
  return out;
}

function truthy(value: Json | undefined): boolean {
  if (value === undefined || value === null || value === false || value === '') {
    return false;
  }
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  return isObject(value) ? Object.keys(value).length > 0 : true;
}

/** Every token an expression selects (a type match's matches). */
function selectAll(expr: OracleExpr, data: Json): Json[] {
  if (expr.lang === 'JsonPath') {
    switch (expr.form) {
      case 'path': {
        const found = walk(data, expr.path);
        return found.found ? [found.value as Json] : [];
      }
      case 'each': {
        const found = walk(data, expr.path);
        return found.found && Array.isArray(found.value) ? [...found.value] : [];
      }
      case 'deep':
        return deepMembers(data, expr.name);
      case 'scan':
        return preOrder(data).filter((token) => {
          if (!isObject(token)) {
            return false;
          }
          const results = expr.tests.map((test) => walk(token, test).found);
          return expr.op === '&&' ? results.every(Boolean) : results.some(Boolean);
        });
    }
  }
  const found = walk(data, expr.path);
  const target = found.found ? (found.value as Json) : null;
  switch (expr.form) {
    case 'path':
      return target === null ? [] : [target];
    case 'each':
      return Array.isArray(target) ? target.filter((t) => t !== null) : [];
    case 'filter':
      return Array.isArray(target)
        ? target.filter((t) =>
            expr.equals === undefined
              ? truthy(member(t, expr.member).value)
              : member(t, expr.member).value === expr.equals,
          )
        : [];
  }
}

type Selected = { kind: 'none' } | { kind: 'many' } | { kind: 'one'; token: Json };

/** `SelectToken` of a single-value expression (JmesPathExpressionEvaluator.cs:35-52, JsonPathExpressionEvaluator.cs:24-35). */
function selectOne(expr: OracleExpr, data: Json): Selected {
  const tokens = selectAll(expr, data);
  if (expr.lang === 'JmesPath' && expr.form === 'path') {
    return tokens.length === 0 ? { kind: 'none' } : { kind: 'one', token: tokens[0] as Json };
  }
  if (tokens.length > 1) {
    return { kind: 'many' };
  }
  return tokens.length === 0 ? { kind: 'none' } : { kind: 'one', token: tokens[0] as Json };
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle's template semantics
// ---------------------------------------------------------------------------------------------------------------

type Kind = 'CalculatedContent' | 'JsonPathContent' | 'IotJsonPathContent' | 'IotCentralJsonPathContent';

interface ValueSpec {
  valueName: string;
  valueExpression: string;
  language?: Language;
  required: boolean | 'true';
}

/** A content template as the mapping file writes it (expressions as text, optional per-expression language). */
interface TemplateSpec {
  kind: Kind;
  typeName: string;
  defaultLanguage?: Language;
  typeMatch: string;
  deviceId?: string;
  timestamp?: string;
  patientId?: string;
  encounterId?: string;
  correlationId?: string;
  languages?: Partial<
    Record<'typeMatch' | 'deviceId' | 'timestamp' | 'patientId' | 'encounterId' | 'correlationId', Language>
  >;
  values: ValueSpec[];
}

interface EventSpec {
  body: Json;
  properties?: Record<string, Json>;
  systemProperties?: Record<string, Json>;
}

/** What happened to one match: a measurement, or an IncompatibleData error naming a field. */
type Outcome = { measurement: Measurement } | { error: string };

const ENQUEUED = '2024-01-01T00:00:00Z';
const INGESTION = '2024-01-01T00:00:00.000Z';

/** The timestamps of this file's messages, and what MedTech reads them as (a time without offset is UTC). */
const TIMES: Record<string, string> = {
  '2023-03-13T22:46:01.875Z': '2023-03-13T22:46:01.875Z',
  '2023-03-13T23:46:01+01:00': '2023-03-13T22:46:01.000Z',
  '2023-03-13T22:46:01': '2023-03-13T22:46:01.000Z',
  '2019-01-30T22:45:02.6073744Z': '2019-01-30T22:45:02.607Z',
  '2019-02-01T22:46:01.875Z': '2019-02-01T22:46:01.875Z',
  '2020-08-05T22:26:55.455Z': '2020-08-05T22:26:55.455Z',
  '2021-07-13T17:29:01Z': '2021-07-13T17:29:01.000Z',
  '2021-07-13T17:28:01Z': '2021-07-13T17:28:01.000Z',
  '2021-07-13T17:27:01Z': '2021-07-13T17:27:01.000Z',
};

/** `string.IsNullOrWhiteSpace` for this file's strings. */
function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** `Value<string>()` of a scalar token: the project's texts (booleans `true`/`false`, numbers as .NET prints these). */
function scalarText(token: Json): string | undefined {
  if (typeof token === 'string') {
    return token;
  }
  if (typeof token === 'number') {
    return String(token);
  }
  if (typeof token === 'boolean') {
    return token ? 'true' : 'false';
  }
  return undefined;
}

type Field = { ok: true; text: string | undefined } | { ok: false };

/** A required field (device id, correlation id, a required value): null, blank, object/array, none or many fail. */
function required(selected: Selected): Field {
  if (selected.kind !== 'one') {
    return { ok: false };
  }
  const text = scalarText(selected.token);
  return text === undefined || isBlank(text) ? { ok: false } : { ok: true, text };
}

/** An optional field: none/null/object/array → omitted; several tokens still fail (thrown outside the try). */
function optional(selected: Selected): Field {
  if (selected.kind === 'many') {
    return { ok: false };
  }
  if (selected.kind === 'none') {
    return { ok: true, text: undefined };
  }
  return { ok: true, text: scalarText(selected.token) };
}

interface Compiled {
  spec: TemplateSpec;
  typeMatch: OracleExpr;
  deviceId: OracleExpr;
  timestamps: OracleExpr[];
  correlationId: OracleExpr | undefined;
  patientId: OracleExpr | undefined;
  encounterId: OracleExpr | undefined;
  values: { spec: ValueSpec; expr: OracleExpr }[];
}

function compileTemplate(spec: TemplateSpec): Compiled {
  const calculated = spec.kind === 'CalculatedContent';
  const lang = (key: keyof NonNullable<TemplateSpec['languages']>): Language =>
    (calculated ? (spec.languages?.[key] ?? spec.defaultLanguage) : undefined) ?? 'JsonPath';
  // A blank expression is no expression (JsonPathCalculatedFunctionContentTemplateAdapter.cs:49, MeasurementExtractor.cs:110).
  const opt = (
    source: string | undefined,
    key: 'patientId' | 'encounterId' | 'correlationId',
  ): OracleExpr | undefined => (source === undefined || isBlank(source) ? undefined : parseExpr(source, lang(key)));
  const fixed: Record<Kind, { deviceId: string; timestamps: string[] } | undefined> = {
    CalculatedContent: undefined,
    JsonPathContent: undefined,
    IotJsonPathContent: {
      deviceId: "$.SystemProperties['iothub-connection-device-id']",
      timestamps: ["$.Properties['iothub-creation-time-utc']", "$.SystemProperties['iothub-enqueuedtime']"],
    },
    IotCentralJsonPathContent: { deviceId: '$.deviceId', timestamps: ['$.enqueuedTime'] },
  };
  const own = fixed[spec.kind];
  return {
    spec,
    typeMatch: parseExpr(spec.typeMatch, lang('typeMatch')),
    deviceId: parseExpr(own?.deviceId ?? (spec.deviceId as string), own ? 'JsonPath' : lang('deviceId')),
    timestamps: (own?.timestamps ?? [spec.timestamp as string]).map((t) =>
      parseExpr(t, own ? 'JsonPath' : lang('timestamp')),
    ),
    correlationId: opt(spec.correlationId, 'correlationId'),
    patientId: opt(spec.patientId, 'patientId'),
    encounterId: opt(spec.encounterId, 'encounterId'),
    values: spec.values.map((v) => ({
      spec: v,
      expr: parseExpr(v.valueExpression, calculated ? (v.language ?? spec.defaultLanguage ?? 'JsonPath') : 'JsonPath'),
    })),
  };
}

/** One match's measurement (MeasurementExtractor.cs:160-196), or the first field that fails it. */
function extract(t: Compiled, data: Json): Outcome {
  const device = required(selectOne(t.deviceId, data));
  if (!device.ok) {
    return { error: 'deviceIdExpression' };
  }
  let time: string | undefined;
  for (const candidate of t.timestamps) {
    const selected = selectOne(candidate, data);
    if (selected.kind === 'many') {
      return { error: 'timestampExpression' };
    }
    if (selected.kind === 'one' && typeof selected.token === 'string') {
      time = TIMES[selected.token];
    }
    if (time !== undefined) {
      break;
    }
  }
  if (time === undefined) {
    return { error: 'timestampExpression' };
  }
  let correlation: Field = { ok: true, text: undefined };
  if (t.correlationId !== undefined) {
    correlation = required(selectOne(t.correlationId, data));
    if (!correlation.ok) {
      return { error: 'correlationIdExpression' };
    }
  }
  const patient =
    t.patientId === undefined ? { ok: true as const, text: undefined } : optional(selectOne(t.patientId, data));
  if (!patient.ok) {
    return { error: 'patientIdExpression' };
  }
  const encounter =
    t.encounterId === undefined ? { ok: true as const, text: undefined } : optional(selectOne(t.encounterId, data));
  if (!encounter.ok) {
    return { error: 'encounterIdExpression' };
  }
  const properties: { name: string; value: string }[] = [];
  for (const [i, value] of t.values.entries()) {
    const selected = selectOne(value.expr, data);
    const field = value.spec.required === false ? optional(selected) : required(selected);
    if (!field.ok) {
      return { error: `values[${i}].valueExpression` };
    }
    if (field.text !== undefined) {
      properties.push({ name: value.spec.valueName, value: field.text });
    }
  }
  const measurement: Measurement = {
    type: t.spec.typeName,
    occurrenceTimeUtc: time,
    ingestionTimeUtc: INGESTION,
    deviceId: device.text as string,
    properties,
  };
  if (patient.text !== undefined) {
    measurement.patientId = patient.text;
  }
  if (encounter.text !== undefined) {
    measurement.encounterId = encounter.text;
  }
  if (correlation.text !== undefined) {
    measurement.correlationId = correlation.text;
  }
  return { measurement };
}

/** Every match of every template, in order, with its outcome. */
function oracle(specs: readonly TemplateSpec[], event: EventSpec): { template: number; outcome: Outcome }[] {
  const envelope: Record<string, Json> = {
    Body: event.body,
    Properties: event.properties ?? {},
    SystemProperties: event.systemProperties ?? {},
  };
  const out: { template: number; outcome: Outcome }[] = [];
  specs.forEach((spec, index) => {
    const t = compileTemplate(spec);
    for (const match of selectAll(t.typeMatch, envelope)) {
      const data = spec.kind === 'CalculatedContent' ? { ...envelope, matchedToken: match } : match;
      out.push({ template: index, outcome: extract(t, data) });
    }
  });
  return out;
}

/** What MedTech's normalization service keeps: the measurements before the first failing match, and that failure. */
function medTechKeeps(outcomes: { template: number; outcome: Outcome }[]): {
  measurements: Measurement[];
  errors: string[];
} {
  const measurements: Measurement[] = [];
  for (const { template, outcome } of outcomes) {
    if ('error' in outcome) {
      return { measurements, errors: [`${template}:${outcome.error}`] };
    }
    measurements.push(outcome.measurement);
  }
  return { measurements, errors: [] };
}

/** The per-match reading of the same outcomes (reference-behaviour §1.9: "no measurement from that match"). */
function perMatch(outcomes: { template: number; outcome: Outcome }[]): {
  measurements: Measurement[];
  errors: string[];
} {
  return {
    measurements: outcomes.flatMap(({ outcome }) => ('measurement' in outcome ? [outcome.measurement] : [])),
    errors: outcomes.flatMap(({ template, outcome }) => ('error' in outcome ? [`${template}:${outcome.error}`] : [])),
  };
}

/** The project omits a blank optional patient/encounter id, which MedTech keeps (see 'differences from MedTech'). */
function withoutBlankOptionalIds(measurements: Measurement[]): Measurement[] {
  return measurements.map((m) => {
    const copy = { ...m };
    if (copy.patientId !== undefined && isBlank(copy.patientId)) {
      delete copy.patientId;
    }
    if (copy.encounterId !== undefined && isBlank(copy.encounterId)) {
      delete copy.encounterId;
    }
    return copy;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Running normalizeEvent on the same input
// ---------------------------------------------------------------------------------------------------------------

function expressionJson(source: string, lang: Language | undefined, spec: TemplateSpec): unknown {
  return lang === undefined || lang === (spec.defaultLanguage ?? 'JsonPath')
    ? source
    : { value: source, language: lang };
}

function mappingJson(spec: TemplateSpec): unknown {
  const template: Record<string, unknown> = { typeName: spec.typeName };
  const calculated = spec.kind === 'CalculatedContent';
  const put = (name: string, key: keyof NonNullable<TemplateSpec['languages']>, source: string | undefined): void => {
    if (source !== undefined) {
      template[name] = calculated ? expressionJson(source, spec.languages?.[key], spec) : source;
    }
  };
  if (calculated && spec.defaultLanguage !== undefined) {
    template['defaultExpressionLanguage'] = spec.defaultLanguage;
  }
  put('typeMatchExpression', 'typeMatch', spec.typeMatch);
  put('deviceIdExpression', 'deviceId', spec.deviceId);
  put('timestampExpression', 'timestamp', spec.timestamp);
  put('patientIdExpression', 'patientId', spec.patientId);
  put('encounterIdExpression', 'encounterId', spec.encounterId);
  put('correlationIdExpression', 'correlationId', spec.correlationId);
  template['values'] = spec.values.map((v) => ({
    valueName: v.valueName,
    valueExpression: calculated ? expressionJson(v.valueExpression, v.language, spec) : v.valueExpression,
    required: v.required,
  }));
  return { templateType: spec.kind, template };
}

function eventOf(event: EventSpec): DeviceEvent {
  return {
    body: { kind: 'text', text: JSON.stringify(event.body) },
    properties: event.properties ?? {},
    systemProperties: event.systemProperties ?? {},
    enqueuedTimeUtc: ENQUEUED,
  };
}

function ours(specs: readonly TemplateSpec[], event: EventSpec): NormalizeResult {
  return normalizeEvent(deviceMappingOf(specs.map(mappingJson)), eventOf(event));
}

function errorKeys(result: NormalizeResult): string[] {
  return result.errors.map(
    (e) => `${e.location?.templateIndex}:${e.name === 'IncompatibleData' ? '' : e.name}${e.location?.field}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Facts from iomt-fhir's own tests, re-expressed over the envelope (their token becomes the Body)
// ---------------------------------------------------------------------------------------------------------------

const T = 'test/Microsoft.Health.Fhir.Ingest.Template.UnitTests';

interface Fact {
  name: string;
  at: string;
  specs: TemplateSpec[];
  event: EventSpec;
  measurements: Partial<Measurement>[];
  errors?: string[];
}

const hrTemplate = (over: Partial<TemplateSpec> = {}): TemplateSpec => ({
  kind: 'CalculatedContent',
  typeName: 'heartrate',
  typeMatch: '$..[?(@heartrate)]',
  deviceId: '$.matchedToken.device',
  timestamp: '$.matchedToken.date',
  values: [{ valueName: 'hr', valueExpression: '$.matchedToken.heartrate', required: false }],
  ...over,
});
const hrJmes = (over: Partial<TemplateSpec> = {}): TemplateSpec => ({
  kind: 'CalculatedContent',
  typeName: 'heartrate',
  defaultLanguage: 'JmesPath',
  typeMatch: 'Body.readings[?heartrate]',
  deviceId: 'matchedToken.device',
  timestamp: 'matchedToken.date',
  values: [{ valueName: 'hr', valueExpression: 'matchedToken.heartrate', required: false }],
  ...over,
});
const bpTemplate = (over: Partial<TemplateSpec> = {}): TemplateSpec => ({
  kind: 'CalculatedContent',
  typeName: 'bloodpressure',
  typeMatch: '$..[?(@systolic)]',
  deviceId: '$.matchedToken.device',
  timestamp: '$.matchedToken.date',
  values: [
    { valueName: 'systolic', valueExpression: '$.matchedToken.systolic', required: true },
    { valueName: 'diastolic', valueExpression: '$.matchedToken.diastolic', required: true },
  ],
  ...over,
});
const bpJmes = (over: Partial<TemplateSpec> = {}): TemplateSpec => ({
  ...bpTemplate(),
  defaultLanguage: 'JmesPath',
  typeMatch: 'Body[?systolic]',
  deviceId: 'matchedToken.device',
  timestamp: 'matchedToken.date',
  values: [
    { valueName: 'systolic', valueExpression: 'matchedToken.systolic', required: true },
    { valueName: 'diastolic', valueExpression: 'matchedToken.diastolic', required: true },
  ],
  ...over,
});
const legacy = (over: Partial<TemplateSpec> = {}): TemplateSpec => ({
  kind: 'JsonPathContent',
  typeName: 'heartrate',
  typeMatch: '$..[?(@heartrate)]',
  deviceId: '$.device',
  timestamp: '$.date',
  values: [{ valueName: 'hr', valueExpression: '$.heartrate', required: false }],
  ...over,
});
const D1 = '2021-07-13T17:29:01Z';
const D2 = '2021-07-13T17:28:01Z';
const D3 = '2021-07-13T17:27:01Z';
const hr = (value: string, more: Partial<Measurement> = {}): Partial<Measurement> => ({
  type: 'heartrate',
  deviceId: 'abc',
  occurrenceTimeUtc: TIMES[D1],
  properties: [{ name: 'hr', value }],
  ...more,
});
const bp = (s: string, d: string, at: string, deviceId = 'abc'): Partial<Measurement> => ({
  type: 'bloodpressure',
  deviceId,
  occurrenceTimeUtc: TIMES[at],
  properties: [
    { name: 'systolic', value: s },
    { name: 'diastolic', value: d },
  ],
});
const iotHub: EventSpec = {
  body: { heartrate: '203' },
  properties: { 'iothub-creation-time-utc': '2019-01-30T22:45:02.6073744Z', tz: 'America/Los_Angeles' },
  systemProperties: {
    'iothub-connection-device-id': 'ev-d795-1d04-55ae',
    'iothub-enqueuedtime': '2019-02-01T22:46:01.875Z',
  },
};
const iotHubTemplate = (over: Partial<TemplateSpec> = {}): TemplateSpec => ({
  kind: 'IotJsonPathContent',
  typeName: 'heartrate',
  typeMatch: '$..[?(@Body.heartrate)]',
  values: [{ valueName: 'hr', valueExpression: '$.Body.heartrate', required: true }],
  ...over,
});
const central: Json = {
  applicationId: '1dffa667-9bee-4f16-b243-25ad4151475e',
  messageSource: 'telemetry',
  deviceId: '1vzb5ghlsg1',
  enqueuedTime: '2020-08-05T22:26:55.455Z',
  telemetry: { Activity: 'running', BloodPressure: { Diastolic: 7, Systolic: 71 }, RespiratoryRate: 13 },
  enrichments: { Elevation: '200m' },
};
const centralAt = { deviceId: '1vzb5ghlsg1', occurrenceTimeUtc: TIMES['2020-08-05T22:26:55.455Z'] };
const CF = `${T}/CalculatedFunctionContentTemplateTests.cs`;
const JP = `${T}/JsonPathContentTemplateTests.cs`;
const IJ = `${T}/IotJsonPathContentTemplateTests.cs`;
const IC = `${T}/IotCentralJsonPathContentTemplateTests.cs`;
const CC = `${T}/CollectionContentTemplateTests.cs`;
const one = { heartrate: '60', device: 'abc', date: D1 };

const FACTS: Fact[] = [
  {
    name: 'multi-value template, a value missing: one measurement without it',
    at: `${CF}:19-41, 601-617`,
    specs: [
      hrTemplate({
        typeName: 'hrStepCombo',
        typeMatch: '$..[?(@heartrate || @steps)]',
        values: [
          { valueName: 'hr', valueExpression: '$.matchedToken.heartrate', required: false },
          { valueName: 'steps', valueExpression: '$.matchedToken.steps', required: false },
        ],
      }),
    ],
    event: { body: one },
    measurements: [hr('60', { type: 'hrStepCombo' })],
  },
  {
    name: 'multi-value template, all values: both in declared order',
    at: `${CF}:45-74`,
    specs: [
      hrTemplate({
        typeName: 'hrStepCombo',
        typeMatch: '$..[?(@heartrate || @steps)]',
        values: [
          { valueName: 'hr', valueExpression: '$.matchedToken.heartrate', required: false },
          { valueName: 'steps', valueExpression: '$.matchedToken.steps', required: false },
        ],
      }),
    ],
    event: { body: { ...one, steps: '2' } },
    measurements: [
      {
        ...hr('60', { type: 'hrStepCombo' }),
        properties: [
          { name: 'hr', value: '60' },
          { name: 'steps', value: '2' },
        ],
      },
    ],
  },
  ...(['JsonPath', 'JmesPath'] as const).map((lang): Fact => ({
    name: `${lang}: an array of readings yields one measurement per match, in match order`,
    at: `${CF}:78-159, 636-669`,
    specs: [lang === 'JsonPath' ? bpTemplate() : bpJmes()],
    event: {
      body: [
        { systolic: '120', diastolic: '80', device: 'abc', date: D1 },
        { systolic: '122', diastolic: '82', device: 'abc', date: D2 },
        { systolic: '100', diastolic: '70', device: 'abc', date: D3 },
      ],
    },
    measurements: [bp('120', '80', D1), bp('122', '82', D2), bp('100', '70', D3)],
  })),
  ...(
    [
      ['missing', undefined],
      ['null', null],
      ['empty', ''],
    ] as const
  ).map(([what, diastolic]): Fact => ({
    name: `a required value ${what}: IncompatibleData naming it`,
    at: `${CF}:161-210`,
    specs: [bpTemplate()],
    event: { body: [{ systolic: '120', ...(diastolic === undefined ? {} : { diastolic }), device: 'abc', date: D1 }] },
    measurements: [],
    errors: ['0:values[1].valueExpression'],
  })),
  {
    name: 'a null timestamp: IncompatibleData naming the timestamp',
    at: `${CF}:278-286`,
    specs: [hrTemplate()],
    event: { body: { ...one, date: null } },
    measurements: [],
    errors: ['0:timestampExpression'],
  },
  ...(['JsonPath', 'JmesPath'] as const).map((lang): Fact => ({
    name: `${lang}: optional patient and encounter ids present are kept`,
    at: `${CF}:288-312, 564-599`,
    specs: [
      lang === 'JsonPath'
        ? hrTemplate({ patientId: '$.matchedToken.pid', encounterId: '$.matchedToken.eid' })
        : hrJmes({ patientId: 'matchedToken.pid', encounterId: 'matchedToken.eid' }),
    ],
    event: { body: { readings: [{ ...one, pid: '123', eid: '789' }] } },
    measurements: [hr('60', { patientId: '123', encounterId: '789' })],
  })),
  {
    name: 'a compound && type match with a member missing matches nothing (no error)',
    at: `${CF}:402-413, 704-719`,
    specs: [hrTemplate({ typeMatch: '$..[?(@heartrate && @date)]' })],
    event: { body: { heartrate: '60', device: 'abc', mdate: D1 } },
    measurements: [],
  },
  {
    name: 'a message the type match does not find: nothing',
    at: `${CF}:415-426`,
    specs: [hrTemplate()],
    event: { body: { foo: '60', device: 'abc', date: D1 } },
    measurements: [],
  },
  ...(['JsonPath', 'JmesPath'] as const).map((lang): Fact => ({
    name: `${lang}: a correlation id present is kept`,
    at: `${CF}:428-453, 737-770`,
    specs: [
      lang === 'JsonPath'
        ? hrTemplate({ correlationId: '$.matchedToken.session' })
        : hrJmes({ correlationId: 'matchedToken.session' }),
    ],
    event: { body: { readings: [{ ...one, session: 's-1' }] } },
    measurements: [hr('60', { correlationId: 's-1' })],
  })),
  ...(['JsonPath', 'JmesPath'] as const).map((lang): Fact => ({
    name: `${lang}: a correlation id expression whose value is missing fails the match`,
    at: `${CF}:455-464, MeasurementExtractor.cs:121,168-171`,
    specs: [
      lang === 'JsonPath'
        ? hrTemplate({ correlationId: '$.matchedToken.session' })
        : hrJmes({ correlationId: 'matchedToken.session' }),
    ],
    event: { body: { readings: [one] } },
    measurements: [],
    errors: ['0:correlationIdExpression'],
  })),
  ...(['JsonPath', 'JmesPath'] as const).map((lang): Fact => ({
    name: `${lang}: parent scope: the device id read from Properties, values from matchedToken`,
    at: `${CF}:466-529, 772-805`,
    specs: [
      lang === 'JsonPath'
        ? bpTemplate({ deviceId: '$.Properties.deviceId' })
        : bpJmes({ deviceId: 'Properties.deviceId' }),
    ],
    event: {
      body: [
        { systolic: '120', diastolic: '80', date: D1 },
        { systolic: '122', diastolic: '82', date: D2 },
      ],
      properties: { deviceId: 'parentScopedDeviceId' },
    },
    measurements: [bp('120', '80', D1, 'parentScopedDeviceId'), bp('122', '82', D2, 'parentScopedDeviceId')],
  })),
  {
    name: 'JsonPathContent evaluates against the matched token: single value',
    at: `${JP}:18-27`,
    specs: [legacy()],
    event: { body: one },
    measurements: [hr('60')],
  },
  {
    name: 'JsonPathContent with optional patient and encounter ids',
    at: `${JP}:30-41`,
    specs: [legacy({ patientId: '$.pid', encounterId: '$.eid' })],
    event: { body: { ...one, pid: '123', eid: '789' } },
    measurements: [hr('60', { patientId: '123', encounterId: '789' })],
  },
  {
    name: 'JsonPathContent blood pressure array: one per reading',
    at: `${JP}:69-80, 164-222`,
    specs: [
      legacy({
        typeName: 'bloodpressure',
        typeMatch: '$..[?(@systolic)]',
        values: [
          { valueName: 'systolic', valueExpression: '$.systolic', required: true },
          { valueName: 'diastolic', valueExpression: '$.diastolic', required: true },
        ],
      }),
    ],
    event: {
      body: {
        Body: [
          { systolic: '120', diastolic: '80', device: 'abc', date: D1 },
          { systolic: '122', diastolic: '82', device: 'abc', date: D2 },
        ],
      },
    },
    measurements: [bp('120', '80', D1), bp('122', '82', D2)],
  },
  {
    name: 'JsonPathContent correlation id missing fails the match',
    at: `${JP}:94-104`,
    specs: [legacy({ correlationId: '$.session' })],
    event: { body: one },
    measurements: [],
    errors: ['0:correlationIdExpression'],
  },
  {
    name: 'IotJsonPathContent: device id and creation time from the IoT Hub envelope',
    at: `${IJ}:38-57, TestInput/data_IotHubPayloadExample.json`,
    specs: [iotHubTemplate()],
    event: iotHub,
    measurements: [
      {
        type: 'heartrate',
        deviceId: 'ev-d795-1d04-55ae',
        occurrenceTimeUtc: TIMES['2019-01-30T22:45:02.6073744Z'],
        properties: [{ name: 'hr', value: '203' }],
      },
    ],
  },
  {
    name: 'IotJsonPathContent: no creation time, the enqueued time',
    at: `${IJ}:108-127, TestInput/data_IotHubPayloadExampleMissingCreateTime.json`,
    specs: [iotHubTemplate()],
    event: { ...iotHub, properties: { tz: 'America/Los_Angeles' } },
    measurements: [
      {
        type: 'heartrate',
        deviceId: 'ev-d795-1d04-55ae',
        occurrenceTimeUtc: TIMES['2019-02-01T22:46:01.875Z'],
        properties: [{ name: 'hr', value: '203' }],
      },
    ],
  },
  {
    name: 'IotJsonPathContent: multi-value blood pressure',
    at: `${IJ}:28-36, 80-105, TestInput/data_IotHubPayloadMultiValueExample.json`,
    specs: [
      iotHubTemplate({
        typeName: 'bloodpressure',
        typeMatch: '$..[?(@Body.systolic && @Body.diastolic)]',
        values: [
          { valueName: 'systolic', valueExpression: '$.Body.systolic', required: true },
          { valueName: 'diastolic', valueExpression: '$.Body.diastolic', required: true },
        ],
      }),
    ],
    event: { ...iotHub, body: { systolic: '111', diastolic: '75', steps: '30' } },
    measurements: [
      {
        type: 'bloodpressure',
        deviceId: 'ev-d795-1d04-55ae',
        occurrenceTimeUtc: TIMES['2019-01-30T22:45:02.6073744Z'],
        properties: [
          { name: 'systolic', value: '111' },
          { name: 'diastolic', value: '75' },
        ],
      },
    ],
  },
  {
    name: 'IotCentralJsonPathContent: blood pressure from telemetry, device id and time fixed',
    at: `${IC}:19-27, 52-79, TestInput/data_IotCentralPayloadExample.json`,
    specs: [
      {
        kind: 'IotCentralJsonPathContent',
        typeName: 'bloodPressure',
        typeMatch: '$..[?(@telemetry.BloodPressure.Diastolic && @telemetry.BloodPressure.Systolic)]',
        values: [
          { valueName: 'bp_diastolic', valueExpression: '$.telemetry.BloodPressure.Diastolic', required: true },
          { valueName: 'bp_systolic', valueExpression: '$.telemetry.BloodPressure.Systolic', required: true },
        ],
      },
    ],
    event: { body: central },
    measurements: [
      {
        type: 'bloodPressure',
        ...centralAt,
        properties: [
          { name: 'bp_diastolic', value: '7' },
          { name: 'bp_systolic', value: '71' },
        ],
      },
    ],
  },
  {
    name: 'IotCentralJsonPathContent: enrichment value',
    at: `${IC}:30-37, 80-101`,
    specs: [
      {
        kind: 'IotCentralJsonPathContent',
        typeName: 'elevation',
        typeMatch: '$..[?(@enrichments.Elevation)]',
        values: [{ valueName: 'elevation', valueExpression: '$.enrichments.Elevation', required: true }],
      },
    ],
    event: { body: central },
    measurements: [{ type: 'elevation', ...centralAt, properties: [{ name: 'elevation', value: '200m' }] }],
  },
  {
    name: 'IotCentralJsonPathContent: four telemetry values in declared order',
    at: `${IC}:40-50, 103-139`,
    specs: [
      {
        kind: 'IotCentralJsonPathContent',
        typeName: 'telemetry',
        typeMatch: '$..[?(@telemetry)]',
        values: [
          { valueName: 'activity', valueExpression: '$.telemetry.Activity', required: true },
          { valueName: 'bp_diastolic', valueExpression: '$.telemetry.BloodPressure.Diastolic', required: true },
          { valueName: 'bp_systolic', valueExpression: '$.telemetry.BloodPressure.Systolic', required: true },
          { valueName: 'respitoryrate', valueExpression: '$.telemetry.RespiratoryRate', required: true },
        ],
      },
    ],
    event: { body: central },
    measurements: [
      {
        type: 'telemetry',
        ...centralAt,
        properties: [
          { name: 'activity', value: 'running' },
          { name: 'bp_diastolic', value: '7' },
          { name: 'bp_systolic', value: '71' },
          { name: 'respitoryrate', value: '13' },
        ],
      },
    ],
  },
  {
    name: 'a collection: template order first, then each template’s matches in order',
    at: `${CC}:73-111, Template/CollectionContentTemplate.cs:31`,
    specs: [
      hrTemplate({ typeName: 'first', typeMatch: '$.Body' }),
      hrTemplate({ typeName: 'second', typeMatch: '$.Body.readings[*]' }),
    ],
    event: {
      body: {
        ...one,
        heartrate: '9',
        readings: [
          { ...one, heartrate: '1' },
          { ...one, heartrate: '2' },
        ],
      },
    },
    measurements: [
      { type: 'first', properties: [{ name: 'hr', value: '9' }] },
      { type: 'second', properties: [{ name: 'hr', value: '1' }] },
      { type: 'second', properties: [{ name: 'hr', value: '2' }] },
    ],
  },
];

describe('MedTech extractor oracle: facts from iomt-fhir tests', () => {
  it('has at least 20 facts', () => {
    expect(FACTS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(FACTS.map((f) => [f.name, f] as const))('%s', (_name, fact) => {
    const expected = { measurements: fact.measurements, errors: fact.errors ?? [] };
    const fromOracle = medTechKeeps(oracle(fact.specs, fact.event));
    const result = ours(fact.specs, fact.event);
    for (const actual of [fromOracle, { measurements: result.measurements, errors: errorKeys(result) }]) {
      expect(actual.errors).toEqual(expected.errors);
      expect(actual.measurements).toHaveLength(expected.measurements.length);
      actual.measurements.forEach((m, i) => expect(m).toMatchObject(expected.measurements[i]!));
    }
    // The facts state no absent field: where they assert null the measurement has none.
    for (const m of result.measurements) {
      for (const key of ['patientId', 'encounterId', 'correlationId'] as const) {
        if (!(key in (fact.measurements[0] ?? {}))) {
          expect(m).not.toHaveProperty(key);
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Seeded random mappings and messages
// ---------------------------------------------------------------------------------------------------------------

const TIME_TEXTS = Object.keys(TIMES).slice(0, 3);
const LEAVES: Json[] = [
  'dev-1',
  'dev-2',
  'p-7',
  '72',
  '',
  '   ',
  72,
  98.6,
  -0.5,
  0,
  true,
  false,
  null,
  { a: 1 },
  [1, 2],
];

function leaf(r: SeededRandom, good: readonly Json[]): Json {
  return r.chance(0.88) ? r.pick(good) : r.pick([...LEAVES, ...TIME_TEXTS, 'soon']);
}

function reading(r: SeededRandom): Json {
  const out: Record<string, Json> = {};
  const fields: [string, readonly Json[]][] = [
    ['deviceId', ['dev-1', 'dev-2']],
    ['time', TIME_TEXTS],
    ['hr', [72, 98.6, '80']],
    ['kind', ['hr', 'bp']],
    ['pid', ['p-1', 'p-2']],
    ['eid', ['e-1']],
    ['sid', ['s-1', 's-2']],
    ['enqueuedTime', TIME_TEXTS],
  ];
  for (const [name, good] of fields) {
    if (r.chance(0.7)) {
      out[name] = leaf(r, good);
    }
  }
  if (r.chance(0.3)) {
    out['telemetry'] = r.chance(0.8) ? { hr: leaf(r, [60, 61]) } : leaf(r, [60]);
  }
  return out;
}

function randomBody(r: SeededRandom): Json {
  const readings = (): Json[] => Array.from({ length: r.below(4) }, () => (r.chance(0.08) ? null : reading(r)));
  switch (r.below(4)) {
    case 0:
      return reading(r);
    case 1:
      return readings();
    default: {
      const body = reading(r) as Record<string, Json>;
      body['readings'] = readings();
      return body;
    }
  }
}

function randomEvent(r: SeededRandom): EventSpec {
  const properties: Record<string, Json> = {};
  const systemProperties: Record<string, Json> = {};
  if (r.chance(0.7)) {
    properties['iothub-creation-time-utc'] = leaf(r, TIME_TEXTS);
  }
  if (r.chance(0.5)) {
    properties['deviceId'] = leaf(r, ['dev-p']);
  }
  if (r.chance(0.8)) {
    systemProperties['iothub-connection-device-id'] = leaf(r, ['hub-1']);
  }
  if (r.chance(0.8)) {
    systemProperties['iothub-enqueuedtime'] = leaf(r, TIME_TEXTS);
  }
  return { body: randomBody(r), properties, systemProperties };
}

/** A member of the match, in the template's scope and language. */
function fieldExpr(r: SeededRandom, kind: Kind, lang: Language, name: string): string {
  if (kind !== 'CalculatedContent') {
    return r.chance(0.05) ? `$..${name}` : kind === 'IotJsonPathContent' ? `$.Body.${name}` : `$.${name}`;
  }
  if (lang === 'JmesPath') {
    return r.chance(0.9) ? `matchedToken.${name}` : `Body.${name}`;
  }
  return r.pick([
    `$.matchedToken.${name}`,
    `$.matchedToken.${name}`,
    `$.matchedToken.${name}`,
    `$.Body.${name}`,
    `$..${name}`,
  ]);
}

function randomTemplate(r: SeededRandom, i: number): TemplateSpec {
  const kind = r.pick<Kind>([
    'CalculatedContent',
    'CalculatedContent',
    'JsonPathContent',
    'IotJsonPathContent',
    'IotCentralJsonPathContent',
  ]);
  const calculated = kind === 'CalculatedContent';
  const defaultLanguage: Language | undefined = calculated && r.chance(0.4) ? 'JmesPath' : undefined;
  const langOf = (): Language =>
    calculated && r.chance(0.2) ? r.pick<Language>(['JsonPath', 'JmesPath']) : (defaultLanguage ?? 'JsonPath');
  const languages: NonNullable<TemplateSpec['languages']> = {};
  const expr = (key: keyof NonNullable<TemplateSpec['languages']>, name: string): string => {
    const lang = langOf();
    if (lang !== (defaultLanguage ?? 'JsonPath')) {
      languages[key] = lang;
    }
    if (key === 'deviceId' && calculated && r.chance(0.15)) {
      return lang === 'JmesPath' ? 'Properties.deviceId' : "$.SystemProperties['iothub-connection-device-id']";
    }
    return fieldExpr(r, kind, lang, name);
  };
  const typeLang = langOf();
  if (typeLang !== (defaultLanguage ?? 'JsonPath')) {
    languages.typeMatch = typeLang;
  }
  let typeMatch: string;
  if (typeLang === 'JmesPath') {
    typeMatch = r.pick([
      'Body.readings[*]',
      "Body.readings[?kind=='hr']",
      "Body[?kind=='bp']",
      'Body[*]',
      'Body',
      'Body.telemetry',
    ]);
  } else if (kind === 'IotJsonPathContent') {
    typeMatch = r.pick(['$..[?(@Body.hr)]', '$..[?(@Body.deviceId)]', '$..[?(@.hr)]']);
  } else if (kind === 'IotCentralJsonPathContent') {
    typeMatch = r.pick(['$..[?(@telemetry.hr)]', '$..[?(@telemetry)]', '$..[?(@.hr)]']);
  } else {
    typeMatch = r.pick([
      '$..[?(@.hr)]',
      '$..[?(@hr && @time)]',
      '$..[?(@kind || @sid)]',
      '$.Body.readings[*]',
      '$.Body',
      '$.Body.telemetry',
    ]);
  }
  const spec: TemplateSpec = { kind, typeName: `type${i}`, typeMatch, values: [] };
  if (defaultLanguage !== undefined) {
    spec.defaultLanguage = defaultLanguage;
  }
  if (kind === 'CalculatedContent' || kind === 'JsonPathContent' || r.chance(0.3)) {
    // IoT kinds ignore them (Template/IotJsonPathContentTemplate.cs:12-22): given here to check that.
    spec.deviceId = expr('deviceId', r.pick(['deviceId', 'deviceId', 'pid']));
    spec.timestamp = expr('timestamp', r.pick(['time', 'time', 'enqueuedTime']));
  }
  if (r.chance(0.3)) {
    spec.patientId = expr('patientId', 'pid');
  }
  if (r.chance(0.2)) {
    spec.encounterId = expr('encounterId', 'eid');
  }
  // A blank JSONPath correlation id expression is no expression (JsonPathCalculatedFunctionContentTemplateAdapter.cs:49);
  // in CalculatedContent it makes the mapping invalid, on both sides (TemplateExpressionEvaluatorFactory.cs:27).
  if (r.chance(0.25)) {
    spec.correlationId = !calculated && r.chance(0.15) ? '   ' : expr('correlationId', 'sid');
  }
  const valueNames = ['hr', 'kind', 'telemetry', 'sid', 'time'];
  for (let v = 0; v < r.below(4); v++) {
    const lang = langOf();
    const value: ValueSpec = {
      valueName: `v${v}`,
      valueExpression: fieldExpr(r, kind, lang, r.pick(valueNames)),
      required: r.chance(0.1) ? 'true' : r.chance(0.5),
    };
    if (calculated && lang !== (defaultLanguage ?? 'JsonPath')) {
      value.language = lang;
    }
    spec.values.push(value);
  }
  if (Object.keys(languages).length > 0) {
    spec.languages = languages;
  }
  return spec;
}

const CASES = 4000;

describe('MedTech extractor oracle: seeded random mappings and messages', () => {
  it(`agrees with normalizeEvent on ${CASES} random (mapping, message) pairs`, () => {
    const r = new SeededRandom(0x6d7e);
    const counts = { matches: 0, measurements: 0, errors: 0, medTechStopsEarlier: 0, blankOptionalId: 0 };
    for (let n = 0; n < CASES; n++) {
      const specs = Array.from({ length: 1 + r.below(3) }, (_, i) => randomTemplate(r, i));
      const event = randomEvent(r);
      const outcomes = oracle(specs, event);
      const expected = perMatch(outcomes);
      const result = ours(specs, event);
      const context = JSON.stringify({ n, mapping: specs.map(mappingJson), event });
      expect(errorKeys(result), context).toEqual(expected.errors);
      expect(result.measurements, context).toStrictEqual(withoutBlankOptionalIds(expected.measurements));
      counts.matches += outcomes.length;
      counts.measurements += expected.measurements.length;
      counts.errors += expected.errors.length;
      if (medTechKeeps(outcomes).measurements.length !== expected.measurements.length) {
        counts.medTechStopsEarlier++;
      }
      if (JSON.stringify(withoutBlankOptionalIds(expected.measurements)) !== JSON.stringify(expected.measurements)) {
        counts.blankOptionalId++;
      }
    }
    // The generator reaches every outcome often enough to mean something.
    expect(counts.measurements).toBeGreaterThan(1200);
    expect(counts.errors).toBeGreaterThan(1500);
    expect(counts.medTechStopsEarlier).toBeGreaterThan(50);
    expect(counts.blankOptionalId).toBeGreaterThan(5);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real differences, pinned with the current behaviour
// ---------------------------------------------------------------------------------------------------------------

describe('differences from MedTech', () => {
  const reading2 = (heartrate: Json): Json => ({ heartrate, device: 'abc', date: D1 });

  it('a failing match ends the whole message in MedTech; here only that match fails', () => {
    // Ingest/Service/NormalizationEventConsumerService.cs:235-249: the first exception out of GetMeasurements ends the
    // message (measurements already yielded stay in the batch, :240); Template/CollectionContentTemplate.cs:31 and
    // MeasurementExtractor.cs:37-40 yield lazily, so later matches and later templates are never evaluated.
    const specs = [
      hrTemplate({ values: [{ valueName: 'hr', valueExpression: '$.matchedToken.heartrate', required: true }] }),
      hrTemplate({ typeName: 'other' }),
    ];
    const event: EventSpec = { body: [reading2('1'), reading2(null), reading2('3')] };
    const outcomes = oracle(specs, event);
    expect(medTechKeeps(outcomes)).toEqual({
      measurements: [expect.objectContaining({ type: 'heartrate', properties: [{ name: 'hr', value: '1' }] })],
      errors: ['0:values[0].valueExpression'],
    });
    const result = ours(specs, event);
    expect(result.measurements.map((m) => `${m.type}:${m.properties[0]?.value ?? '-'}`)).toEqual([
      'heartrate:1',
      'heartrate:3',
      'other:1',
      'other:-',
      'other:3',
    ]);
    expect(errorKeys(result)).toEqual(['0:values[0].valueExpression']);
  });

  it.each([
    ['JsonPathContent', legacy({ patientId: '$.pid', encounterId: '$.eid' })],
    ['CalculatedContent', hrTemplate({ patientId: '$.matchedToken.pid', encounterId: '$.matchedToken.eid' })],
  ])('%s: a blank optional patient or encounter id is kept by MedTech, omitted here', (_kind, spec) => {
    // Template/MeasurementExtractor.cs:68-76,117-119: an optional field returns the string whatever it is; only a
    // required one treats a white-space string as missing.
    const event: EventSpec = { body: { ...one, pid: '   ', eid: '' } };
    const fromMedTech = medTechKeeps(oracle([spec], event)).measurements[0];
    expect(fromMedTech).toMatchObject({ patientId: '   ', encounterId: '' });
    const result = ours([spec], event);
    expect(result.errors).toEqual([]);
    expect(result.measurements).toHaveLength(1);
    expect(result.measurements[0]).not.toHaveProperty('patientId');
    expect(result.measurements[0]).not.toHaveProperty('encounterId');
  });
});
