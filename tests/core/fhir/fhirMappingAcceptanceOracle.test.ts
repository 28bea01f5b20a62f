/**
 * Acceptance audit of FHIR destination mapping loading (`parseFhirMapping`) against MedTech.
 *
 * Each case is a mapping and what MedTech reads from it: the part of the loaded template the case is about, or
 * `REFUSED` (MedTech reports a template error). Agreement cases assert that we read the same; the cases in
 * "differences from MedTech" assert what WE do today, and also that it differs from MedTech, so whoever closes a
 * difference moves its case to agreement.
 *
 * MedTech's behaviour is restated from the mirror of microsoft/iomt-fhir at 3d8741f5 (paths below: `Template/` =
 * src/lib/Microsoft.Health.Fhir.Ingest.Template/, `R4T/` = src/lib/Microsoft.Health.Fhir.R4.Ingest.Templates/Template/,
 * `Ingest/` = src/lib/Microsoft.Health.Fhir.Ingest/) and of Newtonsoft.Json 13.0.3 (Directory.Packages.props:45;
 * `NJ/` = Src/Newtonsoft.Json/ at tag 13.0.3). How MedTech loads a fhirmapping.json:
 * - The root and each `{templateType, template}` node are read with default serializer settings (unknown properties
 *   ignored; `templateType` matched case-insensitively, with or without a `Template` suffix; `template` found by an
 *   exact-spelling lookup first, then the first case-insensitive match). Template/CollectionTemplateFactory.cs:46,69,
 *   Template/CollectionFhirTemplateFactory.cs:40, Template/Serialization/TemplateContainerJsonConverter.cs:44,
 *   Template/TemplateContainer.cs:20-25, NJ/Linq/JObject.cs:290-315.
 * - The CodeValueFhir body is read with unknown members as errors, every error collected
 *   (Template/TemplateExtensions.cs:25-41); property names match exactly, else ignoring case
 *   (NJ/Serialization/JsonPropertyCollection.cs:137-146). `typeName` and `codes` are required and non-null
 *   (Template/Template.cs:12, Template/CodeValueFhirTemplate.cs:18, Template/CodeValueMapping.cs:14); everything else
 *   is optional and may be null. The body's text fields take a JSON number or boolean and keep the text .NET makes of
 *   it (`8867` → "8867", `true` → "True", NJ/JsonReader.cs:473-507). `periodInterval` is an enum without a string
 *   converter: a JSON integer, or a string holding an integer or a member name (any case) (NJ/Serialization/
 *   JsonSerializerInternalReader.cs:965-980, NJ/Utilities/EnumUtils.cs:258-367).
 * - `value` (and a component's `value`) goes through a converter that picks the class from the `ValueType` or
 *   `valueType` key (exactly those two spellings; the value itself ignoring case) and deserializes the re-serialized
 *   object with default settings: unknown members ignored, names ignoring case, a number kept as its JSON text, a
 *   boolean as "true"/"false" (Template/Serialization/AbstractJsonConverter.cs:36,38-42,53,60-65,
 *   NJ/JsonTextReader.cs:660-680,2025). `defaultPeriod` is a nullable decimal: numbers and numeric strings.
 * What MedTech accepts at load but cannot use later (an undefined `periodInterval`, a SampledData value without a
 * positive `defaultPeriod`, a component without value…) is marked {@link LOADS_FAILS_WHEN_USED}.
 */
import { describe, expect, it } from 'vitest';
import type { CodeValueFhirTemplate } from '../../../shared/core/fhir/contract.js';
import { parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';
import { seededRandom } from '../../support/seededRandom.js';

/** MedTech (or we) report a template error: the mapping does not load. */
const REFUSED = 'refused';
/** MedTech loads the mapping, but processing a measurement of that type throws (the template is unusable). */
const LOADS_FAILS_WHEN_USED = 'loads, but fails when the template is used';

type Pick = (template: CodeValueFhirTemplate) => unknown;

interface Case {
  name: string;
  /** the whole fhirmapping.json text */
  text: string;
  /** the part of the (only or first) template the case is about */
  pick: Pick;
  /** what MedTech reads (in our shapes: an absent or null list is `[]`, an absent or null text is left out) */
  medTech: unknown;
  /** where MedTech's behaviour is decided (see the header for the path prefixes) */
  at: string;
}

interface Difference extends Case {
  /** what we read today */
  ours: unknown;
}

/** A collection of the given raw `{templateType, template}` node texts. */
function collection(...nodes: string[]): string {
  return `{"templateType":"CollectionFhir","template":[${nodes.join(',')}]}`;
}

/** A mapping with one CodeValueFhir template whose body is the given JSON text. */
function withBody(body: string): string {
  return collection(`{"templateType":"CodeValueFhir","template":${body}}`);
}

/** A mapping whose one template is `{"typeName":"hr","codes":[]}` plus the given raw members. */
function hr(members = ''): string {
  return withBody(`{"typeName":"hr","codes":[]${members === '' ? '' : `,${members}`}}`);
}

/** A mapping whose one template has the given raw `value` text. */
function hrValue(value: string): string {
  return hr(`"value":${value}`);
}

/** A mapping whose one template has one component with the given raw text. */
function hrComponent(component: string): string {
  return hr(`"components":[${component}]`);
}

/** What we read: `REFUSED`, or the picked part of the first template. */
function ourReading(text: string, pick: Pick): unknown {
  const result = parseFhirMapping(text);
  if (!result.ok) {
    return REFUSED;
  }
  const [template] = result.value.templates.values();
  return template === undefined ? 'no template' : pick(template);
}

const typeName: Pick = (t) => t.typeName;
const period: Pick = (t) => t.periodInterval;
const category: Pick = (t) => t.category;
const codes: Pick = (t) => t.codes;
const value: Pick = (t) => t.value;
const components: Pick = (t) => t.components;
const loaded: Pick = () => 'loaded';

/**
 * A value, and a component's value, written with two spellings of the valueType key.
 * @param what - the spellings, for the case name
 * @param raw - the value object's text
 * @param medTech - the class MedTech reads (or REFUSED)
 * @param ours - what we read before the exact spellings were honoured (the same as `medTech` for agreement cases)
 */
function valueTypeKeyCases(what: string, raw: string, medTech: string, ours: string): Difference[] {
  const reads = medTech === REFUSED ? 'refused' : `a ${medTech}`;
  const at = 'Template/Serialization/AbstractJsonConverter.cs:53, checked on Mono';
  return [
    { name: `a value with ${what}: ${reads}`, text: hrValue(raw), pick: (t) => t.value?.valueType, medTech, ours, at },
    {
      name: `a component value with ${what}: ${reads}`,
      text: hr(`"components":[{"codes":[],"value":${raw}}]`),
      pick: (t) => t.components[0]?.value.valueType,
      medTech,
      ours,
      at,
    },
  ];
}

const QUANTITY = '{"valueType":"Quantity","valueName":"hr"}';

// ---------------------------------------------------------------------------------------------------------------
// Agreement: what MedTech accepts we read the same; what MedTech refuses we refuse.

const AGREEMENT: Case[] = [
  // Root and {templateType, template} nodes
  ...['CollectionFhir', 'CollectionFhirTemplate', 'collectionfhir', 'COLLECTIONFHIRTEMPLATE'].map((type) => ({
    name: `root templateType ${JSON.stringify(type)} is accepted`,
    text: `{"templateType":${JSON.stringify(type)},"template":[]}`,
    pick: loaded,
    medTech: 'no template',
    at: 'Template/TemplateContainer.cs:20-25',
  })),
  ...['CollectionFhirTemplateTemplate', 'Collection', 'CodeValueFhir', ' CollectionFhir', ''].map((type) => ({
    name: `root templateType ${JSON.stringify(type)} is refused`,
    text: `{"templateType":${JSON.stringify(type)},"template":[]}`,
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:69-73',
  })),
  ...['5', 'true', 'null', '[]'].map((raw) => ({
    name: `root templateType ${raw} is refused (a number or boolean becomes text that names no type)`,
    text: `{"templateType":${raw},"template":[]}`,
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:69-73',
  })),
  {
    name: 'root without templateType is refused',
    text: '{"template":[]}',
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:69-73',
  },
  ...['{}', 'null', '"x"'].map((raw) => ({
    name: `root template ${raw} (not an array) is refused`,
    text: `{"templateType":"CollectionFhir","template":${raw}}`,
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionTemplateFactory.cs:75-79',
  })),
  {
    name: 'root property names match ignoring case, and unknown root properties are ignored',
    text: '{"TEMPLATETYPE":"CollectionFhir","Template":[{"templateType":"CodeValueFhir","template":{"typeName":"hr","codes":[]}}],"version":2}',
    pick: typeName,
    medTech: 'hr',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44-47',
  },
  ...['CodeValueFhir', 'CodeValueFhirTemplate', 'codevaluefhir', 'CODEVALUEFHIRtemplate'].map((type) => ({
    name: `node templateType ${JSON.stringify(type)} is accepted`,
    text: collection(`{"templateType":${JSON.stringify(type)},"template":{"typeName":"hr","codes":[]}}`),
    pick: typeName,
    medTech: 'hr',
    at: 'Template/CodeValueFhirTemplateFactory.cs:20',
  })),
  ...['"CodeValueFhirTemplateTemplate"', '"CodeValue"', '"CollectionFhir"', 'null', '1'].map((raw) => ({
    name: `node templateType ${raw} is refused`,
    text: collection(`{"templateType":${raw},"template":{"typeName":"hr","codes":[]}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/TemplateNotFoundHandler.cs:13',
  })),
  {
    name: 'node property names match ignoring case, and unknown node properties are ignored',
    text: collection('{"TemplateType":"CodeValueFhir","TEMPLATE":{"typeName":"hr","codes":[]},"note":"x"}'),
    pick: typeName,
    medTech: 'hr',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44-47',
  },
  ...['[]', 'null', '"x"', '[{"typeName":"hr","codes":[]}]'].map((raw) => ({
    name: `node template ${raw} (not an object) is refused`,
    text: collection(`{"templateType":"CodeValueFhir","template":${raw}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CodeValueFhirTemplateFactory.cs:25-28',
  })),
  ...['null', '"x"', '[]', '{"templateType":"CodeValueFhir"}'].map((raw) => ({
    name: `collection item ${raw} is refused`,
    text: collection(raw),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/CollectionFhirTemplateFactory.cs:40-41, Template/CodeValueFhirTemplateFactory.cs:16,25',
  })),
  {
    name: 'an empty collection loads',
    text: collection(),
    pick: loaded,
    medTech: 'no template',
    at: 'Template/CollectionFhirTemplateFactory.cs:35-61',
  },

  // typeName
  ...['"HeartRate"', '" hr "', '"heart rate/min"'].map((raw) => ({
    name: `typeName ${raw} is read verbatim`,
    text: withBody(`{"typeName":${raw},"codes":[]}`),
    pick: typeName,
    medTech: JSON.parse(raw) as string,
    at: 'Template/Template.cs:12-13',
  })),
  ...['', '"typeName":null,', '"typeName":"",', '"typeName":"  ",', '"typeName":{},', '"typeName":[],'].map(
    (member) => ({
      name: `typeName ${member === '' ? 'missing' : member} is refused`,
      text: withBody(`{${member}"codes":[]}`),
      pick: loaded,
      medTech: REFUSED,
      at: 'Template/Template.cs:12, Template/FhirLookupTemplate.cs:23-36',
    }),
  ),
  {
    name: 'typeNames equal ignoring case are refused as duplicates',
    text: collection(
      '{"templateType":"CodeValueFhir","template":{"typeName":"hr","codes":[]}}',
      '{"templateType":"CodeValueFhir","template":{"typeName":"HR","codes":[]}}',
    ),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/FhirLookupTemplate.cs:15,25-31',
  },

  // periodInterval
  ...[
    ['', 0],
    ['"periodInterval":0', 0],
    ['"periodInterval":60', 60],
    ['"periodInterval":1440', 1440],
    ['"periodInterval":-1', -1],
    ['"PeriodInterval":60', 60],
  ].map(([member, expected]) => ({
    name: `periodInterval ${member === '' ? 'missing' : String(member)} reads ${String(expected)}`,
    text: hr(String(member)),
    pick: period,
    medTech: expected,
    at: 'Template/FhirTemplate.cs:10, Template/ObservationPeriodInterval.cs:13-30',
  })),
  ...['null', '60.5', '"60.0"', '"6e1"', '""', '"  "', '"hour"', '"Hourly,"', '"99999999999"', '[]', '{}'].map(
    (raw) => ({
      name: `periodInterval ${raw} is refused`,
      text: hr(`"periodInterval":${raw}`),
      pick: period,
      medTech: REFUSED,
      at: 'NJ/Serialization/JsonSerializerInternalReader.cs:965-1005, NJ/Utilities/EnumUtils.cs:289-291,303-312,359-370',
    }),
  ),

  // category
  {
    name: 'category is read with its text and codes, property names ignoring case',
    text: hr(
      '"Category":[{"TEXT":"Vital Signs","Codes":[{"Code":"vital-signs","SYSTEM":"http://terminology.hl7.org/CodeSystem/observation-category","display":"Vital Signs"}]},{"codes":[]},{}]',
    ),
    pick: category,
    medTech: [
      {
        text: 'Vital Signs',
        codes: [
          {
            code: 'vital-signs',
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            display: 'Vital Signs',
          },
        ],
      },
      { codes: [] },
      { codes: [] },
    ],
    at: 'Template/CodeValueFhirTemplate.cs:14, Template/FhirCodeableConcept.cs:12-15',
  },
  ...['{}', '"x"', '["vital-signs"]', '[{"text":"t","coding":[]}]', '[{"codes":[{"code":"c","version":"1"}]}]'].map(
    (raw) => ({
      name: `category ${raw} is refused (not a list of concepts, or an unknown member)`,
      text: hr(`"category":${raw}`),
      pick: category,
      medTech: REFUSED,
      at: 'Template/TemplateExtensions.cs:25-41',
    }),
  ),

  // codes
  {
    name: 'codes are read verbatim (white space and empty text kept), property names ignoring case',
    text: withBody(
      '{"typeName":"hr","codes":[{"CODE":" 8867-4 ","System":"http://loinc.org","DISPLAY":"Heart rate"},{"code":""}]}',
    ),
    pick: codes,
    medTech: [{ code: ' 8867-4 ', system: 'http://loinc.org', display: 'Heart rate' }, { code: '' }],
    at: 'Template/FhirCode.cs:10-14',
  },
  ...[
    '',
    '"codes":null,',
    '"codes":{},',
    '"codes":"8867-4",',
    '"codes":["8867-4"],',
    '"codes":[{"code":"c","note":1}],',
  ].map((member) => ({
    name: `codes ${member === '' ? 'missing' : member} is refused`,
    text: withBody(`{${member}"typeName":"hr"}`),
    pick: codes,
    medTech: REFUSED,
    at: 'Template/CodeValueFhirTemplate.cs:18-19, Template/TemplateExtensions.cs:25-41',
  })),

  // value
  {
    name: 'a Quantity value is read with unit, system and code',
    text: hrValue(
      '{"valueType":"Quantity","valueName":"hr","unit":"count/min","system":"http://unitsofmeasure.org","code":"/min"}',
    ),
    pick: value,
    medTech: {
      valueType: 'Quantity',
      valueName: 'hr',
      unit: 'count/min',
      system: 'http://unitsofmeasure.org',
      code: '/min',
    },
    at: 'Template/QuantityFhirValueType.cs:10-14',
  },
  {
    name: 'a String value is read with its valueName',
    text: hrValue('{"valueType":"String","valueName":"note"}'),
    pick: value,
    medTech: { valueType: 'String', valueName: 'note' },
    at: 'Template/StringFhirValueType.cs:8',
  },
  {
    name: 'a CodeableConcept value is read with text and codes',
    text: hrValue(
      '{"valueType":"CodeableConcept","valueName":"fall","text":"Fall","codes":[{"code":"1912002","system":"http://snomed.info/sct","display":"Fall"}]}',
    ),
    pick: value,
    medTech: {
      valueType: 'CodeableConcept',
      valueName: 'fall',
      text: 'Fall',
      codes: [{ code: '1912002', system: 'http://snomed.info/sct', display: 'Fall' }],
    },
    at: 'Template/CodeableConceptFhirValueType.cs:12-15',
  },
  ...[
    ['5000', 5000],
    ['0.5', 0.5],
    ['1e3', 1000],
    ['2.5E3', 2500],
  ].map(([raw, expected]) => ({
    name: `a SampledData defaultPeriod ${String(raw)} reads ${String(expected)}`,
    text: hrValue(`{"valueType":"SampledData","valueName":"hr","defaultPeriod":${String(raw)},"unit":"count/min"}`),
    pick: value,
    medTech: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: expected, unit: 'count/min' },
    at: 'Template/SampledDataFhirValueType.cs:10, NJ/JsonReader.cs:743-788',
  })),
  ...['true', '"abc"', '{}', '[]'].map((raw) => ({
    name: `a SampledData defaultPeriod ${raw} is refused`,
    text: hrValue(`{"valueType":"SampledData","valueName":"hr","defaultPeriod":${raw}}`),
    pick: value,
    medTech: REFUSED,
    at: 'NJ/JsonReader.cs:790-808 (and the reader refuses a boolean or a container for a decimal)',
  })),
  ...[
    ['quantity', 'Quantity'],
    ['SAMPLEDDATA', 'SampledData'],
    ['string', 'String'],
    ['codeableCONCEPT', 'CodeableConcept'],
  ].map(([written, type]) => ({
    name: `valueType ${JSON.stringify(written)} is matched ignoring case (${String(type)})`,
    text: hrValue(`{"valueType":${JSON.stringify(written)},"valueName":"v","defaultPeriod":1000,"codes":[]}`),
    pick: (t: CodeValueFhirTemplate) => t.value?.valueType,
    medTech: type,
    at: 'Template/Serialization/AbstractJsonConverter.cs:34-36,62',
  })),
  {
    name: 'the valueType key may be spelled ValueType, and other value members ignoring case',
    text: hrValue('{"ValueType":"Quantity","VALUENAME":"hr","Unit":"count/min","SYSTEM":"s","Code":"c"}'),
    pick: value,
    medTech: { valueType: 'Quantity', valueName: 'hr', unit: 'count/min', system: 's', code: 'c' },
    at: 'Template/Serialization/AbstractJsonConverter.cs:53, NJ/Serialization/JsonPropertyCollection.cs:137-146',
  },
  // Two spellings of the valueType key where the exact one MedTech reads is also the last written.
  ...valueTypeKeyCases(
    'valueType, then ValueType',
    '{"valueType":"Quantity","ValueType":"String","valueName":"v"}',
    'String',
    'String',
  ),
  ...valueTypeKeyCases(
    'VALUETYPE, then valueType',
    '{"VALUETYPE":"String","valueType":"Quantity","valueName":"v"}',
    'Quantity',
    'Quantity',
  ),
  {
    name: 'a $id after other members is an unknown member, refused (only a leading one is metadata)',
    text: hr('"$id":"1"'),
    pick: loaded,
    medTech: REFUSED,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs (metadata only before other members), checked on Mono',
  },
  {
    name: 'unknown members inside value and inside its codes are ignored',
    text: hrValue(
      '{"valueType":"CodeableConcept","valueName":"v","codes":[{"code":"c","version":"1"}],"comment":"x","min":0}',
    ),
    pick: value,
    medTech: { valueType: 'CodeableConcept', valueName: 'v', codes: [{ code: 'c' }] },
    at: 'Template/Serialization/AbstractJsonConverter.cs:38-42,65',
  },
  {
    name: 'the members of another value type inside value are ignored when they are text',
    text: hrValue('{"valueType":"String","valueName":"v","unit":"u","codes":[],"defaultPeriod":5}'),
    pick: value,
    medTech: { valueType: 'String', valueName: 'v' },
    at: 'Template/Serialization/AbstractJsonConverter.cs:38-42,65',
  },
  ...[
    'null',
    '[]',
    '"Quantity"',
    '{}',
    '{"valueName":"hr"}',
    '{"valueType":"Quantity ","valueName":"hr"}',
    '{"valueType":"QuantityFhirValueType","valueName":"hr"}',
    '{"valueType":"Integer","valueName":"hr"}',
    '{"valueType":"","valueName":"hr"}',
    '{"valueType":null,"valueName":"hr"}',
    '{"valueType":5,"valueName":"hr"}',
    '{"valueType":["Quantity"],"valueName":"hr"}',
  ].map((raw) => ({
    name: `value ${raw} is refused`,
    text: hrValue(raw),
    pick: value,
    medTech: REFUSED,
    at: 'Template/Serialization/AbstractJsonConverter.cs:52-68, Template/TemplateExtensions.cs:29-41',
  })),

  // components
  {
    name: 'components are read with their codes and value',
    text: hr(
      '"Components":[{"Codes":[{"code":"8480-6"}],"VALUE":{"valueType":"SampledData","valueName":"systolic","defaultPeriod":5000,"unit":"mmHg"}}]',
    ),
    pick: components,
    medTech: [
      {
        codes: [{ code: '8480-6' }],
        value: { valueType: 'SampledData', valueName: 'systolic', defaultPeriod: 5000, unit: 'mmHg' },
      },
    ],
    at: 'Template/CodeValueFhirTemplate.cs:25, Template/CodeValueMapping.cs:14-18',
  },
  ...[
    `{"value":${QUANTITY}}`,
    `{"codes":null,"value":${QUANTITY}}`,
    '{"codes":[],"value":null}',
    `{"codes":[],"value":[${QUANTITY}]}`,
    `{"codes":[],"value":${QUANTITY},"note":1}`,
    `{"codes":[{"code":"c","note":1}],"value":${QUANTITY}}`,
  ].map((raw) => ({
    name: `component ${raw} is refused`,
    text: hrComponent(raw),
    pick: components,
    medTech: REFUSED,
    at: 'Template/CodeValueMapping.cs:14-15, Template/TemplateExtensions.cs:25-41, AbstractJsonConverter.cs:52-53',
  })),
  ...['{}', '"x"'].map((raw) => ({
    name: `components ${raw} (not a list) is refused`,
    text: hr(`"components":${raw}`),
    pick: components,
    medTech: REFUSED,
    at: 'Template/CodeValueFhirTemplate.cs:25',
  })),

  // unknown members of the body
  ...['"note":"x"', '"typename ":"x"', '"values":[]', '"component":[]'].map((member) => ({
    name: `an unknown body member ${member} is refused`,
    text: hr(member),
    pick: loaded,
    medTech: REFUSED,
    at: 'Template/TemplateExtensions.cs:28, NJ/Serialization/JsonSerializerInternalReader.cs:2387-2390',
  })),

  // repeated properties: Newtonsoft keeps the last value of one spelling in the place of the first, then sets the
  // property once per spelling in that order (NJ/Linq/JContainer.cs ReadProperty; JsonSerializerInternalReader.cs:2363)
  ...[
    ['"typeName":"a","typeName":"b"', 'b'],
    ['"typeName":"a","TypeName":"b"', 'b'],
    ['"TypeName":"a","typeName":"b"', 'b'],
    ['"typeName":"a","TypeName":"b","typeName":"c"', 'b'],
  ].map(([members, expected]) => ({
    name: `repeated typeName ${String(members)} reads ${String(expected)}`,
    text: withBody(`{${String(members)},"codes":[]}`),
    pick: typeName,
    medTech: expected,
    at: 'NJ/Linq/JContainer.cs (ReadProperty: Replace), NJ/Serialization/JsonSerializerInternalReader.cs:2363-2432',
  })),
  // defaultPeriod as text, as .NET's decimal.TryParse (NumberStyles.Number, invariant culture) and then Newtonsoft's
  // own decimal parser read it (checked on Mono, FhirMappingLoad).
  ...(
    [
      ['"5000+"', 5000],
      ['"1,000.5"', 1000.5],
      ['"5,,0"', 50],
      ['"5,"', 5],
      ['"\\u000b5000\\u000c"', 5000],
      ['"0.5e4"', 5000],
      ['"5e0003"', 5000],
      ['"5e+"', 5],
      ['"5e-3"', 0.005],
      ['"5000 \\u0000\\u0000"', 5000],
      ['1e28', 1e28],
      // A decimal keeps 28 places (below them, 0: a failure when used, as 0 is; see the differences).
      ['0.00000000000000000000000000011', 1e-28],
      ['"0.00000000000000000000000000016"', 2e-28],
      // The largest decimal (its nearest double is 2^96), and the largest double below 2^96, whose round-trip text
      // 7.9228162514264329E+28 is below the largest decimal.
      ['79228162514264337593543950335', 2 ** 96],
      ['79228162514264328797450928128', 2 ** 96 - 2 ** 43],
      ['7.9228162514264329e28', 2 ** 96 - 2 ** 43],
    ] as const
  ).map(([raw, expected]) => ({
    name: `a SampledData defaultPeriod ${raw} reads ${expected}`,
    text: hrValue(`{"valueType":"SampledData","valueName":"hr","defaultPeriod":${raw}}`),
    pick: value,
    medTech: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: expected },
    at: 'Template/SampledDataFhirValueType.cs:10, NJ/JsonReader.cs:790-808, NJ/Utilities/ConvertUtils.cs (DecimalTryParse)',
  })),
  ...[
    '"+5000+"',
    '"- 5000"',
    '",5"',
    '"1.000,5"',
    '"5.e3"',
    '"+5e3"',
    '" 5e3"',
    '"00005e3"',
    '"5e29"',
    '"\\u20005000"',
    '"5000\\u0085"',
    '"79228162514264337593543950336"',
    '"79228162514264337593543950335.5"',
    '"5000\\u0000 "',
    '1e29',
    // Numbers whose double is 2^96, the nearest to the largest decimal: an integer literal past it is a BigInteger
    // that overflows a decimal; a fraction or an exponent is a double, whose text 7.9228162514264338E+28 does.
    '79228162514264337593543950336',
    '79228162514264337593543950337',
    '79228162514264337593543950335.4',
    '7.9228162514264337593543950336e28',
  ].map((raw) => ({
    name: `a SampledData defaultPeriod ${raw} is refused`,
    text: hrValue(`{"valueType":"SampledData","valueName":"hr","defaultPeriod":${raw}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'NJ/JsonReader.cs:790-808, NJ/Utilities/ConvertUtils.cs (DecimalTryParse)',
  })),
  // A list wrapper's metadata: what MedTech refuses (checked on Mono).
  ...[
    '{"$type":null,"$values":[C]}',
    '{"$values":[C],"x":1}',
    '{"$values":[C],"$id":"1"}',
    '{"$ref":"1","$values":[C]}',
  ].map((wrapper) => ({
    name: `codes as ${wrapper} is refused`,
    text: withBody(`{"typeName":"hr","codes":${wrapper.replace('C', '{"code":"1"}')}}`),
    pick: loaded,
    medTech: REFUSED,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs (ReadMetadataProperties: $ref, $type, $id, then $values)',
  })),
];

describe('parseFhirMapping agrees with MedTech', () => {
  it.each(AGREEMENT)('$name ($at)', ({ text, pick, medTech }) => {
    expect(ourReading(text, pick)).toEqual(medTech);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Seeded random: property names in any case (MedTech: exact, else ignoring case), type names in any case.

/** A mapping using every field, in the canonical spelling. */
const RICH_MAPPING = {
  templateType: 'CollectionFhir',
  template: [
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'heartrate',
        periodInterval: 0,
        category: [
          {
            text: 'Vital Signs',
            codes: [
              {
                code: 'vital-signs',
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                display: 'Vital Signs',
              },
            ],
          },
        ],
        codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
        value: {
          valueType: 'Quantity',
          valueName: 'hr',
          unit: 'count/min',
          system: 'http://unitsofmeasure.org',
          code: '/min',
        },
      },
    },
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'bloodpressure',
        periodInterval: 60,
        codes: [{ code: '85354-9', system: 'http://loinc.org' }],
        components: [
          {
            codes: [{ code: '8480-6' }],
            value: { valueType: 'SampledData', valueName: 'systolic', defaultPeriod: 5000, unit: 'mmHg' },
          },
          {
            codes: [{ code: '8462-4', display: 'Diastolic' }],
            value: { valueType: 'SampledData', valueName: 'diastolic', defaultPeriod: 5000, unit: 'mmHg' },
          },
        ],
      },
    },
    {
      templateType: 'CodeValueFhirTemplate',
      template: { typeName: 'note', periodInterval: -1, codes: [], value: { valueType: 'String', valueName: 'note' } },
    },
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'fall',
        periodInterval: 1440,
        codes: [{ code: '129839007', system: 'http://snomed.info/sct' }],
        value: {
          valueType: 'CodeableConcept',
          valueName: 'fall',
          text: 'Fall',
          codes: [{ code: '1912002', system: 'http://snomed.info/sct', display: 'Fall' }],
        },
      },
    },
  ],
};

function randomCase(text: string, random: (n: number) => number): string {
  return [...text].map((c) => (random(2) === 0 ? c.toLowerCase() : c.toUpperCase())).join('');
}

/**
 * The mapping with every property name in a random case, except the value's `valueType` key, which MedTech looks up
 * as `ValueType` or `valueType` only (AbstractJsonConverter.cs:53); type names in a random case, templateTypes with
 * or without the `Template` suffix; and sometimes a property MedTech ignores (on the root, a node, or inside value).
 */
function mutateCase(node: unknown, random: (n: number) => number, key?: string): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => mutateCase(item, random));
  }
  if (typeof node !== 'object' || node === null) {
    if (typeof node === 'string' && (key === 'templateType' || key === 'valueType')) {
      const suffixed = key === 'templateType' && random(2) === 0 ? node.replace(/(?:Template)?$/, 'Template') : node;
      return randomCase(suffixed, random);
    }
    return node;
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(node);
  const isValue = 'valueType' in node;
  const isNode = 'templateType' in node;
  for (const [name, child] of entries) {
    const spelled = name === 'valueType' ? (random(2) === 0 ? 'ValueType' : 'valueType') : randomCase(name, random);
    out[spelled] = mutateCase(child, random, name);
  }
  if ((isValue || isNode) && random(3) === 0) {
    out.ignoredByMedTech = random(2) === 0 ? 'x' : [1, { a: null }];
  }
  return out;
}

describe('parseFhirMapping agrees with MedTech (seeded random)', () => {
  const canonical = parseFhirMapping(JSON.stringify(RICH_MAPPING));

  it('reads the rich mapping', () => {
    expect(canonical.ok && canonical.value.templates.size).toBe(4);
  });

  it('reads every field the same whatever the case of property and type names (seeds 1-300)', () => {
    if (!canonical.ok) {
      throw new Error('the rich mapping must load');
    }
    for (let seed = 1; seed <= 300; seed++) {
      const text = JSON.stringify(mutateCase(RICH_MAPPING, seededRandom(seed)));
      const result = parseFhirMapping(text);
      expect(result.ok, `seed ${seed}: ${text}`).toBe(true);
      expect(result.ok && [...result.value.templates], `seed ${seed}: ${text}`).toEqual([...canonical.value.templates]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// periodInterval: MedTech's enum reading restated, checked over seeded random raw values.

const PERIOD_MEMBERS: readonly [string, number][] = [
  ['CorrelationId', -1],
  ['Single', 0],
  ['Hourly', 60],
  ['Daily', 1440],
];
const DEFINED_PERIODS = [-1, 0, 60, 1440];

/**
 * What MedTech reads from a raw JSON `periodInterval` (NJ/Serialization/JsonSerializerInternalReader.cs:965-1005,
 * NJ/Utilities/EnumUtils.cs:258-367): a JSON integer is read as a 64-bit one (longer: refused) whose low 32 bits are
 * the enum's number, defined or not (checked on Mono: 4294967356 is 60); a JSON number with a fraction or exponent is
 * refused; a string is trimmed and read as an Int32 (sign, digits) when it starts with
 * a digit or sign, else as member names (exact, then ignoring case; several separated by commas combine with OR);
 * anything else is refused. Only ASCII white space is generated, so JavaScript's trim stands for .NET's.
 * @returns the number MedTech stores, or `REFUSED`
 */
function medTechPeriodInterval(raw: string): number | typeof REFUSED {
  if (/^-?(?:0|[1-9][0-9]*)$/.test(raw)) {
    const integer = BigInt(raw);
    return integer < -(2n ** 63n) || integer >= 2n ** 63n ? REFUSED : Number(BigInt.asIntN(32, integer));
  }
  if (!raw.startsWith('"')) {
    return REFUSED;
  }
  const text = JSON.parse(raw) as string;
  const exact = PERIOD_MEMBERS.find(([name]) => name === text);
  if (exact !== undefined) {
    return exact[1];
  }
  const trimmed = text.trim();
  if (trimmed === '') {
    return REFUSED;
  }
  if (/^[0-9+-]/.test(trimmed)) {
    if (/^[+-]?[0-9]+$/.test(trimmed)) {
      const number = Number(trimmed);
      return number >= -2147483648 && number <= 2147483647 ? number + 0 : REFUSED;
    }
    // not an integer: .NET's format error is swallowed and the text is read as names
  }
  let bits = 0;
  for (const part of text.split(',')) {
    const name = part.trim();
    const member =
      PERIOD_MEMBERS.find(([n]) => n === name) ?? PERIOD_MEMBERS.find(([n]) => n.toLowerCase() === name.toLowerCase());
    if (member === undefined) {
      return REFUSED;
    }
    bits |= member[1];
  }
  return bits;
}

/**
 * Our rule: a JSON number equal to 0, 60, 1440 or -1 (the schema's enum), or a JSON integer or a string MedTech's
 * enumeration reader reads as one of them (converted with a warning); any other interval is invalid
 * (reference-behaviour §3.1).
 */
function ourPeriodRule(raw: string): number | typeof REFUSED {
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed === 'string' || /^-?(?:0|[1-9][0-9]*)$/.test(raw)) {
    const medTech = medTechPeriodInterval(raw);
    return medTech !== REFUSED && DEFINED_PERIODS.includes(medTech) ? medTech : REFUSED;
  }
  return typeof parsed === 'number' && DEFINED_PERIODS.includes(parsed) ? parsed : REFUSED;
}

function randomPeriodRaw(random: (n: number) => number): string {
  const pad = (): string => [' ', '', '', '\t', '  '][random(5)]!;
  const number = (): string => (random(2) === 0 ? String(DEFINED_PERIODS[random(4)]) : String(random(4000) - 2000));
  const name = (): string => randomCase(PERIOD_MEMBERS[random(4)]![0], random);
  switch (random(8)) {
    case 0:
    case 1:
      return number();
    case 2:
      return `${number()}${['.0', '.5', 'e0', 'E1', '.25e2'][random(5)]!}`;
    case 3:
      return JSON.stringify(`${pad()}${['', '+', '-'][random(3)]!}${number().replace(/^-/, '')}${pad()}`);
    case 4:
      return JSON.stringify(`${pad()}${name()}${pad()}`);
    case 5:
      return JSON.stringify(`${name()}${pad()},${pad()}${name()}`);
    case 6:
      return JSON.stringify([`${number()}.0`, `${number()}x`, 'Hour', '', ' ', `${name()},`, '0x3C'][random(7)]!);
    default:
      return ['null', 'true', '[]', '{}', '[60]'][random(5)]!;
  }
}

const PERIOD_CASES = Array.from({ length: 600 }, (_, i) => randomPeriodRaw(seededRandom(1000 + i))).filter(
  // A boolean is converted by Enum.ToObject in ways not restated here; a fixed case covers what we do with it.
  (raw) => raw !== 'true',
);

describe('periodInterval agrees with MedTech (seeded random)', () => {
  const agreeing = PERIOD_CASES.filter((raw) => medTechPeriodInterval(raw) === ourPeriodRule(raw));

  it('covers defined values and refusals', () => {
    expect(agreeing.filter((raw) => ourPeriodRule(raw) !== REFUSED).length).toBeGreaterThan(50);
    expect(agreeing.filter((raw) => ourPeriodRule(raw) === REFUSED).length).toBeGreaterThan(50);
  });

  it('reads or refuses each raw periodInterval as MedTech does where our rule and MedTech agree', () => {
    for (const raw of agreeing) {
      expect(ourReading(hr(`"periodInterval":${raw}`), period), raw).toEqual(medTechPeriodInterval(raw));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Former differences: MedTech read these and we refused them (or read them otherwise) until fhirMappingConversions
// converted them as MedTech does. Each case asserts that we now read what MedTech reads, and no longer `ours`.

const FORMER_DIFFERENCES: Difference[] = [
  // 0. Found by running MedTech's own loader on random mappings (tools/dotnet-oracle, `fhirmappings`): Newtonsoft reads
  //    an empty string as null where it expects a list (NJ/Serialization/JsonSerializerInternalReader.cs:328,361-366),
  //    and Enum.ToObject reads false as 0.
  ...(
    [
      ['category', '"category":""', category, []],
      ['components', '"components":""', components, []],
      ['category codes', '"category":[{"text":"t","codes":""}]', category, [{ text: 't', codes: [] }]],
    ] as [string, string, Pick, unknown][]
  ).map(([what, members, pick, expected]) => ({
    name: `an empty string for ${what} is read as absent by MedTech`,
    text: hr(members),
    pick,
    medTech: expected,
    ours: REFUSED,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs:328,361-366, R4T/CodeValueFhirTemplateProcessor.cs:43-51',
  })),
  {
    name: 'periodInterval false (MedTech: 0)',
    text: hr('"periodInterval":false'),
    pick: period,
    medTech: 0,
    ours: REFUSED,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs:965-980 (Enum.ToObject of a boolean), checked on Mono',
  },
  ...(
    [
      ['4294967356', 60],
      ['-4294967236', 60],
      ['4294967296', 0],
      ['9223372036854775807', -1],
    ] as const
  ).map(([raw, expected]) => ({
    name: `periodInterval ${raw}, an integer past 32 bits (MedTech: its low 32 bits, ${expected})`,
    text: hr(`"periodInterval":${raw}`),
    pick: period,
    medTech: expected,
    ours: REFUSED,
    at: 'NJ/Utilities/EnumUtils.cs:294-322 (Enum.ToObject of a 64-bit integer), checked on Mono',
  })),
  // 1. A number where text is expected. MedTech keeps the text of the number (NJ/JsonReader.cs:487-503 for the body;
  //    inside value the JSON text itself, NJ/JsonTextReader.cs:649-666,2010-2025). We refuse ("must be a string").
  {
    name: 'a SNOMED code written as a number in codes',
    text: withBody('{"typeName":"fall","codes":[{"code":129839007,"system":"http://snomed.info/sct"}]}'),
    pick: codes,
    medTech: [{ code: '129839007', system: 'http://snomed.info/sct' }],
    ours: REFUSED,
    at: 'Template/FhirCode.cs:10, NJ/JsonReader.cs:487-503',
  },
  {
    name: 'a code written as a number in a CodeableConcept value',
    text: hrValue('{"valueType":"CodeableConcept","valueName":"v","codes":[{"code":1912002}]}'),
    pick: value,
    medTech: { valueType: 'CodeableConcept', valueName: 'v', codes: [{ code: '1912002' }] },
    ours: REFUSED,
    at: 'Template/CodeableConceptFhirValueType.cs:15, NJ/JsonTextReader.cs:649-666,2025',
  },
  {
    name: 'a component code written as a number',
    text: hrComponent(`{"codes":[{"code":8480}],"value":${QUANTITY}}`),
    pick: (t) => t.components[0]?.codes,
    medTech: [{ code: '8480' }],
    ours: REFUSED,
    at: 'Template/CodeValueMapping.cs:15, NJ/JsonReader.cs:487-503',
  },
  {
    name: 'a Quantity unit and code written as the number 1 (UCUM "1")',
    text: hrValue('{"valueType":"Quantity","valueName":"spo2","unit":1,"code":1}'),
    pick: value,
    medTech: { valueType: 'Quantity', valueName: 'spo2', unit: '1', code: '1' },
    ours: REFUSED,
    at: 'Template/QuantityFhirValueType.cs:10-14, NJ/JsonTextReader.cs:649-666,2025',
  },
  {
    name: 'a typeName written as a number',
    text: withBody('{"typeName":5,"codes":[]}'),
    pick: typeName,
    medTech: '5',
    ours: REFUSED,
    at: 'Template/Template.cs:13, NJ/JsonReader.cs:487-503',
  },
  {
    name: 'a fractional number: 60.0 reads "60" in the body but "60.0" inside value',
    text: withBody(
      '{"typeName":"hr","codes":[{"code":60.0}],"value":{"valueType":"Quantity","valueName":"v","code":60.0}}',
    ),
    pick: (t) => [t.codes, t.value],
    medTech: [[{ code: '60' }], { valueType: 'Quantity', valueName: 'v', code: '60.0' }],
    ours: REFUSED,
    at: 'NJ/JsonReader.cs:493-495 (double formatted by .NET), NJ/JsonConvert.cs:293-296,303-311 (re-serialized with ".0")',
  },
  {
    name: 'a boolean as text: "True" in the body, "true" inside value',
    text: withBody(
      '{"typeName":"hr","codes":[{"code":"c","display":true}],"value":{"valueType":"Quantity","valueName":"v","unit":false}}',
    ),
    pick: (t) => [t.codes, t.value],
    medTech: [[{ code: 'c', display: 'True' }], { valueType: 'Quantity', valueName: 'v', unit: 'false' }],
    ours: REFUSED,
    at: 'NJ/JsonReader.cs:497-499 (bool.ToString), NJ/JsonTextReader.cs:667-680',
  },

  // 2. periodInterval as a string. MedTech's enum reader takes an integer string or a member name, any case.
  ...[
    ['"60"', 60],
    ['" 60 "', 60],
    ['"+60"', 60],
    ['"0060"', 60],
    ['"1440"', 1440],
    ['"-1"', -1],
    ['"0"', 0],
    ['"Hourly"', 60],
    ['"daily"', 1440],
    ['" Single "', 0],
    ['"correlationid"', -1],
  ].map(([raw, expected]) => ({
    name: `periodInterval ${String(raw)} (MedTech: ${String(expected)})`,
    text: hr(`"periodInterval":${String(raw)}`),
    pick: period,
    medTech: expected,
    ours: REFUSED,
    at: 'Template/FhirTemplate.cs:10, NJ/Serialization/JsonSerializerInternalReader.cs:968-974, NJ/Utilities/EnumUtils.cs:294-322,350-357',
  })),

  // 3. null for an optional member: MedTech leaves the property unset (Newtonsoft sets null on a reference type;
  //    the processors treat null lists and null texts as absent, R4T/CodeValueFhirTemplateProcessor.cs:49,93,105).
  ...(
    [
      [
        'system and display',
        '"category":[{"codes":[{"code":"c","system":null,"display":null}]}]',
        category,
        [{ codes: [{ code: 'c' }] }],
      ],
      ['category', '"category":null', category, []],
      ['category text and codes', '"category":[{"text":null,"codes":null}]', category, [{ codes: [] }]],
      ['components', '"components":null', components, []],
      [
        'Quantity unit, system and code',
        '"value":{"valueType":"Quantity","valueName":"hr","unit":null,"system":null,"code":null}',
        value,
        { valueType: 'Quantity', valueName: 'hr' },
      ],
      [
        'CodeableConcept text',
        '"value":{"valueType":"CodeableConcept","valueName":"v","text":null,"codes":[]}',
        value,
        { valueType: 'CodeableConcept', valueName: 'v', codes: [] },
      ],
    ] as [string, string, Pick, unknown][]
  ).map(([what, members, pick, expected]) => ({
    name: `null ${what} is read as absent by MedTech`,
    text: hr(members),
    pick,
    medTech: expected,
    ours: REFUSED,
    at: 'Template/CodeValueFhirTemplate.cs:14,25, Template/FhirCode.cs:10-14, NJ/Serialization/JsonSerializerInternalReader.cs:955-958',
  })),

  // 4. defaultPeriod as a string: a nullable decimal reads a numeric string (NumberStyles.Number, invariant culture:
  //    white space, sign, thousands separators; an exponent through Newtonsoft's fallback parser).
  ...[
    ['"5000"', 5000],
    ['" 5000 "', 5000],
    ['"1,000"', 1000],
    ['"5e3"', 5000],
  ].map(([raw, expected]) => ({
    name: `a SampledData defaultPeriod ${String(raw)} (MedTech: ${String(expected)})`,
    text: hrValue(`{"valueType":"SampledData","valueName":"hr","defaultPeriod":${String(raw)}}`),
    pick: value,
    medTech: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: expected },
    ours: REFUSED,
    at: 'Template/SampledDataFhirValueType.cs:10, NJ/JsonReader.cs:790-808',
  })),

  // 5. A coding without code: MedTech's FhirCode has no required member; the Observation gets a coding without code.
  {
    name: 'a coding without code in codes',
    text: withBody('{"typeName":"hr","codes":[{"system":"http://loinc.org","display":"Heart rate"}]}'),
    pick: codes,
    medTech: [{ system: 'http://loinc.org', display: 'Heart rate' }],
    ours: REFUSED,
    at: 'Template/FhirCode.cs:8-15, R4T/CodeValueFhirTemplateProcessor.cs:37',
  },
  {
    name: 'a coding without code in a category',
    text: hr('"category":[{"text":"Vital Signs","codes":[{"display":"Vital Signs"}]}]'),
    pick: category,
    medTech: [{ text: 'Vital Signs', codes: [{ display: 'Vital Signs' }] }],
    ours: REFUSED,
    at: 'Template/FhirCode.cs:8-15, R4T/CodeValueFhirTemplateProcessor.cs:49',
  },
  {
    name: 'a coding without code in a CodeableConcept value',
    text: hrValue('{"valueType":"CodeableConcept","valueName":"v","codes":[{"display":"Fall"}]}'),
    pick: value,
    medTech: { valueType: 'CodeableConcept', valueName: 'v', codes: [{ display: 'Fall' }] },
    ours: REFUSED,
    at: 'Template/FhirCode.cs:8-15, R4T/CodeableConceptFhirValueProcessor.cs:24-30',
  },

  // 6. The main value without valueName (or with ""): MedTech loads it and never sets the value.
  ...[
    '{"valueType":"Quantity"}',
    '{"valueType":"String","valueName":""}',
    '{"valueType":"SampledData","defaultPeriod":1000}',
  ].map((raw) => ({
    name: `a main value ${raw} (MedTech: loads, the value is never set)`,
    text: hrValue(raw),
    pick: loaded,
    medTech: 'loaded',
    ours: REFUSED,
    at: 'Template/FhirValueType.cs:14, R4T/CodeValueFhirTemplateProcessor.cs:100,143',
  })),

  // 7. Members MedTech's template class has although they are not mapping fields: lineNumber and linePosition
  //    (Int32, overwritten with the position in the file) and lineInfoForProperties (JsonIgnore: skipped).
  ...['"lineNumber":3', '"LinePosition":"7"', '"lineInfoForProperties":{"typeName":{}}'].map((member) => ({
    name: `a body member ${member} (MedTech: accepted and not used)`,
    text: hr(member),
    pick: typeName,
    medTech: 'hr',
    ours: REFUSED,
    at: 'Template/LineInfo.cs:15-17, Template/LineAwareJsonObject.cs:14-15, Template/Serialization/LineNumberJsonConverter.cs:38-41, NJ/Serialization/JsonSerializerInternalReader.cs:2401-2410',
  })),

  // 8. Members of another value type inside value are ignored by MedTech whatever they hold; our schema checks them.
  ...[
    '{"valueType":"Quantity","valueName":"hr","defaultPeriod":0}',
    '{"valueType":"Quantity","valueName":"hr","codes":[{"display":"x"}]}',
    '{"valueType":"String","valueName":"hr","unit":5}',
    '{"valueType":"String","valueName":"hr","codes":"none"}',
  ].map((raw) => ({
    name: `value ${raw} (MedTech: the foreign member is ignored)`,
    text: hrValue(raw),
    pick: (t: CodeValueFhirTemplate) => t.value?.valueType,
    medTech: JSON.parse(raw).valueType,
    ours: REFUSED,
    at: 'Template/Serialization/AbstractJsonConverter.cs:38-42,65',
  })),
  {
    name: 'a node with "template" then "Template" is read by its exact spelling, as in MedTech',
    text: collection(
      '{"templateType":"CodeValueFhir","template":{"typeName":"first","codes":[]},"Template":{"typeName":"second","codes":[]}}',
    ),
    pick: typeName,
    medTech: 'first',
    ours: 'second',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44,53, NJ/Linq/JObject.cs:290-315',
  },
  {
    name: 'a node with "Template" then "TEMPLATE" is read by its first spelling, as in MedTech',
    text: collection(
      '{"templateType":"CodeValueFhir","Template":{"typeName":"first","codes":[]},"TEMPLATE":{"typeName":"second","codes":[]}}',
    ),
    pick: typeName,
    medTech: 'first',
    ours: 'second',
    at: 'Template/Serialization/TemplateContainerJsonConverter.cs:44,53, NJ/Linq/JObject.cs:304-312',
  },
  // 4. A list written under two spellings: Newtonsoft fills the one property twice, and into a list it already made it
  //    adds the items (exact repeats of a name collapse first, to the last, as the reader keeps them). Here the last
  //    spelling replaced the list. Checked on Mono with MedTech built from source (tools/dotnet-oracle).
  ...(
    [
      ['codes then Codes', hr('"codes":[{"code":"1"}],"Codes":[{"code":"2"}]'), codes, ['1', '2'], ['2']],
      [
        'codes, Codes, codes',
        hr('"codes":[{"code":"1"}],"Codes":[{"code":"2"}],"codes":[{"code":"3"}]'),
        codes,
        ['3', '2'],
        ['2'],
      ],
      ['codes then an empty Codes', hr('"codes":[{"code":"1"}],"Codes":[]'), codes, ['1'], []],
      [
        'category then Category',
        hr('"category":[{"text":"x"}],"Category":[{"text":"y"}]'),
        category,
        ['x', 'y'],
        ['y'],
      ],
    ] as const
  ).map(([what, text, pick, medTech, ours]) => ({
    name: `${what} (MedTech: the items of both)`,
    text,
    pick: (t: CodeValueFhirTemplate) =>
      (pick(t) as ({ code?: string; text?: string } | null)[]).map((item) => item?.code ?? item?.text),
    medTech,
    ours,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs (an existing list is populated, ObjectCreationHandling.Auto), checked on Mono',
  })),
  // 5. Newtonsoft's metadata (found on Mono with MedTech built from source): an object's first member `$id` is its
  //    reference id, not a member; `{"$values": [...]}` where a list is expected is that list. Both were refused here.
  ...(
    [
      ['a leading $id in the template', withBody('{"$id":"1","typeName":"hr","codes":[]}'), typeName, 'hr'],
      [
        'a leading $id in a coding',
        hr('"value":{"valueType":"String","valueName":"s"}').replace('"codes":[]', '"codes":[{"$id":"c","code":"1"}]'),
        codes,
        [{ code: '1' }],
      ],
      ['a leading $id in a category', hr('"category":[{"$id":"c","text":"x"}]'), category, [{ text: 'x', codes: [] }]],
      [
        'codes as {"$values": [...]}',
        withBody('{"typeName":"hr","codes":{"$values":[{"code":"1"}]}}'),
        codes,
        [{ code: '1' }],
      ],
      [
        'codes as {"$id", "$values"}',
        withBody('{"typeName":"hr","codes":{"$id":"c","$values":[{"code":"1"}]}}'),
        codes,
        [{ code: '1' }],
      ],
      [
        'codes as {"$type", "$values"}, as a serializer with type names writes a list',
        withBody('{"typeName":"hr","codes":{"$type":"System.Collections.Generic.List","$values":[{"code":"1"}]}}'),
        codes,
        [{ code: '1' }],
      ],
      [
        'codes as {"$ref": null, "$id", "$values"}',
        withBody('{"typeName":"hr","codes":{"$ref":null,"$id":"c","$values":[{"code":"1"}]}}'),
        codes,
        [{ code: '1' }],
      ],

      [
        'a category and its codes as {"$values": [...]}',
        hr('"category":{"$values":[{"text":"x","codes":{"$values":[{"code":"2"}]}}]}'),
        category,
        [{ text: 'x', codes: [{ code: '2' }] }],
      ],
      [
        'components as {"$values": [...]}, with a leading $id in one',
        hr('"components":{"$values":[{"$id":"c","codes":[],"value":{"valueType":"Quantity","valueName":"q"}}]}'),
        (t: CodeValueFhirTemplate) => t.components.map((c) => c.value.valueName),
        ['q'],
      ],
      [
        'a CodeableConcept value\'s codes as {"$values": [...]}',
        hrValue('{"valueType":"CodeableConcept","valueName":"v","text":"t","codes":{"$values":[{"code":"3"}]}}'),
        (t: CodeValueFhirTemplate) => (t.value?.valueType === 'CodeableConcept' ? t.value.codes : undefined),
        [{ code: '3' }],
      ],
    ] as [string, string, Pick, unknown][]
  ).map(([what, text, pick, medTech]) => ({
    name: `${what} (MedTech: read as Newtonsoft reads metadata)`,
    text,
    pick,
    medTech,
    ours: REFUSED,
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs (ReadMetadataProperties: $id, $values), checked on Mono',
  })),
  // 3. The value's class comes from the exact key ValueType, else valueType (checked on Mono), not from the last
  //    case-insensitive repeat, which decided it here before. In a component's value too.
  ...(
    [
      [
        'ValueType, then valueType',
        '{"ValueType":"String","valueType":"Quantity","valueName":"v","unit":"u"}',
        'String',
        'Quantity',
      ],
      [
        'valueType, then valuetype',
        '{"valueType":"Quantity","valuetype":"String","valueName":"v"}',
        'Quantity',
        'String',
      ],
      [
        'ValueType null, then valueType',
        '{"ValueType":null,"valueType":"Quantity","valueName":"v"}',
        REFUSED,
        'Quantity',
      ],
    ] as const
  ).flatMap(([what, raw, expected, before]) => valueTypeKeyCases(what, raw, expected, before)),
];

describe('former differences, now read as MedTech reads them', () => {
  it.each(FORMER_DIFFERENCES)('$name ($at)', ({ text, pick, medTech, ours }) => {
    const reading = ourReading(text, pick);
    expect(reading).toEqual(medTech);
    expect(reading).not.toEqual(ours);
  });

  it('reads a number or boolean in every text field as the text MedTech makes of it, warning there (seeded random)', () => {
    // Each field: the body text around a marker, where it is read (the body, or inside a value), and what we read.
    const fields: [string, string, 'body' | 'value', Pick][] = [
      ['{"typeName":@,"codes":[]}', '/typeName', 'body', (t) => t.typeName],
      ['{"typeName":"hr","codes":[{"code":@}]}', '/codes/0/code', 'body', (t) => t.codes[0]?.code],
      ['{"typeName":"hr","codes":[{"code":"c","system":@}]}', '/codes/0/system', 'body', (t) => t.codes[0]?.system],
      ['{"typeName":"hr","codes":[{"code":"c","display":@}]}', '/codes/0/display', 'body', (t) => t.codes[0]?.display],
      ['{"typeName":"hr","codes":[],"category":[{"text":@}]}', '/category/0/text', 'body', (t) => t.category[0]?.text],
      [
        '{"typeName":"hr","codes":[],"category":[{"codes":[{"code":@}]}]}',
        '/category/0/codes/0/code',
        'body',
        (t) => t.category[0]?.codes[0]?.code,
      ],
      [
        '{"typeName":"hr","codes":[],"value":{"valueType":"Quantity","valueName":@}}',
        '/value/valueName',
        'value',
        (t) => t.value?.valueName,
      ],
      [
        '{"typeName":"hr","codes":[],"value":{"valueType":"Quantity","valueName":"v","unit":@}}',
        '/value/unit',
        'value',
        (t) => (t.value?.valueType === 'Quantity' ? t.value.unit : undefined),
      ],
      [
        '{"typeName":"hr","codes":[],"value":{"valueType":"Quantity","valueName":"v","system":@}}',
        '/value/system',
        'value',
        (t) => (t.value?.valueType === 'Quantity' ? t.value.system : undefined),
      ],
      [
        '{"typeName":"hr","codes":[],"value":{"valueType":"Quantity","valueName":"v","code":@}}',
        '/value/code',
        'value',
        (t) => (t.value?.valueType === 'Quantity' ? t.value.code : undefined),
      ],
      [
        '{"typeName":"hr","codes":[],"value":{"valueType":"CodeableConcept","valueName":"v","text":@,"codes":[]}}',
        '/value/text',
        'value',
        (t) => (t.value?.valueType === 'CodeableConcept' ? t.value.text : undefined),
      ],
      [
        '{"typeName":"hr","codes":[],"value":{"valueType":"CodeableConcept","valueName":"v","codes":[{"code":@}]}}',
        '/value/codes/0/code',
        'value',
        (t) => (t.value?.valueType === 'CodeableConcept' ? t.value.codes[0]?.code : undefined),
      ],
      [
        '{"typeName":"hr","codes":[],"components":[{"codes":[{"code":@}],"value":{"valueType":"String","valueName":"v"}}]}',
        '/components/0/codes/0/code',
        'body',
        (t) => t.components[0]?.codes[0]?.code,
      ],
      [
        '{"typeName":"hr","codes":[],"components":[{"codes":[],"value":{"valueType":"String","valueName":@}}]}',
        '/components/0/value/valueName',
        'value',
        (t) => t.components[0]?.value.valueName,
      ],
    ];
    // The text MedTech makes (see the header): an integer keeps its digits; any other number is a double, written as
    // .NET writes it, with ".0" added inside a value; a boolean is "True"/"False" in the body, "true"/"false" inside.
    const medTechText = (raw: string, where: 'body' | 'value'): string => {
      if (raw === 'true' || raw === 'false') {
        return where === 'value' ? raw : raw === 'true' ? 'True' : 'False';
      }
      if (/^-?\d+$/.test(raw)) {
        return raw;
      }
      if (raw === '1e21') {
        return '1E+21';
      }
      const text = String(Number(raw));
      return where === 'value' && !text.includes('.') ? `${text}.0` : text;
    };
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed);
      const [body, pointer, where, pick] = fields[random(fields.length)]!;
      const raw = [
        String(random(1_000_000_000)),
        `${random(1000)}.${random(100)}`,
        `-${random(100)}`,
        '1e21',
        'true',
        'false',
        '98765432109876543210',
      ][random(7)]!;
      const text = withBody(body.replace('@', raw));
      const what = `seed ${seed}: ${pointer} = ${raw}`;
      expect(ourReading(text, pick), what).toBe(medTechText(raw, where));
      const result = parseFhirMapping(text);
      const warnings = result.ok ? result.warnings.map((p) => p.location.pointer) : [];
      expect(warnings, what).toContain(`/template/0/template${pointer}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Differences. Each case asserts what WE read today and that MedTech reads otherwise.

const DIFFERENCES: Difference[] = [
  // 9. Where we accept more than MedTech.
  ...['valuetype', 'VALUETYPE', 'Valuetype'].map((key) => ({
    name: `the valueType key spelled ${key} (MedTech: only ValueType or valueType is looked up)`,
    text: hrValue(`{"${key}":"String","valueName":"v"}`),
    pick: value,
    medTech: REFUSED,
    ours: { valueType: 'String', valueName: 'v' },
    at: 'Template/Serialization/AbstractJsonConverter.cs:53-58',
  })),
  ...['"valuetype"', '"VALUETYPE"', '"ValueTYPE"'].map((key) => ({
    name: `a value whose type is under the key ${key} (MedTech: refused, "Property ValueType is missing")`,
    text: hrValue(`{${key}:"Quantity","valueName":"hr"}`),
    pick: (t: CodeValueFhirTemplate) => t.value?.valueType,
    medTech: REFUSED,
    ours: 'Quantity',
    at: 'Template/Serialization/AbstractJsonConverter.cs:31-32,53-57 (only ValueType and valueType), checked on Mono',
  })),
  ...['60.0', '6e1', '1440.00', '-1.0'].map((raw) => ({
    name: `periodInterval ${raw}, a JSON number with a fraction or exponent (MedTech: refused)`,
    text: hr(`"periodInterval":${raw}`),
    pick: period,
    medTech: REFUSED,
    ours: Number(raw),
    at: 'NJ/Serialization/JsonSerializerInternalReader.cs:976-979 (Enum.ToObject of a double throws)',
  })),
  // 10. Text that looks like a date: MedTech's reader turns it into a DateTime while loading the document, and the
  //     body's text fields get .NET's invariant rendering of it (inside value the ISO text survives).
  {
    name: 'a date-like display in codes (MedTech: "01/01/2019 00:00:00")',
    text: withBody('{"typeName":"hr","codes":[{"code":"c","display":"2019-01-01T00:00:00Z"}]}'),
    pick: codes,
    medTech: [{ code: 'c', display: '01/01/2019 00:00:00' }],
    ours: [{ code: 'c', display: '2019-01-01T00:00:00Z' }],
    at: 'Template/CollectionTemplateFactory.cs:46 (default DateParseHandling), NJ/JsonReader.cs:493-495',
  },

  // 11. Templates MedTech loads but cannot run: it throws when a measurement of that type is processed. We refuse
  //     the file, which blocks it only if that template is never used. periodInterval values other than 0, 60, 1440
  //     and -1 are invalid by the contract (reference-behaviour §3.1); the others are not declared there.
  ...[
    ['"periodInterval":42', 'Ingest/Data/MeasurementObservationGroupFactory.cs:29 (contract §3.1: invalid)'],
    ['"periodInterval":"30"', 'Ingest/Data/MeasurementObservationGroupFactory.cs:29 (contract §3.1: invalid)'],
    ['"periodInterval":"Hourly, Daily"', 'EnumUtils.cs:325-375 ORs names: 1468 (contract §3.1: invalid)'],
    ['"periodInterval":true', 'Enum.ToObject of a boolean gives 1 (low confidence; contract §3.1: invalid)'],
    [
      '"value":{"valueType":"SampledData","valueName":"hr"}',
      'Ingest/Data/SampledDataProcessor.cs:20 (null defaultPeriod)',
    ],
    [
      '"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":null}',
      'Ingest/Data/SampledDataProcessor.cs:20',
    ],
    [
      '"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":""}',
      'NJ/JsonReader.cs:792-796 (empty text is null), Ingest/Data/SampledDataProcessor.cs:20',
    ],
    [
      '"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":0}',
      'Ingest/Data/SampledDataProcessor.cs:22-42 (the slot loop never advances)',
    ],
    [
      '"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":-5000}',
      'Ingest/Data/SampledDataProcessor.cs:22-42 (the slot loop runs backwards)',
    ],
    // Texts MedTech reads as a negative or zero period (checked on Mono), which then fails as above.
    ...['" -5000"', '"5000 -"', '"-5e3"', '"1e-30"', '1e-30'].map((raw) => [
      `"value":{"valueType":"SampledData","valueName":"hr","defaultPeriod":${raw}}`,
      'Ingest/Data/SampledDataProcessor.cs:22-42, NJ/JsonReader.cs:790-808',
    ]),
    ['"value":{"valueType":"CodeableConcept","valueName":"v"}', 'R4T/CodeableConceptFhirValueProcessor.cs:24'],
    [
      '"value":{"valueType":"CodeableConcept","valueName":"v","codes":null}',
      'R4T/CodeableConceptFhirValueProcessor.cs:24',
    ],
    ['"components":[{"codes":[]}]', 'R4T/CodeValueFhirTemplateProcessor.cs:111 (component.Value is null)'],
    [
      '"components":[{"codes":[],"value":{"valueType":"String"}}]',
      'R4T/CodeValueFhirTemplateProcessor.cs:111 (a null key)',
    ],
    ['"category":[null]', 'R4T/CodeValueFhirTemplateProcessor.cs:48'],
    ['"components":[null]', 'R4T/CodeValueFhirTemplateProcessor.cs:111'],
  ].map(([members, why]) => ({
    name: `${String(members)} (MedTech: ${LOADS_FAILS_WHEN_USED})`,
    text: hr(String(members)),
    pick: loaded,
    medTech: LOADS_FAILS_WHEN_USED,
    ours: REFUSED,
    at: String(why),
  })),
  {
    name: `a null coding in codes (MedTech: ${LOADS_FAILS_WHEN_USED})`,
    text: withBody('{"typeName":"hr","codes":[null]}'),
    pick: loaded,
    medTech: LOADS_FAILS_WHEN_USED,
    ours: REFUSED,
    at: 'R4T/CodeValueFhirTemplateProcessor.cs:37',
  },
];

describe('differences from MedTech (our current behaviour; MedTech in `medTech` and `at`)', () => {
  it.each(DIFFERENCES)('$name ($at)', ({ text, pick, medTech, ours }) => {
    const reading = ourReading(text, pick);
    expect(reading).toEqual(ours);
    expect(reading).not.toEqual(medTech);
  });

  it('refuses intervals MedTech stores but cannot run, and reads fractions MedTech refuses (seeded random)', () => {
    const differing = PERIOD_CASES.filter((raw) => medTechPeriodInterval(raw) !== ourPeriodRule(raw));
    const kinds = { undefinedNumber: 0, fractionWeAccept: 0 };
    for (const raw of differing) {
      const medTech = medTechPeriodInterval(raw);
      const ours = ourReading(hr(`"periodInterval":${raw}`), period);
      expect(ours, raw).toEqual(ourPeriodRule(raw));
      if (medTech === REFUSED) {
        // MedTech refuses a JSON number with a fraction or exponent that we read as 0, 60, 1440 or -1.
        expect(raw, raw).toMatch(/[.eE]/);
        kinds.fractionWeAccept++;
      } else {
        // MedTech stores an undefined interval and throws when the template is used; contract §3.1: invalid.
        expect(DEFINED_PERIODS.includes(medTech), raw).toBe(false);
        kinds.undefinedNumber++;
      }
    }
    expect(kinds.undefinedNumber).toBeGreaterThan(20);
    expect(kinds.fractionWeAccept).toBeGreaterThan(5);
  });
});
