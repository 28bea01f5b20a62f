import { Ajv, type ErrorObject } from 'ajv';
import { isDotNetBlank } from '../dotNetWhiteSpace.js';
import { MedTechError } from '../errors.js';
import schema from '../../../schemas/fhirmapping.schema.json' with { type: 'json' };
import {
  type LocatedJson,
  type TextPosition,
  numberLiteralAt,
  toPathSegments,
  toPointer,
  itemOriginsOf,
  itemPath,
  movesItems,
  writtenAt,
  type ItemOrigin,
  type WrittenAt,
} from '../mapping/locate.js';
import {
  isLeadingReferenceId,
  REFERENCE_ID_IGNORED_REASON,
  templateKeyAsMedTech,
  templateSpellingIgnoredReason,
  unwrapValuesList,
  VALUES_WRAPPER_REASON,
} from '../mapping/medTechConversions.js';
import { NON_STRICT_JSON_WARNING, parseMappingJson } from '../mapping/parseMappingJson.js';
import { BLANK_PATTERN_MESSAGE, type MappingProblem, type ParseResult } from '../mapping/problems.js';
import { toSyntaxProblems } from '../mapping/toSyntaxProblems.js';
import type { CodeValueFhirTemplate, FhirMapping, FhirValueTemplate, MappingCoding } from './contract.js';
import { convertBodyAsMedTech, type ConversionContext } from './fhirMappingConversions.js';
import { MS_PER_DAY, MS_PER_HOUR } from './instants.js';
import { foldsValues } from './planObservationGroups.js';
import { MAX_SAMPLED_DATA_SLOTS } from './sampledData.js';
import { isRecord } from '../isRecord.js';
import { type FhirTemplateMember, noteFhirTemplateWrittenAt } from './templateLocations.js';

/**
 * Parses and validates a FHIR destination mapping (`fhirmapping.json`, reference-behaviour §3.1) against the
 * published schema `schemas/fhirmapping.schema.json`, then checks what a schema cannot say (blank and duplicate
 * `typeName`s, case-insensitively). Property names, `templateType` (with or without the `Template` suffix) and
 * `valueType` are matched case-insensitively, as MedTech's Newtonsoft-based loader does. Every problem is
 * collected with its template index, JSON pointer, line and column.
 * @param text - the mapping file content
 * @returns the validated mapping and its warnings, or every problem found
 */
export function parseFhirMapping(text: string): ParseResult<FhirMapping> {
  // As for device mappings: a byte-order mark is dropped, and comments and trailing commas (which MedTech's
  // Newtonsoft-based reader accepts) are read with a warning.
  const parsed = parseMappingJson(text);
  if (!parsed.ok) {
    return { ok: false, problems: toSyntaxProblems(parsed.problems) };
  }
  const doc = parsed.doc;
  const problems = new ProblemList(doc);
  if (parsed.nonStrictAt !== undefined) {
    problems.atPosition('warning', NON_STRICT_JSON_WARNING, parsed.nonStrictAt);
  }
  const canonical = canonicalize(doc.value, problems);
  // Values MedTech reads although the schema does not allow them (a number for a code, "60" for periodInterval,
  // null for an optional member…) are converted as MedTech converts them, with a warning each.
  const context: ConversionContext = {
    warn: (message, pointer, field) => problems.add('warning', message, translatePointer(pointer, canonical), field),
    error: (message, pointer, field) => problems.add('error', message, translatePointer(pointer, canonical), field),
    numberText: (pointer) => numberLiteralAt(doc, translatePointer(pointer, canonical)),
  };
  for (const { body, index } of templateBodies(canonical.value)) {
    convertBodyAsMedTech(body, toPointer(['template', index, 'template']), context);
  }

  const validate = getValidator();
  if (!validate(canonical.value)) {
    for (const error of validate.errors ?? []) {
      toSchemaProblem(error, canonical, problems);
    }
  }
  const templates = checkTemplates(canonical.value, canonical, problems);

  const sorted = problems.sorted();
  if (sorted.some((p) => p.severity === 'error')) {
    return { ok: false, problems: sorted };
  }
  const map = new Map<string, CodeValueFhirTemplate>();
  for (const template of templates) {
    map.set(template.typeName.toLowerCase(), template);
  }
  return { ok: true, value: { templates: map }, warnings: sorted };
}

/**
 * Finds the template for a measurement type, case-insensitively (as MedTech's lookup does).
 * @param mapping - a parsed FHIR mapping
 * @param typeName - the measurement type
 * @returns the template, or `undefined` (the caller raises TemplateNotFound)
 */
export function findFhirTemplate(mapping: FhirMapping, typeName: string): CodeValueFhirTemplate | undefined {
  return mapping.templates.get(typeName.toLowerCase());
}

/**
 * The template for a measurement type ({@link findFhirTemplate}), as the flush and `medtech debug` need one.
 * @param mapping - a parsed FHIR mapping
 * @param typeName - the measurement type
 * @throws MedTechError TemplateNotFound (non-blocking) naming the type, which is the device mapping's own constant,
 *   never message data
 */
export function requireFhirTemplate(mapping: FhirMapping, typeName: string): CodeValueFhirTemplate {
  const template = findFhirTemplate(mapping, typeName);
  if (template === undefined) {
    throw new MedTechError('TemplateNotFound', 'FHIRConversion', `No FHIR template has typeName '${typeName}'.`, {
      location: { field: 'typeName' },
    });
  }
  return template;
}

// ---------------------------------------------------------------------------------------------------------------
// Problems

class ProblemList {
  private readonly items: MappingProblem[] = [];

  constructor(private readonly doc: LocatedJson) {}

  atPosition(severity: MappingProblem['severity'], message: string, position: TextPosition): void {
    this.items.push({ severity, name: 'InvalidTemplate', message, location: { ...position } });
  }

  add(severity: MappingProblem['severity'], message: string, pointer: string, field?: string): void {
    const location: MappingProblem['location'] = writtenAt(this.doc, pointer);
    // Any case of the root key: MedTech reads `Template` as `template` (a warning says so).
    const templateIndex = /^\/template\/(\d+)(?:\/|$)/i.exec(pointer)?.[1];
    if (templateIndex !== undefined) {
      location.templateIndex = Number(templateIndex);
    }
    if (field !== undefined) {
      location.field = field;
    }
    this.items.push({ severity, name: 'InvalidTemplate', message, location });
  }

  /** Where the node at `pointer` (as the file spells it) is written: pointer, line, column. */
  writtenAt(pointer: string): WrittenAt {
    return writtenAt(this.doc, pointer);
  }

  hasErrorIn(templateIndex: number): boolean {
    return this.items.some((p) => p.severity === 'error' && p.location.templateIndex === templateIndex);
  }

  sorted(): MappingProblem[] {
    return this.items
      .map((p, i) => ({ p, i }))
      .sort(
        (a, b) =>
          (a.p.location.line ?? 0) - (b.p.location.line ?? 0) ||
          (a.p.location.column ?? 0) - (b.p.location.column ?? 0) ||
          a.i - b.i,
      )
      .map(({ p }) => p);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Case-insensitive names: rewrite known property names, templateType and valueType to their canonical spelling,
// remembering the original keys so that problems point at the text the user wrote.

interface ObjectShape {
  keys: readonly string[];
  fields?: Readonly<Record<string, Shape>>;
  enums?: Readonly<Record<string, readonly string[]>>;
  /** Unknown properties are ignored (with a warning) rather than left for the schema to reject. */
  ignoreUnknown?: boolean;
  /** Properties ignored without a warning (the root's `$schema`, which editors read). */
  ignoreSilently?: readonly string[];
  /** The shape of `template` depends on `templateType` having been recognised. */
  templateWhenTypeIn?: readonly string[];
  /**
   * Keys MedTech reads by exact spellings, in order, rather than as the last case-insensitive repeat: when one of these
   * spellings is written, it is the one used and other spellings of the key are ignored.
   */
  readFrom?: Readonly<Record<string, readonly string[]>>;
}
type Shape = { object: ObjectShape } | { arrayOf: Shape };

const VALUE_TYPES = ['SampledData', 'Quantity', 'String', 'CodeableConcept'] as const;
type ValueType = (typeof VALUE_TYPES)[number];

const CODING: Shape = { object: { keys: ['code', 'system', 'display'] } };
const CATEGORY: Shape = { object: { keys: ['text', 'codes'], fields: { codes: { arrayOf: CODING } } } };
const VALUE: Shape = {
  object: {
    keys: ['valueType', 'valueName', 'defaultPeriod', 'unit', 'system', 'code', 'text', 'codes'],
    fields: { codes: { arrayOf: CODING } },
    enums: { valueType: VALUE_TYPES },
    // MedTech picks the value's class from `ValueType`, else `valueType` (exact spellings; any other spelling alone is
    // refused there, taken here with a warning), before the last case-insensitive repeat fills the property.
    readFrom: { valueType: ['ValueType', 'valueType'] },
  },
};
const COMPONENT: Shape = { object: { keys: ['codes', 'value'], fields: { codes: { arrayOf: CODING }, value: VALUE } } };
const CODE_VALUE_FHIR: Shape = {
  object: {
    keys: ['typeName', 'periodInterval', 'category', 'codes', 'value', 'components'],
    fields: {
      category: { arrayOf: CATEGORY },
      codes: { arrayOf: CODING },
      value: VALUE,
      components: { arrayOf: COMPONENT },
    },
  },
};
const CODE_VALUE_FHIR_TYPES = ['CodeValueFhir', 'CodeValueFhirTemplate'];
const CONTAINER: Shape = {
  object: {
    keys: ['templateType', 'template'],
    fields: { template: CODE_VALUE_FHIR },
    enums: { templateType: CODE_VALUE_FHIR_TYPES },
    ignoreUnknown: true,
    templateWhenTypeIn: CODE_VALUE_FHIR_TYPES,
  },
};
const ROOT: Shape = {
  object: {
    keys: ['templateType', 'template'],
    fields: { template: { arrayOf: CONTAINER } },
    enums: { templateType: ['CollectionFhir', 'CollectionFhirTemplate'] },
    ignoreUnknown: true,
    ignoreSilently: ['$schema'],
  },
};

/** Where the canonical form's members and items are written in the file. */
interface PointerOrigins {
  /** Canonical pointer of an object → (canonical key → original key), for keys whose spelling changed. */
  renames: Map<string, Map<string, string>>;
  /**
   * Canonical pointer of a list written under several spellings (`codes` then `Codes`) or as `{"$values": [...]}` →
   * where each of its items is written.
   */
  itemOrigins: Map<string, readonly ItemOrigin[]>;
}

interface Canonical extends PointerOrigins {
  value: unknown;
}

function canonicalize(value: unknown, problems: ProblemList): Canonical {
  const origins: PointerOrigins = { renames: new Map(), itemOrigins: new Map() };
  const { renames } = origins;
  const toOriginal = (pointer: string): string => translatePointer(pointer, origins);

  const walk = (node: unknown, shape: Shape | undefined, segments: (string | number)[]): unknown => {
    if (shape === undefined) {
      return node;
    }
    if ('arrayOf' in shape) {
      return Array.isArray(node) ? node.map((item, i) => walk(item, shape.arrayOf, [...segments, i])) : node;
    }
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return node;
    }
    const spec = shape.object;
    const pointer = toPointer(segments);
    const out: Record<string, unknown> = {};
    const seen = new Map<string, string>(); // lower-cased canonical key → original key as written
    const listItems = new Map<string, ItemOrigin[]>(); // canonical key of a list → where its items are written
    const templateKey = spec.keys.includes('template') ? templateKeyAsMedTech(Object.keys(node)) : undefined;
    // The collection's own nodes are read by MedTech's container code, not filled by Newtonsoft: no metadata there.
    const filled = spec.ignoreUnknown !== true;
    let first = true;
    for (const [key, written] of Object.entries(node as Record<string, unknown>)) {
      const canonicalKey = spec.keys.find((k) => k.toLowerCase() === key.toLowerCase()) ?? key;
      const lower = canonicalKey.toLowerCase();
      const at = toOriginal(pointer) + toPointer([key]);
      if (filled && isLeadingReferenceId(key, written, first)) {
        problems.add('warning', `Property '${key}' is ignored: ${REFERENCE_ID_IGNORED_REASON}`, at);
        continue;
      }
      first = false;
      const unwrapped = filled && isListField(spec, canonicalKey) ? unwrapValuesList(written) : undefined;
      if (unwrapped !== undefined) {
        problems.add(
          'warning',
          `Property '${key}' is an object of $values: ${VALUES_WRAPPER_REASON}`,
          at,
          canonicalKey,
        );
      }
      const child = unwrapped ?? written;
      if (canonicalKey === 'template' && templateKey !== undefined && key !== templateKey) {
        problems.add('warning', `Property '${key}' is ignored: ${templateSpellingIgnoredReason(templateKey)}`, at);
        continue;
      }
      // Own properties only: a key such as "constructor" must not find Object's.
      const readFrom =
        spec.readFrom !== undefined && Object.hasOwn(spec.readFrom, canonicalKey)
          ? spec.readFrom[canonicalKey]
          : undefined;
      const read = readFrom?.find((spelling) => Object.hasOwn(node, spelling));
      if (readFrom !== undefined && read !== undefined && key !== read) {
        const order = readFrom.map((spelling) => `'${spelling}'`).join(', else ');
        problems.add('warning', `Property '${key}' is ignored: '${read}' is used (MedTech reads ${order})`, at);
        continue;
      }
      const earlier = seen.get(lower);
      // Newtonsoft.Json sets the property once per spelling, so the last one wins; but into a list it has already
      // made it adds the items (an exact repeat of a name never gets here: the reader keeps the last).
      const previous = earlier === undefined ? undefined : out[canonicalKey];
      const appended = Array.isArray(previous) && Array.isArray(child) && isListField(spec, canonicalKey);
      if (earlier !== undefined) {
        problems.add(
          'warning',
          appended
            ? `Property '${key}' repeats '${earlier}' (names are case-insensitive); its items are added to the list, as MedTech adds them`
            : `Property '${key}' repeats '${earlier}' (names are case-insensitive); the last one is used`,
          at,
          canonicalKey,
        );
      }
      if (Array.isArray(child)) {
        const items = itemOriginsOf(key, child, unwrapped !== undefined);
        listItems.set(canonicalKey, appended ? [...(listItems.get(canonicalKey) ?? []), ...items] : items);
      }
      seen.set(lower, key);
      if (canonicalKey !== key) {
        problems.add(
          'warning',
          `Property '${key}' is matched case-insensitively to '${canonicalKey}'; spell it '${canonicalKey}'`,
          at,
          canonicalKey,
        );
      }
      let map = renames.get(pointer);
      if (canonicalKey !== key || map?.has(canonicalKey) === true) {
        if (map === undefined) {
          map = new Map();
          renames.set(pointer, map);
        }
        map.set(canonicalKey, key);
      }
      if (
        spec.ignoreUnknown === true &&
        !spec.keys.includes(canonicalKey) &&
        spec.ignoreSilently?.includes(key) !== true
      ) {
        problems.add('warning', `Unknown property '${key}' is ignored`, at);
      }
      // defineProperty: a key such as "__proto__" stays a plain (unknown, so rejected) property.
      Object.defineProperty(out, canonicalKey, {
        value: appended ? [...(previous as unknown[]), ...(child as unknown[])] : child,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    for (const [key, items] of listItems) {
      if (movesItems(items)) {
        origins.itemOrigins.set(pointer + toPointer([key]), items);
      }
    }
    for (const [key, allowed] of Object.entries(spec.enums ?? {})) {
      const current = out[key];
      if (typeof current === 'string') {
        out[key] = allowed.find((a) => a.toLowerCase() === current.toLowerCase()) ?? current;
      }
    }
    for (const [key, childShape] of Object.entries(spec.fields ?? {})) {
      if (!(key in out)) {
        continue;
      }
      if (key === 'template' && spec.templateWhenTypeIn !== undefined) {
        const type = out.templateType;
        if (typeof type !== 'string' || !spec.templateWhenTypeIn.includes(type)) {
          continue;
        }
      }
      out[key] = walk(out[key], childShape, [...segments, key]);
    }
    return out;
  };

  return { value: walk(value, ROOT, []), ...origins };
}

/** Whether the shape gives `key` a list of items (`codes`, `category`, `components`). */
function isListField(spec: ObjectShape, key: string): boolean {
  const field = spec.fields !== undefined && Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
  return field !== undefined && 'arrayOf' in field;
}

/** The pointer as the file spells it: each renamed key as written, each item of a joined list where it is written. */
function translatePointer(pointer: string, origins: PointerOrigins): string {
  const segments = toPathSegments(pointer);
  const original: (string | number)[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string | number;
    const prefix = toPointer(segments.slice(0, i));
    const item = typeof segment === 'number' ? origins.itemOrigins.get(prefix)?.[segment] : undefined;
    if (item !== undefined) {
      original.pop();
      original.push(...itemPath(item));
      continue;
    }
    original.push(origins.renames.get(prefix)?.get(String(segment)) ?? segment);
  }
  return toPointer(original);
}

// ---------------------------------------------------------------------------------------------------------------
// Schema validation

type Validator = ReturnType<Ajv['compile']>;
let validator: Validator | undefined;

function getValidator(): Validator {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, verbose: true });
    // An editor-only annotation (VS Code's JSON language service reads it).
    ajv.addVocabulary(['patternErrorMessage']);
    validator = ajv.compile(schema);
  }
  return validator;
}

function toSchemaProblem(error: ErrorObject, canonical: Canonical, problems: ProblemList): void {
  const pointer = translatePointer(error.instancePath, canonical);
  const label = toLabel(pointer) || 'The mapping';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      return; // the failing 'then' branch reports the actual problem
    case 'required': {
      const missing = String(params.missingProperty);
      problems.add('error', `${label} is missing required property '${missing}'`, pointer, missing);
      return;
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      problems.add(
        'error',
        `Unknown property '${extra}' in ${label === 'The mapping' ? 'the mapping' : label}`,
        pointer + toPointer([extra]),
        extra,
      );
      return;
    }
    case 'type':
      problems.add('error', `${label} must be ${withArticle(String(params.type))}`, pointer, lastName(pointer));
      return;
    case 'enum':
    case 'const': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [params.allowedValue];
      problems.add(
        'error',
        `${label} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}${found(error.data)}`,
        pointer,
        lastName(pointer),
      );
      return;
    }
    case 'minLength':
      problems.add('error', `${label} must not be empty`, pointer, lastName(pointer));
      return;
    case 'pattern':
      if (isRecord(error.parentSchema) && error.parentSchema.patternErrorMessage === BLANK_PATTERN_MESSAGE) {
        return; // for editors: checkTemplates says it, and only for a name that is not empty as well
      }
      problems.add('error', `${label} ${error.message ?? 'is invalid'}`, pointer, lastName(pointer));
      return;
    case 'exclusiveMinimum':
      problems.add('error', `${label} must be greater than ${String(params.limit)}`, pointer, lastName(pointer));
      return;
    default:
      problems.add('error', `${label} ${error.message ?? 'is invalid'}`, pointer, lastName(pointer));
  }
}

function toLabel(pointer: string): string {
  const segments = toPathSegments(pointer);
  if (segments.length === 0) {
    return '';
  }
  // e.g. "codes[1]" or "value.valueType" or "templateType"
  const last = segments[segments.length - 1];
  const before = segments[segments.length - 2];
  if (typeof last === 'number') {
    return `${before === undefined ? '' : String(before)}[${last}]`;
  }
  if (typeof before === 'number') {
    // An item of a list: "components[0].value" (a template of the root list is named by its index elsewhere).
    const list = segments[segments.length - 3];
    return typeof list === 'string' && list.toLowerCase() !== 'template' ? `${list}[${before}].${last!}` : last!;
  }
  return before === undefined || before === 'template' ? last! : `${before}.${last}`;
}

function lastName(pointer: string): string | undefined {
  const last = toPathSegments(pointer).at(-1);
  return typeof last === 'string' ? last : undefined;
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function found(data: unknown): string {
  return typeof data === 'string' || typeof data === 'number' ? ` (found ${JSON.stringify(data)})` : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Checks beyond the schema, and conversion into typed templates

/** The CodeValueFhir template bodies of a canonical mapping, with their index in the collection. */
function templateBodies(root: unknown): { body: Record<string, unknown>; index: number }[] {
  const items: unknown[] = isRecord(root) && Array.isArray(root.template) ? root.template : [];
  const bodies: { body: Record<string, unknown>; index: number }[] = [];
  items.forEach((item, index) => {
    if (isRecord(item) && CODE_VALUE_FHIR_TYPES.includes(item.templateType as string) && isRecord(item.template)) {
      bodies.push({ body: item.template, index });
    }
  });
  return bodies;
}

function checkTemplates(root: unknown, canonical: Canonical, problems: ProblemList): CodeValueFhirTemplate[] {
  const firstByName = new Map<string, number>();
  const templates: CodeValueFhirTemplate[] = [];
  for (const { body, index } of templateBodies(root)) {
    const at = (...segments: (string | number)[]): string =>
      translatePointer(toPointer(['template', index, 'template', ...segments]), canonical);
    const typeName = body.typeName;
    if (typeof typeName === 'string') {
      if (typeName !== '' && typeName.trim() === '') {
        problems.add('error', 'typeName must not be blank', at('typeName'), 'typeName');
      } else if (typeName !== '') {
        const lower = typeName.toLowerCase();
        const first = firstByName.get(lower);
        if (first !== undefined) {
          problems.add(
            'error',
            `Duplicate typeName '${typeName}' (also in template ${first}; type names are matched case-insensitively)`,
            at('typeName'),
            'typeName',
          );
        } else {
          firstByName.set(lower, index);
        }
      }
    }
    const template = toTemplate(body);
    if (template === undefined) {
      continue;
    }
    templates.push(template);
    noteWhereWritten(template, body, index, at, problems);
    // Warnings about a template that is invalid anyway would only add noise.
    if (!problems.hasErrorIn(index)) {
      addWarnings(template, at, problems);
    }
  }
  return templates;
}

/** Records where a valid template and its values are written, for the transform's errors (templateLocations.ts). */
function noteWhereWritten(
  template: CodeValueFhirTemplate,
  body: Record<string, unknown>,
  templateIndex: number,
  at: (...segments: (string | number)[]) => string,
  problems: ProblemList,
): void {
  const note = (
    node: CodeValueFhirTemplate | FhirValueTemplate,
    object: unknown,
    segments: (string | number)[],
    memberNames: readonly FhirTemplateMember[],
  ): void => {
    const members: Partial<Record<FhirTemplateMember, WrittenAt>> = {};
    for (const name of memberNames) {
      if (isRecord(object) && object[name] !== undefined) {
        members[name] = problems.writtenAt(at(...segments, name));
      }
    }
    noteFhirTemplateWrittenAt(node, { templateIndex, at: problems.writtenAt(at(...segments)), members });
  };
  note(template, body, [], ['periodInterval', 'components']);
  if (template.value !== undefined) {
    note(template.value, body.value, ['value'], ['defaultPeriod']);
  }
  const components: unknown[] = Array.isArray(body.components) ? body.components : [];
  template.components.forEach((component, i) => {
    const written = components[i];
    note(component.value, isRecord(written) ? written.value : undefined, ['components', i, 'value'], ['defaultPeriod']);
  });
}

function addWarnings(
  template: CodeValueFhirTemplate,
  at: (...segments: (string | number)[]) => string,
  problems: ProblemList,
): void {
  if (template.value === undefined && template.components.length === 0) {
    problems.add('warning', `Template '${template.typeName}' has neither value nor components`, at(), 'value');
  }
  if (template.periodInterval !== 0 && !foldsValues(template)) {
    problems.add(
      'warning',
      `periodInterval ${template.periodInterval} has no effect without a SampledData value: one Observation is written per timestamp`,
      at('periodInterval'),
      'periodInterval',
    );
  }
  const allValues = [
    { value: template.value, pointer: at('value') },
    ...template.components.map((c, i) => ({ value: c.value, pointer: at('components', i, 'value') })),
  ];
  for (const { value, pointer } of allValues) {
    if (value === undefined) {
      continue;
    }
    // MedTech sets the main value only for a valueName that is not blank; a component's by any name.
    if (value.valueName === '' || (value === template.value && isDotNetBlank(value.valueName))) {
      problems.add('warning', 'A value without valueName is never set', pointer, 'valueName');
    }
    if (value.valueType === 'SampledData') {
      const span =
        template.periodInterval === 60 ? MS_PER_HOUR : template.periodInterval === 1440 ? MS_PER_DAY : undefined;
      if (span !== undefined && span / value.defaultPeriod > MAX_SAMPLED_DATA_SLOTS) {
        problems.add(
          'warning',
          `defaultPeriod ${value.defaultPeriod} ms makes more than ${MAX_SAMPLED_DATA_SLOTS} SampledData slots per Observation; such data is dead-lettered`,
          `${pointer}/defaultPeriod`,
          'defaultPeriod',
        );
      }
    }
  }
}

function toTemplate(body: Record<string, unknown>): CodeValueFhirTemplate | undefined {
  if (typeof body.typeName !== 'string' || !Array.isArray(body.codes)) {
    return undefined;
  }
  const periodInterval = body.periodInterval ?? 0;
  if (periodInterval !== 0 && periodInterval !== 60 && periodInterval !== 1440 && periodInterval !== -1) {
    return undefined;
  }
  const codes = toCodings(body.codes);
  const category = Array.isArray(body.category)
    ? body.category.filter(isRecord).map((c) => {
        const concept: { text?: string; codes: MappingCoding[] } = { codes: toCodings(c.codes) };
        if (typeof c.text === 'string') {
          concept.text = c.text;
        }
        return concept;
      })
    : [];
  const template: CodeValueFhirTemplate = { typeName: body.typeName, periodInterval, category, codes, components: [] };
  if (body.value !== undefined) {
    const value = toValue(body.value);
    if (value === undefined) {
      return undefined;
    }
    template.value = value;
  }
  if (Array.isArray(body.components)) {
    for (const component of body.components) {
      const value = isRecord(component) ? toValue(component.value) : undefined;
      if (!isRecord(component) || value === undefined) {
        return undefined;
      }
      template.components.push({ codes: toCodings(component.codes), value });
    }
  }
  return template;
}

function toValue(raw: unknown): FhirValueTemplate | undefined {
  if (!isRecord(raw) || !VALUE_TYPES.includes(raw.valueType as ValueType)) {
    return undefined;
  }
  const valueType = raw.valueType as ValueType;
  const valueName = typeof raw.valueName === 'string' ? raw.valueName : '';
  const unit = typeof raw.unit === 'string' ? raw.unit : undefined;
  switch (valueType) {
    case 'SampledData': {
      if (typeof raw.defaultPeriod !== 'number' || !(raw.defaultPeriod > 0)) {
        return undefined;
      }
      const value: FhirValueTemplate = { valueType, valueName, defaultPeriod: raw.defaultPeriod };
      if (unit !== undefined) {
        value.unit = unit;
      }
      return value;
    }
    case 'Quantity': {
      const value: FhirValueTemplate = { valueType, valueName };
      if (unit !== undefined) {
        value.unit = unit;
      }
      if (typeof raw.system === 'string') {
        value.system = raw.system;
      }
      if (typeof raw.code === 'string') {
        value.code = raw.code;
      }
      return value;
    }
    case 'String':
      return { valueType, valueName };
    case 'CodeableConcept': {
      const value: FhirValueTemplate = { valueType, valueName, codes: toCodings(raw.codes) };
      if (typeof raw.text === 'string') {
        value.text = raw.text;
      }
      return value;
    }
  }
}

function toCodings(raw: unknown): MappingCoding[] {
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.filter(isRecord).map((c) => {
    const coding: MappingCoding = {};
    if (typeof c.code === 'string') {
      coding.code = c.code;
    }
    if (typeof c.system === 'string') {
      coding.system = c.system;
    }
    if (typeof c.display === 'string') {
      coding.display = c.display;
    }
    return coding;
  });
}
