/**
 * `node dist/scripts/oracleEvaluate.js <mode>`: this project's side of tools/dotnet-oracle's random
 * differentials (see its README). Reads one case per line on stdin and writes one JSON result per line:
 * - `jsonpath`: `<base64 JSON text>\t<base64 path>`; the document is read as MedTech's reader reads it, members in the
 *   order the text writes them; the result is `[{"v": token}, …]` (what `compileJsonPath(path).matches` selects), or
 *   `"E <error name>: <message>\t[{"v": token}, …]"` with the tokens selected before the failure, or `"B <problem>"`
 *   when the text is no body MedTech reads; a filter whose comparison depends on how the text wrote a whole number
 *   reads it as normalizeEvent does (`ORACLE_JSONPATH_PLAIN=1`: it does not);
 * - `bodies`: `<base64 body bytes>`; the result is `{"outcome": "value", "value": …}` (non-finite numbers as
 *   `{"$number": "NaN"}`) or `{"outcome": "error", "msg": …}`, as `parseEventBody` reads the body;
 * - `dates`: `<base64 text>`, a string of a body; the result is `"D <epoch milliseconds>"` when Newtonsoft's reader
 *   turns it into a date as this project restates it (newtonsoftDateTimes.ts), else `"S"`;
 * - `jmespath`: `<base64 JSON data>\t<base64 expression>`; the result is `{"outcome": "value", "value": …}` (the
 *   expression's whole result, as JmesPath.Net's `Transform` gives it) or `{"outcome": "error", "msg": …}`;
 * - `normalize`: `<base64 device mapping>\t<base64 message file>`, a body or an envelope `{"Body", "Properties",
 *   "SystemProperties"}` as `medtech normalize` reads a `--message` file (enqueued at 2024-05-01T12:00:00Z); the
 *   result is `{"measurements": […], "errors": [names…]}` from `normalizeEvent` (with `"mathErrors": […]`, `overflow` or
 *   `nonFinite` for each error that is one of the README's math errors: a result past 64 bits or no finite number), or,
 *   when the mapping does not load, `{"mappingProblems": n, "problems": [messages…]}` (its errors);
 * - `fhirmapping`: `<base64 FHIR destination mapping>`; the result is `{"templates": […]}`, the CodeValueFhir templates
 *   `parseFhirMapping` read, or `{"mappingProblems": n, "problems": [messages…]}`.
 */
import { createInterface } from 'node:readline';
import { kindedBodyMeter, readKindedBody } from '../shared/core/normalize/kindedBody.js';
import { EvaluationBudget } from '../shared/core/expressions/jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from '../shared/core/expressions/jmesPath/jmesPathInterpreter.js';
import { parseJmesPath } from '../shared/core/expressions/jmesPath/parseJmesPath.js';
import { compileJmesPathAst } from '../shared/core/expressions/jmesPath/compileJmesPathAst.js';
import { compileJsonPath } from '../shared/core/expressions/jsonPath.js';
import { ExpressionEvaluationError } from '../shared/core/errors.js';
import { parseFhirMapping } from '../shared/core/fhir/fhirMapping.js';
import { parseDeviceMapping } from '../shared/core/mapping/parseDeviceMapping.js';
import { normalizeEvent } from '../shared/core/normalize/normalizeEvent.js';
import { parseEventBody } from '../shared/core/normalize/parseEventBody.js';
import { readJsonAsMedTech } from '../shared/core/normalize/medTechJsonReader.js';
import { readNewtonsoftDateTime } from '../shared/core/normalize/newtonsoftDateTimes.js';
import { toDeviceEvent } from '../shared/cli/readMessageFiles.js';
import { toKindedJsonText } from '../shared/core/expressions/jmesPath/kindedNumbers.js';

/** A value with its non-finite numbers spelled as tests/fixtures/newtonsoft-bodies spells them. */
function encodeNumbers(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : { $number: String(value) };
  }
  if (Array.isArray(value)) {
    return value.map(encodeNumbers);
  }
  if (value !== null && typeof value === 'object') {
    const encoded: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      encoded[key] = encodeNumbers((value as Record<string, unknown>)[key]);
    }
    return encoded;
  }
  return value;
}

function evaluatePath(line: string): string {
  const [document = '', path = ''] = line.split('\t');
  const text = Buffer.from(document, 'base64').toString('utf8');
  const body = readJsonAsMedTech(text, { keepMemberOrder: true });
  if (!body.ok) {
    return JSON.stringify(`B ${body.problem}`);
  }
  // As normalizeEvent's meter: a filter that depends on how the document wrote a whole number reads it with kinds
  // (ORACLE_JSONPATH_PLAIN=1: not, as before they were read, to find the cases where that matters).
  const meter =
    process.env['ORACLE_JSONPATH_PLAIN'] === '1'
      ? undefined
      : kindedBodyMeter(text, body.value, Number.MAX_SAFE_INTEGER);
  try {
    const tokens = compileJsonPath(Buffer.from(path, 'base64').toString('utf8')).matches(body.value, undefined, meter);
    return JSON.stringify(tokens.map((v) => ({ v })));
  } catch (error) {
    const { name, message } = error as Error;
    const before = error instanceof ExpressionEvaluationError ? (error.matchesBefore ?? []) : [];
    return JSON.stringify(`E ${name}: ${message}\t${JSON.stringify(before.map((v) => ({ v })))}`);
  }
}

function evaluateBody(line: string): string {
  const body = parseEventBody({ kind: 'bytes', bytes: new Uint8Array(Buffer.from(line, 'base64')) });
  return JSON.stringify(
    body.ok ? { outcome: 'value', value: encodeNumbers(body.value) } : { outcome: 'error', msg: body.error.message },
  );
}

function evaluateDate(line: string): string {
  const text = Buffer.from(line, 'base64').toString('utf8');
  const ms = readNewtonsoftDateTime(text);
  return JSON.stringify(ms === undefined ? 'S' : `D ${ms}`);
}

function evaluateJmes(line: string): string {
  const [data = '', expression = ''] = line.split('\t');
  try {
    const text = Buffer.from(data, 'base64').toString('utf8');
    const plain = JSON.parse(text) as unknown;
    // The data as JmesPath.Net reads it, its numbers with their kinds (what a normalization hands an expression that
    // can tell them).
    const document = readKindedBody(text, plain) ?? plain;
    const ast = parseJmesPath(Buffer.from(expression, 'base64').toString('utf8'));
    const interpreted = outcomeOf(() => evaluateJmesPath(ast, document, new EvaluationBudget(1e6, 1e6)).value);
    // Where the expression is one the compiler takes, its compiled evaluation must give the same outcome: a
    // difference shows as an error no library gives, so the comparison with JmesPath.Net reports it.
    const compiled = compileJmesPathAst(ast);
    if (compiled !== null) {
      const fast = outcomeOf(() => compiled(document, new EvaluationBudget(1e6, 1e6)));
      if (fast !== interpreted) {
        return JSON.stringify({ outcome: 'error', msg: `compiled evaluation differs: ${fast} / ${interpreted}` });
      }
    }
    return interpreted;
  } catch (error) {
    return errorOutcome(error);
  }
}

/** The JSON line of an evaluation's value or error. */
function outcomeOf(evaluate: () => unknown): string {
  try {
    return `{"outcome":"value","value":${toKindedJsonText(evaluate() ?? null)}}`;
  } catch (error) {
    return errorOutcome(error);
  }
}

function errorOutcome(error: unknown): string {
  return JSON.stringify({ outcome: 'error', msg: (error as Error).message });
}

/** A mapping that does not load: how many errors, and their messages. */
function refusal(problems: readonly { severity: string; message: string }[]): string {
  const errors = problems.filter((p) => p.severity === 'error');
  return JSON.stringify({ mappingProblems: errors.length, problems: errors.map((p) => p.message) });
}

function evaluateNormalize(line: string): string {
  const [mapping = '', message = ''] = line.split('\t');
  const parsed = parseDeviceMapping(Buffer.from(mapping, 'base64').toString('utf8'));
  if (!parsed.ok) {
    return refusal(parsed.problems);
  }
  const { event } = toDeviceEvent(new Uint8Array(Buffer.from(message, 'base64')), {
    enqueuedTime: '2024-05-01T12:00:00Z',
    now: () => new Date('2024-05-01T12:00:00Z'),
  });
  const result = normalizeEvent(parsed.value, event);
  const mathErrors = result.errors.flatMap((e) => {
    const math = mathErrorOf(e.message);
    return math === undefined ? [] : [math];
  });
  return JSON.stringify({
    measurements: result.measurements,
    errors: result.errors.map((e) => e.name),
    ...(mathErrors.length > 0 ? { mathErrors } : {}),
  });
}

/** Which of the deliberate math errors (README) an error message reports, if any (medTechFunctions.ts's texts). */
function mathErrorOf(message: string): 'overflow' | 'nonFinite' | undefined {
  if (message.includes('the result does not fit a 64-bit integer')) {
    return 'overflow';
  }
  if (/has no real-number result|the result is too large for a number|cannot divide by zero/.test(message)) {
    return 'nonFinite';
  }
  return undefined;
}

function evaluateFhirMapping(line: string): string {
  const parsed = parseFhirMapping(Buffer.from(line, 'base64').toString('utf8'));
  if (!parsed.ok) {
    return refusal(parsed.problems);
  }
  return JSON.stringify({ templates: [...parsed.value.templates.values()] });
}

const MODES: Readonly<Record<string, (line: string) => string>> = {
  jsonpath: evaluatePath,
  bodies: evaluateBody,
  dates: evaluateDate,
  jmespath: evaluateJmes,
  normalize: evaluateNormalize,
  fhirmapping: evaluateFhirMapping,
};

async function main(): Promise<number> {
  const evaluate = MODES[process.argv[2] ?? ''];
  if (evaluate === undefined) {
    process.stderr.write(
      'Usage: node dist/scripts/oracleEvaluate.js jsonpath|bodies|dates|jmespath|normalize|fhirmapping < cases\n',
    );
    return 2;
  }
  const out: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line !== '') {
      out.push(evaluate(line));
    }
  }
  process.stdout.write(out.length === 0 ? '' : `${out.join('\n')}\n`);
  return 0;
}

process.exitCode = await main();
