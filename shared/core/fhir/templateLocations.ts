import type { ErrorLocation } from '../errors.js';
import type { WrittenAt } from '../mapping/locate.js';
import type { CodeValueFhirTemplate, FhirValueTemplate } from './contract.js';

/** The members of a FHIR template, or of one of its values, that a transform error can be about. */
export type FhirTemplateMember = 'periodInterval' | 'components' | 'defaultPeriod';

/** Where a FHIR mapping template, or one of its values, is written in the mapping file. */
export interface FhirTemplateWrittenAt {
  /** The index of the template in the collection. */
  templateIndex: number;
  /** Where the template (or value) object itself is written. */
  at: WrittenAt;
  /** Where its members are written, for those the file writes. */
  members: Partial<Record<FhirTemplateMember, WrittenAt>>;
}

// Templates stay the plain data the transform reads (and the oracle compares): where each one is written is kept
// beside them, for the objects parseFhirMapping made.
const writtenAt = new WeakMap<object, FhirTemplateWrittenAt>();

/**
 * Records where a template or template value that parseFhirMapping made is written in its file.
 * @param node - the template or value object, as the parsed mapping holds it
 * @param where - its template index, position and the positions of its members
 */
export function noteFhirTemplateWrittenAt(
  node: CodeValueFhirTemplate | FhirValueTemplate,
  where: FhirTemplateWrittenAt,
): void {
  writtenAt.set(node, where);
}

/**
 * The location, in its mapping file, of a template or template value of a parsed FHIR mapping, for a transform error
 * about it: template index, JSON pointer (as the file spells it), line and column; those of `member` when the file
 * writes it. Empty for an object parseFhirMapping did not make.
 * @param node - a template or value of a parsed FHIR mapping
 * @param member - the member the error is about
 */
export function locateFhirTemplate(
  node: CodeValueFhirTemplate | FhirValueTemplate,
  member?: FhirTemplateMember,
): ErrorLocation {
  const where = writtenAt.get(node);
  if (where === undefined) {
    return {};
  }
  const at = (member === undefined ? undefined : where.members[member]) ?? where.at;
  return { templateIndex: where.templateIndex, pointer: at.pointer, line: at.line, column: at.column };
}
