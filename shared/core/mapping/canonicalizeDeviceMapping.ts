import type { ContentTemplateKind } from './deviceMapping.js';
import { knownProperties } from './deviceMappingSchema.js';
import { toContentTemplateKind } from './templateType.js';

/** Path segments into a JSON document: property names and array indexes. */
export type PathSegments = (string | number)[];

/**
 * Something canonicalization noticed that the author should hear about (reported as a warning). `parent` is the
 * canonical path of the object holding the property (translate it with `toOriginalSegments`), `property` the key
 * as written.
 */
export type CanonicalizationNote =
  | { kind: 'renamed'; parent: PathSegments; property: string; to: string }
  | { kind: 'ignored'; parent: PathSegments; property: string };

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

const calculatedExpressionFields = [
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
 * renamed first (the last of several spellings wins, as in Newtonsoft) and each rename is noted. Unknown properties
 * of `{templateType, template}` nodes are noted as ignored (MedTech ignores them); unknown properties inside a content
 * template are left for the schema to reject.
 * @param document - the parsed mapping (not mutated)
 */
export function canonicalizeDeviceMapping(document: unknown): CanonicalDeviceMapping {
  const notes: CanonicalizationNote[] = [];
  const originalKeys = new WeakMap<object, Map<string, string>>();

  const rename = (
    value: unknown,
    known: readonly string[],
    segments: PathSegments,
    onUnknown?: (key: string) => void,
  ): unknown => {
    if (!isRecord(value)) {
      return value;
    }
    const copy: Record<string, unknown> = {};
    const keys = new Map<string, string>();
    for (const [key, child] of Object.entries(value)) {
      const target = known.includes(key) ? key : known.find((name) => name.toLowerCase() === key.toLowerCase());
      if (target === undefined) {
        onUnknown?.(key);
        setOwn(copy, key, child);
        keys.set(key, key);
        continue;
      }
      if (target !== key) {
        notes.push({ kind: 'renamed', parent: segments, property: key, to: target });
      }
      setOwn(copy, target, child);
      keys.set(target, key);
    }
    originalKeys.set(copy, keys);
    return copy;
  };

  const ignore = (segments: PathSegments, allowed: readonly string[]) => (key: string) => {
    if (!allowed.includes(key)) {
      notes.push({ kind: 'ignored', parent: segments, property: key });
    }
  };

  const canonicalContent = (kind: ContentTemplateKind, template: unknown, segments: PathSegments): unknown => {
    const content = rename(template, knownProperties.content[kind], segments);
    if (!isRecord(content)) {
      return content;
    }
    const valueKeys = kind === 'CalculatedContent' ? knownProperties.calculatedValue : knownProperties.jsonPathValue;
    if (Array.isArray(content.values)) {
      content.values = content.values.map((item: unknown, index) => {
        const itemSegments = [...segments, 'values', index];
        const renamed = rename(item, valueKeys, itemSegments);
        if (kind === 'CalculatedContent' && isRecord(renamed)) {
          renamed.valueExpression = rename(renamed.valueExpression, knownProperties.expression, [
            ...itemSegments,
            'valueExpression',
          ]);
        }
        return renamed;
      });
    }
    if (kind === 'CalculatedContent') {
      for (const field of calculatedExpressionFields) {
        if (isRecord(content[field])) {
          content[field] = rename(content[field], knownProperties.expression, [...segments, field]);
        }
      }
    }
    return content;
  };

  const root = rename(document, knownProperties.root, [], ignore([], ['$schema']));
  if (isRecord(root) && Array.isArray(root.template)) {
    root.template = root.template.map((item: unknown, index) => {
      const segments = ['template', index];
      const node = rename(item, knownProperties.node, segments, ignore(segments, []));
      if (isRecord(node) && typeof node.templateType === 'string') {
        const kind = toContentTemplateKind(node.templateType);
        if (kind !== undefined) {
          node.template = canonicalContent(kind, node.template, [...segments, 'template']);
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
      for (const segment of segments) {
        if (Array.isArray(current) && typeof segment === 'number') {
          original.push(segment);
          current = current[segment];
        } else if (isRecord(current)) {
          const key = String(segment);
          original.push(originalKeys.get(current)?.get(key) ?? segment);
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

/** Defines an own enumerable property, so a key such as `__proto__` stays data and never touches the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
