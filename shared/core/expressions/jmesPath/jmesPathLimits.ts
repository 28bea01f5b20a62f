/**
 * Bounds on JMESPath expressions taken from (untrusted) mappings. The library has no hook to stop an evaluation, so
 * the interpreter counts its own steps (docs/reference-behaviour.md §1.7, Decision: bound work per message).
 */

/** Longest JMESPath expression accepted at mapping load, in characters. */
export const JMESPATH_MAX_EXPRESSION_LENGTH = 4_096;

/**
 * Work one evaluation may do before it fails: AST nodes visited (one per element in a projection), elements produced
 * by a flatten, values compared or serialized by `==`, `!=`, `contains` and `to_string`, elements of the argument
 * that built-ins such as `sum`, `max`, `keys` or `reverse` go through, and the comparisons of `sort` and `sort_by`.
 * The work of a whole message is bounded too: each evaluation's steps, and the characters it builds, are drawn from
 * the message's meter (`NormalizeLimits.maxWorkPerEvent`).
 */
export const JMESPATH_MAX_STEPS = 1_000_000;

/** Characters one evaluation may build into new strings (`insertString`, `join`, `to_string`, date functions). */
export const JMESPATH_MAX_PRODUCED_CHARS = 1_048_576;
