import { Ajv, type ErrorObject } from 'ajv';
import schema from '../../../schemas/devicecontent.schema.json' with { type: 'json' };
import type { ContentTemplateKind } from './deviceMapping.js';
import { toPathSegments } from './locate.js';
import { isRecord } from '../isRecord.js';
import { BLANK_PATTERN_MESSAGE } from './problems.js';

/** One structural problem the published JSON Schema found, at a path of the (canonicalized) document. */
export interface SchemaViolation {
  /** Path of the offending node (for an unknown property: the property itself). */
  segments: (string | number)[];
  /** The property concerned, when there is one (the missing or unknown property, or the last path name). */
  field?: string;
  /** Readable text naming the property and what is wrong; of the document's values it quotes only a wrong templateType. */
  message: string;
}

/** Property names the schema allows on each kind of object of a device mapping, exactly as spelled there. */
export interface KnownProperties {
  root: readonly string[];
  node: readonly string[];
  content: Readonly<Record<ContentTemplateKind, readonly string[]>>;
  calculatedValue: readonly string[];
  jsonPathValue: readonly string[];
  expression: readonly string[];
}

/** Property names of every object kind in the published schema (the single source of the mapping's shape). */
export const knownProperties: KnownProperties = {
  root: Object.keys(schema.properties),
  node: Object.keys(schema.definitions.contentTemplateNode.properties),
  content: {
    CalculatedContent: Object.keys(schema.definitions.CalculatedContent.properties),
    JsonPathContent: Object.keys(schema.definitions.JsonPathContent.properties),
    IotJsonPathContent: Object.keys(schema.definitions.IotJsonPathContent.properties),
    IotCentralJsonPathContent: Object.keys(schema.definitions.IotCentralJsonPathContent.properties),
  },
  calculatedValue: Object.keys(schema.definitions.calculatedValue.properties),
  jsonPathValue: Object.keys(schema.definitions.jsonPathValues.items.properties),
  expression: Object.keys(schema.definitions.expression.properties),
};

// Compiled once at module load. Ajv generates code from OUR schema only; mapping documents are only data to it.
const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true });
// Editor-only annotations (VS Code's JSON language service reads them); we read the two message ones below.
ajv.addVocabulary(['errorMessage', 'patternErrorMessage', 'deprecationMessage']);
const validateDocument = ajv.compile(schema);

/**
 * Validates a device mapping document against the published schema and returns every violation found.
 * @param document - the parsed mapping, with property names already canonicalized
 */
export function validateDeviceMappingSchema(document: unknown): SchemaViolation[] {
  if (validateDocument(document)) {
    return [];
  }
  const violations: SchemaViolation[] = [];
  for (const error of validateDocument.errors ?? []) {
    const violation = toViolation(error);
    if (violation !== undefined) {
      violations.push(violation);
    }
  }
  return violations;
}

/**
 * Added to the error for a `defaultExpressionLanguage` where it does not belong (MedTech refuses it too; Microsoft's
 * documentation once showed one in an IotJsonPathContent template): only CalculatedContent templates take a language.
 */
const LANGUAGE_HINT =
  '; only CalculatedContent templates choose an expression language, the others read JSONPath alone: make the ' +
  'template a CalculatedContent one to use JMESPath';

function toViolation(error: ErrorObject): SchemaViolation | undefined {
  const segments = toPathSegments(error.instancePath);
  const parent = isRecord(error.parentSchema) ? error.parentSchema : {};
  const subject = describePath(segments);
  const lastName = lastPropertyName(segments);
  switch (error.keyword) {
    case 'if':
      // The `then` branch's own errors say what is wrong; "must match then schema" adds nothing.
      return undefined;
    case 'required': {
      const missing = String(error.params.missingProperty);
      return { segments, field: missing, message: `missing required property '${missing}'` };
    }
    case 'additionalProperties': {
      const extra = String(error.params.additionalProperty);
      const title: unknown = parent.title;
      const owner = typeof title === 'string' ? ` (not ${/^[AEIOU]/.test(title) ? 'an' : 'a'} ${title} field)` : '';
      const hint = extra.toLowerCase() === 'defaultexpressionlanguage' ? LANGUAGE_HINT : '';
      return { segments: [...segments, extra], field: extra, message: `unknown property '${extra}'${owner}${hint}` };
    }
    case 'type': {
      if (typeof parent.errorMessage === 'string') {
        // The schema's own sentence; at the root it names the document itself.
        const text = parent.errorMessage;
        return withField({ segments, message: segments.length === 0 ? text : `${subject} ${text}` }, lastName);
      }
      return withField({ segments, message: `${subject} must be of type ${typeList(error)}` }, lastName);
    }
    case 'pattern': {
      if (parent.patternErrorMessage === BLANK_PATTERN_MESSAGE) {
        // For editors: the parser reports a blank name or expression itself, with MedTech's error name and what
        // MedTech would do with it (and a blank optional JSONPath expression only as a warning).
        return undefined;
      }
      const text =
        typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : 'has an invalid format';
      return withField({ segments, message: `${subject} ${text}${foundTemplateType(lastName, error.data)}` }, lastName);
    }
    default:
      return withField({ segments, message: `${subject} ${error.message ?? 'is invalid'}` }, lastName);
  }
}

/**
 * ` (found "…")` for a wrong `templateType`, so a typo shows; the value is a mapping keyword, never message data, and is
 * cut to 64 characters.
 */
function foundTemplateType(field: string | undefined, value: unknown): string {
  if (field !== 'templateType' || typeof value !== 'string') {
    return '';
  }
  const swapped = /^collectionfhir(template)?$/i.test(value) ? ': this is a FHIR destination mapping' : '';
  return ` (found ${JSON.stringify(value.slice(0, 64))}${swapped})`;
}

function withField(violation: SchemaViolation, field: string | undefined): SchemaViolation {
  return field === undefined ? violation : { ...violation, field };
}

function typeList(error: ErrorObject): string {
  const types: unknown = error.params.type;
  return Array.isArray(types) ? types.join(' or ') : String(types).split(',').join(' or ');
}

/** `'language'`, `'values[1]'`, `'template[0]'`, or `the document` for the root. */
function describePath(segments: readonly (string | number)[]): string {
  let indexes = '';
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (typeof segment === 'number') {
      indexes = `[${segment}]${indexes}`;
    } else if (segment !== undefined) {
      return `'${segment}${indexes}'`;
    }
  }
  return indexes === '' ? 'the document' : `'${indexes}'`;
}

function lastPropertyName(segments: readonly (string | number)[]): string | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (typeof segment === 'string') {
      return segment;
    }
  }
  return undefined;
}
