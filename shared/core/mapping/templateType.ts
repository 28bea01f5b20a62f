import type { ContentTemplateKind } from './deviceMapping.js';

/** The content template kinds, in the order the schema and the docs list them. */
export const contentTemplateKinds: readonly ContentTemplateKind[] = [
  'CalculatedContent',
  'JsonPathContent',
  'IotJsonPathContent',
  'IotCentralJsonPathContent',
];

/** The type name of a device mapping's root node (without the optional `Template` suffix). */
export const collectionContentType = 'CollectionContent';

const templateSuffix = 'template';

/**
 * Reduces a `templateType` to its comparison key: lower case, without a trailing `Template`.
 * @param templateType - the value written in the mapping
 */
function toTypeKey(templateType: string): string {
  const lower = templateType.toLowerCase();
  return lower.endsWith(templateSuffix) ? lower.slice(0, -templateSuffix.length) : lower;
}

const kindByKey = new Map<string, ContentTemplateKind>(contentTemplateKinds.map((kind) => [toTypeKey(kind), kind]));

/**
 * Tells whether a `templateType` names the root `CollectionContent` node (case-insensitive, `Template` suffix optional).
 * @param templateType - the value written in the mapping
 */
export function isCollectionContentType(templateType: string): boolean {
  return toTypeKey(templateType) === toTypeKey(collectionContentType);
}

/**
 * The content template kind a `templateType` names (case-insensitive, `Template` suffix optional), or `undefined`.
 * @param templateType - the value written in the mapping, e.g. `calculatedContentTemplate`
 */
export function toContentTemplateKind(templateType: string): ContentTemplateKind | undefined {
  return kindByKey.get(toTypeKey(templateType));
}
