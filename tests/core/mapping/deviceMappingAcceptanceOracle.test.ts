/**
 * Acceptance audit of device mapping loading (`parseDeviceMapping`, devicecontent.json) against MedTech.
 *
 * Each case is a mapping and what MedTech reads from it: the part of the loaded content template the case is about,
 * or `REFUSED` (MedTech reports a template error, or an exception escapes the load: either way the mapping is not
 * used). Agreement cases assert that we read the same; the cases in "differences from MedTech" assert what WE do
 * today, and also that it differs from MedTech, so whoever closes a difference moves its case to agreement.
 *
 * MedTech's behaviour is restated from the mirror of microsoft/iomt-fhir at 3d8741f5 (paths below: `Template/` =
 * src/lib/Microsoft.Health.Fhir.Ingest.Template/, `Console/` = src/console/Microsoft.Health.Fhir.Ingest.Console.Common/,
 * `Ingest/` = src/lib/Microsoft.Health.Fhir.Ingest/) and of Newtonsoft.Json 13.0.3 (Directory.Packages.props:45;
 * `NJ/` = Src/Newtonsoft.Json/ at tag 13.0.3). How MedTech loads a devicecontent.json:
 * - The text is deserialized with default settings (`JsonConvert.DeserializeObject`, Template/CollectionTemplateFactory
 *   .cs:46): numbers are read as a 64-bit integer, a big integer when longer, else a double; text shaped like an ISO
 *   date becomes a date (NJ/JsonTextReader.cs:2149-2225, 202-226). The root and each `{templateType, template}` node
 *   are read by Template/Serialization/TemplateContainerJsonConverter.cs:43-58: unknown members ignored, names matched
 *   exactly then ignoring case (NJ/Serialization/JsonPropertyCollection.cs:137-146), `template` looked up by its exact
 *   spelling first, then the first case-insensitive match (NJ/Linq/JObject.cs:290-315). `templateType` matches a
 *   target name ignoring case, or with `Template` appended (Template/TemplateContainer.cs:20-25); the targets are
 *   "CollectionContentTemplate", "JsonPathContentTemplate", "IotJsonPathContentTemplate", "IotCentralJsonPathContent"
 *   and "CalculatedContent" (Template/CollectionContentTemplateFactory.cs:30, JsonPathContentTemplateFactory.cs:18,
 *   IotJsonPathContentTemplateFactory.cs:18, IotCentralJsonPathContentTemplateFactory.cs:18,
 *   CalculatedFunctionContentTemplateFactory.cs:16).
 * - Each content template body is read with unknown members as errors, every error collected
 *   (Template/TemplateExtensions.cs:25-41, NJ/Serialization/JsonSerializerInternalReader.cs:2387-2390). Members marked
 *   required must be present and not null (Template/Template.cs:12, JsonPathContentTemplate.cs:13-24,
 *   CalculatedFunctionContentTemplate.cs:15-31, JsonPathValueExpression.cs:12-16, CalculatedFunctionValueExpression
 *   .cs:13-18; NJ/Serialization/JsonSerializerInternalReader.cs:2547-2600). A text member takes a number or boolean and
 *   keeps the text .NET makes of it (NJ/JsonReader.cs:473-508). `required` is a boolean read by NJ/JsonReader.cs:684-737.
 *   The members the template classes have besides the mapping fields are accepted: `lineNumber`/`linePosition`
 *   (32-bit integers, overwritten with the position in the file: Template/LineInfo.cs:15-17,
 *   Serialization/LineNumberJsonConverter.cs:40-41) and `lineInfoForProperties` (ignored: LineAwareJsonObject.cs:14-15).
 * - JSONPath expressions are NOT parsed when the mapping loads: only when a message is evaluated
 *   (Template/JsonPathExpressionEvaluator.cs:18-22,37-47, NJ/Linq/JToken.cs:2401-2403). JMESPath expressions are parsed
 *   at load (Template/JmesPathExpressionEvaluator.cs:25-32). A JsonPath-kind expression that is blank is dropped
 *   (Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:47-71); a missing required one fails when a message
 *   is processed (Template/MeasurementExtractor.cs:98-101,146-155).
 * What MedTech accepts at load but cannot use (it throws when a message reaches the template) is marked
 * {@link LOADS_FAILS_WHEN_USED}.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledExpression, ExpressionLanguage } from '../../../shared/core/expressions/types.js';
import type { ContentTemplate } from '../../../shared/core/mapping/deviceMapping.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { seededRandom } from '../../support/seededRandom.js';

/** MedTech (or we) report a template error, or the load throws: the mapping is not used. */
const REFUSED = 'refused' as const;
/** MedTech loads the mapping, but processing a message with that template throws (the template is unusable). */
const LOADS_FAILS_WHEN_USED = 'loads, but fails when the template is used' as const;

type Pick = (template: ContentTemplate, all: readonly ContentTemplate[]) => unknown;

interface Case {
  name: string;
  /** the whole devicecontent.json text */
  text: string;
  /** the part of the (first) content template the case is about */
  pick: Pick;
  /**
   * what MedTech reads, in our shapes: an expression as `{language, source}`, an absent optional expression as
   * `undefined`, absent or null `values` as `[]`; `'no template'` for an empty collection
   */
  medTech: unknown;
  /** where MedTech's behaviour is decided (see the header for the path prefixes) */
  at: string;
}

interface Difference extends Case {
  /** what we read today */
  ours: unknown;
}

// ---------------------------------------------------------------------------------------------------------------
// Builders. Members are kept as raw JSON text so that `60.0`, `98765432109876543210` and repeated names reach the
// loader exactly as written.

/** An object's members, in order: name and raw JSON value text. */
type Members = readonly (readonly [string, string])[];

function obj(members: Members): string {
  return `{${members.map(([name, raw]) => `${JSON.stringify(name)}:${raw}`).join(',')}}`;
}

/** The members with `name` set to `raw` (replaced in place, or appended), or removed when `raw` is undefined. */
function withMember(members: Members, name: string, raw: string | undefined): Members {
  const present = members.some(([key]) => key === name);
  if (raw === undefined) {
    return members.filter(([key]) => key !== name);
  }
  return present
    ? members.map(([key, value]) => [key, key === name ? raw : value] as const)
    : [...members, [name, raw]];
}

/** A collection of the given raw `{templateType, template}` node texts. */
function collection(...nodes: string[]): string {
  return `{"templateType":"CollectionContent","template":[${nodes.join(',')}]}`;
}

/** A `{templateType, template}` node with the given template type and raw body text. */
function node(templateType: string, body: string): string {
  return `{"templateType":${JSON.stringify(templateType)},"template":${body}}`;
}

type Kind = ContentTemplate['kind'];

const BASE: Record<Kind, Members> = {
  JsonPathContent: [
    ['typeName', '"hr"'],
    ['typeMatchExpression', '"$..[?(@heartRate)]"'],
    ['deviceIdExpression', '"$.deviceId"'],
    ['timestampExpression', '"$.endDate"'],
    ['values', '[]'],
  ],
  IotJsonPathContent: [
    ['typeName', '"hr"'],
    ['typeMatchExpression', '"$..[?(@Body.heartRate)]"'],
    ['values', '[]'],
  ],
  IotCentralJsonPathContent: [
    ['typeName', '"hr"'],
    ['typeMatchExpression', '"$..[?(@telemetry.HeartRate)]"'],
    ['values', '[]'],
  ],
  // Expressions valid in both languages, so that the default language can be switched.
  CalculatedContent: [
    ['typeName', '"hr"'],
    ['typeMatchExpression', '"Body"'],
    ['deviceIdExpression', '"matchedToken.deviceId"'],
    ['timestampExpression', '"matchedToken.endDate"'],
    ['values', '[]'],
  ],
};

/** A mapping with one template of `kind`: its base members with `name` set to `raw` (removed when undefined). */
function one(kind: Kind, name: string, raw: string | undefined, extra: Members = []): string {
  let members = withMember(BASE[kind], name, raw);
  for (const [key, value] of extra) {
    members = withMember(members, key, value);
  }
  return collection(node(kind, obj(members)));
}

/** A mapping with one template of `kind` whose base members are followed by the given raw member text. */
function appended(kind: Kind, rawMembers: string): string {
  const body = obj(BASE[kind]);
  return collection(node(kind, `${body.slice(0, -1)},${rawMembers}}`));
}

/** A mapping with one template of `kind` whose `values` holds one item with the given raw text. */
function oneValue(kind: Kind, item: string): string {
  return one(kind, 'values', `[${item}]`);
}

/** What we read: `REFUSED`, or the picked part of the first template. */
function ourReading(text: string, pick: Pick): unknown {
  const result = parseDeviceMapping(text);
  if (!result.ok) {
    return REFUSED;
  }
  const [template] = result.value.templates;
  return template === undefined ? 'no template' : pick(template, result.value.templates);
}

interface ExpressionView {
  language: ExpressionLanguage;
  source: string;
}

function view(expression: CompiledExpression | undefined): ExpressionView | undefined {
  return expression === undefined ? undefined : { language: expression.language, source: expression.source };
}

const J = (source: string): ExpressionView => ({ language: 'JsonPath', source });
const M = (source: string): ExpressionView => ({ language: 'JmesPath', source });

const loaded: Pick = () => 'loaded';
const kinds: Pick = (_, all) => all.map((t) => `${t.kind} ${t.typeName}`);
const kindOf: Pick = (t) => t.kind;
const typeName: Pick = (t) => t.typeName;
const values: Pick = (t) =>
  t.values.map((v) => ({ valueName: v.valueName, ...view(v.expression), required: v.required }));
const firstValue: Pick = (t) => {
  const [v] = t.values;
  return v === undefined ? 'no value' : { valueName: v.valueName, ...view(v.expression), required: v.required };
};
const timestamp: Pick = (t) => t.timestamp.map(view);

const EXPRESSION_FIELDS = [
  'typeMatchExpression',
  'deviceIdExpression',
  'timestampExpression',
  'patientIdExpression',
  'encounterIdExpression',
  'correlationIdExpression',
] as const;
type ExpressionField = (typeof EXPRESSION_FIELDS)[number];

function expressionOf(field: ExpressionField): Pick {
  return (t) => {
    switch (field) {
      case 'typeMatchExpression':
        return view(t.typeMatch);
      case 'deviceIdExpression':
        return view(t.deviceId);
      case 'timestampExpression':
        return view(t.timestamp[0]);
      case 'patientIdExpression':
        return view(t.patientId);
      case 'encounterIdExpression':
        return view(t.encounterId);
      case 'correlationIdExpression':
        return view(t.correlationId);
    }
  };
}

/** Fields whose member is required (present and not null) in MedTech's template classes. */
const REQUIRED_FIELDS: readonly string[] = [
  'typeName',
  'typeMatchExpression',
  'deviceIdExpression',
  'timestampExpression',
];

/** The JsonPath kinds' expression fields (the IoT kinds' fixed device id and timestamp are covered separately). */
function jsonPathExpressionFields(kind: Kind): readonly ExpressionField[] {
  return kind === 'JsonPathContent'
    ? EXPRESSION_FIELDS
    : EXPRESSION_FIELDS.filter((f) => f !== 'deviceIdExpression' && f !== 'timestampExpression');
}

const JSON_PATH_KINDS: readonly Kind[] = ['JsonPathContent', 'IotJsonPathContent', 'IotCentralJsonPathContent'];

/**
 * A number or boolean where MedTech reads text, and the text: the reader makes a 64-bit or big integer of an integer
 * literal, a double of anything with a fraction or exponent (NJ/JsonTextReader.cs:2149-2225), and `ReadAsString`
 * formats it with the invariant culture; a boolean is "True"/"False" (NJ/JsonReader.cs:487-503).
 */
const NUMBER_TEXT: readonly (readonly [string, string])[] = [
  ['42', '42'],
  ['-7', '-7'],
  ['98765432109876543210', '98765432109876543210'],
  ['9007199254740993', '9007199254740993'],
  ['60.0', '60'],
  ['1e21', '1E+21'],
  ['1.5e-7', '1.5E-07'],
  ['0.25', '0.25'],
  ['true', 'True'],
  ['false', 'False'],
];
const NUMBER_AT = 'NJ/JsonTextReader.cs:2149-2225, NJ/JsonReader.cs:473-508';

// ---------------------------------------------------------------------------------------------------------------
// Agreement: what MedTech accepts we read the same; what MedTech refuses we refuse.

const AGREEMENT: Case[] = [
  // The root node
  ...['CollectionContent', 'CollectionContentTemplate', 'collectioncontent', 'COLLECTIONCONTENTTEMPLATE'].map(
    (type) => ({
      name: `root templateType ${JSON.stringify(type)} is accepted`,
      text: `{"templateType":${JSON.stringify(type)},"template":[]}`,
      pick: loaded,
      medTech: 'no template',
      at: 'Template/TemplateContainer.cs:20-25, Template/CollectionContentTemplateFactory.cs:30',
    }),
  ),
  ...[
    '"CollectionContentTemplateTemplate"',
    '"Collection"',
    '"CollectionFhir"',
    '"JsonPathContent"',
    '" CollectionContent"',
    '""',
    'null',
    '5',
    'true',
    '[]',
  ].map((raw) => ({
    name: `root templateType ${raw} is refused`,
    text: `{"templateType":${raw},"template":[]}`,
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:69-73 (a number or boolean becomes text naming no type; an array cannot be text)',
  })),
  {
    name: 'root without templateType is refused',
    text: '{"template":[]}',
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:69-73',
  },
  ...['{}', 'null', '"x"', '5'].map((raw) => ({
    name: `root template ${raw} (not an array) is refused`,
    text: `{"templateType":"CollectionContent","template":${raw}}`,
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:75-79',
  })),
  {
    name: 'root without template is refused',
    text: '{"templateType":"CollectionContent"}',
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:75-79',
  },
  ...['[]', '"x"', '5'].map((raw) => ({
    name: `a document ${raw} (not an object) is refused`,
    text: raw,
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:43, NJ/Linq/JObject.cs:426-428, Template/CollectionTemplateFactory.cs:52-55',
  })),
  {
    name: 'root property names match ignoring case; unknown root members and $schema are ignored',
    text: `{"$schema":"./devicecontent.schema.json","TEMPLATETYPE":"CollectionContent","Template":[${node('JsonPathContent', obj(BASE.JsonPathContent))}],"version":2,"note":{"a":[1]}}`,
    pick: typeName,
    medTech: 'hr',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44-47, NJ/Linq/JObject.cs:303-312',
  },
  ...['"lineNumber":3', '"LinePosition":"7"', '"lineNumber":2.5', '"lineInfoForProperties":{"x":[1]}'].map(
    (member) => ({
      name: `root member ${member} (MedTech's container has it) is accepted`,
      text: `{"templateType":"CollectionContent",${member},"template":[${node('JsonPathContent', obj(BASE.JsonPathContent))}]}`,
      pick: typeName,
      medTech: 'hr',
      at: 'Template/TemplateContainer.cs:14, Template/LineInfo.cs:15-17, Template/Serialization/TemplateContainerJsonConverter.cs:56-57, NJ/JsonReader.cs:402-461',
    }),
  ),
  {
    name: 'an empty collection loads without templates',
    text: collection(),
    pick: loaded,
    medTech: 'no template',
    at: 'Template/CollectionContentTemplateFactory.cs:37-63',
  },
  {
    name: 'a root "template" written twice with the same spelling: the last one is read',
    text: `{"templateType":"CollectionContent","template":[],"template":[${node('IotJsonPathContent', obj(BASE.IotJsonPathContent))}]}`,
    pick: kindOf,
    medTech: 'IotJsonPathContent',
    at: 'NJ/Linq/JContainer.cs:910-941 (a repeated name replaces the first)',
  },

  // {templateType, template} nodes
  ...[
    ['JsonPathContent', 'JsonPathContent'],
    ['JsonPathContentTemplate', 'JsonPathContent'],
    ['jsonpathcontent', 'JsonPathContent'],
    ['JSONPATHCONTENTTEMPLATE', 'JsonPathContent'],
    ['IotJsonPathContent', 'IotJsonPathContent'],
    ['IotJsonPathContentTemplate', 'IotJsonPathContent'],
    ['iotJSONpathCONTENTtemplate', 'IotJsonPathContent'],
    ['IotCentralJsonPathContent', 'IotCentralJsonPathContent'],
    ['IOTCENTRALJSONPATHCONTENT', 'IotCentralJsonPathContent'],
    ['CalculatedContent', 'CalculatedContent'],
    ['calculatedcontent', 'CalculatedContent'],
  ].map(([type, kind]) => ({
    name: `node templateType ${JSON.stringify(type)} is the ${String(kind)} kind`,
    text: collection(node(String(type), obj(BASE[kind as Kind]))),
    pick: kindOf,
    medTech: kind,
    at: 'Template/TemplateContainer.cs:20-25 and the kinds target names (see the header)',
  })),
  ...[
    '"JsonPathContentTemplateTemplate"',
    '"JsonPath"',
    '"Content"',
    '" JsonPathContent"',
    '"JsonPathContent "',
    '"CollectionContent"',
    '"CodeValueFhir"',
    '""',
    'null',
    '5',
    '["JsonPathContent"]',
  ].map((raw) => ({
    name: `node templateType ${raw} is refused`,
    text: collection(`{"templateType":${raw},"template":${obj(BASE.JsonPathContent)}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'Console/Extensions/TemplateExtensions.cs:28-32 (the four kinds), Template/CollectionTemplateFactory.cs:25-32, Template/TemplateNotFoundHandler.cs:13 (an array cannot be text: NJ/JsonReader.cs:507)',
  })),
  {
    name: 'a node without templateType is refused',
    text: collection(`{"template":${obj(BASE.JsonPathContent)}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/TemplateNotFoundHandler.cs:13',
  },
  {
    name: 'node property names match ignoring case; unknown node members are ignored',
    text: collection(
      `{"TemplateType":"JsonPathContent","TEMPLATE":${obj(BASE.JsonPathContent)},"note":"x","$schema":1}`,
    ),
    pick: typeName,
    medTech: 'hr',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44-47, NJ/Linq/JToken.cs:1943-1956 (default serializer)',
  },
  ...['"lineNumber":3', '"LINEPOSITION":" 12 "', '"lineInfoForProperties":null'].map((member) => ({
    name: `node member ${member} (MedTech's container has it) is accepted`,
    text: collection(`{"templateType":"JsonPathContent",${member},"template":${obj(BASE.JsonPathContent)}}`),
    pick: typeName,
    medTech: 'hr',
    at: 'Template/TemplateContainer.cs:14, Template/LineInfo.cs:15-17, Template/LineAwareJsonObject.cs:14-15',
  })),
  ...['[]', 'null', '"x"', '5', `[${obj(BASE.JsonPathContent)}]`].map((raw) => ({
    name: `node template ${raw.slice(0, 20)} (not an object) is refused`,
    text: collection(`{"templateType":"JsonPathContent","template":${raw}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/JsonPathContentTemplateFactory.cs:24-27',
  })),
  ...(['CalculatedContent', 'IotJsonPathContent', 'IotCentralJsonPathContent'] as const).map((kind) => ({
    name: `a ${kind} node without template is refused`,
    text: collection(`{"templateType":"${kind}"}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CalculatedFunctionContentTemplateFactory.cs:38-42, IotJsonPathContentTemplateFactory.cs:24-27, IotCentralJsonPathContentTemplateFactory.cs:24-27',
  })),
  ...['null', '"x"', '[]', '5', '{}', `{"templateType":"CollectionContent","template":[]}`].map((raw) => ({
    name: `collection item ${raw} is refused (CollectionContent does not nest)`,
    text: collection(raw),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionContentTemplateFactory.cs:42-44, Template/Serialization/TemplateContainerJsonConverter.cs:43, Template/TemplateNotFoundHandler.cs:13, Template/CollectionContentTemplate.cs:22',
  })),
  {
    name: 'templates sharing a typeName all load, in order',
    text: collection(
      node('JsonPathContent', obj(BASE.JsonPathContent)),
      node('IotJsonPathContent', obj(BASE.IotJsonPathContent)),
    ),
    pick: kinds,
    medTech: ['JsonPathContent hr', 'IotJsonPathContent hr'],
    at: 'Template/CollectionContentTemplate.cs:20-27 (no check on type names)',
  },

  // typeName (every kind)
  ...(Object.keys(BASE) as Kind[]).flatMap((kind) => [
    ...['"HeartRate"', '" hr "', '""', '"  "', '"heart rate/min"'].map((raw) => ({
      name: `${kind} typeName ${raw} is read verbatim`,
      text: one(kind, 'typeName', raw),
      pick: typeName,
      medTech: JSON.parse(raw) as string,
      at: 'Template/Template.cs:12-13 (required, not checked otherwise)',
    })),
    ...NUMBER_TEXT.map(([raw, text]) => ({
      name: `${kind} typeName ${raw} reads "${text}"`,
      text: one(kind, 'typeName', raw),
      pick: typeName,
      medTech: text,
      at: NUMBER_AT,
    })),
    ...[undefined, 'null', '[]', '{}', '["hr"]'].map((raw) => ({
      name: `${kind} typeName ${raw ?? 'missing'} is refused`,
      text: one(kind, 'typeName', raw),
      pick: loaded,
      medTech: REFUSED,
      at: 'Template/Template.cs:12, NJ/Serialization/JsonSerializerInternalReader.cs:2557-2561,2576-2580, NJ/JsonReader.cs:507',
    })),
    {
      name: `${kind} typeName spelled TYPENAME is matched ignoring case`,
      text: one(kind, 'typeName', undefined, [['TYPENAME', '"Hr2"']]),
      pick: typeName,
      medTech: 'Hr2',
      at: 'NJ/Serialization/JsonPropertyCollection.cs:137-146',
    },
  ]),
  // repeated properties: Newtonsoft keeps the last value of one spelling in the place of the first, then sets the
  // member once per spelling, in that order
  ...[
    ['"typeName":"a","typeName":"b"', 'b'],
    ['"typeName":"a","TypeName":"b"', 'b'],
    ['"TypeName":"a","typeName":"b"', 'b'],
    ['"typeName":"a","TypeName":"b","typeName":"c"', 'b'],
  ].map(([members, expected]) => ({
    name: `repeated typeName ${String(members)} reads ${String(expected)}`,
    text: collection(
      node(
        'JsonPathContent',
        `{${String(members)},"typeMatchExpression":"$.a","deviceIdExpression":"$.d","timestampExpression":"$.t"}`,
      ),
    ),
    pick: typeName,
    medTech: expected,
    at: 'NJ/Linq/JContainer.cs:910-941, NJ/Serialization/JsonSerializerInternalReader.cs:2361-2456',
  })),

  ...(
    [
      ['JsonPathContent', '"TYPEMATCHEXPRESSION":"$.b"', expressionOf('typeMatchExpression'), J('$.b')],
      ['CalculatedContent', '"DeviceIdExpression":{"value":"x.y"}', expressionOf('deviceIdExpression'), J('x.y')],
      [
        'CalculatedContent',
        '"defaultExpressionLanguage":"JmesPath","DefaultExpressionLanguage":"JsonPath"',
        expressionOf('typeMatchExpression'),
        J('Body'),
      ],
      [
        'IotJsonPathContent',
        '"Values":[{"valueName":"v","valueExpression":"$.v"}]',
        values,
        [{ valueName: 'v', ...J('$.v'), required: false }],
      ],
      [
        'JsonPathContent',
        '"values":[{"valueName":"v","valueExpression":"$.v","required":true,"Required":false}]',
        values,
        [{ valueName: 'v', ...J('$.v'), required: false }],
      ],
    ] as [Kind, string, Pick, unknown][]
  ).map(([kind, members, pick, expected]) => ({
    name: `${kind} with ${members} after the base members reads the last spelling`,
    text: appended(kind, members),
    pick,
    medTech: expected,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs:2361-2456 (each spelling sets the member, in order)',
  })),

  // Expressions of the JsonPath kinds: text members, read as JSONPath
  ...JSON_PATH_KINDS.flatMap((kind) =>
    jsonPathExpressionFields(kind).flatMap((field) => {
      const required = REQUIRED_FIELDS.includes(field);
      const pick = expressionOf(field);
      return [
        {
          name: `${kind} ${field} "$.a.b" is read as JSONPath`,
          text: one(kind, field, '"$.a.b"'),
          pick,
          medTech: J('$.a.b'),
          at: 'Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:19-24,47-69',
        },
        ...NUMBER_TEXT.map(([raw, text]) => ({
          name: `${kind} ${field} ${raw} is the JSONPath "${text}"`,
          text: one(kind, field, raw),
          pick,
          medTech: J(text),
          at: `${NUMBER_AT}, Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:47-69`,
        })),
        ...['[]', '{}', '["$.a"]', '{"value":"$.a","language":"JsonPath"}'].map((raw) => ({
          name: `${kind} ${field} ${raw} (not text) is refused`,
          text: one(kind, field, raw),
          pick: loaded,
          medTech: REFUSED,
          at: 'NJ/JsonReader.cs:507, Template/TemplateExtensions.cs:29-41',
        })),
        {
          name: `${kind} ${field} spelled in upper case is matched`,
          text: one(kind, field, undefined, [[field.toUpperCase(), '"$.upper"']]),
          pick,
          medTech: J('$.upper'),
          at: 'NJ/Serialization/JsonPropertyCollection.cs:137-146',
        },
        ...(required
          ? [undefined, 'null'].map((raw) => ({
              name: `${kind} ${field} ${raw ?? 'missing'} is refused`,
              text: one(kind, field, raw),
              pick: loaded,
              medTech: REFUSED,
              at: 'Template/JsonPathContentTemplate.cs:13-24, NJ/Serialization/JsonSerializerInternalReader.cs:2557-2561,2576-2580',
            }))
          : [undefined, 'null', '""', '"   "'].map((raw) => ({
              name: `${kind} ${field} ${raw ?? 'missing'} is absent`,
              text: one(kind, field, raw),
              pick,
              medTech: undefined,
              at: 'Template/JsonPathContentTemplate.cs:19-26, Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:49,71',
            }))),
      ];
    }),
  ),

  // The IoT kinds' fixed device id and timestamp: whatever the mapping holds there is skipped
  ...['"$.mine"', '42', 'null', '[]', '{"value":"$.x"}', undefined].flatMap((raw) => [
    {
      name: `IotJsonPathContent deviceIdExpression and timestampExpression ${raw ?? 'missing'} are ignored`,
      text: one(
        'IotJsonPathContent',
        'deviceIdExpression',
        raw,
        raw === undefined ? [] : [['timestampExpression', raw]],
      ),
      pick: (t: ContentTemplate) => [view(t.deviceId), ...t.timestamp.map(view)],
      medTech: [
        J('$.SystemProperties.iothub-connection-device-id'),
        J('$.Properties.iothub-creation-time-utc'),
        J('$.SystemProperties.iothub-enqueuedtime'),
      ],
      at: 'Template/IotJsonPathContentTemplate.cs:12-28, Template/IotJsonPathLegacyMeasurementExtractor.cs:23, NJ/Serialization/DefaultContractResolver.cs:1590-1613, NJ/Serialization/JsonSerializerInternalReader.cs:2401-2410,2553',
    },
    {
      name: `IotCentralJsonPathContent deviceIdExpression and timestampExpression ${raw ?? 'missing'} are ignored`,
      text: one(
        'IotCentralJsonPathContent',
        'deviceIdExpression',
        raw,
        raw === undefined ? [] : [['timestampExpression', raw]],
      ),
      pick: (t: ContentTemplate) => [view(t.deviceId), ...t.timestamp.map(view)],
      medTech: [J('$.deviceId'), J('$.enqueuedTime')],
      at: 'Template/IotCentralJsonPathContentTemplate.cs:12-22, NJ/Serialization/JsonSerializerInternalReader.cs:2401-2410,2553',
    },
  ]),
  ...['"$.x"', '{}', 'null'].map((raw) => ({
    name: `IotJsonPathContent alternateTimestampExpression ${raw} is ignored`,
    text: one('IotJsonPathContent', 'alternateTimestampExpression', raw),
    pick: timestamp,
    medTech: [J('$.Properties.iothub-creation-time-utc'), J('$.SystemProperties.iothub-enqueuedtime')],
    at: 'Template/IotJsonPathContentTemplate.cs:24-28 (JsonIgnore), NJ/Serialization/JsonSerializerInternalReader.cs:2401-2410',
  })),
  ...(['JsonPathContent', 'IotCentralJsonPathContent', 'CalculatedContent'] as const).map((kind) => ({
    name: `${kind} alternateTimestampExpression (not a member of its class) is refused`,
    text: one(kind, 'alternateTimestampExpression', '"$.x"'),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/TemplateExtensions.cs:28, NJ/Serialization/JsonSerializerInternalReader.cs:2387-2390',
  })),

  // Expressions of CalculatedContent: a string in the default language, or {value, language}
  ...EXPRESSION_FIELDS.flatMap((field) => {
    const required = REQUIRED_FIELDS.includes(field);
    const pick = expressionOf(field);
    const refusedOrAbsent = (raw: string | undefined, at: string, refusedWhenOptional = false): Case => ({
      name: `CalculatedContent ${field} ${raw ?? 'missing'} is ${required || refusedWhenOptional ? 'refused' : 'absent'}`,
      text: one('CalculatedContent', field, raw),
      pick,
      medTech: required || refusedWhenOptional ? REFUSED : undefined,
      at,
    });
    return [
      {
        name: `CalculatedContent ${field} "a.b" is read in the default language (JsonPath)`,
        text: one('CalculatedContent', field, '"a.b"'),
        pick,
        medTech: J('a.b'),
        at: 'Template/Serialization/TemplateExpressionJsonConverter.cs:45-50, Template/CalculatedFunctionContentTemplateExtensions.cs:22-28, Template/CalculatedFunctionContentTemplate.cs:41',
      },
      {
        name: `CalculatedContent ${field} "a.b" with defaultExpressionLanguage JmesPath is JMESPath`,
        text: one('CalculatedContent', field, '"a.b"', [['defaultExpressionLanguage', '"JmesPath"']]),
        pick,
        medTech: M('a.b'),
        at: 'Template/CalculatedFunctionContentTemplateExtensions.cs:22-28',
      },
      ...(
        [
          ['{"value":"a.b"}', J('a.b')],
          ['{"value":"a.b","language":"JmesPath"}', M('a.b')],
          ['{"VALUE":"a.b","Language":"jmespath"}', M('a.b')],
          ['{"value":"a.b","language":" JmesPath "}', M('a.b')],
          ['{"value":"a.b","language":"JsonPath, JmesPath"}', M('a.b')],
          ['{"value":"a.b","language":1}', M('a.b')],
          ['{"value":"a.b","language":"1"}', M('a.b')],
          ['{"value":"a.b","language":0}', J('a.b')],
          ['{"value":"a.b","language":null}', J('a.b')],
          ['{"value":"a.b","language":""}', J('a.b')],
          ['{"value":"a.b","lineNumber":4,"linePosition":"9","lineInfoForProperties":[]}', J('a.b')],
          ['{"value":42}', J('42')],
          ['{"value":true,"language":"JsonPath"}', J('True')],
          ['{"value":"a","value":"b.c"}', J('b.c')],
        ] as [string, ExpressionView][]
      ).map(([raw, expected]) => ({
        name: `CalculatedContent ${field} ${raw} is read`,
        text: one('CalculatedContent', field, raw),
        pick,
        medTech: expected,
        at: 'Template/Serialization/TemplateExpressionJsonConverter.cs:69, Template/TemplateExpression.cs:24-28, NJ/Converters/StringEnumConverter.cs:212-249, NJ/Utilities/EnumUtils.cs:258-379, NJ/Utilities/ConvertUtils.cs:431-441',
      })),
      {
        name: `CalculatedContent ${field} {"value":"a.b"} with defaultExpressionLanguage JmesPath is JMESPath`,
        text: one('CalculatedContent', field, '{"value":"a.b"}', [['defaultExpressionLanguage', '"JmesPath"']]),
        pick,
        medTech: M('a.b'),
        at: 'Template/CalculatedFunctionContentTemplateExtensions.cs:22-28',
      },
      ...[
        '{"value":"a.b","language":"Jmes"}',
        '{"value":"a.b","language":" "}',
        '{"value":"a.b","language":2}',
        '{"value":"a.b","language":-1}',
        '{"value":"a.b","language":true}',
        '{"value":"a.b","language":["JmesPath"]}',
        '{"value":"a.b","lineNumber":"x"}',
        '{"value":null}',
        '{"value":""}',
        '{"value":"  "}',
        '{"value":["a"]}',
        '{"language":"JsonPath"}',
        '{}',
        '{"value":"foo[","language":"JmesPath"}',
      ].map((raw) => ({
        name: `CalculatedContent ${field} ${raw} is refused`,
        text: one('CalculatedContent', field, raw),
        pick: loaded,
        medTech: REFUSED,
        at: 'NJ/Utilities/EnumUtils.cs:289-291,359-370, NJ/Converters/StringEnumConverter.cs:251-257, Template/TemplateExpressionEvaluatorFactory.cs:27-35, Template/TemplateExpression.cs:24, Template/JmesPathExpressionEvaluator.cs:25-32',
      })),
      ...NUMBER_TEXT.map(([raw]) => ({
        name: `CalculatedContent ${field} ${raw} (not a string or object) is refused`,
        text: one('CalculatedContent', field, raw),
        pick: loaded,
        medTech: REFUSED,
        at: 'Template/Serialization/TemplateExpressionJsonConverter.cs:45,69, Template/Serialization/LineNumberJsonConverter.cs:36, NJ/Linq/JObject.cs:426-428',
      })),
      ...['[]', '["a.b"]'].map((raw) => ({
        name: `CalculatedContent ${field} ${raw} is refused`,
        text: one('CalculatedContent', field, raw),
        pick: loaded,
        medTech: REFUSED,
        at: 'Template/Serialization/LineNumberJsonConverter.cs:36, NJ/Linq/JObject.cs:426-428',
      })),
      refusedOrAbsent(undefined, 'Template/CalculatedFunctionContentTemplate.cs:15-34'),
      refusedOrAbsent(
        'null',
        'NJ/Serialization/JsonSerializerInternalReader.cs:2576-2580 (required), Template/Serialization/LineNumberJsonConverter.cs:21,51',
      ),
      // "" is presence null for a non-text member (required: refused); an optional one keeps the empty expression,
      // and creating its evaluator throws at load.
      refusedOrAbsent(
        '""',
        'NJ/Serialization/JsonSerializerInternalReader.cs:361-363,2609-2612, Template/TemplateExpressionEvaluatorFactory.cs:27, Template/CalculatedFunctionContentTemplateFactory.cs:76-78',
        true,
      ),
      refusedOrAbsent(
        '"   "',
        'Template/TemplateExpressionEvaluatorFactory.cs:27, Template/CalculatedFunctionContentTemplateFactory.cs:76-78',
        true,
      ),
      {
        name: `CalculatedContent ${field} "foo[" in the default language JmesPath is refused`,
        text: one('CalculatedContent', field, '"foo["', [['defaultExpressionLanguage', '"JmesPath"']]),
        pick: loaded,
        medTech: REFUSED,
        at: 'Template/CalculatedFunctionContentTemplateFactory.cs:54-63, Template/JmesPathExpressionEvaluator.cs:25-32',
      },
    ];
  }),

  // defaultExpressionLanguage
  ...(
    [
      [undefined, J('Body')],
      ['"JsonPath"', J('Body')],
      ['"JmesPath"', M('Body')],
      ['"jmespath"', M('Body')],
      ['"  JMESPATH "', M('Body')],
      ['"JsonPath,JmesPath"', M('Body')],
      ['0', J('Body')],
      ['1', M('Body')],
      ['"1"', M('Body')],
      ['" +0 "', J('Body')],
      // A JSON integer is read as a 64-bit one whose low 32 bits the enum keeps (on Mono, with `to_string`, which only
      // JMESPath has, as the expression).
      ['4294967297', M('Body')],
      ['4294967296', J('Body')],
      ['-4294967295', M('Body')],
      ['-9223372036854775808', J('Body')],
    ] as [string | undefined, ExpressionView][]
  ).map(([raw, expected]) => ({
    name: `defaultExpressionLanguage ${raw ?? 'missing'} gives ${JSON.stringify(expected)}`,
    text: one('CalculatedContent', 'defaultExpressionLanguage', raw),
    pick: expressionOf('typeMatchExpression'),
    medTech: expected,
    at: 'Template/CalculatedFunctionContentTemplate.cs:40-41, NJ/Converters/StringEnumConverter.cs:229-249, NJ/Utilities/EnumUtils.cs:258-379',
  })),
  {
    name: 'defaultExpressionLanguage spelled DEFAULTEXPRESSIONLANGUAGE is matched',
    text: one('CalculatedContent', 'DEFAULTEXPRESSIONLANGUAGE', '"JmesPath"'),
    pick: expressionOf('typeMatchExpression'),
    medTech: M('Body'),
    at: 'NJ/Serialization/JsonPropertyCollection.cs:137-146',
  },
  ...[
    'null',
    '""',
    '"  "',
    '"Jmes"',
    '"JsonPath,"',
    'true',
    '[]',
    '{}',
    '2',
    '"2"',
    '-1',
    '2147483648',
    '"2147483648"',
    '9223372036854775807',
    '9223372036854775808',
  ].map((raw) => ({
    name: `defaultExpressionLanguage ${raw} is refused (an expression takes it)`,
    text: one('CalculatedContent', 'defaultExpressionLanguage', raw),
    pick: loaded,
    medTech: REFUSED,
    at: 'NJ/Converters/StringEnumConverter.cs:214-219,251-257, NJ/Utilities/EnumUtils.cs:289-291,359-370, Template/TemplateExpressionEvaluatorFactory.cs:31-35',
  })),
  {
    name: 'defaultExpressionLanguage on a JsonPathContent (not a member of its class) is refused',
    text: one('JsonPathContent', 'defaultExpressionLanguage', '"JsonPath"'),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/JsonPathContentTemplate.cs:11-31, NJ/Serialization/JsonSerializerInternalReader.cs:2387-2390',
  },

  // values: the container
  ...JSON_PATH_KINDS.flatMap((kind) => [
    ...[undefined, 'null', '[]', '""'].map((raw) => ({
      name: `${kind} values ${raw ?? 'missing'} reads no values`,
      text: one(kind, 'values', raw),
      pick: values,
      medTech: [],
      at: `Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:26-38, Template/MeasurementExtractor.cs:183${raw === '""' ? ' (an empty string read as null: NJ/Serialization/JsonSerializerInternalReader.cs:328,361-366; checked on Mono with MedTech built from source)' : ''}`,
    })),
    ...['[null]', '{}', '"x"', '[[]]', '["$.hr"]'].map((raw) => ({
      name: `${kind} values ${raw} is refused`,
      text: one(kind, 'values', raw),
      pick: loaded,
      medTech: REFUSED,
      at: 'Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:28-37 (a null item), Template/Serialization/LineNumberJsonConverter.cs:36, Template/TemplateExtensions.cs:29-41',
    })),
  ]),
  {
    name: 'CalculatedContent values [] reads no values',
    text: one('CalculatedContent', 'values', '[]'),
    pick: values,
    medTech: [],
    at: 'Template/CalculatedFunctionContentTemplateFactory.cs:61-64',
  },
  ...['[null]', '{}', '"x"', '["a"]'].map((raw) => ({
    name: `CalculatedContent values ${raw} is refused`,
    text: one('CalculatedContent', 'values', raw),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CalculatedFunctionContentTemplateExtensions.cs:44-49 (a null item), Template/TemplateExtensions.cs:29-41',
  })),

  // values: the items
  ...(Object.keys(BASE) as Kind[]).flatMap((kind) => {
    const calculated = kind === 'CalculatedContent';
    const expected = (valueName: string, source: string, required = false): unknown => ({
      valueName,
      ...J(source),
      required,
    });
    return [
      {
        name: `${kind} a value item with names in any case is read`,
        text: oneValue(kind, '{"VALUENAME":"hr","ValueExpression":"matchedToken.hr","REQUIRED":true}'),
        pick: firstValue,
        medTech: expected('hr', 'matchedToken.hr', true),
        at: 'NJ/Serialization/JsonPropertyCollection.cs:137-146',
      },
      ...[['" hr "', ' hr '], ...NUMBER_TEXT].map(([raw, text]) => ({
        name: `${kind} valueName ${String(raw)} reads "${String(text)}"`,
        text: oneValue(kind, `{"valueName":${String(raw)},"valueExpression":"$.hr"}`),
        pick: firstValue,
        medTech: expected(String(text), '$.hr'),
        at: `${NUMBER_AT}, Template/${calculated ? 'CalculatedFunctionValueExpression.cs:13-14' : 'JsonPathValueExpression.cs:12-13'}`,
      })),
      ...['null', '[]', '{}'].map((raw) => ({
        name: `${kind} valueName ${raw} is refused`,
        text: oneValue(kind, `{"valueName":${raw},"valueExpression":"$.hr"}`),
        pick: loaded,
        medTech: REFUSED,
        at: 'NJ/Serialization/JsonSerializerInternalReader.cs:2576-2580, NJ/JsonReader.cs:507',
      })),
      {
        name: `${kind} a value without valueName is refused`,
        text: oneValue(kind, '{"valueExpression":"$.hr"}'),
        pick: loaded,
        medTech: REFUSED,
        at: 'NJ/Serialization/JsonSerializerInternalReader.cs:2557-2561',
      },
      ...[
        '{"valueName":"hr"}',
        '{"valueName":"hr","valueExpression":null}',
        '{"valueName":"hr","valueExpression":[]}',
      ].map((raw) => ({
        name: `${kind} value ${raw} is refused`,
        text: oneValue(kind, raw),
        pick: loaded,
        medTech: REFUSED,
        at: 'Template/JsonPathValueExpression.cs:15-16, Template/CalculatedFunctionValueExpression.cs:16-18, NJ/Serialization/JsonSerializerInternalReader.cs:2557-2561,2576-2580',
      })),
      ...(calculated
        ? [
            ...['""', '"  "', '42', 'true', '{}', '{"value":""}'].map((raw) => ({
              name: `${kind} valueExpression ${raw} is refused`,
              text: oneValue(kind, `{"valueName":"hr","valueExpression":${raw}}`),
              pick: loaded,
              medTech: REFUSED,
              at: 'NJ/Serialization/JsonSerializerInternalReader.cs:361-363,2576-2580, Template/Serialization/TemplateExpressionJsonConverter.cs:45,69, Template/TemplateExpressionEvaluatorFactory.cs:27',
            })),
            {
              name: `${kind} valueExpression {"value":"hr","language":"JmesPath"} is JMESPath`,
              text: oneValue(kind, '{"valueName":"hr","valueExpression":{"value":"hr","language":"JmesPath"}}'),
              pick: firstValue,
              medTech: { valueName: 'hr', ...M('hr'), required: false },
              at: 'Template/CalculatedFunctionValueExpression.cs:16-18, Template/Serialization/TemplateExpressionJsonConverter.cs:69',
            },
            {
              name: `${kind} valueExpression "hr" takes the default language`,
              text: one(kind, 'values', '[{"valueName":"hr","valueExpression":"hr"}]', [
                ['defaultExpressionLanguage', '"JmesPath"'],
              ]),
              pick: firstValue,
              medTech: { valueName: 'hr', ...M('hr'), required: false },
              at: 'Template/CalculatedFunctionContentTemplateExtensions.cs:44-49',
            },
          ]
        : [
            ...NUMBER_TEXT.map(([raw, text]) => ({
              name: `${kind} valueExpression ${raw} is the JSONPath "${text}"`,
              text: oneValue(kind, `{"valueName":"hr","valueExpression":${raw}}`),
              pick: firstValue,
              medTech: expected('hr', text),
              at: NUMBER_AT,
            })),
            ...['{}', '{"value":"$.hr"}'].map((raw) => ({
              name: `${kind} valueExpression ${raw} is refused`,
              text: oneValue(kind, `{"valueName":"hr","valueExpression":${raw}}`),
              pick: loaded,
              medTech: REFUSED,
              at: 'NJ/JsonReader.cs:507',
            })),
          ]),
      ...(
        [
          [undefined, false],
          ['true', true],
          ['false', false],
          ['"true"', true],
          ['"TRUE"', true],
          ['" False "', false],
          ['"\\tfalse\\n"', false],
          ['1', true],
          ['0', false],
          ['-3', true],
          ['2.5', true],
          ['0.0', false],
          ['98765432109876543210', true],
        ] as const
      ).map(([raw, required]) => ({
        name: `${kind} required ${raw ?? 'missing'} reads ${String(required)}`,
        text: oneValue(
          kind,
          `{"valueName":"hr","valueExpression":"$.hr"${raw === undefined ? '' : `,"required":${raw}`}}`,
        ),
        pick: firstValue,
        medTech: expected('hr', '$.hr', required),
        at: 'NJ/JsonReader.cs:684-737 (numbers: not zero; text: bool.TryParse, which ignores case and trims white space: dotnet/runtime System/Boolean.cs TryParse)',
      })),
      ...['null', '""', '"1"', '"yes"', '"tru"', '[]', '{}', '[true]'].map((raw) => ({
        name: `${kind} required ${raw} is refused`,
        text: oneValue(kind, `{"valueName":"hr","valueExpression":"$.hr","required":${raw}}`),
        pick: loaded,
        medTech: REFUSED,
        at: 'NJ/JsonReader.cs:716,719-736, NJ/Serialization/JsonSerializerInternalReader.cs:338-347,955-1006 (null into a boolean)',
      })),
      ...['"lineNumber":1', '"linePosition":"2"', '"lineInfoForProperties":{}'].map((member) => ({
        name: `${kind} value member ${member} is accepted`,
        text: oneValue(kind, `{"valueName":"hr","valueExpression":"$.hr",${member}}`),
        pick: firstValue,
        medTech: expected('hr', '$.hr'),
        at: 'Template/LineInfo.cs:15-17, Template/LineAwareJsonObject.cs:14-15',
      })),
      ...['"note":"x"', '"name":"hr"', '"lineNumber":"x"', '"lineNumber":null'].map((member) => ({
        name: `${kind} value member ${member} is refused`,
        text: oneValue(kind, `{"valueName":"hr","valueExpression":"$.hr",${member}}`),
        pick: loaded,
        medTech: REFUSED,
        at: 'Template/TemplateExtensions.cs:28, NJ/Serialization/JsonSerializerInternalReader.cs:2387-2390, NJ/JsonReader.cs:441-466',
      })),
    ];
  }),

  // Members of the content template besides the mapping fields
  ...(Object.keys(BASE) as Kind[]).flatMap((kind) => [
    ...[
      '"lineNumber":3',
      '"lineNumber":"7"',
      '"LINENUMBER":" 7 "',
      '"linePosition":2.5',
      '"linePosition":1e2',
      '"lineInfoForProperties":{"a":1}',
      '"lineInfoForProperties":null',
      '"LineInfoForProperties":"x"',
    ].map((member) => ({
      name: `${kind} member ${member} is accepted`,
      text: appended(kind, member),
      pick: typeName,
      medTech: 'hr',
      at: 'Template/LineInfo.cs:15-17, Template/Serialization/LineNumberJsonConverter.cs:40-41, Template/LineAwareJsonObject.cs:14-15, NJ/JsonReader.cs:402-461',
    })),
    ...[
      '"lineNumber":"x"',
      '"lineNumber":null',
      '"lineNumber":""',
      '"lineNumber":true',
      '"lineNumber":99999999999',
      '"linePosition":[]',
      '"note":"x"',
      '"$schema":"x"',
      '"typeName ":"x"',
      '"value":[]',
    ].map((member) => ({
      name: `${kind} member ${member} is refused`,
      text: appended(kind, member),
      pick: loaded,
      medTech: REFUSED,
      at: 'Template/TemplateExtensions.cs:28, NJ/Serialization/JsonSerializerInternalReader.cs:338-347,955-1006,2387-2390, NJ/JsonReader.cs:428-466',
    })),
  ]),

  // Expressions: JMESPath is parsed at load
  {
    name: 'a CalculatedContent JMESPath expression that does not parse is refused',
    text: one('CalculatedContent', 'typeMatchExpression', '{"value":"Body[","language":"JmesPath"}'),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CalculatedFunctionContentTemplateFactory.cs:54-63, Template/JmesPathExpressionEvaluator.cs:25-32',
  },
  // Unknown members of an expression object, and blank expressions of values that are not required.
  ...[
    ...EXPRESSION_FIELDS.map((field) => [field, expressionOf(field)] as const),
    ['values', firstValue] as const,
  ].flatMap(([field, pick]) =>
    ['"comment":"heart rate"', '"$comment":{"a":1}', '"languages":"JsonPath"'].map((member) => {
      const expression = `{"value":"matchedToken.x","language":"JmesPath",${member}}`;
      return {
        name: `an unknown member ${member} in a CalculatedContent ${field} expression object is ignored, as in MedTech`,
        text:
          field === 'values'
            ? oneValue('CalculatedContent', `{"valueName":"v","valueExpression":${expression}}`)
            : one('CalculatedContent', field, expression),
        pick,
        medTech: field === 'values' ? { valueName: 'v', ...M('matchedToken.x'), required: false } : M('matchedToken.x'),
        at: 'Template/Serialization/TemplateExpressionJsonConverter.cs:33-36,69 (its own serializer, default settings: unknown members ignored), NJ/Serialization/JsonSerializerInternalReader.cs:2387-2398',
      };
    }),
  ),
  ...JSON_PATH_KINDS.flatMap((kind) =>
    ['""', '"   "'].flatMap((raw) =>
      ['', ',"required":false', ',"required":"false"'].map((required) => ({
        name: `${kind} value {"valueExpression":${raw}${required}} loads; the value is never produced, as in MedTech`,
        text: oneValue(kind, `{"valueName":"v","valueExpression":${raw}${required}}`),
        pick: loaded,
        medTech: 'loaded',
        at: 'Template/JsonPathValueExpression.cs:15-16 (text: "" is a value, NJ/Serialization/JsonSerializerInternalReader.cs:361-363,2609-2612), Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:32,47-71 (blank: no expression), Template/MeasurementExtractor.cs:48,98-103,183-191 (not required: no value)',
      })),
    ),
  ),
  // Which spelling of `template` is read.
  {
    name: 'a node with "template" then "Template" is read by its exact spelling, as in MedTech',
    text: collection(
      `{"templateType":"JsonPathContent","template":${obj(BASE.JsonPathContent)},"Template":${obj(withMember(BASE.JsonPathContent, 'typeName', '"second"'))}}`,
    ),
    pick: typeName,
    medTech: 'hr',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44,53, NJ/Linq/JObject.cs:290-300',
  },
  {
    name: 'a node with "Template" then "TEMPLATE" is read by its first spelling, as in MedTech',
    text: collection(
      `{"templateType":"JsonPathContent","Template":${obj(BASE.JsonPathContent)},"TEMPLATE":${obj(withMember(BASE.JsonPathContent, 'typeName', '"second"'))}}`,
    ),
    pick: typeName,
    medTech: 'hr',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44,53, NJ/Linq/JObject.cs:303-312',
  },
  {
    name: 'a root with "template" then "Template" is read by its exact spelling, as in MedTech',
    text: `{"templateType":"CollectionContent","template":[${node('JsonPathContent', obj(BASE.JsonPathContent))}],"Template":[]}`,
    pick: kinds,
    medTech: ['JsonPathContent hr'],
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44,53, NJ/Linq/JObject.cs:290-300',
  },
  // A default language naming no language, which no expression takes.
  ...['2', '"2"', '-1', '" 7 "', '2147483648', '-2147483649', '9223372036854775807', '4294967298'].map((raw) => ({
    name: `defaultExpressionLanguage ${raw} when every expression names its language loads, as in MedTech: the default is never used`,
    text: calculatedWithLanguages(raw),
    pick: (t: ContentTemplate) => [view(t.typeMatch), view(t.deviceId), ...t.timestamp.map(view)],
    medTech: [M('Body'), J('matchedToken.d'), M('matchedToken.t')],
    at: 'NJ/Converters/StringEnumConverter.cs:238-248, NJ/Utilities/EnumUtils.cs:294-322, NJ/Utilities/ConvertUtils.cs:438-441 (an undefined number is kept), Template/CalculatedFunctionContentTemplateExtensions.cs:26 (used only for a null language)',
  })),
  // Past 64 bits the number is no enum value at all (checked on Mono).
  ...['9223372036854775808', '-9223372036854775809'].map((raw) => ({
    name: `defaultExpressionLanguage ${raw}, past 64 bits, is refused even where no expression takes it`,
    text: calculatedWithLanguages(raw),
    pick: loaded,
    medTech: REFUSED,
    at: 'NJ/Converters/StringEnumConverter.cs:238-248, NJ/Utilities/ConvertUtils.cs (a big integer is not converted to the enum)',
  })),
  ...(
    [
      ['4294967297', M('matchedToken.p')],
      ['-4294967295', M('matchedToken.p')],
      ['4294967296', J('matchedToken.p')],
      // Read from its digits: as a double it would be 2^53, whose low bits are 0.
      ['9007199254740993', M('matchedToken.p')],
      ['9223372036854775809', REFUSED],
    ] as [string, unknown][]
  ).map(([raw, expected]) => ({
    name: `an expression object language ${raw} is the low 32 bits of the 64-bit integer, as in MedTech`,
    text: one('CalculatedContent', 'patientIdExpression', `{"value":"matchedToken.p","language":${raw}}`),
    pick: expressionOf('patientIdExpression'),
    medTech: expected,
    at: 'NJ/Converters/StringEnumConverter.cs:238-248, NJ/Utilities/EnumUtils.cs:294-322 (Enum.ToObject keeps the low 32 bits)',
  })),
  // `lineNumber` and `linePosition` are 32-bit: a JSON number is rounded (.NET's Convert.ToInt32 takes
  // [-2147483648.5, 2147483647.5)), on Mono at both ends.
  ...(['JsonPathContent', 'CalculatedContent'] as Kind[]).flatMap((kind) => [
    ...['2147483647', '-2147483648', '2147483647.4', '-2147483648.5', '"-2147483648"'].map((raw) => ({
      name: `${kind} lineNumber ${raw} is accepted`,
      text: appended(kind, `"lineNumber":${raw}`),
      pick: typeName,
      medTech: 'hr',
      at: 'NJ/JsonReader.cs:428-461, dotnet/runtime System/Convert.cs ToInt32(double)',
    })),
    ...['2147483648', '-2147483649', '2147483647.5', '-2147483648.50001', '"2147483648"', '"-2147483649"'].map(
      (raw) => ({
        name: `${kind} lineNumber ${raw} is refused`,
        text: appended(kind, `"lineNumber":${raw}`),
        pick: loaded,
        medTech: REFUSED,
        at: 'NJ/JsonReader.cs:428-461, dotnet/runtime System/Convert.cs ToInt32(double)',
      }),
    ),
  ]),
  // Newtonsoft's metadata (found on Mono with MedTech built from source; both were refused here before): an object's
  // first member `$id` is its reference id, not a member; `{"$values": [...]}` where a list is expected is that list.
  ...(
    [
      [
        'a leading $id in the template',
        collection(node('CalculatedContent', obj([['$id', '"t"'], ...BASE.CalculatedContent]))),
        typeName,
        'hr',
      ],
      [
        'a leading $id of any scalar',
        collection(node('JsonPathContent', obj([['$id', '5'], ...BASE.JsonPathContent]))),
        typeName,
        'hr',
      ],
      [
        'a leading $id in a value',
        oneValue('CalculatedContent', '{"$id":null,"valueName":"v","valueExpression":"$.v"}'),
        (t: ContentTemplate) => t.values.map((v) => v.valueName),
        ['v'],
      ],
      [
        'values as {"$values": [...]}',
        one('JsonPathContent', 'values', '{"$values":[{"valueName":"v","valueExpression":"$.v"}]}'),
        (t: ContentTemplate) => t.values.map((v) => v.valueName),
        ['v'],
      ],
      [
        'values as {"$id", "$values"}',
        one('CalculatedContent', 'values', '{"$id":"x","$values":[{"valueName":"v","valueExpression":"$.v"}]}'),
        (t: ContentTemplate) => t.values.map((v) => v.valueName),
        ['v'],
      ],
      ['a $id after other members, an unknown member', appended('CalculatedContent', '"$id":"t"'), loaded, REFUSED],
      [
        'a leading $type, an unknown member',
        collection(node('CalculatedContent', obj([['$type', '"t"'], ...BASE.CalculatedContent]))),
        loaded,
        REFUSED,
      ],
      [
        'values as {"$values": [...], "x": 1}',
        one('CalculatedContent', 'values', '{"$values":[],"x":1}'),
        loaded,
        REFUSED,
      ],
      // Before `$values`, the wrapper may hold the other metadata Newtonsoft reads there, in any order.
      ...[
        '{"$type":"x","$values":[V]}',
        '{"$type":1,"$values":[V]}',
        '{"$type":true,"$values":[V]}',
        '{"$type":"","$values":[V]}',
        '{"$ref":null,"$values":[V]}',
        '{"$id":null,"$values":[V]}',
        '{"$id":"1","$type":"x","$values":[V]}',
        '{"$type":"x","$ref":null,"$id":"3","$values":[V]}',
      ].map(
        (wrapper) =>
          [
            `values as ${wrapper}`,
            one('JsonPathContent', 'values', wrapper.replace('V', '{"valueName":"v","valueExpression":"$.v"}')),
            (t: ContentTemplate) => t.values.map((v) => v.valueName),
            ['v'],
          ] as [string, string, Pick, unknown],
      ),
      ...[
        '{"$type":null,"$values":[V]}',
        '{"$type":[],"$values":[V]}',
        '{"$type":"x"}',
        '{"$Values":[V]}',
        '{"$ref":"1","$values":[V]}',
        '{"$id":{},"$values":[V]}',
        '{"$id":"1","x":1,"$values":[V]}',
        '{"$values":[V],"$type":"x"}',
        '{"$values":null}',
      ].map(
        (wrapper) =>
          [
            `values as ${wrapper}`,
            one('JsonPathContent', 'values', wrapper.replace('V', '{"valueName":"v","valueExpression":"$.v"}')),
            loaded,
            REFUSED,
          ] as [string, string, Pick, unknown],
      ),
    ] as [string, string, Pick, unknown][]
  ).map(([what, text, pick, medTech]) => ({
    name: `${what}, as in MedTech`,
    text,
    pick,
    medTech,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs (ReadMetadataProperties: $id, $values), checked on Mono',
  })),
  // A list written under two spellings: Newtonsoft fills the one property twice, and into a list it already made it
  // adds the items (exact repeats of a name collapse first, to the last, as the reader keeps them). Checked on Mono
  // with MedTech built from source (tools/dotnet-oracle); here the last spelling replaced the list before.
  ...(
    [
      ['values then Values', `"Values":[${'{"valueName":"b","valueExpression":"$.b"}'}]`, ['a', 'b']],
      ['values then an empty Values', '"Values":[]', ['a']],
      [
        'values, Values, values',
        '"Values":[{"valueName":"b","valueExpression":"$.b"}],"values":[{"valueName":"c","valueExpression":"$.c"}]',
        ['c', 'b'],
      ],
    ] as const
  ).map(([what, raw, medTech]) => ({
    name: `CalculatedContent ${what} holds the items of both, as in MedTech`,
    text: appended('CalculatedContent', `"values":[{"valueName":"a","valueExpression":"$.a"}],${raw}`).replace(
      '"values":[],',
      '',
    ),
    pick: (t: ContentTemplate) => t.values.map((v) => v.valueName),
    medTech,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs (an existing list is populated, ObjectCreationHandling.Auto), checked on Mono',
  })),
];

describe('parseDeviceMapping agrees with MedTech', () => {
  it.each(AGREEMENT)('$name ($at)', ({ text, pick, medTech }) => {
    expect(ourReading(text, pick)).toEqual(medTech);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Seeded random: whole templates combining the field variations above on which we agree with MedTech, with property
// names in any case, MedTech's line information members, type names in any case and several templates per file.

/** A template's full reading, in our shapes (see {@link Case.medTech}). */
interface TemplateView {
  kind: Kind;
  typeName: string;
  typeMatch: ExpressionView | undefined;
  deviceId: ExpressionView | undefined;
  timestamp: (ExpressionView | undefined)[];
  patientId?: ExpressionView | undefined;
  encounterId?: ExpressionView | undefined;
  correlationId?: ExpressionView | undefined;
  values: { valueName: string; language: ExpressionLanguage; source: string; required: boolean }[];
}

function fullView(t: ContentTemplate): TemplateView {
  return {
    kind: t.kind,
    typeName: t.typeName,
    typeMatch: view(t.typeMatch),
    deviceId: view(t.deviceId),
    timestamp: t.timestamp.map(view),
    patientId: view(t.patientId),
    encounterId: view(t.encounterId),
    correlationId: view(t.correlationId),
    values: t.values.map((v) => ({
      valueName: v.valueName,
      language: v.expression.language,
      source: v.expression.source,
      required: v.required,
    })),
  };
}

/** What we read of the whole file: `REFUSED`, or every template's full reading. */
function ourFullReading(text: string): TemplateView[] | typeof REFUSED {
  const result = parseDeviceMapping(text);
  return result.ok ? result.value.templates.map(fullView) : REFUSED;
}

type Random = (n: number) => number;

function choose<T>(random: Random, items: readonly T[]): T {
  return items[random(items.length)]!;
}

function randomCase(text: string, random: Random): string {
  return [...text].map((c) => (random(2) === 0 ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** A field written as raw JSON (undefined: left out) and what MedTech reads of it (or REFUSED). */
interface Variant<T> {
  raw: string | undefined;
  read: T | typeof REFUSED;
}

/**
 * Text members (typeName, valueName): strings verbatim, numbers and booleans as .NET's text (cases above). A blank
 * valueName is left out: MedTech loads it and fails every match (a difference below).
 * @param blank - whether the empty string is among them
 */
function textVariants(blank = true): Variant<string>[] {
  return [
    ...['hr', 'Heart Rate', ...(blank ? [''] : []), ' x '].map((s) => ({ raw: JSON.stringify(s), read: s })),
    ...NUMBER_TEXT.map(([raw, text]) => ({ raw, read: text })),
    { raw: 'null', read: REFUSED },
    { raw: '[]', read: REFUSED },
    { raw: undefined, read: REFUSED },
  ];
}

/** JsonPath-kind expression members. */
function jsonPathExpressionVariants(required: boolean): Variant<ExpressionView | undefined>[] {
  return [
    ...['$.a', '$..[?(@heartRate)]', '$.b.c', 'd', '$[0].e'].map((s) => ({ raw: JSON.stringify(s), read: J(s) })),
    ...NUMBER_TEXT.map(([raw, text]) => ({ raw, read: J(text) })),
    { raw: '{}', read: REFUSED },
    ...(required
      ? [
          { raw: 'null', read: REFUSED },
          { raw: undefined, read: REFUSED },
        ]
      : ['null', '""', '" "', undefined].map((raw) => ({ raw, read: undefined }))),
  ];
}

/** CalculatedContent expression members; the reading depends on the template's default language. */
function calculatedExpressionVariants(required: boolean): {
  raw: string | undefined;
  read: (defaultLanguage: ExpressionLanguage) => ExpressionView | undefined | typeof REFUSED;
}[] {
  const texts = ['a.b', 'Body', 'matchedToken.x', 'length'];
  const refused = (): typeof REFUSED => REFUSED;
  return [
    ...texts.map((s) => ({ raw: JSON.stringify(s), read: (d: ExpressionLanguage) => ({ language: d, source: s }) })),
    ...texts.flatMap((s) =>
      (
        [
          ['"JsonPath"', 'JsonPath'],
          ['"jmespath"', 'JmesPath'],
          ['1', 'JmesPath'],
          ['" JsonPath "', 'JsonPath'],
          ['null', undefined],
          ['""', undefined],
          [undefined, undefined],
        ] as const
      ).map(([language, named]) => ({
        raw: `{"value":${JSON.stringify(s)}${language === undefined ? '' : `,"language":${language}`}}`,
        read: (d: ExpressionLanguage) => ({ language: named ?? d, source: s }),
      })),
    ),
    ...['42', 'true', '[]', '{}', '{"value":null}', '{"value":"a","language":"x"}'].map((raw) => ({
      raw,
      read: refused,
    })),
    ...(required
      ? ['null', '""', undefined].map((raw) => ({ raw, read: refused }))
      : [
          { raw: 'null', read: () => undefined },
          { raw: undefined, read: () => undefined },
          { raw: '""', read: refused },
        ]),
  ];
}

const DEFAULT_LANGUAGE_VARIANTS: Variant<ExpressionLanguage>[] = [
  { raw: undefined, read: 'JsonPath' },
  { raw: '"JsonPath"', read: 'JsonPath' },
  { raw: '0', read: 'JsonPath' },
  { raw: '"JmesPath"', read: 'JmesPath' },
  { raw: '"JSONPATH, jmespath"', read: 'JmesPath' },
  { raw: '1', read: 'JmesPath' },
  { raw: '"1"', read: 'JmesPath' },
  { raw: 'null', read: REFUSED },
  { raw: '"x"', read: REFUSED },
];

const REQUIRED_VARIANTS: Variant<boolean>[] = [
  { raw: undefined, read: false },
  { raw: 'true', read: true },
  { raw: 'false', read: false },
  { raw: '" TRUE "', read: true },
  { raw: '"false"', read: false },
  { raw: '1', read: true },
  { raw: '0', read: false },
  { raw: '0.5', read: true },
  { raw: 'null', read: REFUSED },
  { raw: '"yes"', read: REFUSED },
];

/** Members MedTech's template classes have besides the mapping fields, as accepted or refused above. */
const LINE_INFO_VARIANTS: Variant<null>[] = [
  { raw: '"lineNumber":12', read: null },
  { raw: '"linePosition":"3"', read: null },
  { raw: '"lineInfoForProperties":{"typeName":{}}', read: null },
  { raw: '"lineNumber":"x"', read: REFUSED },
];

/** Writes members in random case, sometimes with a line information member; `REFUSED` if that member is refused. */
function writeObject(members: [string, string | undefined][], random: Random): { text: string; refused: boolean } {
  const written = members.filter((m): m is [string, string] => m[1] !== undefined);
  const parts = written.map(([name, raw]) => `${JSON.stringify(randomCase(name, random))}:${raw}`);
  let refused = false;
  if (random(4) === 0) {
    const extra = choose(random, LINE_INFO_VARIANTS);
    refused = extra.read === REFUSED;
    parts.splice(random(parts.length + 1), 0, extra.raw!);
  }
  return { text: `{${parts.join(',')}}`, refused };
}

const TYPE_SPELLINGS: Record<Kind, readonly string[]> = {
  JsonPathContent: ['JsonPathContent', 'JsonPathContentTemplate'],
  IotJsonPathContent: ['IotJsonPathContent', 'IotJsonPathContentTemplate'],
  // Their Template suffix is a difference (see below).
  IotCentralJsonPathContent: ['IotCentralJsonPathContent'],
  CalculatedContent: ['CalculatedContent'],
};

const FIXED: Record<Kind, { deviceId: ExpressionView; timestamp: ExpressionView[] } | undefined> = {
  JsonPathContent: undefined,
  CalculatedContent: undefined,
  IotJsonPathContent: {
    deviceId: J('$.SystemProperties.iothub-connection-device-id'),
    timestamp: [J('$.Properties.iothub-creation-time-utc'), J('$.SystemProperties.iothub-enqueuedtime')],
  },
  IotCentralJsonPathContent: { deviceId: J('$.deviceId'), timestamp: [J('$.enqueuedTime')] },
};

/** A random `{templateType, template}` node and what MedTech reads of it (or REFUSED). */
/** A random node: its kind, written type and text, a way to write it again changed, and what MedTech reads. */
interface RandomTemplate {
  kind: Kind;
  type: string;
  text: string;
  /** The node's text with another templateType and raw members put first. */
  render: (type: string, extra: string) => string;
  medTech: TemplateView | typeof REFUSED;
}

function randomTemplate(random: Random): RandomTemplate {
  const kind = choose(random, Object.keys(BASE) as Kind[]);
  const calculated = kind === 'CalculatedContent';
  let refused = false;
  const take = <T>(variant: Variant<T>): T | undefined => {
    if (variant.read === REFUSED) {
      refused = true;
      return undefined;
    }
    return variant.read;
  };
  // Mostly valid variants, so that most files load: a refused variant is drawn one time in eight.
  const pickVariant = <T extends { raw: string | undefined }>(all: readonly T[], isRefused: (v: T) => boolean): T => {
    const good = all.filter((v) => !isRefused(v));
    return random(8) === 0 ? choose(random, all) : choose(random, good);
  };

  const members: [string, string | undefined][] = [];
  const typeNameVariant = pickVariant(textVariants(), (v) => v.read === REFUSED);
  members.push(['typeName', typeNameVariant.raw]);
  const typeNameRead = take(typeNameVariant);

  let defaultLanguage: ExpressionLanguage = 'JsonPath';
  if (calculated) {
    const variant = pickVariant(DEFAULT_LANGUAGE_VARIANTS, (v) => v.read === REFUSED);
    members.push(['defaultExpressionLanguage', variant.raw]);
    defaultLanguage = take(variant) ?? 'JsonPath';
  }

  const expressions: Partial<Record<ExpressionField, ExpressionView | undefined>> = {};
  const fixed = FIXED[kind];
  for (const field of EXPRESSION_FIELDS) {
    const required = REQUIRED_FIELDS.includes(field);
    if (fixed !== undefined && (field === 'deviceIdExpression' || field === 'timestampExpression')) {
      // Skipped whatever it holds.
      members.push([field, choose(random, ['"$.mine"', '7', 'null', '{}', undefined])]);
      continue;
    }
    if (calculated) {
      const all = calculatedExpressionVariants(required);
      const variant = pickVariant(all, (v) => v.read(defaultLanguage) === REFUSED);
      members.push([field, variant.raw]);
      const read = variant.read(defaultLanguage);
      if (read === REFUSED) {
        refused = true;
      } else {
        expressions[field] = read;
      }
    } else {
      const variant = pickVariant(jsonPathExpressionVariants(required), (v) => v.read === REFUSED);
      members.push([field, variant.raw]);
      expressions[field] = take(variant);
    }
  }

  const valueViews: TemplateView['values'] = [];
  const items: string[] = [];
  for (let i = random(4); i > 0; i--) {
    const item: [string, string | undefined][] = [];
    const nameVariant = pickVariant(textVariants(false), (v) => v.read === REFUSED);
    item.push(['valueName', nameVariant.raw]);
    let expression: ExpressionView | undefined;
    if (calculated) {
      const variant = pickVariant(calculatedExpressionVariants(true), (v) => v.read(defaultLanguage) === REFUSED);
      item.push(['valueExpression', variant.raw]);
      const read = variant.read(defaultLanguage);
      if (read === REFUSED) {
        refused = true;
      } else {
        expression = read;
      }
    } else {
      const variant = pickVariant(jsonPathExpressionVariants(true), (v) => v.read === REFUSED);
      item.push(['valueExpression', variant.raw]);
      expression = take(variant);
    }
    const requiredVariant = pickVariant(REQUIRED_VARIANTS, (v) => v.read === REFUSED);
    item.push(['required', requiredVariant.raw]);
    const required = take(requiredVariant);
    const written = writeObject(item, random);
    refused ||= written.refused;
    items.push(written.text);
    const valueName = take(nameVariant);
    if (valueName !== undefined && expression !== undefined && required !== undefined) {
      valueViews.push({ valueName, language: expression.language, source: expression.source, required });
    }
  }
  // CalculatedContent needs its values list (a difference, below); the JsonPath kinds read none without one.
  members.push([
    'values',
    items.length > 0 || calculated || random(2) === 0 ? `[${items.join(',')}]` : choose(random, ['null', undefined]),
  ]);

  const body = writeObject(members, random);
  refused ||= body.refused;
  const type = randomCase(choose(random, TYPE_SPELLINGS[kind]), random);
  const nodeExtra = random(3) === 0 ? `,${choose(random, ['"note":"x"', '"lineNumber":4', '"$schema":{}'])}` : '';
  const typeKey = JSON.stringify(randomCase('templateType', random));
  const templateKey = JSON.stringify(randomCase('template', random));
  const render = (writtenType: string, extra: string): string =>
    `{${extra}${typeKey}:${JSON.stringify(writtenType)}${nodeExtra},${templateKey}:${body.text}}`;
  const written = { kind, type, render, text: render(type, '') };
  if (refused || typeNameRead === undefined) {
    return { ...written, medTech: REFUSED };
  }
  return {
    ...written,
    medTech: {
      kind,
      typeName: typeNameRead,
      typeMatch: expressions.typeMatchExpression,
      deviceId: fixed?.deviceId ?? expressions.deviceIdExpression,
      timestamp: fixed?.timestamp ?? [expressions.timestampExpression],
      patientId: expressions.patientIdExpression,
      encounterId: expressions.encounterIdExpression,
      correlationId: expressions.correlationIdExpression,
      values: valueViews,
    },
  };
}

/** The file text of a root holding the given node texts (root keys in random case, sometimes `$schema`). */
function randomRoot(random: Random, nodes: readonly string[], extra = ''): string {
  const schema = random(3) === 0 ? '"$schema":"https://example.org/devicecontent.schema.json",' : '';
  const type = randomCase(choose(random, ['CollectionContent', 'CollectionContentTemplate']), random);
  return `{${extra}${schema}${JSON.stringify(randomCase('templateType', random))}:${JSON.stringify(type)},${JSON.stringify(randomCase('template', random))}:[${nodes.join(',')}]}`;
}

/** A random file of one to three templates, and what MedTech reads (REFUSED when any template is refused). */
function randomFile(random: Random): {
  text: string;
  templates: RandomTemplate[];
  medTech: TemplateView[] | typeof REFUSED;
} {
  const templates = Array.from({ length: 1 + random(3) }, () => randomTemplate(random));
  const text = randomRoot(
    random,
    templates.map((t) => t.text),
  );
  const medTech = templates.some((t) => t.medTech === REFUSED)
    ? REFUSED
    : templates.map((t) => t.medTech as TemplateView);
  return { text, templates, medTech };
}

const RANDOM_SEEDS = 600;

describe('parseDeviceMapping agrees with MedTech (seeded random)', () => {
  it(`reads whole files combining the agreed variations the same (seeds 1-${RANDOM_SEEDS})`, () => {
    let loadedFiles = 0;
    for (let seed = 1; seed <= RANDOM_SEEDS; seed++) {
      const { text, medTech } = randomFile(seededRandom(seed));
      expect(ourFullReading(text), `seed ${seed}: ${text}`).toEqual(medTech);
      loadedFiles += medTech === REFUSED ? 0 : 1;
    }
    // Both outcomes are exercised.
    expect(loadedFiles).toBeGreaterThan(RANDOM_SEEDS / 4);
    expect(loadedFiles).toBeLessThan(RANDOM_SEEDS);
  });

  it('reads a number in any text member as the text .NET makes of it (seeds 1-300)', () => {
    // Integer literals keep their digits (a 64-bit or big integer, NJ/JsonTextReader.cs:2175-2191); a literal with a
    // fraction is a double (NJ/JsonTextReader.cs:2213-2217), which .NET (Core 3.0 and later) writes with its
    // shortest round-trip digits, positionally for the magnitudes generated here (at least 1, below 10^7), as
    // JavaScript does; ReadAsString formats it with the invariant culture (NJ/JsonReader.cs:487-503).
    const places: [string, (raw: string) => string, Pick][] = [
      ['typeName', (raw) => one('JsonPathContent', 'typeName', raw), (t) => t.typeName],
      [
        'valueName',
        (raw) => oneValue('IotJsonPathContent', `{"valueName":${raw},"valueExpression":"$.v"}`),
        (t) => t.values[0]?.valueName,
      ],
      [
        'a JSONPath expression',
        (raw) => one('JsonPathContent', 'patientIdExpression', raw),
        (t) => t.patientId?.source,
      ],
      [
        'a JSONPath valueExpression',
        (raw) => oneValue('JsonPathContent', `{"valueName":"v","valueExpression":${raw}}`),
        (t) => t.values[0]?.expression.source,
      ],
      [
        'an expression object value',
        (raw) => one('CalculatedContent', 'encounterIdExpression', `{"value":${raw}}`),
        (t) => t.encounterId?.source,
      ],
    ];
    const digits = (random: Random, n: number): string =>
      String(1 + random(9)) + Array.from({ length: n - 1 }, () => String(random(10))).join('');
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const [where, write, pick] = choose(random, places);
      const sign = random(3) === 0 ? '-' : '';
      let raw: string;
      let text: string;
      if (random(2) === 0) {
        raw = `${sign}${digits(random, 1 + random(28))}`;
        text = raw;
      } else {
        raw = `${sign}${digits(random, 1 + random(7))}.${String(random(1000)).padStart(1 + random(3), '0')}`;
        text = String(Number(raw));
      }
      expect(ourReading(write(raw), pick), `seed ${seed}: ${where} = ${raw}`).toBe(text);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Differences. Each case asserts what WE read today and that MedTech reads otherwise.

const DATE = '"2019-01-01T00:00:00Z"';
/** What MedTech makes of DATE where it reads text: the date, written with the invariant culture. */
const DATE_AS_MEDTECH_TEXT = '01/01/2019 00:00:00';
const DATE_AT =
  'Template/CollectionTemplateFactory.cs:46 (default DateParseHandling, NJ/JsonSerializerSettings.cs:62), NJ/JsonTextReader.cs:202-226, NJ/Utilities/DateTimeUtils.cs:344-365, NJ/JsonReader.cs:493-495';

/** A CalculatedContent whose required expressions all name their language. */
function calculatedWithLanguages(defaultLanguage: string): string {
  return collection(
    node(
      'CalculatedContent',
      `{"typeName":"hr","typeMatchExpression":{"value":"Body","language":"JmesPath"},"deviceIdExpression":{"value":"matchedToken.d","language":"JsonPath"},"timestampExpression":{"value":"matchedToken.t","language":"JmesPath"},"values":[{"valueName":"v","valueExpression":{"value":"matchedToken.v","language":"JmesPath"}}],"defaultExpressionLanguage":${defaultLanguage}}`,
    ),
  );
}

const DIFFERENCES: Difference[] = [
  // 1. We REFUSE mappings MedTech loads and uses: none left (the cases found moved to the agreement above).
  // 2. We refuse mappings MedTech loads but cannot use: it throws when a message reaches the template.
  ...JSON_PATH_KINDS.flatMap((kind) =>
    jsonPathExpressionFields(kind)
      .filter((field) => REQUIRED_FIELDS.includes(field))
      .flatMap((field) =>
        ['""', '" "'].map((raw) => ({
          name: `${kind} ${field} ${raw} (MedTech: ${LOADS_FAILS_WHEN_USED})`,
          text: one(kind, field, raw),
          pick: loaded,
          medTech: LOADS_FAILS_WHEN_USED,
          ours: REFUSED,
          at: 'Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:19-23,47-71 (blank: no expression), Template/MeasurementExtractor.cs:98-101,146-155',
        })),
      ),
  ),
  ...JSON_PATH_KINDS.map((kind) => ({
    name: `${kind} value {"valueExpression":"","required":true} (MedTech: ${LOADS_FAILS_WHEN_USED})`,
    text: oneValue(kind, '{"valueName":"v","valueExpression":"","required":true}'),
    pick: loaded,
    medTech: LOADS_FAILS_WHEN_USED,
    ours: REFUSED,
    at: 'Template/JsonPathCalculatedFunctionContentTemplateAdapter.cs:32,49, Template/MeasurementExtractor.cs:98-101,187',
  })),
  // The name is checked (not empty, not white space) before anything is evaluated, even a blank optional expression.
  ...(Object.keys(BASE) as Kind[]).flatMap((kind) =>
    [
      ['""', '"$.hr"'],
      ['" "', '"$.nothing"'],
      ['"\\t"', '""'],
    ].map(([name, expression]) => ({
      name: `${kind} value {"valueName":${name},"valueExpression":${expression}} (MedTech: ${LOADS_FAILS_WHEN_USED})`,
      text: oneValue(kind, `{"valueName":${name},"valueExpression":${expression}}`),
      pick: loaded,
      medTech: LOADS_FAILS_WHEN_USED,
      ours: REFUSED,
      at: 'Template/MeasurementExtractor.cs:43-46 (EnsureArg.IsNotEmptyOrWhiteSpace(name) first), checked on Mono with MedTech built from source (tools/dotnet-oracle)',
    })),
  ),
  // JSONPath is parsed only when evaluated (Newtonsoft's JPath throws then: NJ/Linq/JsonPath/JPath.cs:207-213,869-874).
  ...JSON_PATH_KINDS.flatMap((kind) =>
    [...jsonPathExpressionFields(kind), 'values' as const].flatMap((field) =>
      ['"$.a["', '"$..[?(@heartRate"'].map((raw) => ({
        name: `${kind} ${field} ${raw}, a JSONPath that does not parse (MedTech: ${LOADS_FAILS_WHEN_USED})`,
        text: field === 'values' ? oneValue(kind, `{"valueName":"v","valueExpression":${raw}}`) : one(kind, field, raw),
        pick: loaded,
        medTech: LOADS_FAILS_WHEN_USED,
        ours: REFUSED,
        at: 'Template/JsonPathExpressionEvaluator.cs:18-22,37-47, NJ/Linq/JToken.cs:2401-2403, Template/JsonPathContentTemplateFactory.cs:29-32',
      })),
    ),
  ),
  ...[...EXPRESSION_FIELDS, 'values' as const].map((field) => ({
    name: `CalculatedContent ${field} "$.a[" in JsonPath (MedTech: ${LOADS_FAILS_WHEN_USED})`,
    text:
      field === 'values'
        ? oneValue('CalculatedContent', '{"valueName":"v","valueExpression":"$.a["}')
        : one('CalculatedContent', field, '{"value":"$.a[","language":"JsonPath"}'),
    pick: loaded,
    medTech: LOADS_FAILS_WHEN_USED,
    ours: REFUSED,
    at: 'Template/CalculatedFunctionContentTemplateFactory.cs:54-63, Template/TemplateExpressionEvaluatorFactory.cs:33 (the evaluator does not parse: JsonPathExpressionEvaluator.cs:18-22)',
  })),
  ...['null', '', '  \n '].map((text) => ({
    name: `the document ${JSON.stringify(text)} (MedTech: no template and no error; every message then fails)`,
    text,
    pick: loaded,
    medTech: LOADS_FAILS_WHEN_USED,
    ours: REFUSED,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs:155-163, Template/Serialization/TemplateContainerJsonConverter.cs:29,63, Template/CollectionTemplateFactory.cs:57-62, Ingest/Service/NormalizationEventConsumerService.cs:117-119,181,237',
  })),

  // 3. Mappings both load, read differently.
  ...(Object.keys(BASE) as Kind[]).map((kind) => ({
    name: `${kind} typeName ${DATE} (MedTech: the text of the date it parsed)`,
    text: one(kind, 'typeName', DATE),
    pick: typeName,
    medTech: DATE_AS_MEDTECH_TEXT,
    ours: JSON.parse(DATE) as string,
    at: DATE_AT,
  })),
  ...(Object.keys(BASE) as Kind[]).map((kind) => ({
    name: `${kind} valueName ${DATE} (MedTech: the text of the date it parsed)`,
    text: oneValue(kind, `{"valueName":${DATE},"valueExpression":"$.v"}`),
    pick: (t: ContentTemplate) => t.values[0]?.valueName,
    medTech: DATE_AS_MEDTECH_TEXT,
    ours: JSON.parse(DATE) as string,
    at: DATE_AT,
  })),
  ...JSON_PATH_KINDS.map((kind) => ({
    name: `${kind} patientIdExpression ${DATE} (MedTech: the JSONPath is the text of the date it parsed)`,
    text: one(kind, 'patientIdExpression', DATE),
    pick: expressionOf('patientIdExpression'),
    medTech: J(DATE_AS_MEDTECH_TEXT),
    ours: J(JSON.parse(DATE) as string),
    at: DATE_AT,
  })),

  // 4. Where we accept more than MedTech.
  ...[
    ['CalculatedContentTemplate', 'CalculatedContent'],
    ['calculatedcontentTEMPLATE', 'CalculatedContent'],
    ['IotCentralJsonPathContentTemplate', 'IotCentralJsonPathContent'],
    ['iotcentraljsonpathcontenttemplate', 'IotCentralJsonPathContent'],
  ].map(([type, kind]) => ({
    name: `node templateType ${JSON.stringify(type)} (MedTech: no factory takes the Template suffix for this kind)`,
    text: collection(node(String(type), obj(BASE[kind as Kind]))),
    pick: kindOf,
    medTech: REFUSED,
    ours: kind,
    at: 'Template/TemplateContainer.cs:20-25, Template/CalculatedFunctionContentTemplateFactory.cs:16,33, Template/IotCentralJsonPathContentTemplateFactory.cs:18-19, Template/TemplateNotFoundHandler.cs:13',
  })),
  ...[undefined, 'null', '""'].map((raw) => ({
    name: `CalculatedContent values ${raw ?? 'missing'} (MedTech: a NullReferenceException escapes the load)`,
    text: one('CalculatedContent', 'values', raw),
    pick: values,
    medTech: REFUSED,
    ours: [],
    at: 'Template/CalculatedFunctionContentTemplate.cs:37 (no default), Template/CalculatedFunctionContentTemplateFactory.cs:61, Template/CollectionContentTemplateFactory.cs:46-60 (catches only template and Json errors)',
  })),
  ...[
    '"lineNumber":"x"',
    '"lineNumber":null',
    '"linePosition":true',
    '"lineNumber":""',
    '"LineNumber":99999999999',
    '"linePosition":[]',
  ].flatMap((member) => [
    {
      name: `root member ${member} (MedTech: its container reads it as a 32-bit integer and fails)`,
      text: `{"templateType":"CollectionContent",${member},"template":[${node('JsonPathContent', obj(BASE.JsonPathContent))}]}`,
      pick: typeName,
      medTech: REFUSED,
      ours: 'hr',
      at: 'Template/TemplateContainer.cs:14, Template/LineInfo.cs:15-17, Template/Serialization/TemplateContainerJsonConverter.cs:47, NJ/JsonReader.cs:402-466, NJ/Serialization/JsonSerializerInternalReader.cs:338-347,955-1006, Template/CollectionTemplateFactory.cs:48-55',
    },
    {
      name: `node member ${member} (MedTech: its container reads it as a 32-bit integer and fails)`,
      text: collection(`{"templateType":"JsonPathContent",${member},"template":${obj(BASE.JsonPathContent)}}`),
      pick: typeName,
      medTech: REFUSED,
      ours: 'hr',
      at: 'Template/TemplateContainer.cs:14, Template/Serialization/TemplateContainerJsonConverter.cs:47, NJ/JsonReader.cs:402-466, Template/CollectionContentTemplateFactory.cs:42',
    },
  ]),
  ...['1.0', '0.0', '1e0'].flatMap((raw) => [
    {
      name: `an expression object language ${raw}, a JSON number with a fraction or exponent (MedTech: refused)`,
      text: one('CalculatedContent', 'patientIdExpression', `{"value":"matchedToken.p","language":${raw}}`),
      pick: expressionOf('patientIdExpression'),
      medTech: REFUSED,
      ours: Number(raw) === 1 ? M('matchedToken.p') : J('matchedToken.p'),
      at: 'NJ/Converters/StringEnumConverter.cs:229-257 (only a string or an integer token), NJ/JsonTextReader.cs:2213-2225',
    },
    {
      name: `defaultExpressionLanguage ${raw}, a JSON number with a fraction or exponent (MedTech: refused)`,
      text: one('CalculatedContent', 'defaultExpressionLanguage', raw),
      pick: expressionOf('typeMatchExpression'),
      medTech: REFUSED,
      ours: Number(raw) === 1 ? M('Body') : J('Body'),
      at: 'NJ/Converters/StringEnumConverter.cs:229-257, NJ/JsonTextReader.cs:2213-2225',
    },
  ]),
  ...[...EXPRESSION_FIELDS, 'values' as const].map((field) => ({
    name: `CalculatedContent ${field} ${DATE} (MedTech: a date is neither text nor an object)`,
    text:
      field === 'values'
        ? oneValue('CalculatedContent', `{"valueName":"v","valueExpression":${DATE}}`)
        : one('CalculatedContent', field, DATE),
    pick: loaded,
    medTech: REFUSED,
    ours: 'loaded',
    at: `${DATE_AT}, Template/Serialization/TemplateExpressionJsonConverter.cs:45,69, Template/Serialization/LineNumberJsonConverter.cs:36, NJ/Linq/JObject.cs:426-428`,
  })),
];

describe('differences from MedTech (our current behaviour; MedTech in `medTech` and `at`)', () => {
  it.each(DIFFERENCES)('$name ($at)', ({ text, pick, medTech, ours }) => {
    const reading = ourReading(text, pick);
    expect(reading).toEqual(ours);
    expect(reading).not.toEqual(medTech);
  });
});

describe('differences from MedTech (seeded random)', () => {
  it('loads files MedTech refuses, reading them as if the refused part were not there (seeds 1-300)', () => {
    // Each seed: a random file MedTech loads, then one change that makes MedTech refuse it (cases above):
    // a root or node `lineNumber` its container cannot read as an integer (TemplateContainer.cs:14, NJ/JsonReader.cs:
    // 402-466), or a `Template` suffix on a CalculatedContent or IotCentralJsonPathContent type (TemplateContainer.cs:
    // 20-25, CalculatedFunctionContentTemplateFactory.cs:16, IotCentralJsonPathContentTemplateFactory.cs:18).
    const changes = { rootLineNumber: 0, nodeLineNumber: 0, templateSuffix: 0 };
    const badLineInfo = ['"lineNumber":"x",', '"linePosition":null,', '"LINENUMBER":true,', '"lineNumber":"",'];
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      let file = randomFile(random);
      while (file.medTech === REFUSED) {
        file = randomFile(random);
      }
      const { templates, medTech: loadedReading } = file;
      const suffixable = templates.findIndex(
        (t) => t.kind === 'CalculatedContent' || t.kind === 'IotCentralJsonPathContent',
      );
      const change = choose(random, ['rootLineNumber', 'nodeLineNumber', 'templateSuffix'] as const);
      let text: string;
      if (change === 'templateSuffix' && suffixable >= 0) {
        changes.templateSuffix++;
        text = randomRoot(
          random,
          templates.map((t, i) =>
            i === suffixable ? t.render(`${t.type}${randomCase('Template', random)}`, '') : t.text,
          ),
        );
      } else if (change === 'nodeLineNumber') {
        changes.nodeLineNumber++;
        const at = random(templates.length);
        text = randomRoot(
          random,
          templates.map((t, i) => (i === at ? t.render(t.type, choose(random, badLineInfo)) : t.text)),
        );
      } else {
        changes.rootLineNumber++;
        text = randomRoot(
          random,
          templates.map((t) => t.text),
          choose(random, badLineInfo),
        );
      }
      const ours = ourFullReading(text);
      expect(ours, `seed ${seed} (${change}): ${text}`).toEqual(loadedReading);
      expect(ours).not.toEqual(REFUSED);
    }
    expect(Math.min(changes.rootLineNumber, changes.nodeLineNumber, changes.templateSuffix)).toBeGreaterThan(30);
  });
});
