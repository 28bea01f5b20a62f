import { describe, expect, it } from 'vitest';
import { compileJmesPathAst } from '../../../../shared/core/expressions/jmesPath/compileJmesPathAst.js';
import { EvaluationBudget } from '../../../../shared/core/expressions/jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from '../../../../shared/core/expressions/jmesPath/jmesPathInterpreter.js';
import { floatNumber } from '../../../../shared/core/expressions/jmesPath/kindedNumbers.js';
import { SeededRandom } from '../../../support/seededRandom.js';
import { parseJmesPath } from '../../../../shared/core/expressions/jmesPath/parseJmesPath.js';

const data = {
  a: { b: { c: 'deep' }, list: [1, 2, 3] },
  m: { f: 98.6, t: 1_700_000_000, s: 'abc' },
  readings: [
    { kind: 'temperature', n: 1, v: 36.6, obj: { x: 1 } },
    { kind: 'humidity', n: 2, v: 40, obj: { x: 2 } },
    { kind: 'temperature', n: 3, v: 37.1, obj: { x: 1 }, extra: null },
    'not an object',
    null,
  ],
  nothing: null,
  // A boxed number (a whole float), and an object the library takes for an expression reference.
  box: floatNumber(2),
  e: { expref: true, k: 1 },
};

/** What an evaluation gives: its value, or the message of the error it threw. */
function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const supported = [
  'a',
  'a.b.c',
  'a.missing.c',
  'a.list[0]',
  'a.list[-1]',
  'a.list[7]',
  'a.b[0]',
  'nothing[0]',
  'a.missing[0]',
  'm.s[0]',
  'm[0]',
  '@',
  'm.f',
  '`{"x": [1, 2]}`',
  "'raw text'",
  "readings[?kind=='temperature']",
  "readings[?kind=='temperature'].v",
  "readings[?kind!='temperature']",
  'readings[?n > `1`].n',
  'readings[?n >= `2`].n',
  'readings[?n < `3`].kind',
  'readings[?n <= `1`]',
  'readings[?obj == `{"x": 1}`].n',
  'readings[?obj != `{"x": 1}`].n',
  'readings[?extra == `null`].n',
  'readings[?kind > `1`]',
  // Nulls: a filter keeps a null element and a null member, drops a missing one; a step after a null still applies.
  'readings[?@ != `1`]',
  'readings[?@ == `null`]',
  'readings[?n > `0`].extra',
  'readings[?n > `0`].extra.x',
  "readings[?kind=='temperature'].obj.x",
  'readings[?extra == `null`].extra',
  'readings[?@ == `null`].x',
  'nothing.x',
  'nothing[?a]',
  'a[?b]',
  'add(m.f, `1`)',
  'subtract(a.list[2], a.list[0])',
  'divide(multiply(subtract(m.f, `32`), `5`), `9`)',
  'pow(a.list[1], `10`)',
  'insertString(m.s, `"-"`, `1`)',
  'fromUnixTimestamp(m.t)',
  'fromUnixTimestampMs(m.t)',
  'divide(m.f, `0`)',
  'add(m.s, `1`)',
  'insertString(m.s, `"-"`, `9`)',
  'fromUnixTimestamp(m.f)',
  // Pipes (at the top a missing null goes on as null, inside as missing), multi-select lists and built-ins.
  'a | b',
  'a.missing | @',
  'a.missing | [@]',
  '[a.missing | @]',
  '[a.missing | [@]]',
  'a.list | [0]',
  '[a, m]',
  '[a.missing, nothing]',
  '[a.b, m.s] | [1]',
  'length(a.list)',
  'divide(length(a.list), `2`)',
  '[a][?contains(keys(@), `b`)] | @[0]',
  '[a][?contains(keys(@), `zz`)] | @[0]',
  'keys(m)',
  'keys(a.list)',
  'values(a.b)',
  'length(nothing)',
  'to_string(m)',
  'max(a.list)',
  'max(a.missing)',
  'not_null(a.missing, m.s)',
  'contains(m.s, `"b"`)',
  'readings[?contains(keys(@), `extra`)].n',
  // `contains(keys(x), 'name')` is answered from the keys; what `keys` refuses fails as in the interpreter.
  "contains(keys(m), 's')",
  'contains(keys(m), `"zz"`)',
  "contains(keys(`{}`), 'x')",
  "contains(keys(a.list), 'x')",
  "contains(keys(nothing), 'x')",
  "contains(keys(a.missing), 'x')",
  "contains(keys(m.f), 'x')",
  "contains(keys(box), 'x')",
  "contains(keys(e), 'k')",
  "readings[?contains(keys(@), 'kind')].n",
  "[m, a][?contains(keys(@), 'list')] | @[0]",
  'contains(keys(m), `1`)',
  'type(m.f)',
  '(readings[?n > `0`].extra | @)',
  'readings[?n > `0`].[missing | @]',
];

describe('compileJmesPathAst', () => {
  it.each(supported)('gives %s the value and error of the interpreter', (source) => {
    const ast = parseJmesPath(source);
    const compiled = compileJmesPathAst(ast);

    expect(compiled).not.toBeNull();
    const expected = outcome(() => evaluateJmesPath(ast, data, new EvaluationBudget(1_000_000, 1_000_000)).value);
    const actual = outcome(() => compiled?.(data, new EvaluationBudget(1_000_000, 1_000_000)));
    expect(actual).toEqual(expected);
  });

  it.each(supported)('charges %s the steps the interpreter charges', (source) => {
    const ast = parseJmesPath(source);
    const compiled = compileJmesPathAst(ast);
    let lastFailingBound = -1;

    for (let maxSteps = 0; maxSteps < 60; maxSteps++) {
      const expected = outcome(() => evaluateJmesPath(ast, data, new EvaluationBudget(maxSteps, 1_000_000)).value);
      const actual = outcome(() => compiled?.(data, new EvaluationBudget(maxSteps, 1_000_000)));
      expect(actual).toEqual(expected);
      if ('error' in expected && expected.error.includes('steps')) {
        lastFailingBound = maxSteps;
      }
    }
    // Every expression needs at least one step, so the smallest bounds fail.
    expect(lastFailingBound).toBeGreaterThanOrEqual(0);
  });

  it('counts the characters MedTech functions build against the evaluation’s bound', () => {
    const ast = parseJmesPath('insertString(m.s, `"-"`, `1`)');
    const compiled = compileJmesPathAst(ast);

    expect(() => compiled?.(data, new EvaluationBudget(1_000, 3))).toThrow(/characters/);
    expect(compiled?.(data, new EvaluationBudget(1_000, 4))).toBe('a-bc');
  });

  it.each([
    '{x: a}',
    'a.list[*]',
    'a.list[]',
    'a.list[0:2]',
    'a || m',
    'a && m',
    '!a',
    '*.b',
    'sort_by(readings, &n)',
    'a.list | [*]',
  ])('leaves %s to the interpreter', (source) => {
    expect(compileJmesPathAst(parseJmesPath(source))).toBeNull();
  });
});

describe('compileJmesPathAst: contains(keys(x), name)', () => {
  const NAMES = ['a', 'heartRate', '0', '10', 'expref', '__proto__', 'b'];

  /** Random values for `x`: objects of the names (an `expref` member truthy or not), boxes, arrays, scalars. */
  function randomValue(random: SeededRandom, depth: number): unknown {
    switch (random.below(depth > 1 ? 5 : 8)) {
      case 0:
        return random.pick([0, 2.5, 'heartRate', '', true, null]);
      case 1:
        return floatNumber(random.pick([1, 0, -3]));
      case 2:
        return Array.from({ length: random.below(3) }, () => randomValue(random, depth + 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = random.below(5); i > 0; i--) {
          const name = random.pick(NAMES);
          const member = name === 'expref' ? random.pick([true, 0, '', 'x', null]) : randomValue(random, depth + 1);
          Object.defineProperty(object, name, { value: member, enumerable: true, writable: true, configurable: true });
        }
        return object;
      }
    }
  }

  it('gives the value, error and steps of the interpreter, at an ample bound and every bound below it', () => {
    const random = new SeededRandom(77);
    let answered = 0;
    for (let n = 0; n < 2000; n++) {
      const name = random.pick(NAMES);
      const source = random.pick([
        `contains(keys(@), '${name}')`,
        `contains(keys(v), \`"${name}"\`)`,
        `[v][?contains(keys(@), '${name}')] | @[0]`,
        `list[?contains(keys(@), '${name}')]`,
      ]);
      const data = { v: randomValue(random, 0), list: [randomValue(random, 1), randomValue(random, 1)] };
      const ast = parseJmesPath(source);
      const compiled = compileJmesPathAst(ast);
      expect(compiled).not.toBeNull();
      const what = `${source} on ${String(n)}`;
      const interpreterBudget = new EvaluationBudget(1_000_000, 1_000);
      const compiledBudget = new EvaluationBudget(1_000_000, 1_000);
      const expected = outcome(() => evaluateJmesPath(ast, data, interpreterBudget).value);
      expect(
        outcome(() => compiled?.(data, compiledBudget)),
        what,
      ).toEqual(expected);
      expect(compiledBudget.stepsUsed, `${what} (steps)`).toBe(interpreterBudget.stepsUsed);
      if ('value' in expected) {
        answered++;
      }
      for (let maxSteps = 0; maxSteps < interpreterBudget.stepsUsed; maxSteps++) {
        const atBound = outcome(() => evaluateJmesPath(ast, data, new EvaluationBudget(maxSteps, 1_000)).value);
        const actual = outcome(() => compiled?.(data, new EvaluationBudget(maxSteps, 1_000)));
        expect(actual, `${what} within ${maxSteps} steps`).toEqual(atBound);
      }
    }
    // Both kinds of outcome are drawn often.
    expect(answered).toBeGreaterThan(500);
    expect(answered).toBeLessThan(1900);
  });
});
