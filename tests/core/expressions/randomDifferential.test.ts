/**
 * Seeded random differential tests of the expression engines' fast paths: each fast path must give exactly what the
 * general evaluation of the same expression gives (tokens by identity, errors, work-bound failures) on documents and
 * expressions nobody wrote by hand. The seeds are fixed, so a failure reproduces; the case is in the message.
 */
import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError } from '../../../shared/core/errors.js';
import { compileJmesPath } from '../../../shared/core/expressions/jmesPath.js';
import { compileJmesPathAst } from '../../../shared/core/expressions/jmesPath/compileJmesPathAst.js';
import { EvaluationBudget } from '../../../shared/core/expressions/jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from '../../../shared/core/expressions/jmesPath/jmesPathInterpreter.js';
import { parseJmesPath } from '../../../shared/core/expressions/jmesPath/parseJmesPath.js';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import type { CompiledExpression, EvaluationMemo, WorkMeter } from '../../../shared/core/expressions/types.js';
import { SeededRandom } from '../../support/seededRandom.js';

/**
 * Member names: ordinary ones, hyphenated and integer-like ones, inherited `Object.prototype` names, `__proto__`
 * (an own member when JSON.parse reads it), the empty name, and enough distinct names (`n0`…`n39`) to pass the 30
 * that the shared descendant index gives a bit to.
 */
const NAMES = [
  'a',
  'b',
  'c',
  'heartRate',
  'Body',
  'steps',
  'x-y',
  '0',
  '12',
  'constructor',
  'toString',
  '__proto__',
  'length',
  '',
  ...Array.from({ length: 40 }, (_, i) => `n${i}`),
];
const COMMON_NAMES = ['a', 'b', 'c', 'heartRate', 'Body', 'steps', 'x-y', '0', 'n1', 'n2'];

function randomName(random: SeededRandom): string {
  return random.chance(0.75) ? random.pick(COMMON_NAMES) : random.pick(NAMES);
}

/** A random JSON value as text (so that JSON.parse, as for a message body, builds it). */
function randomJsonText(random: SeededRandom, depth: number): string {
  const roll = depth >= 4 ? random.below(5) : random.below(9);
  switch (roll) {
    case 0:
      return random.pick(['0', '1', '-2.5', '70', '1e3']);
    case 1:
      return random.pick(['"t"', '""', '" "', '"temperature"', '"2023-03-13T22:46:01Z"']);
    case 2:
      return random.pick(['true', 'false']);
    case 3:
      return 'null';
    case 4:
      return '{}';
    case 5:
    case 6: {
      const members: string[] = [];
      const count = random.below(5);
      for (let i = 0; i < count; i++) {
        members.push(`${JSON.stringify(randomName(random))}:${randomJsonText(random, depth + 1)}`);
      }
      return `{${members.join(',')}}`;
    }
    default: {
      const items = Array.from({ length: random.below(4) }, () => randomJsonText(random, depth + 1));
      return `[${items.join(',')}]`;
    }
  }
}

/** A JSONPath member step for a name (dotted when the parser takes it so, bracketed otherwise). */
function jsonPathMember(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) ? `.${name}` : `['${name}']`;
}

/** A member-existence test: `@.a`, `@a`, `@.a.b`, `@.a[0]`, `@['x y']`. */
function randomExistsTest(random: SeededRandom): string {
  const first = randomName(random);
  let path = `@${jsonPathMember(first)}`;
  if (random.chance(0.15) && /^[A-Za-z_]/.test(first)) {
    path = `@${first}`;
  }
  if (random.chance(0.3)) {
    path += random.chance(0.7) ? jsonPathMember(randomName(random)) : `[${random.below(3)}]`;
  }
  return path;
}

/** A filter of existence tests joined by `&&` and `||` (what the object-scan fast path takes). */
function randomExistenceFilter(random: SeededRandom, depth = 0): string {
  if (depth >= 2 || random.chance(0.45)) {
    return randomExistsTest(random);
  }
  const operator = random.chance(0.5) ? ' && ' : ' || ';
  const count = 2 + random.below(2);
  return Array.from({ length: count }, () => randomExistenceFilter(random, depth + 1)).join(operator);
}

/**
 * An evaluation's tokens, or the text of the error it threw with the expressions it may quote left out (the fast and
 * the general form differ in their text only).
 */
function outcome(run: () => unknown[], ...sources: string[]): unknown[] | string {
  try {
    return run();
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) {
      return sources.reduce((message, source) => message.replaceAll(source, '…'), error.message);
    }
    throw error;
  }
}

/** Expects the same tokens (by identity, in order) or the same error. */
function expectSame(actual: unknown[] | string, expected: unknown[] | string, what: string): void {
  if (typeof expected === 'string') {
    expect(actual, what).toBe(expected);
    return;
  }
  expect(typeof actual, what).toBe('object');
  expect(actual, what).toHaveLength(expected.length);
  (actual as unknown[]).forEach((token, i) => expect(token, `${what} (token ${i})`).toBe(expected[i]));
}

describe('JSONPath member-existence scans against the general evaluation, on random documents', () => {
  it('select the same tokens in the same order and charge the same work, one scan per fresh document', () => {
    const random = new SeededRandom(20261126);
    for (let n = 0; n < 1500; n++) {
      const text = randomJsonText(random, 0);
      const filter = randomExistenceFilter(random);
      const fast = `$..[?(${filter})]`;
      const general = `$..[?((${filter}) && true)]`;
      const what = `${fast} on ${text}`;
      const data = JSON.parse(text) as unknown;
      const expected = outcome(() => compileJsonPath(general).matches(data), general);

      // With and without the caller's plain-JSON hint: the hint only lets the index skip prototype checks.
      expectSame(
        outcome(() => compileJsonPath(fast).matches(data, { plainJson: data }), fast),
        expected,
        `${what} (hinted)`,
      );
      // With a shared meter: the same tokens, and exactly the work the general evaluation charges.
      const fastMeter: WorkMeter = { remaining: 1_000_000 };
      const generalMeter: WorkMeter = { remaining: 1_000_000 };
      expectSame(
        outcome(() => compileJsonPath(fast).matches(data, undefined, fastMeter), fast),
        outcome(() => compileJsonPath(general).matches(data, undefined, generalMeter), general),
        `${what} (meter)`,
      );
      expect(fastMeter.remaining, `${what} (work charged)`).toBe(generalMeter.remaining);
    }
  });

  it('select the same tokens when several scans share one memo, names registered in between included', () => {
    const random = new SeededRandom(7);
    for (let n = 0; n < 400; n++) {
      const text = randomJsonText(random, 0);
      const body = JSON.parse(text) as unknown;
      // The envelope a template runs on: the parsed body inside objects the code built.
      const data = { Body: body, Properties: {}, SystemProperties: { 'iothub-connection-device-id': 'd' } };
      const memo: EvaluationMemo = { plainJson: body };
      const meter: WorkMeter = { remaining: 1_000_000 };
      for (let k = 0; k < 4; k++) {
        // Compiled now, after the memo's index may already exist: a name first seen here has no bit in it yet.
        const filter = randomExistenceFilter(random);
        const fast = compileJsonPath(`$..[?(${filter})]`);
        const general = compileJsonPath(`$..[?((${filter}) && true)]`);
        const what = `${fast.source} (scan ${k}) on ${text}`;
        expectSame(
          outcome(() => fast.matches(data, memo, meter), fast.source),
          outcome(() => general.matches(data), general.source),
          what,
        );
      }
    }
  });

  it('fail at the same work bound, and charge a shared meter what the general evaluation charges', () => {
    const random = new SeededRandom(99);
    for (let n = 0; n < 300; n++) {
      const text = randomJsonText(random, 0);
      const data = JSON.parse(text) as unknown;
      const filter = randomExistenceFilter(random);
      const fast = `$..[?(${filter})]`;
      const general = `$..[?((${filter}) && true)]`;
      const limit = random.below(40);
      const what = `${fast} within ${limit} on ${text}`;
      expectSame(
        outcome(() => compileJsonPath(fast, { maxNodeVisits: limit }).matches(data, { plainJson: data }), fast),
        outcome(() => compileJsonPath(general, { maxNodeVisits: limit }).matches(data), general),
        what,
      );
      const fastMeter: WorkMeter = { remaining: limit };
      const generalMeter: WorkMeter = { remaining: limit };
      expectSame(
        outcome(() => compileJsonPath(fast).matches(data, { plainJson: data }, fastMeter), fast),
        outcome(() => compileJsonPath(general).matches(data, undefined, generalMeter), general),
        `${what} (meter)`,
      );
      expect(fastMeter.remaining, `${what} (meter left)`).toBe(generalMeter.remaining);
    }
  });

  it('select one token as selectOne does on the general evaluation', () => {
    const random = new SeededRandom(31);
    const many = Symbol('many');
    for (let n = 0; n < 800; n++) {
      const text = randomJsonText(random, 0);
      const data = JSON.parse(text) as unknown;
      const filter = randomExistenceFilter(random);
      const fast = compileJsonPath(`$..[?(${filter})]`);
      const general = compileJsonPath(`$..[?((${filter}) && true)]`);
      expect(fast.selectOne?.(data, many), `${fast.source} on ${text}`).toBe(general.selectOne?.(data, many));
    }
  });
});

/** A random plain JSONPath member path: `$.a`, `$.a.b[1]`, `$['x y'].c`. */
function randomJsonPathChain(random: SeededRandom): string {
  let path = '$';
  const length = 1 + random.below(3);
  for (let i = 0; i < length; i++) {
    path += random.chance(0.8) ? jsonPathMember(randomName(random)) : `[${random.below(3)}]`;
  }
  return path;
}

/** A random JMESPath field chain: `a`, `a.b`, `"x-y".c`. */
function randomJmesPathChain(random: SeededRandom): string {
  const length = 1 + random.below(3);
  return Array.from({ length }, () => {
    const name = randomName(random);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
  }).join('.');
}

describe('plain member paths split at their first member, on random documents', () => {
  it.each([
    ['JSONPath', randomJsonPathChain, (source: string) => compileJsonPath(source)],
    ['JMESPath', randomJmesPathChain, (source: string) => compileJmesPath(source)],
  ] as const)('%s: the rest on the own head member selects what the whole path selects', (_l, chain, compile) => {
    const random = new SeededRandom(4242);
    let split = 0;
    for (let n = 0; n < 1500; n++) {
      const text = randomJsonText(random, 0);
      const data = JSON.parse(text) as unknown;
      const expression: CompiledExpression = compile(chain(random));
      const rootMember = expression.rootMember;
      if (rootMember === undefined || typeof data !== 'object' || data === null || Array.isArray(data)) {
        continue;
      }
      split++;
      const own = Object.hasOwn(data, rootMember.head) ? (data as Record<string, unknown>)[rootMember.head] : undefined;
      const what = `${expression.source} on ${text}`;
      // What normalizeEvent does with a split: no such own member selects nothing.
      const viaSplit = own === undefined ? [] : rootMember.rest.matches(own);
      expectSame(viaSplit, expression.matches(data), what);
    }
    // Most objects of the generator are objects with members: the split path was taken many times.
    expect(split).toBeGreaterThan(300);
  });
});

/** JMESPath fields: a few names the random data uses. */
const JMES_FIELDS = ['a', 'b', 'kind', 'v', 'list'];

/** A random JMESPath expression over the shapes MedTech mappings use, and more. */
function randomJmesPath(random: SeededRandom, depth = 0): string {
  const leaf = (): string => {
    switch (random.below(6)) {
      case 0:
        return '@';
      case 1:
        return random.pick(['`1`', '`0`', '`"t"`', '`null`', '`[1, 2]`', "'temperature'"]);
      default:
        return random.pick(JMES_FIELDS);
    }
  };
  if (depth >= 3) {
    return leaf();
  }
  const sub = (): string => randomJmesPath(random, depth + 1);
  const field = (): string => random.pick(JMES_FIELDS);
  switch (random.below(22)) {
    case 0:
    case 1:
      return leaf();
    case 2:
      return `${sub()}.${field()}`;
    case 3:
      return `${field()}[${random.pick(['0', '1', '-1'])}]`;
    case 4:
      return `${field()}[${random.pick(['1:', ':2', '::-1', '0:1'])}]`;
    case 5:
      return `${field()}[*].${field()}`;
    case 6:
      return `${field()}[].${field()}`;
    case 7:
      return `${field()}[?${field()} == ${random.pick(["'temperature'", '`1`', '`null`', field()])}]`;
    case 8:
      return `${field()}[?${field()} ${random.pick(['<', '>=', '!='])} \`${random.below(3)}\`].${field()}`;
    case 9:
      return `!${sub()}`;
    case 10:
      return `${sub()} || ${sub()}`;
    case 11:
      return `${sub()} && ${sub()}`;
    case 12:
      return `${sub()} | ${sub()}`;
    case 13:
      return `[${sub()}, ${sub()}]`;
    case 14:
      return `{x: ${sub()}, y: ${sub()}}`;
    case 15:
      return `${random.pick(['add', 'subtract', 'multiply', 'divide'])}(${sub()}, ${sub()})`;
    case 16:
      return `${random.pick(['length', 'to_string', 'to_number', 'not_null', 'type', 'abs', 'floor', 'keys', 'values', 'sort', 'max', 'min', 'sum', 'avg', 'reverse', 'to_array', 'ceil'])}(${sub()})`;
    case 17:
      return `${random.pick(['contains', 'starts_with', 'ends_with', 'max_by', 'sort_by', 'join', 'merge', 'not_null'])}(${sub()}, ${random.pick(['&v', "'t'", sub()])})`;
    case 18:
      return `${field()}[?${field()}].${field()}`;
    case 19:
      return `${field()}.${field()}[?!${field()}]`;
    case 20:
      return `(${sub()})`;
    default:
      return `${sub()}[0]`;
  }
}

/** SeededRandom data for JMESPath: objects with the fields above, lists of readings, scalars. */
function randomJmesData(random: SeededRandom, depth: number): unknown {
  const roll = depth >= 3 ? random.below(4) : random.below(7);
  switch (roll) {
    case 0:
      return random.pick([0, 1, 2, -1.5, 98.6]);
    case 1:
      return random.pick(['t', 'temperature', '', '2']);
    case 2:
      return random.pick([true, false, null]);
    case 3:
      return {};
    case 4:
    case 5: {
      const out: Record<string, unknown> = {};
      const count = 1 + random.below(4);
      for (let i = 0; i < count; i++) {
        out[random.pick(JMES_FIELDS)] = randomJmesData(random, depth + 1);
      }
      return out;
    }
    default:
      return Array.from({ length: random.below(4) }, () => randomJmesData(random, depth + 1));
  }
}

/** A JMESPath evaluation's value, or its error's message. */
function jmesOutcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

describe('compiled JMESPath against the interpreter, on random expressions and data', () => {
  it('gives the same value or error and charges the same work, at an ample bound and at the bound it needs', () => {
    const random = new SeededRandom(1234);
    let compared = 0;
    for (let n = 0; n < 3000; n++) {
      const source = randomJmesPath(random);
      let ast;
      try {
        ast = parseJmesPath(source);
      } catch {
        continue;
      }
      const compiled = compileJmesPathAst(ast);
      if (compiled === null) {
        continue;
      }
      compared++;
      const data = randomJmesData(random, 0);
      const what = `${source} on ${JSON.stringify(data)}`;
      // With an ample bound: the same outcome, and the same steps and characters charged.
      const interpreterBudget = new EvaluationBudget(1_000_000, 1_000);
      const compiledBudget = new EvaluationBudget(1_000_000, 1_000);
      const expected = jmesOutcome(() => evaluateJmesPath(ast, data, interpreterBudget).value);
      expect(
        jmesOutcome(() => compiled(data, compiledBudget)),
        what,
      ).toEqual(expected);
      expect(compiledBudget.stepsUsed, `${what} (steps)`).toBe(interpreterBudget.stepsUsed);
      expect(compiledBudget.charsProduced, `${what} (characters)`).toBe(interpreterBudget.charsProduced);
      // At the bound the evaluation needs, and one step short of it: both pass, or both fail the same way.
      const needed = interpreterBudget.stepsUsed;
      for (const maxSteps of [needed, needed - 1]) {
        const atBound = jmesOutcome(() => evaluateJmesPath(ast, data, new EvaluationBudget(maxSteps, 1_000)).value);
        const actual = jmesOutcome(() => compiled(data, new EvaluationBudget(maxSteps, 1_000)));
        expect(actual, `${what} within ${maxSteps} steps`).toEqual(atBound);
      }
    }
    // Enough of the generator's expressions parse and are ones the compiler takes.
    expect(compared).toBeGreaterThan(750);
  });

  it('gives matches and selectOne that agree with each other', () => {
    const random = new SeededRandom(555);
    const many = Symbol('many');
    for (let n = 0; n < 1500; n++) {
      const source = randomJmesPath(random);
      let expression: CompiledExpression;
      try {
        expression = compileJmesPath(source);
      } catch {
        continue;
      }
      const data = randomJmesData(random, 0);
      const what = `${source} on ${JSON.stringify(data)}`;
      const tokens = jmesOutcome(() => expression.matches(data));
      const one = jmesOutcome(() => expression.selectOne?.(data, many));
      if ('error' in tokens) {
        expect(one, what).toEqual(tokens);
        continue;
      }
      const list = tokens.value as unknown[];
      const expected = list.length === 1 ? list[0] : list.length === 0 ? undefined : many;
      expect(one, what).toEqual({ value: expected });
    }
  });
});
