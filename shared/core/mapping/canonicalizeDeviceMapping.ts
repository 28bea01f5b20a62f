import type { ContentTemplateKind } from './deviceMapping.js';
import { knownProperties } from './deviceMappingSchema.js';
import {
  isLanguageNumberOfNoLanguage,
  isLeadingReferenceId,
  lineInfoIgnoredReason,
  readLanguageAsMedTech,
  REFERENCE_ID_IGNORED_REASON,
  templateKeyAsMedTech,
  templateSpellingIgnoredReason,
  toMedTechString,
  unwrapValuesList,
  VALUES_WRAPPER_REASON,
} from './medTechConversions.js';
import { itemOriginsOf, itemPath, movesItems, type ItemOrigin } from './locate.js';
import { toContentTemplateKind } from './templateType.js';
import { isRecord } from '../isRecord.js';

/** Path segments into a JSON document: property names and array indexes. */
export type PathSegments = (string | number)[];

/**
 * Something canonicalization noticed that the author should hear about (reported as a warning). `parent` is the
 * canonical path of the object holding the property (translate it with `toOriginalSegments`), `property` the key
 * as written.
 */
export type CanonicalizationNote =
  | { kind: 'renamed'; parent: PathSegments; property: string; to: string }
  | { kind: 'ignored'; parent: PathSegments; property: string; reason?: string }
  | { kind: 'converted'; parent: PathSegments; property: string; field: string; message: string };

/** A device mapping document with property names spelled as the schema spells them. */
export interface CanonicalDeviceMapping {
  /** A copy of the document; objects whose keys were renamed are new objects, everything else is shared. */
  value: unknown;
  notes: CanonicalizationNote[];
  /**
   * Translates a path in the canonical copy back to the path in the original document (original key spellings).
   * @param segments - path in `value`
   */
  toOriginalSegments(segments: readonly (string | number)[]): PathSegments;
}

/** A value rewritten to the form the schema takes, and the warning text that says so. */
interface Conversion {
  value: unknown;
  message: string;
}

/** A content template's expression fields (the same names in every kind). */
const expressionFields = [
  'typeMatchExpression',
  'deviceIdExpression',
  'timestampExpression',
  'patientIdExpression',
  'encounterIdExpression',
  'correlationIdExpression',
] as const;

/**
 * Spells property names the way the schema does. MedTech (Newtonsoft.Json) matches template property names
 * case-insensitively, so `TypeName` works there and must work here; the schema is case-sensitive, so keys are
 * renamed first (the last of several spellings wins, as in Newtonsoft, except for `template`: see
 * {@link templateKeyAsMedTech}; and the items of a `values` list written under several spellings are joined, as
 * Newtonsoft adds them to the list it made) and each rename is noted. Where Newtonsoft fills a class (a content
 * template, a value), its metadata is read as it reads it: a leading `$id` is dropped and `values` written as
 * `{"$values": [...]}` is that list, each noted. Unknown properties of `{templateType, template}` nodes are
 * noted as ignored (MedTech ignores them); unknown properties inside a content template are left for the schema to
 * reject, except those MedTech's template classes have (`lineNumber`, `linePosition`, `lineInfoForProperties`, and
 * IotJsonPathContent's `alternateTimestampExpression`), which are dropped and noted as ignored, as are unknown members
 * of a CalculatedContent expression object (MedTech ignores them there). Values MedTech converts are rewritten to the
 * form the schema takes, each noted: a number or boolean where a string is expected becomes the text MedTech makes of
 * it, an expression language written as MedTech's enum reader takes it (a number, white space, commas) becomes
 * its name, and `"values": ""` becomes `null` (Newtonsoft reads an empty string as null where it expects a list).
 * @param document - the parsed mapping (not mutated)
 * @param numberText - the literal text of the number at a path of the original document, when known: an integer
 *   literal MedTech reads as text keeps its digits, which `JSON.parse` may have rounded
 */
export function canonicalizeDeviceMapping(
  document: unknown,
  numberText: (original: PathSegments) => string | undefined = () => undefined,
): CanonicalDeviceMapping {
  const notes: CanonicalizationNote[] = [];
  const originalKeys = new WeakMap<object, Map<string, string>>();
  // Where each renamed copy sits in the original document (original key spellings).
  const originalPaths = new WeakMap<object, PathSegments>();
  // Per copy, the lists written under several spellings (`values` then `Values`) or as `{"$values": [...]}`: where
  // each item is written.
  const joinedItems = new WeakMap<object, Map<string, ItemOrigin[]>>();
  /** The original path of `owner[key]` (or of its item at `index`). */
  const originalPathOf = (owner: Record<string, unknown>, key: string, index?: number): PathSegments => {
    const item = index === undefined ? undefined : joinedItems.get(owner)?.get(key)?.[index];
    if (item !== undefined) {
      return [...(originalPaths.get(owner) ?? []), ...itemPath(item)];
    }
    return [
      ...(originalPaths.get(owner) ?? []),
      originalKeys.get(owner)?.get(key) ?? key,
      ...(index === undefined ? [] : [index]),
    ];
  };

  const rename = (
    value: unknown,
    known: readonly string[],
    segments: PathSegments,
    original: PathSegments,
    onUnknown?: (key: string) => void,
    /** For an object Newtonsoft fills (a content template, a value): its list fields, and metadata is read. */
    filled?: { lists: readonly string[] },
  ): unknown => {
    const lists = filled?.lists ?? [];
    if (!isRecord(value)) {
      return value;
    }
    const copy: Record<string, unknown> = {};
    originalPaths.set(copy, original);
    const keys = new Map<string, string>();
    const items = new Map<string, ItemOrigin[]>();
    const templateKey = known.includes('template') ? templateKeyAsMedTech(Object.keys(value)) : undefined;
    let first = true;
    for (const [key, written] of Object.entries(value)) {
      if (filled !== undefined && isLeadingReferenceId(key, written, first)) {
        notes.push({ kind: 'ignored', parent: segments, property: key, reason: REFERENCE_ID_IGNORED_REASON });
        continue;
      }
      first = false;
      const target = known.includes(key) ? key : known.find((name) => name.toLowerCase() === key.toLowerCase());
      const unwrapped = target !== undefined && lists.includes(target) ? unwrapValuesList(written) : undefined;
      if (unwrapped !== undefined) {
        notes.push({
          kind: 'converted',
          parent: segments,
          property: key,
          field: key,
          message: `'${key}' is an object of $values: ${VALUES_WRAPPER_REASON}`,
        });
      }
      const child = unwrapped ?? written;
      if (target === 'template' && templateKey !== undefined && key !== templateKey) {
        notes.push({
          kind: 'ignored',
          parent: segments,
          property: key,
          reason: templateSpellingIgnoredReason(templateKey),
        });
        continue;
      }
      if (target === undefined) {
        onUnknown?.(key);
        setOwn(copy, key, child);
        keys.set(key, key);
        continue;
      }
      if (target !== key) {
        notes.push({ kind: 'renamed', parent: segments, property: key, to: target });
      }
      // Newtonsoft sets a property once per spelling (the last wins), but adds to a list it has already made.
      const previous = keys.has(target) ? copy[target] : undefined;
      const listed = Array.isArray(child) ? itemOriginsOf(key, child, unwrapped !== undefined) : [];
      if (lists.includes(target) && Array.isArray(previous) && Array.isArray(child)) {
        notes.push({
          kind: 'converted',
          parent: segments,
          property: key,
          field: target,
          message: `'${key}' repeats '${keys.get(target) ?? target}' (names are case-insensitive); its items are added to the list, as MedTech adds them`,
        });
        setOwn(copy, target, [...(previous as unknown[]), ...(child as unknown[])]);
        items.set(target, [...(items.get(target) ?? []), ...listed]);
      } else {
        setOwn(copy, target, child);
        items.set(target, listed);
      }
      keys.set(target, key);
    }
    originalKeys.set(copy, keys);
    const joined = [...items].filter(([, list]) => movesItems(list));
    if (joined.length > 0) {
      joinedItems.set(copy, new Map(joined));
    }
    return copy;
  };

  const ignore = (segments: PathSegments, allowed: readonly string[]) => (key: string) => {
    if (!allowed.includes(key)) {
      notes.push({ kind: 'ignored', parent: segments, property: key });
    }
  };

  const convert = (
    owner: Record<string, unknown>,
    field: string,
    segments: PathSegments,
    read: (raw: unknown, literal: string | undefined) => Conversion | undefined,
  ): void => {
    if (!Object.hasOwn(owner, field)) {
      return;
    }
    const raw = owner[field];
    const conversion = read(raw, typeof raw === 'number' ? numberText(originalPathOf(owner, field)) : undefined);
    if (conversion !== undefined) {
      owner[field] = conversion.value;
      const property = originalKeys.get(owner)?.get(field) ?? field;
      notes.push({ kind: 'converted', parent: segments, property, field, message: conversion.message });
    }
  };

  const dropLineInfo = (owner: Record<string, unknown>, segments: PathSegments, alsoIgnored?: string): void => {
    for (const key of Object.keys(owner)) {
      const reason =
        lineInfoIgnoredReason(key, owner[key]) ??
        (key.toLowerCase() === alsoIgnored?.toLowerCase() ? 'MedTech accepts it and does not read it' : undefined);
      if (reason !== undefined) {
        // Own keys of a copy made by `rename`: deleting one touches nothing else.
        delete owner[key];
        notes.push({ kind: 'ignored', parent: segments, property: key, reason });
      }
    }
  };

  const canonicalExpression = (raw: unknown, segments: PathSegments, original: PathSegments): unknown => {
    const unknown: string[] = [];
    const expression = rename(raw, knownProperties.expression, segments, original, (key) => unknown.push(key));
    if (isRecord(expression)) {
      dropLineInfo(expression, segments);
      // MedTech reads an expression object with a serializer of its own, which ignores members it does not know. Line
      // information it reads as 32-bit integers: what dropLineInfo left is no such integer, and MedTech fails on it.
      const ignored = unknown.filter(
        (name) => Object.hasOwn(expression, name) && !/^line(number|position)$/i.test(name),
      );
      for (const key of ignored) {
        delete expression[key];
        notes.push({
          kind: 'ignored',
          parent: segments,
          property: key,
          reason: 'MedTech ignores members an expression object does not have',
        });
      }
      convert(expression, 'value', segments, asString('value'));
      convert(expression, 'language', segments, asLanguage('language', true));
    }
    return expression;
  };

  const canonicalContent = (
    kind: ContentTemplateKind,
    template: unknown,
    segments: PathSegments,
    original: PathSegments,
  ): unknown => {
    const content = rename(template, knownProperties.content[kind], segments, original, undefined, {
      lists: ['values'],
    });
    if (!isRecord(content)) {
      return content;
    }
    dropLineInfo(content, segments, kind === 'IotJsonPathContent' ? 'alternateTimestampExpression' : undefined);
    convert(content, 'typeName', segments, asString('typeName'));
    const valueKeys = kind === 'CalculatedContent' ? knownProperties.calculatedValue : knownProperties.jsonPathValue;
    convert(content, 'values', segments, (raw) => {
      if (raw !== '') {
        return undefined;
      }
      // MedTech's CalculatedContent loader fails on null values (a NullReferenceException); the others read none.
      return kind === 'CalculatedContent'
        ? {
            value: [],
            message:
              "'values' is an empty string, which MedTech's reader takes for null, and MedTech then cannot load a " +
              'CalculatedContent template (its loader fails); it is read as no values here; write []',
          }
        : {
            value: null,
            message:
              "'values' is an empty string: MedTech's reader takes it for null (no values); write an array or leave it out",
          };
    });
    if (Array.isArray(content.values)) {
      content.values = content.values.map((item: unknown, index) => {
        const itemSegments = [...segments, 'values', index];
        const renamed = rename(item, valueKeys, itemSegments, originalPathOf(content, 'values', index), undefined, {
          lists: [],
        });
        if (!isRecord(renamed)) {
          return renamed;
        }
        dropLineInfo(renamed, itemSegments);
        convert(renamed, 'valueName', itemSegments, asString('valueName'));
        if (kind === 'CalculatedContent') {
          if (isRecord(renamed.valueExpression)) {
            renamed.valueExpression = canonicalExpression(
              renamed.valueExpression,
              [...itemSegments, 'valueExpression'],
              originalPathOf(renamed, 'valueExpression'),
            );
          }
        } else {
          convert(renamed, 'valueExpression', itemSegments, asString('valueExpression'));
        }
        return renamed;
      });
    }
    if (kind === 'CalculatedContent') {
      for (const field of expressionFields) {
        if (isRecord(content[field])) {
          content[field] = canonicalExpression(content[field], [...segments, field], originalPathOf(content, field));
        }
      }
      convert(content, 'defaultExpressionLanguage', segments, asLanguage('defaultExpressionLanguage', false));
      dropUnusedDefaultLanguage(content, segments);
    } else {
      // The IoT kinds ignore whatever their device id and timestamp expressions hold.
      const fixed = kind === 'JsonPathContent' ? [] : ['deviceIdExpression', 'timestampExpression'];
      for (const field of expressionFields.filter((name) => !fixed.includes(name))) {
        convert(content, field, segments, asString(field));
      }
    }
    return content;
  };

  // A default language that names no language fails MedTech's load only when an expression takes the default.
  const dropUnusedDefaultLanguage = (content: Record<string, unknown>, segments: PathSegments): void => {
    const raw = content.defaultExpressionLanguage;
    const literal =
      typeof raw === 'number' ? numberText(originalPathOf(content, 'defaultExpressionLanguage')) : undefined;
    if (!isLanguageNumberOfNoLanguage(raw, literal)) {
      return;
    }
    const values = Array.isArray(content.values) ? (content.values as unknown[]) : [];
    const expressions = [
      ...expressionFields.map((field) => content[field]),
      ...values.map((item) => (isRecord(item) ? item.valueExpression : undefined)),
    ];
    if (expressions.some(takesDefaultLanguage)) {
      return;
    }
    const property = originalKeys.get(content)?.get('defaultExpressionLanguage') ?? 'defaultExpressionLanguage';
    delete content.defaultExpressionLanguage;
    notes.push({
      kind: 'ignored',
      parent: segments,
      property,
      reason: 'it names no language, and every expression names its own, as MedTech accepts',
    });
  };

  const root = rename(document, knownProperties.root, [], [], ignore([], ['$schema']));
  if (isRecord(root) && Array.isArray(root.template)) {
    root.template = root.template.map((item: unknown, index) => {
      const segments = ['template', index];
      const node = rename(
        item,
        knownProperties.node,
        segments,
        originalPathOf(root, 'template', index),
        ignore(segments, []),
      );
      if (isRecord(node) && typeof node.templateType === 'string') {
        const kind = toContentTemplateKind(node.templateType);
        if (kind !== undefined) {
          node.template = canonicalContent(
            kind,
            node.template,
            [...segments, 'template'],
            originalPathOf(node, 'template'),
          );
        }
      }
      return node;
    });
  }

  return {
    value: root,
    notes,
    toOriginalSegments(segments) {
      const original: PathSegments = [];
      let current: unknown = root;
      // The object and key the current list was reached through, for an item of a joined list.
      let owner: { record: Record<string, unknown>; key: string } | undefined;
      for (const segment of segments) {
        if (Array.isArray(current) && typeof segment === 'number') {
          const item = owner === undefined ? undefined : joinedItems.get(owner.record)?.get(owner.key)?.[segment];
          if (item !== undefined) {
            original.pop();
            original.push(...itemPath(item));
          } else {
            original.push(segment);
          }
          current = current[segment];
          owner = undefined;
        } else if (isRecord(current)) {
          const key = String(segment);
          original.push(originalKeys.get(current)?.get(key) ?? segment);
          owner = { record: current, key };
          current = Object.hasOwn(current, key) ? current[key] : undefined;
        } else {
          original.push(segment);
          current = undefined;
        }
      }
      return original;
    },
  };
}

/**
 * A number or boolean where MedTech reads a string becomes the text MedTech makes of it.
 * @param field - the field's name, for the warning
 */
function asString(field: string): (raw: unknown, literal: string | undefined) => Conversion | undefined {
  return (raw, literal) => {
    if (typeof raw !== 'number' && typeof raw !== 'boolean') {
      return undefined;
    }
    const text = toMedTechString(raw, literal);
    return {
      value: text,
      message: `'${field}' is a ${typeof raw}: MedTech reads it as the string ${JSON.stringify(text)}; write it as a string`,
    };
  };
}

/**
 * An expression language written in a form MedTech's enum reader takes but the schema does not becomes its name.
 * @param field - the field's name, for the warning
 * @param optional - whether the field may name no language
 */
function asLanguage(
  field: string,
  optional: boolean,
): (raw: unknown, literal: string | undefined) => Conversion | undefined {
  return (raw, literal) => {
    if (
      raw === undefined ||
      (optional && raw === null) ||
      (typeof raw === 'string' && /^(jsonpath|jmespath)$/i.test(raw))
    ) {
      return undefined;
    }
    const language = readLanguageAsMedTech(raw, optional, literal);
    if (language === undefined) {
      return undefined;
    }
    return language === null
      ? {
          value: null,
          message: `'${field}' is empty: MedTech reads it as no language, so the template's default applies; leave it out`,
        }
      : {
          value: language,
          message: `'${field}' ${literal ?? JSON.stringify(raw)} is read as '${language}', as MedTech reads it; write '${language}'`,
        };
  };
}

/**
 * Whether an expression as written takes the template's default language: a string, or an object whose language is
 * absent, null or empty (MedTech sets the default where the language is null).
 */
function takesDefaultLanguage(expression: unknown): boolean {
  if (typeof expression === 'string') {
    return true;
  }
  return isRecord(expression) && readLanguageAsMedTech(expression.language ?? null, true) === null;
}

/** Defines an own enumerable property, so a key such as `__proto__` stays data and never touches the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
