/** Expression languages a device mapping may use. */
export type ExpressionLanguage = 'JsonPath' | 'JmesPath';

/**
 * Scratch state that one caller shares among evaluations over the same data while that data stays unchanged (e.g.
 * every template run on one message), so that work such as a JSONPath `..` scan's walk of the document is done once.
 * Start with an empty object `{}` per data; only evaluators read or write its members.
 */
export interface EvaluationMemo {
  /** The data the memo's contents were computed from (compared by identity). */
  root?: unknown;
  /** Evaluator-private state computed from {@link EvaluationMemo.root}. */
  descendants?: unknown;
  /**
   * Optional hint from the caller: a value inside the data that `JSON.parse` built (every object in it has
   * `Object.prototype` as prototype and only enumerable own members), so checks such values always pass can be skipped.
   */
  plainJson?: unknown;
}

/**
 * Work that several evaluations draw from (e.g. every evaluation one message causes), so that their total is bounded
 * and not only each one's: an evaluation may do at most `remaining` units — JSONPath node visits, JMESPath steps —
 * besides its own bound, and what it did is subtracted, also when it fails.
 */
export interface WorkMeter {
  /** Units of work left; an evaluation that would go past it fails with ExpressionEvaluationError. */
  remaining: number;
  /**
   * True while the data is a message body read plain whose number kinds are not known (jmesPath/kindedNumbers.ts):
   * a JMESPath expression that reads kinds then throws `NUMBER_KINDS_NEEDED` where it needs one.
   */
  readonly numberKindsUnknown?: boolean;
  /**
   * Reads the message body with its numbers' kinds if that is not done yet (jmesPath/kindedNumbers.ts), for a JSONPath
   * filter whose comparison depends on how the message wrote a whole number; true when the body's containers then have
   * kinded twins (`kindedTwinOf`), false when the plain body is exact or its kinds cannot be known. Absent: not known.
   */
  readonly readBodyNumberKinds?: () => boolean;
}

/**
 * A plain member path split at its first step (see {@link CompiledExpression.rootMember}).
 */
export interface RootMemberSplit {
  /** The name of the root member the path starts with. */
  readonly head: string;
  /** The rest of the path, to evaluate against the value of that member. */
  readonly rest: CompiledExpression;
}

/**
 * An expression parsed and compiled once (at mapping load), evaluated many times.
 * Implementations never `eval` anything and bound their work per evaluation.
 */
export interface CompiledExpression {
  /** The language it was written in. */
  readonly language: ExpressionLanguage;
  /** The expression text as written in the mapping. */
  readonly source: string;
  /**
   * Present when the expression is a plain member path (`$.matchedToken.x`, `Body.deviceId`): evaluating it against
   * a plain object equals evaluating `rest` against the object's own member `head`, and selects nothing when there is
   * no such member. Lets a caller that knows the object's members skip building it.
   */
  readonly rootMember?: RootMemberSplit;
  /**
   * True when a result can depend on the order of an object's members: a `..` scan, a wildcard or a filter over an
   * object's members, JMESPath's `*`, `keys`, `values`, `to_string` or `merge`. The caller then hands it objects
   * whose members iterate in the order the message wrote them (JavaScript lists integer-like names first). Absent
   * means false.
   */
  readonly readsMemberOrder?: boolean;
  /**
   * True for a JMESPath expression whose result can depend on how the message wrote a number (`1.0` or `1`, all the
   * digits of a large integer): one that calls a function or compares for equality other than with a string. The
   * caller gives it the body read plain with {@link WorkMeter.numberKindsUnknown} and, if it stops for a kind, the body
   * read with its numbers' kinds. Absent means false.
   */
  readonly readsNumberKinds?: boolean;
  /**
   * Every match of the expression against `data`, in document order.
   * JSONPath: each selected token (a selected JSON `null` is returned as `null`).
   * JMESPath: the elements of a projection (its `null` elements too: JmesPath.Net drops only missing members and
   * the like), or the single non-null result as one match (a plain array that is not a projection is ONE match), or
   * nothing for a `null` result.
   * @param data - parsed JSON (never mutated)
   * @param memo - optional state shared with other evaluations over the same unchanged `data`
   * @param meter - optional work shared with other evaluations; a plain member path does not draw from it
   * @throws ExpressionEvaluationError when evaluation fails (e.g. bad custom-function argument)
   */
  matches(data: unknown, memo?: EvaluationMemo, meter?: WorkMeter): unknown[];
  /**
   * The single match of the expression against `data`, without building an array: the same token `matches` would
   * return alone, `undefined` when it returns nothing, `multiple` when it returns several.
   * @param data - parsed JSON (never mutated)
   * @param multiple - what to return when there are several matches
   * @param meter - optional work shared with other evaluations, as for `matches`
   * @throws ExpressionEvaluationError when evaluation fails, as `matches` does
   */
  selectOne?(data: unknown, multiple: unknown, meter?: WorkMeter): unknown;
}
