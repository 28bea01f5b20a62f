/** Expression languages a device mapping may use. */
export type ExpressionLanguage = 'JsonPath' | 'JmesPath';

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
   * Every match of the expression against `data`, in document order.
   * JSONPath: each selected token (a selected JSON `null` is returned as `null`).
   * JMESPath: the elements of a projection, or the single non-null result as one match (a plain array that is not a
   * projection is ONE match), or nothing for a `null` result.
   * @param data - parsed JSON (never mutated)
   * @throws ExpressionEvaluationError when evaluation fails (e.g. bad custom-function argument)
   */
  matches(data: unknown): unknown[];
}
