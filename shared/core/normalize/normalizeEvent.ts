import { Buffer } from 'node:buffer';
import type { DeviceEvent } from '../deviceEvent.js';
import { ExpressionEvaluationError, MedTechError, isMedTechError, type ErrorLocation } from '../errors.js';
import type { CompiledExpression, EvaluationMemo, WorkMeter } from '../expressions/types.js';
import {
  readsMemberOrder,
  type ContentTemplate,
  type DeviceMapping,
  type ExpressionField,
} from '../mapping/deviceMapping.js';
import { descendantIndexOf } from '../expressions/jsonPath/descendantIndex.js';
import { readJsonAsMedTech } from './medTechJsonReader.js';
import type { Measurement, MeasurementProperty } from '../measurement.js';
import { dependsOnLiteral, findNumberLiteralTexts, type NumberLiteralTexts } from './exactIntegers.js';
import { parseEventBody, type ParsedEventBody } from './parseEventBody.js';
import { toDoubleText, toNumberText } from './toMeasurementValue.js';
import { KindedNumber, NUMBER_KINDS_NEEDED, kindedTwinOf, linkTwins } from '../expressions/jmesPath/kindedNumbers.js';
import { readKindedBody } from './kindedBody.js';
import { toUtcTimestamp, type TokenSource } from './toUtcTimestamp.js';
import { isDotNetBlank } from '../dotNetWhiteSpace.js';
import { isInt64, parseDotNetInt64 } from '../dotNetNumbers.js';
import { quoteBounded } from '../quoteBounded.js';

/** Bounds on the work one message may cause (mappings and messages are untrusted). */
export interface NormalizeLimits {
  /** Most matches one template's type match may yield for one message; beyond it the template yields nothing. */
  maxMatchesPerTemplate: number;
  /** Most measurements one message may yield; beyond it the whole message is set aside. */
  maxMeasurementsPerEvent: number;
  /**
   * Most errors recorded for one message (a template failing in every match repeats one error per match); beyond it
   * errors are only counted, and one last error says how many were left out.
   */
  maxErrorsPerEvent: number;
  /**
   * Expression work one message may cause in total — JSONPath node visits, JMESPath steps and characters of the
   * strings JMESPath builds, of every evaluation, and one unit per expression evaluated — so that many templates,
   * matches and values cannot multiply the bound of one evaluation; beyond it the whole message is set aside. A unit
   * cost from 10 to about 180 ns on this project's machine (a JMESPath multi-select or `starts_with` the most), so
   * the default bounds a message to under a second.
   */
  maxWorkPerEvent: number;
  /**
   * Characters of text (ids, values and their names) one message's measurements may hold in total, each measurement
   * charged {@link MEASUREMENT_CHARGE_CHARS} and each value {@link VALUE_CHARGE_CHARS} more for the objects that hold
   * them; beyond it the whole message is set aside. Each measurement is staged with its own copy of the text it
   * references: 10,000 matches whose value is the same 230 KB string of the message would stage 2.3 GB; and 10,000
   * matches of a template with 390 empty values, were values free, would hold 3.9 million objects (200 MB).
   */
  maxTextCharsPerEvent: number;
  /**
   * Largest measurement, in bytes of UTF-8 JSON: it is staged in one document, and Cosmos DB refuses items over 2 MB
   * (a write that can never succeed would hold its partition for ever). A larger one fails its match.
   */
  maxMeasurementBytes: number;
}

/** What a measurement costs against {@link NormalizeLimits.maxTextCharsPerEvent} beside its text (its object, times). */
export const MEASUREMENT_CHARGE_CHARS = 64;

/** What each value of a measurement costs against {@link NormalizeLimits.maxTextCharsPerEvent} beside its text. */
export const VALUE_CHARGE_CHARS = 32;

/** Default {@link NormalizeLimits}: far above real device batches, low enough to bound a hostile message. */
export const DEFAULT_NORMALIZE_LIMITS: Readonly<NormalizeLimits> = Object.freeze({
  maxMatchesPerTemplate: 10_000,
  maxMeasurementsPerEvent: 10_000,
  maxErrorsPerEvent: 100,
  maxWorkPerEvent: 5_000_000,
  maxTextCharsPerEvent: 4_000_000,
  maxMeasurementBytes: 1_000_000,
});

/** Options of {@link normalizeEvent}. */
export interface NormalizeOptions {
  /** Overrides of {@link DEFAULT_NORMALIZE_LIMITS}. */
  limits?: Partial<NormalizeLimits>;
}

/** What one message normalized to: its measurements (template order, then match order) and its errors. */
export interface NormalizeResult {
  measurements: Measurement[];
  /** Non-blocking Normalization errors (InvalidDataFormat, IncompatibleData), each with its location. */
  errors: MedTechError[];
  /** Present when something was skipped without being an error (e.g. an optional value that is an object). */
  warnings?: string[];
}

/**
 * Normalizes one device event with a device mapping (reference-behaviour §1.2–§1.6, §1.9, §1.10).
 *
 * Every content template runs against the message envelope `{ Body, Properties, SystemProperties }`; each match of
 * its type match yields one measurement unless a required field cannot be extracted, which yields an
 * IncompatibleData error for that match only. A body that is not JSON yields one InvalidDataFormat error and no
 * measurements. Errors name the template, field and expression, never data values.
 * @param mapping - the compiled device mapping
 * @param event - the event (body, properties, system properties, enqueued time)
 * @param options - work limits
 * @returns measurements and errors; never throws for bad data
 */
export function normalizeEvent(
  mapping: DeviceMapping,
  event: DeviceEvent,
  options?: NormalizeOptions,
): NormalizeResult {
  const ingestionTimeUtc = toIngestionTimeUtc(event.enqueuedTimeUtc);
  if (ingestionTimeUtc === undefined) {
    const error = new MedTechError(
      'IncompatibleData',
      'Normalization',
      'The event enqueued time is not an ISO-8601 timestamp.',
      { location: { field: 'enqueuedTimeUtc' } },
    );
    return { measurements: [], errors: [error] };
  }
  const body = parseEventBody(event.body);
  if (!body.ok) {
    return { measurements: [], errors: [body.error] };
  }

  const limits = options?.limits;
  let run = createRun(body.value, body, event, ingestionTimeUtc, limits);
  let envelope = { Body: run.body, Properties: run.properties, SystemProperties: run.systemProperties };
  if (body.text !== undefined && mappingReadsMemberOrder(mapping)) {
    const ordered = inMessageMemberOrder(envelope, body.text, run);
    if (ordered !== undefined) {
      run = createRun(ordered, body, event, ingestionTimeUtc, limits);
      envelope = { Body: run.body, Properties: run.properties, SystemProperties: run.systemProperties };
    }
  }
  run.envelope = envelope;
  let complete = true;
  const templates = mapping.templates;
  for (let i = 0; i < templates.length; i++) {
    if (!normalizeTemplate(templates[i] as ContentTemplate, envelope, run)) {
      complete = false;
      break;
    }
  }

  if (run.unrecordedErrors > 0) {
    run.errors.push(
      new MedTechError(
        'IncompatibleData',
        'Normalization',
        `${run.unrecordedErrors} more errors of this message were not recorded (at most ${run.maxErrors} are).`,
      ),
    );
  }
  const result: NormalizeResult = { measurements: complete ? run.measurements : [], errors: run.errors };
  if (run.warnings !== undefined) {
    result.warnings = [...run.warnings];
  }
  return result;
}

/** The state of one normalizeEvent call over `value`, the body as parsed (`body` says how). */
function createRun(
  value: unknown,
  body: ParsedEventBody & { ok: true },
  event: DeviceEvent,
  ingestionTimeUtc: string,
  limits: Partial<NormalizeLimits> | undefined,
): Run {
  const run = new Run(
    value,
    body.text,
    event.properties,
    event.systemProperties,
    ingestionTimeUtc,
    limits?.maxMatchesPerTemplate ?? DEFAULT_NORMALIZE_LIMITS.maxMatchesPerTemplate,
    limits?.maxMeasurementsPerEvent ?? DEFAULT_NORMALIZE_LIMITS.maxMeasurementsPerEvent,
    limits?.maxErrorsPerEvent ?? DEFAULT_NORMALIZE_LIMITS.maxErrorsPerEvent,
    limits?.maxWorkPerEvent ?? DEFAULT_NORMALIZE_LIMITS.maxWorkPerEvent,
    limits?.maxTextCharsPerEvent ?? DEFAULT_NORMALIZE_LIMITS.maxTextCharsPerEvent,
    limits?.maxMeasurementBytes ?? DEFAULT_NORMALIZE_LIMITS.maxMeasurementBytes,
  );
  if (event.body.kind !== 'json') {
    run.memo.plainJson = value;
  }
  if (body.numberTexts !== undefined) {
    run.numberTexts = body.numberTexts;
  }
  if (body.text === undefined) {
    // A body that arrived parsed: no text to read kinds from; its numbers are what the sender's parser made them.
    run.kindedBody = undefined;
  }
  if (body.warning !== undefined) {
    run.warnings = new Set([body.warning]);
  }
  return run;
}

/**
 * The body read again so that its objects list their members in the order the message wrote them, when JavaScript
 * would list some in another order (it lists integer-like names first: `{"b": 1, "1": 2}`) and the mapping has an
 * expression whose result can depend on it; undefined when nothing needs it. Looked for in the walk of the envelope
 * that every `..` scan shares (built here first, so that a mapping of scans pays nothing more); only a message with
 * such an object is read again. A body too deep for MedTech's reader keeps JavaScript's order.
 */
function inMessageMemberOrder(envelope: object, text: string, run: Run): unknown {
  if (!descendantIndexOf(envelope, run.memo, run.remaining).digitLeadingNames) {
    return undefined;
  }
  const ordered = readJsonAsMedTech(text, { keepMemberOrder: true });
  return ordered.ok && ordered.reordered > 0 ? ordered.value : undefined;
}

/** Per mapping, whether an expression can depend on member order: found once, mappings never change. */
const memberOrderReaders = new WeakMap<DeviceMapping, boolean>();

function mappingReadsMemberOrder(mapping: DeviceMapping): boolean {
  let reads = memberOrderReaders.get(mapping);
  if (reads === undefined) {
    reads = readsMemberOrder(mapping.templates);
    memberOrderReaders.set(mapping, reads);
  }
  return reads;
}

// Events of one batch often share an enqueued time: remember the last conversion.
let lastEnqueuedTime = '';
let lastIngestionTime: string | undefined;

function toIngestionTimeUtc(enqueuedTimeUtc: string): string | undefined {
  if (enqueuedTimeUtc !== lastEnqueuedTime) {
    lastIngestionTime = toUtcTimestamp(enqueuedTimeUtc);
    lastEnqueuedTime = enqueuedTimeUtc;
  }
  return lastIngestionTime;
}

/** {@link toUtcTimestamp}, remembering the last conversion: the measurements of one message mostly share a time. */
function toOccurrenceTimeUtc(text: string, source: TokenSource, run: Run): string | undefined {
  if (text !== run.lastTimeText || source !== run.lastTimeSource) {
    run.lastTimeUtc = toUtcTimestamp(text, source);
    run.lastTimeText = text;
    run.lastTimeSource = source;
  }
  return run.lastTimeUtc;
}

/**
 * Where the token an expression selects comes from, as far as its form tells: a plain path into the envelope's
 * `Properties` or `SystemProperties` reads an event property, which MedTech never read as JSON text (so a timestamp
 * there is read with DateTime.Parse alone, and a number's text owes nothing to the body's literals). That is
 * `$.Properties.x` against the envelope, or `$.Properties.x` (`$.matchedToken.Properties.x`) against a match that is
 * the envelope itself (IoT Hub templates, whose `$..[?(@Body.x)]` matches the root, read
 * `$.Properties.iothub-creation-time-utc` so). Anything else is taken to read the body.
 */
function textSource(template: ContentTemplate, expression: CompiledExpression, run: Run): TokenSource {
  let split = expression.rootMember;
  if (template.scope === 'envelopeWithMatch') {
    if (split?.head !== 'matchedToken') {
      return isPropertiesName(split?.head) ? 'eventProperties' : 'body';
    }
    split = split.rest.rootMember;
  }
  const head = split?.head;
  if (head === undefined || !isPropertiesName(head)) {
    return 'body';
  }
  const match = run.match;
  const member = typeof match === 'object' && match !== null ? (match as Record<string, unknown>)[head] : undefined;
  return member !== undefined && (member === run.properties || member === run.systemProperties)
    ? 'eventProperties'
    : 'body';
}

function isPropertiesName(name: string | undefined): boolean {
  return name === 'Properties' || name === 'SystemProperties';
}

/** State of one normalizeEvent call. */
class Run implements WorkMeter {
  readonly measurements: Measurement[] = [];
  readonly errors: MedTechError[] = [];
  /** A set: a skipped optional value repeats once per match, the warning only once. */
  warnings: Set<string> | undefined = undefined;
  /** The text, its source and the result of the last occurrence-time conversion. */
  lastTimeText: string | undefined = undefined;
  lastTimeUtc: string | undefined = undefined;
  lastTimeSource: TokenSource = 'body';
  /**
   * Shared by the type matches, which all run on the same envelope (one walk of it for every `..` scan); its hint
   * names the body when it was parsed here from bytes or text.
   */
  readonly memo: EvaluationMemo = { root: undefined, descendants: undefined, plainJson: undefined };
  /** The match whose measurement is being extracted. */
  match: unknown = undefined;
  /** The `envelopeWithMatch` object of {@link Run.match}, built only when an expression needs it whole. */
  scope: object | undefined = undefined;
  /**
   * The body read with its numbers' kinds for the JMESPath expressions that can tell them (kindedNumbers.ts), read
   * when one first needs a kind; `undefined` when the body has no number a plain one misrepresents (or no text).
   */
  kindedBody: unknown = UNREAD;

  /** True until {@link Run.kindedBody} is read: the body's number kinds are unknown ({@link WorkMeter}). */
  get numberKindsUnknown(): boolean {
    return this.kindedBody === UNREAD;
  }

  /** {@link WorkMeter.readBodyNumberKinds}: reads {@link Run.kindedBody} when a JSONPath filter first needs it. */
  readBodyNumberKinds(): boolean {
    if (this.kindedBody === UNREAD) {
      readNumberKinds(this);
    }
    return this.kindedBody !== undefined;
  }
  /** The envelope the type matches run on; linked with a kinded twin when the body is read with its kinds. */
  envelope: object | undefined = undefined;
  /** The texts of the body's literal-sensitive numbers, found in {@link Run.text} when the first one is extracted. */
  numberTexts: NumberLiteralTexts | undefined = undefined;
  /** Errors past {@link Run.maxErrors}, counted instead of recorded. */
  unrecordedErrors = 0;
  /**
   * The expression work left to this message ({@link WorkMeter}: the run is the message's meter, no object more per
   * message); below zero once an evaluation stopped at it.
   */
  remaining: number;
  /** Characters of text (ids, values and their names) in the measurements so far. */
  textChars = 0;
  /** Set when a per-message bound set the message aside: nothing more is normalized. */
  stopped = false;

  constructor(
    readonly body: unknown,
    /** The text the body was parsed from here; undefined when it arrived parsed. */
    readonly text: string | undefined,
    readonly properties: Record<string, unknown>,
    readonly systemProperties: Record<string, unknown>,
    readonly ingestionTimeUtc: string,
    readonly maxMatches: number,
    readonly maxMeasurements: number,
    readonly maxErrors: number,
    readonly maxWork: number,
    readonly maxTextChars: number,
    readonly maxMeasurementBytes: number,
  ) {
    this.remaining = maxWork;
  }
}

/** The template field an expression belongs to: a named field, or the index of a `values[]` entry. */
type Field = ExpressionField | number;

/** Why a single-value expression gave no usable value. Compared by identity; never confused with a JSON token. */
interface Problem {
  readonly reason: string;
  /** True for "no value" (no match, null, blank), which an optional field simply omits. */
  readonly missing: boolean;
}

const NO_MATCH: Problem = { reason: 'matched nothing', missing: true };
const NULL_VALUE: Problem = { reason: 'matched null', missing: true };
const BLANK: Problem = { reason: 'matched a blank string', missing: true };
const MULTIPLE: Problem = {
  reason: 'matched multiple tokens where a single value is required',
  missing: false,
};
const OBJECT: Problem = { reason: 'matched an object, not a scalar value', missing: false };
const ARRAY: Problem = { reason: 'matched an array, not a scalar value', missing: false };
const NON_FINITE: Problem = { reason: 'matched a non-finite number', missing: false };
const AMBIGUOUS_NUMBER: Problem = {
  reason:
    'matched a number that another number of the message, written differently, reads as too (an integer beyond ' +
    "2^53, or a large or negative-zero number written once with and once without a fraction), so MedTech's text " +
    'for it cannot be told; send such ids and values as strings',
  missing: false,
};

const BIG_INTEGER: Problem = {
  reason:
    'matched an integer beyond 64 bits, which MedTech cannot turn into text (its JSON reader holds it as a ' +
    'BigInteger, which does not convert to a string); send such ids and values as strings',
  missing: false,
};

/** Runs one template over the envelope; false when a per-event limit stopped normalization. */
function normalizeTemplate(template: ContentTemplate, envelope: object, run: Run): boolean {
  let matches: unknown[];
  try {
    run.remaining--;
    matches = typeMatchesOf(template.typeMatch, envelope, run);
  } catch (error) {
    if (run.remaining < 0) {
      setAside(run, template, 'typeMatchExpression', template.typeMatch.source, workReason(run));
      return false;
    }
    if (recordsMore(run)) {
      run.errors.push(evaluationError(template, 'typeMatchExpression', template.typeMatch.source, error));
    }
    // A JSONPath type match that failed on a token of the message (a filter's comparison) still measures the tokens
    // it had selected before that one, as MedTech did: Newtonsoft selects lazily, and MedTech's extractor had turned
    // them into measurements when the failure stopped it. The template's later tokens are not evaluated.
    if (!(error instanceof ExpressionEvaluationError) || error.matchesBefore === undefined) {
      return true;
    }
    matches = error.matchesBefore;
  }
  if (matches.length > run.maxMatches) {
    if (recordsMore(run)) {
      run.errors.push(
        typeMatchError(
          template,
          `Type match of template ${describeTemplate(template)} using expression ${quoteBounded(template.typeMatch.source)} ` +
            `matched more than ${run.maxMatches} tokens in one message; the template was skipped for it.`,
        ),
      );
    }
    return true;
  }
  // A unit per expression each match evaluates, besides what the evaluations do: thousands of templates failing
  // in every one of thousands of matches are bounded too. Charged for all matches at once: a message past the bound
  // is set aside whole, whichever match would have reached it.
  if (matches.length > 0) {
    run.remaining -= expressionsPerMatch(template) * matches.length;
  }
  // Checked with no match too: the type match's own unit may be the one past the bound (a plain path draws nothing
  // more, so it does not fail at the bound itself).
  if (run.remaining < 0) {
    setAside(run, template, 'typeMatchExpression', template.typeMatch.source, workReason(run));
    return false;
  }
  for (let i = 0; i < matches.length; i++) {
    const match = matches[i];
    run.match = match;
    run.scope = undefined;
    const measurement = extractMeasurement(template, run);
    if (measurement === undefined) {
      if (run.stopped) {
        // extractMeasurement recorded why.
        return false;
      }
      continue;
    }
    if (run.measurements.length >= run.maxMeasurements) {
      run.errors.push(
        typeMatchError(
          template,
          `The message yields more than ${run.maxMeasurements} measurements; it was set aside ` +
            `(limit reached at template ${describeTemplate(template)}).`,
        ),
      );
      return false;
    }
    run.measurements.push(measurement);
  }
  return true;
}

/** How many expressions one match of a template evaluates at most. */
function expressionsPerMatch(template: ContentTemplate): number {
  return (
    1 +
    template.timestamp.length +
    (template.correlationId === undefined ? 0 : 1) +
    (template.patientId === undefined ? 0 : 1) +
    (template.encounterId === undefined ? 0 : 1) +
    template.values.length
  );
}

/**
 * The single token an expression selects for the current match, or the NO_MATCH / MULTIPLE problem. The data is what
 * the template's scope says (reference-behaviour §1.3–§1.6): the match itself, or the envelope plus a `matchedToken`
 * member; a path into one member of the latter reads that member directly, without building the object.
 */
function select(template: ContentTemplate, expression: CompiledExpression, run: Run): unknown {
  if (expression.readsNumberKinds === true) {
    return withNumberKinds(
      run,
      () => selectPlain(template, expression, run),
      (kinded) => selectWithKinds(template, expression, run, kinded),
    );
  }
  return selectPlain(template, expression, run);
}

/** The type match's matches; see {@link select} for an expression that reads number kinds. */
function typeMatchesOf(typeMatch: CompiledExpression, envelope: object, run: Run): unknown[] {
  if (typeMatch.readsNumberKinds === true) {
    return withNumberKinds(
      run,
      () => typeMatch.matches(envelope, run.memo, run),
      (kinded) =>
        typeMatch.matches(
          { Body: kinded, Properties: run.properties, SystemProperties: run.systemProperties },
          run.memo,
          run,
        ),
    );
  }
  return typeMatch.matches(envelope, run.memo, run);
}

/**
 * Evaluates an expression that reads number kinds: on the plain body while its kinds are unknown, until it stops for
 * one (NUMBER_KINDS_NEEDED); then, the body read with its kinds, on that (or again on the plain body, exact when it has
 * no number a plain one misrepresents).
 */
function withNumberKinds<T>(run: Run, onPlain: () => T, onKinded: (kinded: unknown) => T): T {
  if (run.kindedBody === UNREAD) {
    const remaining = run.remaining;
    try {
      return onPlain();
    } catch (error) {
      if (error !== NUMBER_KINDS_NEEDED) {
        throw error;
      }
      // The evaluation starts again: what the stopped one did is not charged as well.
      run.remaining = remaining;
      readNumberKinds(run);
    }
  }
  return run.kindedBody === undefined ? onPlain() : onKinded(run.kindedBody);
}

/** {@link select} on the body as parsed, its numbers plain. */
function selectPlain(template: ContentTemplate, expression: CompiledExpression, run: Run): unknown {
  switch (template.scope) {
    case 'matchedToken':
      return selectOne(expression, run.match, run);
    case 'envelopeWithMatch': {
      const split = expression.rootMember;
      if (split !== undefined) {
        const head = split.head;
        const member = head === 'matchedToken' ? run.match : envelopeMember(head, run);
        return member === undefined ? NO_MATCH : selectOne(split.rest, member, run);
      }
      // A fresh four-member object per match; the envelope's members are shared, never copied.
      run.scope ??= {
        Body: run.body,
        Properties: run.properties,
        SystemProperties: run.systemProperties,
        matchedToken: run.match,
      };
      return selectOne(expression, run.scope, run);
    }
  }
}

/** {@link select} for an expression that reads number kinds, over the body read with them. */
function selectWithKinds(
  template: ContentTemplate,
  expression: CompiledExpression,
  run: Run,
  kinded: unknown,
): unknown {
  const match = kindedTwinOf(run.match);
  switch (template.scope) {
    case 'matchedToken':
      return selectOne(expression, match, run);
    case 'envelopeWithMatch': {
      const split = expression.rootMember;
      if (split !== undefined) {
        const head = split.head;
        const member = head === 'matchedToken' ? match : head === 'Body' ? kinded : envelopeMember(head, run);
        return member === undefined ? NO_MATCH : selectOne(split.rest, member, run);
      }
      // Built for each such expression: the kinded path is the rare one.
      const scope = {
        Body: kinded,
        Properties: run.properties,
        SystemProperties: run.systemProperties,
        matchedToken: match,
      };
      return selectOne(expression, scope, run);
    }
  }
}

/**
 * Reads the body with its numbers' kinds ({@link Run.kindedBody}), when an expression first needs a kind: undefined
 * when the body has no number its plain reading misrepresents (the plain body is then exact).
 */
function readNumberKinds(run: Run): void {
  run.kindedBody = run.text === undefined ? undefined : readKindedBody(run.text, run.body);
  if (run.kindedBody !== undefined && run.envelope !== undefined) {
    // So that a JSONPath filter tested on the envelope itself (`$..[?(@Body.x > '2.5')]`) finds the kinded body too.
    const kindedEnvelope = {
      Body: run.kindedBody,
      Properties: run.properties,
      SystemProperties: run.systemProperties,
    };
    linkTwins(kindedEnvelope, run.envelope);
  }
}

/** {@link Run.kindedBody} before it is read. */
const UNREAD: unique symbol = Symbol('unread');

/** A member of the current match's `envelopeWithMatch` object, `undefined` for a name it does not have. */
function envelopeMember(name: string, run: Run): unknown {
  switch (name) {
    case 'matchedToken':
      return run.match;
    case 'Body':
      return run.body;
    case 'Properties':
      return run.properties;
    case 'SystemProperties':
      return run.systemProperties;
    default:
      return undefined;
  }
}

/** Extracts one measurement (§1.9 order); on failure records one error and returns undefined. */
function extractMeasurement(template: ContentTemplate, run: Run): Measurement | undefined {
  // Tracked for the catch below: which expression was being evaluated when an evaluator threw.
  let field: Field = 'deviceIdExpression';
  let expression: CompiledExpression = template.deviceId;
  try {
    const deviceId = selectIdText(template, expression, run);
    if (typeof deviceId !== 'string') {
      return fail(run, template, field, expression.source, deviceId, true);
    }

    field = 'timestampExpression';
    let occurrenceTimeUtc: string | undefined;
    let lastProblem: Problem = NO_MATCH;
    // The first token that is not a timestamp; later candidates are still tried, as MedTech does (an IoT Hub
    // creation time that is not a timestamp falls back to the enqueued time).
    let unusable: { source: string; token: unknown } | undefined;
    for (const candidate of template.timestamp) {
      expression = candidate;
      const token = select(template, candidate, run);
      if (token === MULTIPLE) {
        return fail(run, template, field, candidate.source, MULTIPLE, true);
      }
      if (token === NO_MATCH || token === null || token === undefined) {
        lastProblem = token === NO_MATCH ? NO_MATCH : NULL_VALUE;
        continue;
      }
      if (typeof token === 'string') {
        // White space around a time is allowed: the text is read whole.
        chargeWholeRead(token, run);
        if (isBlank(token)) {
          lastProblem = BLANK;
          continue;
        }
      }
      occurrenceTimeUtc =
        typeof token === 'string' ? toOccurrenceTimeUtc(token, textSource(template, candidate, run), run) : undefined;
      if (occurrenceTimeUtc !== undefined) {
        break;
      }
      unusable ??= { source: candidate.source, token };
    }
    if (occurrenceTimeUtc === undefined && unusable !== undefined) {
      return failTimestamp(run, template, unusable.source, unusable.token);
    }
    if (occurrenceTimeUtc === undefined) {
      const sources = template.timestamp.map((t) => t.source).join(', ');
      const problem: Problem =
        template.timestamp.length > 1 ? { reason: 'found no value with any of them', missing: true } : lastProblem;
      return fail(run, template, field, sources, problem, true);
    }

    let correlationId: string | undefined;
    if (template.correlationId !== undefined) {
      field = 'correlationIdExpression';
      expression = template.correlationId;
      const text = selectIdText(template, expression, run);
      if (typeof text !== 'string') {
        return fail(run, template, field, expression.source, text, true);
      }
      correlationId = text;
    }

    let patientId: string | undefined;
    if (template.patientId !== undefined) {
      field = 'patientIdExpression';
      expression = template.patientId;
      const text = selectIdText(template, expression, run);
      if (typeof text === 'string') {
        patientId = text;
      } else if (!skipOptional(run, template, field, expression.source, text)) {
        return undefined;
      }
    }

    let encounterId: string | undefined;
    if (template.encounterId !== undefined) {
      field = 'encounterIdExpression';
      expression = template.encounterId;
      const text = selectIdText(template, expression, run);
      if (typeof text === 'string') {
        encounterId = text;
      } else if (!skipOptional(run, template, field, expression.source, text)) {
        return undefined;
      }
    }

    const values = template.values;
    // Sized for every value (usually all present), shortened below when an optional one is omitted.
    const properties = new Array<MeasurementProperty>(values.length);
    let count = 0;
    // Characters of the measurement's text (names included: a mapping may give a template thousands of values).
    let chars =
      MEASUREMENT_CHARGE_CHARS +
      template.typeName.length +
      deviceId.length +
      (patientId?.length ?? 0) +
      (encounterId?.length ?? 0) +
      (correlationId?.length ?? 0);
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      field = i;
      expression = value.expression;
      const text = selectValueText(template, expression, value.required, run);
      if (typeof text === 'string') {
        properties[count++] = { name: value.valueName, value: text };
        chars += VALUE_CHARGE_CHARS + value.valueName.length + text.length;
      } else if (value.required) {
        return fail(run, template, field, expression.source, text, true);
      } else if (!skipOptional(run, template, field, expression.source, text)) {
        return undefined;
      }
    }
    if (count < properties.length) {
      properties.length = count;
    }
    run.textChars += chars;
    if (run.textChars > run.maxTextChars) {
      return setAside(
        run,
        template,
        'typeMatchExpression',
        template.typeMatch.source,
        `The message's measurements hold more than ${run.maxTextChars} characters of ids, values and names ` +
          `(each measurement counted ${MEASUREMENT_CHARGE_CHARS} more, each value ${VALUE_CHARGE_CHARS})`,
      );
    }

    // Members in the order the mapping debugger prints them; absent ids are omitted, not set to undefined.
    if (patientId !== undefined && encounterId === undefined && correlationId === undefined) {
      // The common shape, built in one step.
      return checkSize(
        {
          type: template.typeName,
          occurrenceTimeUtc,
          ingestionTimeUtc: run.ingestionTimeUtc,
          deviceId,
          patientId,
          properties,
        },
        chars,
        template,
        run,
      );
    }
    const measurement = {
      type: template.typeName,
      occurrenceTimeUtc,
      ingestionTimeUtc: run.ingestionTimeUtc,
      deviceId,
    } as Measurement;
    if (patientId !== undefined) {
      measurement.patientId = patientId;
    }
    if (encounterId !== undefined) {
      measurement.encounterId = encounterId;
    }
    if (correlationId !== undefined) {
      measurement.correlationId = correlationId;
    }
    measurement.properties = properties;
    return checkSize(measurement, chars, template, run);
  } catch (error) {
    if (run.remaining < 0) {
      return setAside(run, template, field, expression.source, workReason(run));
    }
    if (recordsMore(run)) {
      run.errors.push(evaluationError(template, field, expression.source, error));
    }
    return undefined;
  }
}

/** The single token an expression selects in `data`, or the NO_MATCH / MULTIPLE problem. */
function selectOne(expression: CompiledExpression, data: unknown, work: WorkMeter): unknown {
  if (expression.selectOne !== undefined) {
    const token = expression.selectOne(data, MULTIPLE, work);
    return token === undefined ? NO_MATCH : token;
  }
  const found = expression.matches(data, undefined, work);
  if (found.length === 1) {
    return found[0];
  }
  return found.length === 0 ? NO_MATCH : MULTIPLE;
}

/**
 * Counts a string read whole (a timestamp text, a required text checked for blanks) against the message's work: a unit
 * for every 16 characters past the first 64. Past the bound it throws, and {@link extractMeasurement} sets the message
 * aside at the field being read.
 */
function chargeWholeRead(text: string, run: Run): void {
  if (text.length > 64) {
    run.remaining -= (text.length - 64) >>> 4;
    if (run.remaining < 0) {
      throw new ExpressionEvaluationError('the message needs more work than its bound');
    }
  }
}

/** The id (device, patient, …) an expression selects for the current match, as text: a blank string is no value. */
function selectIdText(template: ContentTemplate, expression: CompiledExpression, run: Run): string | Problem {
  return selectValueText(template, expression, true, run);
}

/**
 * The value an expression selects for the current match, as text, or why there is none; `blankIsMissing` for required
 * values and ids.
 */
function selectValueText(
  template: ContentTemplate,
  expression: CompiledExpression,
  blankIsMissing: boolean,
  run: Run,
): string | Problem {
  const token = select(template, expression, run);
  // The scalar kinds first (the common case), then the problems; the same outcome as `toMeasurementValue`, except
  // for numbers whose text depends on how the message wrote them (digits beyond 2^53, `1.5e15`, `-0.0`).
  if (typeof token === 'string') {
    if (blankIsMissing) {
      // Read whole when it is all white space.
      chargeWholeRead(token, run);
    }
    return blankIsMissing && isBlank(token) ? BLANK : token;
  }
  if (typeof token === 'number') {
    if (dependsOnLiteral(token)) {
      // An event property was never message text: the body's literals say nothing about it.
      return textSource(template, expression, run) === 'body' ? toLiteralText(token, run) : toNumberText(token);
    }
    return Number.isFinite(token) ? toNumberText(token) : NON_FINITE;
  }
  if (typeof token === 'boolean') {
    return token ? 'true' : 'false';
  }
  if (token instanceof KindedNumber) {
    return kindedNumberText(token);
  }
  if (token === NO_MATCH || token === MULTIPLE) {
    return token as Problem;
  }
  if (token === null || token === undefined) {
    return NULL_VALUE;
  }
  return Array.isArray(token) ? ARRAY : typeof token === 'object' ? OBJECT : NON_FINITE;
}

/**
 * The text MedTech makes of a number a JMESPath expression computed or wrote as a literal, of a kind a plain number
 * cannot carry (kindedNumbers.ts): a float as .NET writes a double (`1.678747561E+15`, `2`, `-0`), an integer with
 * all its digits, and a problem for an integer beyond 64 bits, as for such a number of the message.
 */
function kindedNumberText(token: KindedNumber): string | Problem {
  const integer = token.integer;
  if (integer === undefined) {
    return toDoubleText(token.value);
  }
  return isInt64(integer) ? integer.toString() : BIG_INTEGER;
}

/**
 * A literal-sensitive number's text as MedTech makes it from what the message wrote ({@link dependsOnLiteral}): an
 * integer beyond 2^53 with all the digits of its literal, a large or negative-zero number written with a fraction or
 * exponent as a double (`1.5E+15`, `-0`). Without the text (a body that arrived parsed) or such a literal (a value
 * computed by an expression), the number's own text; with two literals that read as it but give different texts, a
 * problem; and a problem for an integer beyond 64 bits, which MedTech fails to turn into text (Newtonsoft's
 * `Value<string>()` cannot convert a BigInteger: the field is then missing to MedTech, an error when required).
 */
function toLiteralText(value: number, run: Run): string | Problem {
  if (run.text === undefined) {
    return toNumberText(value);
  }
  run.numberTexts ??= findNumberLiteralTexts(run.text);
  const literals = run.numberTexts.get(value);
  if (literals === undefined) {
    return toNumberText(value);
  }
  if (literals.length > 1) {
    return AMBIGUOUS_NUMBER;
  }
  const literal = literals[0] as string;
  // An integer literal outside .NET's long is a BigInteger to Newtonsoft.Json.
  return /^-?\d+$/.test(literal) && parseDotNetInt64(literal) === undefined ? BIG_INTEGER : literal;
}

/**
 * An optional field without a usable value: omitted when missing, omitted with a warning when not a scalar;
 * false (after recording the error) when it matched several tokens, which fails the measurement.
 */
function skipOptional(run: Run, template: ContentTemplate, field: Field, source: string, problem: Problem): boolean {
  if (problem.missing) {
    return true;
  }
  if (problem === MULTIPLE) {
    fail(run, template, field, source, problem, false);
    return false;
  }
  run.warnings ??= new Set();
  run.warnings.add(
    `Optional ${describeField(template, field)} using expression ${quoteBounded(source)} ` +
      `(template ${describeTemplate(template)}) ${problem.reason}; it was omitted.`,
  );
  return true;
}

/** Records an IncompatibleData error for a field and fails the measurement (returns undefined). */
function fail(
  run: Run,
  template: ContentTemplate,
  field: Field,
  source: string,
  problem: Problem,
  required: boolean,
): undefined {
  const what = required ? 'required value' : 'value';
  if (recordsMore(run)) {
    run.errors.push(
      incompatible(
        template,
        field,
        source,
        `Unable to extract ${what} for ${describeField(template, field)} using expression ${quoteBounded(source)} ` +
          `(template ${describeTemplate(template)}): ${problem.reason}.`,
      ),
    );
  }
  return undefined;
}

/** Records the IncompatibleData error for a timestamp token that is no date and time MedTech reads. */
function failTimestamp(run: Run, template: ContentTemplate, source: string, token: unknown): undefined {
  let reason: string;
  if (typeof token === 'number' || token instanceof KindedNumber) {
    reason =
      'matched a number, which is not a timestamp; convert Unix time with the JmesPath functions ' +
      'fromUnixTimestamp (seconds) or fromUnixTimestampMs (milliseconds)';
  } else if (typeof token === 'string') {
    // Not only ISO 8601 is read (`11/27/2026 10:00` is, as .NET reads it): the message names the safe form.
    reason = 'matched a string that is not a date and time MedTech reads (ISO 8601, 2026-11-27T10:00:00Z, is safe)';
  } else {
    const what = Array.isArray(token) ? 'an array' : typeof token === 'object' ? 'an object' : `a ${typeof token}`;
    reason = `matched ${what}, not a timestamp`;
  }
  return fail(run, template, 'timestampExpression', source, { reason, missing: false }, true);
}

/** Why a message is set aside when its expressions need more than {@link NormalizeLimits.maxWorkPerEvent}. */
function workReason(run: Run): string {
  return `The message needs more than ${run.maxWork} units of expression work (node visits, evaluation steps, characters built)`;
}

/**
 * Sets the message aside because a per-message bound was reached (`reason` says which), recording why and where;
 * always recorded, whatever the number of errors.
 */
function setAside(run: Run, template: ContentTemplate, field: Field, source: string, reason: string): undefined {
  run.stopped = true;
  run.errors.push(
    incompatible(
      template,
      field,
      source,
      `${reason}; it was set aside (limit reached at ${describeField(template, field)} of template ` +
        `${describeTemplate(template)}).`,
    ),
  );
  return undefined;
}

/** Most UTF-8 bytes one character of a string can take in JSON text (a control character is escaped as `\u001f`). */
const MAX_JSON_BYTES_PER_CHAR = 6;
/** JSON bytes of a measurement besides its strings' characters: member names, times, quotes (at most). */
const MEASUREMENT_JSON_BYTES = 256;
/** JSON bytes of one property besides its name and value: `{"name":"","value":""},`. */
const PROPERTY_JSON_BYTES = 24;

/**
 * The measurement, or undefined (with an error) when its JSON is larger than one measurement may be. Measured only
 * when its characters could make it so: never for ordinary measurements.
 */
function checkSize(
  measurement: Measurement,
  chars: number,
  template: ContentTemplate,
  run: Run,
): Measurement | undefined {
  const most =
    chars * MAX_JSON_BYTES_PER_CHAR + MEASUREMENT_JSON_BYTES + PROPERTY_JSON_BYTES * measurement.properties.length;
  return most <= run.maxMeasurementBytes ? measurement : checkMeasuredSize(measurement, template, run);
}

/** {@link checkSize} for a measurement that may be too large: its JSON is measured. */
function checkMeasuredSize(measurement: Measurement, template: ContentTemplate, run: Run): Measurement | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(measurement), 'utf8');
  if (bytes <= run.maxMeasurementBytes) {
    return measurement;
  }
  if (recordsMore(run)) {
    run.errors.push(
      typeMatchError(
        template,
        `The measurement of a match of template ${describeTemplate(template)} would take ${bytes} bytes, more than ` +
          `the ${run.maxMeasurementBytes} one measurement may (it is staged as one document); it was not produced.`,
      ),
    );
  }
  return undefined;
}

/**
 * Whether one more error of a match or template is recorded: true while fewer than {@link Run.maxErrors} are; past
 * that the error is counted instead (a message failing in every one of thousands of matches costs a count, not an
 * error object and its text each). Callers build the error only when it is recorded. Not a callback: a closure over
 * the hot functions' locals would make V8 keep them in a heap context on every call.
 */
function recordsMore(run: Run): boolean {
  if (run.errors.length < run.maxErrors) {
    return true;
  }
  run.unrecordedErrors++;
  return false;
}

/** An IncompatibleData error for an expression that threw while being evaluated. */
function evaluationError(template: ContentTemplate, field: Field, source: string, error: unknown): MedTechError {
  // Our own errors carry safe messages (no data); a foreign error's message might quote data, so it is dropped.
  const detail = isMedTechError(error) ? error.message : 'the expression failed to evaluate';
  return incompatible(
    template,
    field,
    source,
    `Unable to evaluate ${describeField(template, field)} using expression ${quoteBounded(source)} ` +
      `(template ${describeTemplate(template)}): ${detail}`,
  );
}

/** An IncompatibleData error located at a template's type match (a bound reached while running the template). */
function typeMatchError(template: ContentTemplate, message: string): MedTechError {
  return incompatible(template, 'typeMatchExpression', template.typeMatch.source, message);
}

function incompatible(template: ContentTemplate, field: Field, source: string, message: string): MedTechError {
  return new MedTechError('IncompatibleData', 'Normalization', message, {
    location: locate(template, field, source),
  });
}

/**
 * The error location of a template's field: where the mapping file writes it (pointer as the file spells it, line and
 * column) when the mapping was parsed from a file, else the pointer its canonical names make.
 */
function locate(template: ContentTemplate, field: Field, source: string): ErrorLocation {
  const fixed = typeof field !== 'number' && isFixedByKind(template, field);
  const written =
    typeof field === 'number' ? template.values[field]?.writtenAt : template.writtenAt?.[fixed ? 'template' : field];
  const location: ErrorLocation = { templateIndex: template.index };
  if (written !== undefined) {
    location.pointer = written.pointer;
    location.line = written.line;
    location.column = written.column;
  } else {
    const base = `/template/${template.index}/template`;
    location.pointer =
      typeof field === 'number'
        ? `${base}/values/${fileIndexOf(template, field)}/valueExpression`
        : fixed
          ? base
          : `${base}/${field}`;
  }
  location.field = fieldName(template, field);
  location.expression = source;
  return location;
}

/** A value's index in the file's `values`. */
function fileIndexOf(template: ContentTemplate, value: number): number {
  return template.values[value]?.fileIndex ?? value;
}

/** IoT Hub and IoT Central templates supply their own device id and timestamp expressions (not in the file). */
function isFixedByKind(template: ContentTemplate, field: Field): boolean {
  if (field !== 'deviceIdExpression' && field !== 'timestampExpression') {
    return false;
  }
  switch (template.kind) {
    case 'IotJsonPathContent':
    case 'IotCentralJsonPathContent':
      return true;
    case 'CalculatedContent':
    case 'JsonPathContent':
      return false;
  }
}

function fieldName(template: ContentTemplate, field: Field): string {
  return typeof field === 'number' ? `values[${fileIndexOf(template, field)}].valueExpression` : field;
}

function describeField(template: ContentTemplate, field: Field): string {
  if (typeof field === 'number') {
    const valueName = template.values[field]?.valueName ?? '';
    return `value ${quoteBounded(valueName)} (${fieldName(template, field)})`;
  }
  return field;
}

function describeTemplate(template: ContentTemplate): string {
  return `${template.index} ${quoteBounded(template.typeName)}`;
}

/**
 * True for an empty or white-space-only string, white space as MedTech's `string.IsNullOrWhiteSpace` sees it (U+0085
 * is, U+FEFF is not); the common non-blank case exits on the first character.
 */
function isBlank(text: string): boolean {
  if (text.length === 0) {
    return true;
  }
  const first = text.charCodeAt(0);
  if (first > 32 && first < 127) {
    return false;
  }
  return isDotNetBlank(text);
}
