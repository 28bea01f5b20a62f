import type { CompiledExpression } from '../expressions/types.js';
import type { WrittenAt } from './locate.js';

export type { WrittenAt } from './locate.js';

/** The four content template kinds a `CollectionContent` may hold (names without the `Template` suffix). */
export type ContentTemplateKind =
  'CalculatedContent' | 'JsonPathContent' | 'IotJsonPathContent' | 'IotCentralJsonPathContent';

/**
 * What the non-match expressions of a template are evaluated against (reference-behaviour §1.3–§1.6):
 * `envelopeWithMatch` — the envelope plus a `matchedToken` property (CalculatedContent);
 * `matchedToken` — the matched token itself (JsonPathContent and its IoT variants).
 */
export type ExpressionScope = 'envelopeWithMatch' | 'matchedToken';

/** The template fields that hold one expression each. */
export type ExpressionField =
  | 'typeMatchExpression'
  | 'deviceIdExpression'
  | 'timestampExpression'
  | 'patientIdExpression'
  | 'encounterIdExpression'
  | 'correlationIdExpression';

/** One `values[]` entry of a content template, compiled. */
export interface ValueTemplate {
  valueName: string;
  expression: CompiledExpression;
  required: boolean;
  /**
   * The entry's index in the file's `values` (absent: its index here). They differ when an optional value with a blank
   * expression, which MedTech never sets, was left out before it.
   */
  fileIndex?: number;
  /** Where the value's expression is written, when the mapping was parsed from a file. */
  writtenAt?: WrittenAt;
}

/** A validated, compiled content template. Expressions are compiled once, when the mapping loads. */
export interface ContentTemplate {
  kind: ContentTemplateKind;
  /** Index in the collection's `template` array (for error locations). */
  index: number;
  typeName: string;
  typeMatch: CompiledExpression;
  scope: ExpressionScope;
  deviceId: CompiledExpression;
  /** Tried in order; the first that yields a non-blank value wins (IoT Hub creation time → enqueued time). */
  timestamp: CompiledExpression[];
  patientId?: CompiledExpression;
  encounterId?: CompiledExpression;
  correlationId?: CompiledExpression;
  values: ValueTemplate[];
  /**
   * Where each expression the file gives is written, and (`template`) the template object itself, whose place stands
   * for the expressions an IoT template fixes; present when the mapping was parsed from a file, so that a
   * normalization error can name the line.
   */
  writtenAt?: Partial<Record<ExpressionField | 'template', WrittenAt>>;
}

/** A validated device mapping (`CollectionContent`), ready to normalize messages. */
export interface DeviceMapping {
  templates: ContentTemplate[];
}

/**
 * Whether any expression of the templates can depend on the order of an object's members.
 * @param templates - content templates
 */
export function readsMemberOrder(templates: readonly ContentTemplate[]): boolean {
  return templates.some(
    (t) =>
      t.typeMatch.readsMemberOrder === true ||
      t.deviceId.readsMemberOrder === true ||
      t.timestamp.some((e) => e.readsMemberOrder === true) ||
      t.patientId?.readsMemberOrder === true ||
      t.encounterId?.readsMemberOrder === true ||
      t.correlationId?.readsMemberOrder === true ||
      t.values.some((v) => v.expression.readsMemberOrder === true),
  );
}
