import type { ErrorLocation, ErrorName } from '../errors.js';
import { isDotNetBlank, trimDotNet } from '../dotNetWhiteSpace.js';
import { compileJmesPath } from '../expressions/jmesPath.js';
import { compileJsonPath } from '../expressions/jsonPath.js';
import type { CompiledExpression, ExpressionLanguage } from '../expressions/types.js';
import {
  canonicalizeDeviceMapping,
  type CanonicalDeviceMapping,
  type PathSegments,
} from './canonicalizeDeviceMapping.js';
import type {
  ContentTemplate,
  ContentTemplateKind,
  DeviceMapping,
  ExpressionField,
  ValueTemplate,
  WrittenAt,
} from './deviceMapping.js';
import { validateDeviceMappingSchema } from './deviceMappingSchema.js';
import { locatePointer, numberLiteralAt, toPointer, writtenAt, type LocatedJson, type TextPosition } from './locate.js';
import { NON_STRICT_JSON_WARNING, parseMappingJson } from './parseMappingJson.js';
import type { MappingProblem, ParseResult } from './problems.js';
import { toContentTemplateKind } from './templateType.js';
import { toSyntaxProblems } from './toSyntaxProblems.js';
import { typeMatchReachOf, unreachableStartOf, type TypeMatchReach } from './expressionReach.js';
import { isRecord } from '../isRecord.js';

/** Fixed expressions of the IoT kinds (reference-behaviour §1.5, §1.6); user-supplied ones are ignored. */
const fixedExpressions = {
  IotJsonPathContent: {
    deviceId: '$.SystemProperties.iothub-connection-device-id',
    timestamp: ['$.Properties.iothub-creation-time-utc', '$.SystemProperties.iothub-enqueuedtime'],
  },
  IotCentralJsonPathContent: { deviceId: '$.deviceId', timestamp: ['$.enqueuedTime'] },
} as const;

const optionalIdFields = ['patientIdExpression', 'encounterIdExpression', 'correlationIdExpression'] as const;

/**
 * Parses and validates a device mapping (`devicecontent.json`) and compiles every expression in it.
 * Every problem is collected — JSON syntax, schema violations, expressions that do not compile — each with its
 * template index, JSON pointer and line/column, before the mapping is rejected (reference-behaviour §1.1–§1.6).
 * @param text - the mapping file's content
 * @returns the compiled mapping and its warnings, or every problem found (errors and warnings, in file order)
 */
export function parseDeviceMapping(text: string): ParseResult<DeviceMapping> {
  const parsed = parseMappingJson(text);
  if (!parsed.ok) {
    return { ok: false, problems: toSyntaxProblems(parsed.problems) };
  }

  const doc = parsed.doc;
  const canonical = canonicalizeDeviceMapping(doc.value, (original) => numberLiteralAt(doc, toPointer(original)));
  const problems = new ProblemList(parsed.doc, canonical);

  if (parsed.nonStrictAt !== undefined) {
    problems.atPosition('warning', 'InvalidTemplate', NON_STRICT_JSON_WARNING, parsed.nonStrictAt);
  }
  for (const note of canonical.notes) {
    const segments = [...canonical.toOriginalSegments(note.parent), note.property];
    switch (note.kind) {
      case 'renamed':
        problems.warning(
          'InvalidTemplate',
          `property '${note.property}' is matched case-insensitively to '${note.to}'; spell it '${note.to}'`,
          segments,
          { field: note.to },
          true,
        );
        break;
      case 'ignored':
        problems.warning(
          'InvalidTemplate',
          note.reason === undefined
            ? `unknown property '${note.property}' is ignored`
            : `property '${note.property}' is ignored: ${note.reason}`,
          segments,
          { field: note.property },
          true,
        );
        break;
      case 'converted':
        problems.warning('InvalidTemplate', note.message, segments, { field: note.field }, true);
        break;
    }
  }

  for (const violation of validateDeviceMappingSchema(canonical.value)) {
    const extra = violation.field === undefined ? {} : { field: violation.field };
    problems.error('InvalidTemplate', violation.message, violation.segments, extra);
  }

  const templates: ContentTemplate[] = [];
  const unbuilt: number[] = [];
  const root = canonical.value;
  if (isRecord(root) && Array.isArray(root.template)) {
    if (root.template.length === 0) {
      problems.warning(
        'InvalidTemplate',
        'the collection has no content templates: no message will produce a measurement',
        ['template'],
      );
    }
    root.template.forEach((node: unknown, index) => {
      if (!isRecord(node) || typeof node.templateType !== 'string' || !isRecord(node.template)) {
        return;
      }
      const kind = toContentTemplateKind(node.templateType);
      if (
        (kind === 'CalculatedContent' || kind === 'IotCentralJsonPathContent') &&
        /template$/i.test(node.templateType)
      ) {
        // The reference contract allows the suffix on every type; MedTech's factories for these two do not.
        problems.warning(
          'InvalidTemplate',
          `MedTech does not know the template type '${node.templateType}' (it takes '${kind}' only); it is read as ` +
            `${kind} here; write '${kind}'`,
          ['template', index, 'templateType'],
          { field: 'templateType' },
        );
      }
      if (kind !== undefined) {
        const built = new TemplateBuilder(kind, index, node.template, problems).build();
        if (built === undefined) {
          unbuilt.push(index);
        } else {
          templates.push(built);
        }
      }
    });
  }

  if (unbuilt.length > 0 && !problems.hasErrors()) {
    // Every reason not to build a template is reported above; never let a silent gap pass as a valid mapping.
    for (const index of unbuilt) {
      problems.error('InvalidTemplate', 'the content template could not be built', ['template', index]);
    }
  }

  const all = problems.sorted();
  if (all.some((p) => p.severity === 'error')) {
    return { ok: false, problems: all };
  }
  return { ok: true, value: { templates }, warnings: all };
}

/** Collects problems, translating canonical paths to the original document's pointers and line/column. */
class ProblemList {
  private readonly items: MappingProblem[] = [];

  constructor(
    private readonly doc: LocatedJson,
    private readonly canonical: CanonicalDeviceMapping,
  ) {}

  error(name: ErrorName, message: string, segments: PathSegments, extra: Partial<ErrorLocation> = {}): void {
    this.add('error', name, message, segments, extra, false);
  }

  warning(
    name: ErrorName,
    message: string,
    segments: PathSegments,
    extra: Partial<ErrorLocation> = {},
    original = false,
  ): void {
    this.add('warning', name, message, segments, extra, original);
  }

  atPosition(severity: MappingProblem['severity'], name: ErrorName, message: string, position: TextPosition): void {
    this.items.push({ severity, name, message, location: { line: position.line, column: position.column } });
  }

  hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }

  /** Where the node at canonical `segments` is written in the file: pointer as the file spells it, line, column. */
  writtenAt(segments: PathSegments): WrittenAt {
    return writtenAt(this.doc, toPointer(this.canonical.toOriginalSegments(segments)));
  }

  sorted(): MappingProblem[] {
    const line = (p: MappingProblem): number => p.location.line ?? 0;
    const column = (p: MappingProblem): number => p.location.column ?? 0;
    return [...this.items].sort((a, b) => line(a) - line(b) || column(a) - column(b));
  }

  private add(
    severity: MappingProblem['severity'],
    name: ErrorName,
    message: string,
    segments: PathSegments,
    extra: Partial<ErrorLocation>,
    alreadyOriginal: boolean,
  ): void {
    const original = alreadyOriginal ? segments : this.canonical.toOriginalSegments(segments);
    const pointer = toPointer(original);
    const location: ErrorLocation = {};
    // The collection's `template` key may be spelled in any case (it is matched case-insensitively).
    if (String(original[0]).toLowerCase() === 'template' && typeof original[1] === 'number') {
      location.templateIndex = original[1];
    }
    location.pointer = pointer;
    Object.assign(location, locatePointer(this.doc, pointer), extra);
    this.items.push({ severity, name, message, location });
  }
}

/** An expression found in a template, before compilation. */
interface ExpressionSource {
  text: string;
  language: ExpressionLanguage;
  /** Path of the expression text (the string itself, or an expression object's `value`). */
  segments: PathSegments;
  field: string;
}

/** Builds one content template from its (schema-checked or not) object, reporting what it cannot use. */
class TemplateBuilder {
  private readonly base: PathSegments;
  private failed = false;
  /** Where each compiled expression field is written. */
  private readonly writtenAt: Partial<Record<ExpressionField | 'template', WrittenAt>>;
  /** The template's JSONPath type match, once it compiled (the type match is read first). */
  private typeMatch: TypeMatchReach | undefined;

  constructor(
    private readonly kind: ContentTemplateKind,
    private readonly index: number,
    private readonly template: Record<string, unknown>,
    private readonly problems: ProblemList,
  ) {
    this.base = ['template', index, 'template'];
    this.writtenAt = { template: problems.writtenAt(this.base) };
  }

  build(): ContentTemplate | undefined {
    const typeName = this.template.typeName;
    if (typeof typeName === 'string' && isDotNetBlank(typeName)) {
      this.problems.warning('InvalidTemplate', "'typeName' is blank: no FHIR template can bind to it", [
        ...this.base,
        'typeName',
      ]);
    }
    switch (this.kind) {
      case 'CalculatedContent':
        return this.buildCalculated(typeName);
      case 'JsonPathContent':
        return this.buildJsonPath(typeName, undefined);
      case 'IotJsonPathContent':
      case 'IotCentralJsonPathContent':
        return this.buildJsonPath(typeName, fixedExpressions[this.kind]);
    }
  }

  private buildCalculated(typeName: unknown): ContentTemplate | undefined {
    if (this.template.values === undefined || this.template.values === null) {
      // The reference contract allows it (no values); MedTech's loader fails on it with a NullReferenceException.
      this.problems.warning(
        'InvalidTemplate',
        "the template has no 'values': MedTech cannot load a CalculatedContent template without them (its loader " +
          'fails); it is read as no values here; write "values": []',
        this.template.values === null ? [...this.base, 'values'] : this.base,
        { field: 'values' },
      );
    }
    const defaultLanguage = this.defaultLanguage();
    const read = (field: ExpressionField): CompiledExpression | undefined =>
      this.noteWhere(
        field,
        this.compile(
          this.readCalculatedExpression(this.template[field], field, [...this.base, field], defaultLanguage),
        ),
      );

    const typeMatch = read('typeMatchExpression');
    const deviceId = read('deviceIdExpression');
    const timestamp = read('timestampExpression');
    const optional = optionalIdFields.map((field) => read(field));
    const values = this.readValues((item, segments) =>
      this.readCalculatedExpression(item.valueExpression, 'valueExpression', segments, defaultLanguage),
    );
    return this.assemble(
      typeName,
      'envelopeWithMatch',
      typeMatch,
      deviceId,
      timestamp ? [timestamp] : [],
      optional,
      values,
    );
  }

  private buildJsonPath(
    typeName: unknown,
    fixed: { deviceId: string; timestamp: readonly string[] } | undefined,
  ): ContentTemplate | undefined {
    const read = (field: ExpressionField, required: boolean): CompiledExpression | undefined =>
      this.noteWhere(
        field,
        this.compile(this.readJsonPathExpression(this.template[field], field, [...this.base, field], required)),
      );

    const typeMatch = read('typeMatchExpression', true);
    let deviceId: CompiledExpression | undefined;
    let timestamp: CompiledExpression[];
    if (fixed === undefined) {
      deviceId = read('deviceIdExpression', true);
      const compiled = read('timestampExpression', true);
      timestamp = compiled ? [compiled] : [];
    } else {
      for (const field of ['deviceIdExpression', 'timestampExpression'] as const) {
        if (this.template[field] !== undefined) {
          const uses = field === 'deviceIdExpression' ? fixed.deviceId : fixed.timestamp.join(', then ');
          this.problems.warning(
            'InvalidTemplate',
            `'${field}' is ignored: ${this.kind} always uses ${uses}`,
            [...this.base, field],
            { field },
          );
        }
      }
      deviceId = this.compileFixed(fixed.deviceId);
      timestamp = fixed.timestamp.map((source) => this.compileFixed(source)).filter((e) => e !== undefined);
    }
    const optional = optionalIdFields.map((field) => read(field, false));
    const values = this.readValues((item, segments) => {
      // A blank expression of a value that is not required is one MedTech never evaluates: the value is never set.
      const required = toRequired(item.required) !== false;
      const source = this.readJsonPathExpression(item.valueExpression, 'valueExpression', segments, required);
      return source === undefined && !required && typeof item.valueExpression === 'string' ? NEVER_SET : source;
    });
    return this.assemble(typeName, 'matchedToken', typeMatch, deviceId, timestamp, optional, values);
  }

  private assemble(
    typeName: unknown,
    scope: ContentTemplate['scope'],
    typeMatch: CompiledExpression | undefined,
    deviceId: CompiledExpression | undefined,
    timestamp: CompiledExpression[],
    [patientId, encounterId, correlationId]: (CompiledExpression | undefined)[],
    values: ValueTemplate[],
  ): ContentTemplate | undefined {
    if (this.failed || typeof typeName !== 'string' || !typeMatch || !deviceId || timestamp.length === 0) {
      return undefined;
    }
    const template: ContentTemplate = {
      kind: this.kind,
      index: this.index,
      typeName,
      typeMatch,
      scope,
      deviceId,
      timestamp,
      values,
    };
    if (patientId) {
      template.patientId = patientId;
    }
    if (encounterId) {
      template.encounterId = encounterId;
    }
    if (correlationId) {
      template.correlationId = correlationId;
    }
    template.writtenAt = this.writtenAt;
    return template;
  }

  /** Records where a field's expression is written, once it compiled; returns the expression. */
  private noteWhere(field: ExpressionField, compiled: CompiledExpression | undefined): CompiledExpression | undefined {
    if (compiled !== undefined) {
      this.writtenAt[field] = this.problems.writtenAt([...this.base, field]);
    }
    return compiled;
  }

  private readValues(
    readExpression: (
      item: Record<string, unknown>,
      segments: PathSegments,
    ) => ExpressionSource | typeof NEVER_SET | undefined,
  ): ValueTemplate[] {
    const raw = this.template.values;
    if (!Array.isArray(raw)) {
      // Absent or null: no values. Anything else is a schema error already reported.
      return [];
    }
    const values: ValueTemplate[] = [];
    raw.forEach((item: unknown, index) => {
      if (!isRecord(item)) {
        this.failed = true;
        return;
      }
      const segments = [...this.base, 'values', index, 'valueExpression'];
      const source = readExpression(item, segments);
      if (typeof item.valueName === 'string' && isDotNetBlank(item.valueName)) {
        // MedTech checks the name before it evaluates the expression, so it fails every match of the template,
        // even where the value's expression is blank and never set; its normalization does not skip that error, but
        // retries the whole batch of events, then drops it (NormalizationEventConsumerService).
        this.problems.error(
          'InvalidTemplate',
          "'valueName' must not be blank (MedTech stops on every message such a template matches)",
          [...this.base, 'values', index, 'valueName'],
          { field: 'valueName' },
        );
        this.failed = true;
        return;
      }
      if (source === NEVER_SET) {
        return;
      }
      const expression = this.compile(source);
      const required = toRequired(item.required);
      if (typeof item.valueName !== 'string' || expression === undefined || required === undefined) {
        this.failed = true;
        return;
      }
      values.push({
        valueName: item.valueName,
        expression,
        required,
        fileIndex: index,
        writtenAt: this.problems.writtenAt(segments),
      });
    });
    return values;
  }

  /** The template's default language; `undefined` when it is invalid (reported by the schema). */
  private defaultLanguage(): ExpressionLanguage | undefined {
    const raw = this.template.defaultExpressionLanguage;
    return raw === undefined ? 'JsonPath' : toLanguage(raw);
  }

  private readCalculatedExpression(
    raw: unknown,
    field: string,
    segments: PathSegments,
    defaultLanguage: ExpressionLanguage | undefined,
  ): ExpressionSource | undefined {
    if (raw === undefined || raw === null) {
      return undefined;
    }
    let text: unknown = raw;
    let language: ExpressionLanguage | undefined = defaultLanguage;
    let textSegments = segments;
    if (isRecord(raw)) {
      text = raw.value;
      textSegments = [...segments, 'value'];
      if (raw.language !== undefined && raw.language !== null) {
        language = toLanguage(raw.language);
      }
    }
    if (typeof text !== 'string' || language === undefined) {
      // Wrong shape or language: the schema reported it; nothing to compile.
      this.failed = true;
      return undefined;
    }
    if (isDotNetBlank(text)) {
      this.problems.error('TemplateExpression', `'${field}' must not be blank`, textSegments, { field });
      this.failed = true;
      return undefined;
    }
    return { text, language, segments: textSegments, field };
  }

  private readJsonPathExpression(
    raw: unknown,
    field: string,
    segments: PathSegments,
    required: boolean,
  ): ExpressionSource | undefined {
    if (raw === undefined || raw === null) {
      return undefined;
    }
    if (typeof raw !== 'string') {
      this.failed = true;
      return undefined;
    }
    if (isDotNetBlank(raw)) {
      if (required) {
        this.problems.error('TemplateExpression', `'${field}' must not be blank`, segments, { field });
        this.failed = true;
      } else {
        // MedTech treats a blank optional JSONPath expression as absent.
        this.problems.warning('TemplateExpression', `'${field}' is blank and is ignored`, segments, { field });
      }
      return undefined;
    }
    return { text: raw, language: 'JsonPath', segments, field };
  }

  private compile(source: ExpressionSource | undefined): CompiledExpression | undefined {
    if (source === undefined) {
      return undefined;
    }
    try {
      const compiled = source.language === 'JmesPath' ? compileJmesPath(source.text) : compileJsonPath(source.text);
      if (source.field === 'typeMatchExpression' && source.language === 'JsonPath') {
        this.typeMatch = typeMatchReachOf(source.text);
      }
      const unreachable = unreachableStartOf(this.kind, source.field, source.language, source.text, this.typeMatch);
      if (unreachable !== undefined) {
        this.problems.warning('TemplateExpression', unreachable, source.segments, {
          field: source.field,
          expression: source.text,
        });
      }
      return compiled;
    } catch (error) {
      this.failed = true;
      const reason = error instanceof Error ? error.message : `not a valid ${source.language} expression`;
      this.problems.error('TemplateExpression', `${source.field}: ${reason}`, source.segments, {
        field: source.field,
        expression: source.text,
      });
      return undefined;
    }
  }

  private compileFixed(source: string): CompiledExpression | undefined {
    return this.compile({ text: source, language: 'JsonPath', segments: this.base, field: 'fixed expression' });
  }
}

/** What a value's expression reader gives for a value MedTech never sets (it is left out of the template). */
const NEVER_SET = Symbol('never set');

/**
 * `required` may be a boolean or, as Newtonsoft.Json converts to a boolean, the string `"true"`/`"false"` in any case
 * or a number (0 is false, any other number true).
 */
function toRequired(raw: unknown): boolean | undefined {
  if (raw === undefined) {
    return false;
  }
  if (typeof raw === 'boolean') {
    return raw;
  }
  if (typeof raw === 'number') {
    return raw !== 0;
  }
  if (typeof raw === 'string') {
    const word = trimDotNet(raw, true).toLowerCase();
    return word === 'true' ? true : word === 'false' ? false : undefined;
  }
  return undefined;
}

/** Language names are case-insensitive, as Newtonsoft.Json's enum converter reads them. */
function toLanguage(raw: unknown): ExpressionLanguage | undefined {
  if (typeof raw !== 'string') {
    return undefined;
  }
  switch (raw.toLowerCase()) {
    case 'jsonpath':
      return 'JsonPath';
    case 'jmespath':
      return 'JmesPath';
    default:
      return undefined;
  }
}
