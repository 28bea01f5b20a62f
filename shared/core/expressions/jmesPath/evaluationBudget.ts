import { ExpressionEvaluationError } from '../../errors.js';

/** Counts the work of one JMESPath evaluation and stops it when a bound is crossed. */
export class EvaluationBudget {
  private steps = 0;
  private chars = 0;

  /** Steps recorded so far (past `maxSteps` by the last charge when it failed). */
  get stepsUsed(): number {
    return this.steps;
  }

  /** Characters of new strings recorded so far (past `maxChars` by the last one when it failed). */
  get charsProduced(): number {
    return this.chars;
  }

  /**
   * @param maxSteps - nodes visited, elements produced and values compared or serialized, in total
   * @param maxChars - characters built into new strings, in total
   */
  constructor(
    public maxSteps: number,
    public maxChars: number,
  ) {}

  /**
   * Starts a new evaluation with this budget: nothing used, new bounds (one budget serves every evaluation of a
   * compiled expression, which never runs inside itself).
   * @param maxSteps - as for the constructor
   * @param maxChars - as for the constructor
   */
  reset(maxSteps: number, maxChars: number): void {
    this.steps = 0;
    this.chars = 0;
    this.maxSteps = maxSteps;
    this.maxChars = maxChars;
  }

  /**
   * Records `count` steps of work.
   * @param count - how many steps
   * @throws ExpressionEvaluationError past `maxSteps`
   */
  step(count = 1): void {
    this.steps += count;
    if (this.steps > this.maxSteps) {
      throw new ExpressionEvaluationError(`evaluation exceeded its bound of ${this.maxSteps} steps`);
    }
  }

  /**
   * Records a new string of `length` characters, before it is built.
   * @param length - the length of the string about to be built
   * @param what - the function building it, for the error message
   * @throws ExpressionEvaluationError past `maxChars`
   */
  produce(length: number, what: string): void {
    this.chars += length;
    if (this.chars > this.maxChars) {
      throw new ExpressionEvaluationError(
        `${what} would build more than ${this.maxChars} characters of strings in one evaluation`,
      );
    }
  }
}
