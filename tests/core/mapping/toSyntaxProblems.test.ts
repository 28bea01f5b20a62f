import { describe, expect, it } from 'vitest';
import { toSyntaxProblems } from '../../../shared/core/mapping/toSyntaxProblems.js';

describe('toSyntaxProblems', () => {
  it('makes each syntax problem an InvalidTemplate error at its line and column, in order', () => {
    expect(
      toSyntaxProblems([
        { message: 'JSON syntax error: ValueExpected', line: 1, column: 19 },
        { message: 'JSON syntax error: CommaExpected', line: 4, column: 3 },
      ]),
    ).toEqual([
      {
        severity: 'error',
        name: 'InvalidTemplate',
        message: 'JSON syntax error: ValueExpected',
        location: { line: 1, column: 19 },
      },
      {
        severity: 'error',
        name: 'InvalidTemplate',
        message: 'JSON syntax error: CommaExpected',
        location: { line: 4, column: 3 },
      },
    ]);
  });

  it('gives no problem for no syntax problem', () => {
    expect(toSyntaxProblems([])).toEqual([]);
  });
});
