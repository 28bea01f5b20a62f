/**
 * Expressions are untrusted input: whatever text a mapping holds, compiling it must either succeed or fail with a
 * TemplateExpression error (which the validator locates), and evaluating what compiled must either give matches or
 * fail with one of the pipeline's own errors (which normalization turns into IncompatibleData for that match), and the
 * loader's check of where it starts (expressionReach.ts) must answer without throwing. Any
 * other exception — a TypeError deep in an evaluator, a RangeError from a string too long — would escape as an
 * internal error with no location; an evaluator's own defect that JMESPath wraps in a vague error counts as one too.
 * Seeded random text (tokens of both languages in any order), and random JMESPath and JSONPath built from their
 * grammars (every function, mostly with arguments of its kinds; filters comparing tokens of every kind), run on
 * random data.
 */
import { describe, expect, it } from 'vitest';
import { isMedTechError } from '../../../shared/core/errors.js';
import { compileJmesPath } from '../../../shared/core/expressions/jmesPath.js';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import type { CompiledExpression } from '../../../shared/core/expressions/types.js';
import { SeededRandom } from '../../support/seededRandom.js';
import type { ContentTemplateKind } from '../../../shared/core/mapping/deviceMapping.js';
import { unreachableStartOf } from '../../../shared/core/mapping/expressionReach.js';

/** Pieces of both languages' syntax, of the functions, of literals .NET reads specially, and of stray text. */
const TOKENS = [
  '$',
  '@',
  '.',
  '..',
  '[',
  ']',
  '(',
  ')',
  '?',
  '*',
  ',',
  ':',
  "'",
  '"',
  '`',
  '|',
  '||',
  '&&',
  '&',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=~',
  '!',
  '-',
  '/',
  '\\',
  '0',
  '9',
  '-1',
  '1e5',
  '.5',
  'a',
  'Body',
  'matchedToken',
  ' ',
  '{',
  '}',
  'true',
  'null',
  '"x"',
  "'x'",
  '`1`',
  '`[1,2]`',
  '`{"a":1}`',
  '[*]',
  '[?',
  '[0]',
  '[-1]',
  '[::-1]',
  '[1:2:0]',
  '@.a',
  '$.a',
  '..*',
  '/a+/i',
  'length(',
  'to_number(',
  'max_by(',
  'sort_by(',
  'join(',
  'keys(',
  'to_string(',
  'add(',
  'insertString(',
  'fromUnixTimestamp(',
  '\u00e9',
  '\ud800',
  '\n',
  '#',
];

function randomText(random: SeededRandom): string {
  let text = '';
  const count = random.below(12);
  for (let i = 0; i < count; i++) {
    text += random.pick(TOKENS);
  }
  return text;
}

/**
 * Every function JMESPath has here (standard and MedTech's) with the kinds of its parameters — n number, s string,
 * a array, o object, e expression reference, * anything, a trailing + for more of the same —, and one that does not
 * exist.
 */
const FUNCTIONS: readonly (readonly [name: string, parameters: string])[] = [
  ['abs', 'n'],
  ['avg', 'a'],
  ['ceil', 'n'],
  ['contains', '**'],
  ['ends_with', 'ss'],
  ['floor', 'n'],
  ['join', 'sa'],
  ['keys', 'o'],
  ['length', '*'],
  ['map', 'ea'],
  ['max', 'a'],
  ['max_by', 'ae'],
  ['merge', 'o+'],
  ['min', 'a'],
  ['min_by', 'ae'],
  ['not_null', '*+'],
  ['reverse', '*'],
  ['sort', 'a'],
  ['sort_by', 'ae'],
  ['starts_with', 'ss'],
  ['sum', 'a'],
  ['to_array', '*'],
  ['to_number', '*'],
  ['to_string', '*'],
  ['type', '*'],
  ['values', 'o'],
  ['add', 'nn'],
  ['subtract', 'nn'],
  ['multiply', 'nn'],
  ['divide', 'nn'],
  ['pow', 'nn'],
  ['fromUnixTimestamp', 'n'],
  ['fromUnixTimestampMs', 'n'],
  ['insertString', 'ssn'],
  ['no_such_function', '*'],
];
const FIELDS = ['a', 'b', 'v', 'list', '"x y"', 'Body', 'matchedToken'];
/** Literals at the edges: huge and tiny numbers, integers past 2^31 and 2^53, times outside .NET's range. */
const LITERALS = [
  '`1`',
  '`0`',
  '`-1`',
  '`1.5`',
  '`1e308`',
  '`-1e308`',
  '`1e-320`',
  '`-0`',
  '`2147483648`',
  '`9007199254740993`',
  '`253402300800`',
  '`-62135596801`',
  '`"t"`',
  '`""`',
  '`null`',
  '`true`',
  '`[1, "a", null]`',
  '`{"a": 1}`',
  '`[]`',
  '`{}`',
  "'temperature'",
  "''",
  "'1'",
  '`"2020-01-01"`',
];

/** A random JMESPath expression from the grammar: every construct, functions at any arity with any arguments. */
function randomJmesPath(random: SeededRandom, depth = 0): string {
  if (depth >= 3) {
    return random.pick([...FIELDS, '@', ...LITERALS]);
  }
  const sub = (): string => randomJmesPath(random, depth + 1);
  switch (random.below(20)) {
    case 0:
    case 1:
      return random.pick([...FIELDS, '@', ...LITERALS]);
    case 2:
      return `${sub()}.${random.pick(FIELDS)}`;
    case 3:
      return `${sub()}[${random.pick(['0', '-1', '5', '-5'])}]`;
    case 4:
      return `${sub()}[${random.pick(['1:', '::-1', '::0', '-9:9:2', '::2147483648'])}]`;
    case 5:
      return `${sub()}[*]`;
    case 6:
      return `${sub()}[]`;
    case 7:
      return `${sub()}[?${sub()} ${random.pick(['==', '!=', '<', '<=', '>', '>='])} ${sub()}]`;
    case 8:
      return `!${sub()}`;
    case 9:
      return `${sub()} || ${sub()}`;
    case 10:
      return `${sub()} && ${sub()}`;
    case 11:
      return `${sub()} | ${sub()}`;
    case 12:
      return `[${sub()}, ${sub()}]`;
    case 13:
      return `{x: ${sub()}, y: ${sub()}}`;
    case 14:
      return `&${sub()}`;
    case 15:
      return `${sub()}.*`;
    default:
      return randomCall(random, sub);
  }
}

/** Literals and fields of each parameter kind, the argument a call mostly gets (any kind of expression otherwise). */
const ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  n: ['`-1`', '`0`', '`1.5`', '`-0.5`', '`1e308`', '`-1e308`', '`2147483648`', '`253402300800`', '`-62135596801`', 'v'],
  s: ["'temperature'", "''", "'1'", '`"2020-01-01T00:00:00Z"`', 'a', 'b'],
  a: ['`[1, 2.5, -3]`', '`["b", "a"]`', '`[1, "a", null]`', '`[]`', 'list', 'list[*].v', '@[*]'],
  o: ['`{"a": 1}`', '`{}`', '@', 'Body', '{x: a, y: b}'],
};

/** A call: mostly a known function with its number of arguments of its kinds; sometimes anything at all. */
function randomCall(random: SeededRandom, sub: () => string): string {
  const [name, parameters] = random.pick(FUNCTIONS);
  let kinds = parameters.replace('+', '');
  if (parameters.endsWith('+')) {
    kinds += (kinds.at(-1) as string).repeat(random.below(3));
  }
  if (random.below(5) === 0) {
    // The wrong number of arguments.
    kinds = '*'.repeat(random.below(4));
  }
  const args = [...kinds].map((kind) => {
    if (kind === 'e') {
      return `&${random.below(3) === 0 ? sub() : random.pick(['v', 'a', '@', 'to_number(v)'])}`;
    }
    const typed = ARGUMENTS[kind];
    return typed !== undefined && random.below(3) > 0 ? random.pick(typed) : sub();
  });
  return `${name}(${args.join(', ')})`;
}

/** A random JSONPath expression from Newtonsoft's grammar: steps of every kind, filters comparing any kinds. */
function randomJsonPath(random: SeededRandom, depth = 0): string {
  let path = random.pick(['$', '$', '@', '']);
  const steps = 1 + random.below(4);
  for (let i = 0; i < steps; i++) {
    switch (random.below(9)) {
      case 0:
        path += `.${random.pick(JSON_NAMES)}`;
        break;
      case 1:
        path += `['${random.pick(JSON_NAMES)}']`;
        break;
      case 2:
        path += `[${random.pick(['0', '-1', '3', '0,1', '1:', ':-1', '::-1', '0:4:2', '*'])}]`;
        break;
      case 3:
        path += `..${random.pick([...JSON_NAMES, '*'])}`;
        break;
      default:
        path += `${random.pick(['', '..'])}[?(${depth < 2 ? randomCondition(random, depth) : '@.a'})]`;
    }
  }
  return path;
}

const JSON_NAMES = ['a', 'b', 'v', 'list', 'Body', 'matchedToken', 'x y'];
const JSON_OPERANDS = [
  '1',
  '-1.5',
  '0',
  '1e5',
  '2147483648',
  '9007199254740993',
  "'a'",
  '"b"',
  "''",
  "'2020-01-01T00:00:00Z'",
  'true',
  'false',
  'null',
  '@',
  '@.a',
  '@.v',
  "@['x y']",
  '$.a',
  '$..v',
];

function randomCondition(random: SeededRandom, depth: number): string {
  switch (random.below(6)) {
    case 0:
      return `@.${random.pick(JSON_NAMES)}`;
    case 1:
      return `${randomCondition(random, depth)} ${random.pick(['&&', '||'])} ${randomCondition(random, depth)}`;
    case 2:
      return `@.${random.pick(JSON_NAMES)} =~ ${random.pick(['/a/', '/^2020/i', '/(a|b)+$/', '@.a', "'a'"])}`;
    case 3:
      return `${random.pick(JSON_OPERANDS)} ${random.pick(['==', '!=', '<', '<=', '>', '>=', '==='])} ${randomJsonPath(random, depth + 1)}`;
    default:
      return `${random.pick(JSON_OPERANDS)} ${random.pick(['==', '!=', '<', '<=', '>', '>=', '===', '!=='])} ${random.pick(JSON_OPERANDS)}`;
  }
}

/** SeededRandom data: scalars at the edges, arrays, objects with the field names above. */
function randomData(random: SeededRandom, depth = 0): unknown {
  const roll = random.below(10);
  if (depth > 3 || roll < 4) {
    return random.pick([0, 1, -1, 1.5, -0.5, 1e308, 2147483648, 2 ** 53 + 2, 'a', '', '2020-01-01T00:00:00Z']);
  }
  if (roll < 6) {
    return random.pick([null, true, false]);
  }
  if (roll < 8) {
    return Array.from({ length: random.below(5) }, () => randomData(random, depth + 1));
  }
  const out: Record<string, unknown> = {};
  const count = random.below(5);
  for (let i = 0; i < count; i++) {
    out[random.pick(['a', 'b', 'v', 'list', 'x y', 'Body', 'matchedToken'])] = randomData(random, depth + 1);
  }
  return out;
}

/** An outcome that is not allowed, described, or undefined. */
function unexpected(run: () => unknown, allowed: (error: unknown) => boolean): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return allowed(error) ? undefined : String(error);
  }
}

const isTemplateExpression = (error: unknown): boolean => isMedTechError(error) && error.name === 'TemplateExpression';

/**
 * What the JMESPath evaluator says when it wraps an exception it did not expect (a defect: it keeps the pipeline
 * going, but the message explains nothing), or a RangeError, which data and expressions this small cannot cause.
 */
const WRAPPED_DEFECT = /unexpected (?:\w*Error|error)\.|nested too deeply/;

/** A pipeline error that is not a wrapped defect. */
const isPipelineError = (error: unknown): boolean => isMedTechError(error) && !WRAPPED_DEFECT.test(error.message);

/** Places of an expression in a template that the reach check tells apart. */
const REACH_CHECKS: readonly [ContentTemplateKind, string][] = [
  ['CalculatedContent', 'typeMatchExpression'],
  ['CalculatedContent', 'valueExpression'],
  ['IotJsonPathContent', 'typeMatchExpression'],
  ['JsonPathContent', 'deviceIdExpression'],
];

/** Compiles and evaluates on a few random data; findings are pushed, the count of compiled expressions returned. */
function exercise(
  source: string,
  compile: (source: string) => CompiledExpression,
  random: SeededRandom,
  findings: string[],
): number {
  let compiled: CompiledExpression | undefined;
  const failure = unexpected(() => (compiled = compile(source)), isTemplateExpression);
  if (failure !== undefined) {
    findings.push(`compiling ${JSON.stringify(source)} threw ${failure}`);
  }
  if (compiled === undefined) {
    return 0;
  }
  const expression = compiled;
  // The mapping loader's check of where the expression starts runs on everything that compiles.
  for (const [kind, field] of REACH_CHECKS) {
    const check = unexpected(
      () => unreachableStartOf(kind, field, expression.language, source),
      () => false,
    );
    if (check !== undefined) {
      findings.push(`the reach check of ${JSON.stringify(source)} as a ${kind} ${field} threw ${check}`);
    }
  }
  for (let i = 0; i < 3; i++) {
    const data = randomData(random);
    const on = `${JSON.stringify(source)} on ${JSON.stringify(data)}`;
    const matches = unexpected(() => expression.matches(data, {}, { remaining: 100_000 }), isPipelineError);
    if (matches !== undefined) {
      findings.push(`matches of ${on} threw ${matches}`);
    }
    if (expression.selectOne !== undefined) {
      const one = unexpected(() => expression.selectOne?.(data, 'several', { remaining: 100_000 }), isPipelineError);
      if (one !== undefined) {
        findings.push(`selectOne of ${on} threw ${one}`);
      }
    }
  }
  return 1;
}

describe('expressions from random text', () => {
  it('compile or fail with TemplateExpression; what compiles evaluates or fails with a pipeline error', () => {
    const random = new SeededRandom(77);
    const findings: string[] = [];
    const compiled = { JsonPath: 0, JmesPath: 0 };
    for (let n = 0; n < 6000 && findings.length < 5; n++) {
      const source = randomText(random);
      compiled.JsonPath += exercise(source, (s) => compileJsonPath(s), random, findings);
      compiled.JmesPath += exercise(source, (s) => compileJmesPath(s), random, findings);
    }
    expect(findings).toEqual([]);
    // SeededRandom text mostly does not compile; enough of it must, or evaluation goes untested.
    expect(compiled.JsonPath).toBeGreaterThan(1000);
    expect(compiled.JmesPath).toBeGreaterThan(100);
  });

  it('JMESPath from its grammar, every function at any arity: the same', () => {
    const random = new SeededRandom(2718);
    const findings: string[] = [];
    let compiled = 0;
    for (let n = 0; n < 5000 && findings.length < 5; n++) {
      compiled += exercise(randomJmesPath(random), (s) => compileJmesPath(s), random, findings);
    }
    expect(findings).toEqual([]);
    expect(compiled).toBeGreaterThan(1500);
  });

  it('JSONPath from its grammar, filters comparing every kind of token: the same', () => {
    const random = new SeededRandom(31415);
    const findings: string[] = [];
    let compiled = 0;
    for (let n = 0; n < 5000 && findings.length < 5; n++) {
      compiled += exercise(randomJsonPath(random), (s) => compileJsonPath(s), random, findings);
    }
    expect(findings).toEqual([]);
    expect(compiled).toBeGreaterThan(2500);
  });
});
