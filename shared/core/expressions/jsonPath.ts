import { ExpressionEvaluationError } from '../errors.js';
import type { FilterExpression, FilterOperand, PathStep } from './jsonPath/jsonPathAst.js';
import { NUMBER_FORM_NEEDED, formOfBox, kindOf, matchTokens } from './jsonPath/matchTokens.js';
import type { NumberForm, TokenKind } from './jsonPath/matchTokens.js';
import { KindedNumber, kindedTwinOf } from './jmesPath/kindedNumbers.js';
import { parseJsonPath } from './jsonPath/parseJsonPath.js';
import { MASK_KNOWN, descendantIndexOf, registerMemberName } from './jsonPath/descendantIndex.js';
import { internName } from './jsonPath/internName.js';
import type { CompiledExpression, EvaluationMemo, RootMemberSplit, WorkMeter } from './types.js';
import { quoteBounded } from '../quoteBounded.js';

/** Default bound on the nodes one evaluation may visit (steps entered, elements tested, descendants scanned). */
export const JSONPATH_MAX_NODE_VISITS = 1_000_000;

/** Options of {@link compileJsonPath}. */
export interface JsonPathOptions {
  /** Nodes one evaluation may visit before it fails; default {@link JSONPATH_MAX_NODE_VISITS}. */
  maxNodeVisits?: number;
}

/**
 * Compiles a JSONPath expression once into closures that evaluate it with Newtonsoft.Json `SelectTokens` semantics
 * (docs/reference-behaviour.md §1.7): `$..[?(filter)]` tests the root and every value below it in pre-order, `@name`
 * means `@.name`, member names may hold `-`, filters compare as Newtonsoft does. Nothing is evaluated as code;
 * a `..` scan uses an explicit stack, so document depth is not limited by the call stack.
 * @param source - the expression text from the mapping
 * @param options - evaluation limits
 * @returns the compiled expression; `matches(data)` returns the selected tokens in Newtonsoft's order (pre-order for
 *   a single scan), a selected JSON `null` as `null`
 * @throws ExpressionSyntaxError when the expression cannot be parsed (the message quotes it and the 0-based position);
 *   `matches` throws ExpressionEvaluationError past the work bound, when Newtonsoft would fail on a comparison
 *   (with the tokens selected before it as `matchesBefore`), or when a path of thousands of steps follows data as deep
 */
export function compileJsonPath(source: string, options: JsonPathOptions = {}): CompiledExpression {
  const steps = parseJsonPath(source);
  const limit = options.maxNodeVisits ?? JSONPATH_MAX_NODE_VISITS;

  const getter = compileGetter(steps);
  if (getter !== null) {
    // `$`, `$.a.b.c`, `$.a[0].b`: no scan, at most one token, a handful of property reads.
    return getterExpression(source, steps, getter);
  }
  const scan = compileObjectScan(steps, source, limit);
  if (scan !== null) {
    return scan;
  }

  const chain = compileChain(steps);
  const matches = (data: unknown, _memo?: EvaluationMemo, meter?: WorkMeter): unknown[] => {
    if (data === undefined) {
      return [];
    }
    const out: unknown[] = [];
    const bound = meter === undefined ? limit : Math.min(limit, meter.remaining);
    const ctx: EvalContext = { root: data, budget: bound, limit: bound, out, source, meter };
    try {
      chain(data, ctx, collect);
    } catch (error) {
      // Each step is a call: a path of thousands of steps that data follows as deep runs out of stack.
      if (error instanceof RangeError) {
        throw new ExpressionEvaluationError(
          `JSONPath expression ${quoteBounded(source)} failed: the expression and the data are nested too deeply.`,
        );
      }
      // The chain runs depth first, in the order Newtonsoft's lazy SelectTokens yields: what it has collected is what
      // Newtonsoft had yielded when it failed on the same token.
      if (error instanceof ExpressionEvaluationError && ctx.budget >= 0 && out.length > 0) {
        error.matchesBefore = out;
      }
      throw error;
    } finally {
      if (meter !== undefined) {
        meter.remaining -= bound - ctx.budget;
      }
    }
    return out;
  };
  return matchesExpression(source, matches, readsMemberOrder(steps));
}

/** One compiled JSONPath expression; a class, so that every expression object has the same shape. */
class JsonPathExpression implements CompiledExpression {
  readonly language = 'JsonPath';
  /** JSONPath reads numbers as JSON.parse made them (the field is here so that every expression has one shape). */
  readonly readsNumberKinds = false;
  private split: RootMemberSplit | undefined;
  private splitOf: (() => RootMemberSplit | undefined) | undefined;

  /**
   * @param source - the expression text
   * @param rootMember - its split at the first member, or what makes it when first asked for (a path of n members
   *   has n nested splits: made at once, a long path cost time and memory quadratic in its length)
   * @param matches - evaluation
   * @param selectOne - single-value evaluation
   * @param readsMemberOrder - whether a result can depend on member order
   */
  constructor(
    readonly source: string,
    rootMember: RootMemberSplit | undefined | (() => RootMemberSplit | undefined),
    readonly matches: (data: unknown, memo?: EvaluationMemo, meter?: WorkMeter) => unknown[],
    readonly selectOne: (data: unknown, multiple: unknown, meter?: WorkMeter) => unknown,
    readonly readsMemberOrder = false,
  ) {
    if (typeof rootMember === 'function') {
      this.splitOf = rootMember;
    } else {
      this.split = rootMember;
    }
  }

  /** The split at the first member ({@link CompiledExpression.rootMember}). */
  get rootMember(): RootMemberSplit | undefined {
    if (this.splitOf !== undefined) {
      this.split = this.splitOf();
      this.splitOf = undefined;
    }
    return this.split;
  }
}

/**
 * An expression whose single value is taken from its matches (several are `multiple`). As Newtonsoft's `SelectToken`,
 * which stops at a second token ("multiple tokens"), a failure met after two tokens is not reached.
 */
function matchesExpression(
  source: string,
  matches: (data: unknown, memo?: EvaluationMemo, meter?: WorkMeter) => unknown[],
  readsOrder: boolean,
): CompiledExpression {
  return new JsonPathExpression(
    source,
    undefined,
    matches,
    (data, multiple, meter) => {
      let found: unknown[];
      try {
        found = matches(data, undefined, meter);
      } catch (error) {
        if (error instanceof ExpressionEvaluationError && (error.matchesBefore?.length ?? 0) >= 2) {
          return multiple;
        }
        throw error;
      }
      return found.length === 1 ? found[0] : found.length === 0 ? undefined : multiple;
    },
    readsOrder,
  );
}

/**
 * Whether steps visit an object's members in their order: a scan, a wildcard, or a filter (on an object it tests each
 * member's value), in the path or in a filter's operand paths. Names, indexes and slices do not.
 */
function readsMemberOrder(steps: readonly PathStep[]): boolean {
  return steps.some((step) => {
    switch (step.kind) {
      case 'member':
      case 'members':
      case 'index':
      case 'indexes':
      case 'slice':
      case 'root':
        return false;
      case 'memberWildcard':
      case 'arrayWildcard':
      case 'scanMember':
      case 'scanMembers':
      case 'scanAll':
      case 'scanFilter':
      case 'filter':
        return true;
    }
  });
}

/** A plain path as an expression; one starting with a member also offers its {@link RootMemberSplit}. */
function getterExpression(source: string, steps: readonly PathStep[], getter: Getter): CompiledExpression {
  const [first] = steps;
  const split = (): RootMemberSplit | undefined => {
    if (first === undefined || first.kind !== 'member') {
      return undefined;
    }
    const restSteps = steps.slice(1);
    const restGetter = compileGetter(restSteps);
    return restGetter === null
      ? undefined
      : { head: internName(first.name), rest: getterExpression(source, restSteps, restGetter) };
  };
  return new JsonPathExpression(
    source,
    split,
    (data) => {
      const value = getter(data);
      return value === undefined ? [] : [value];
    },
    getter,
  );
}

/**
 * Tests an object for a filter, given the object's mask from the {@link DescendantIndex} (0 when it cannot be used);
 * returns `ticks * 2 + (accepted ? 1 : 0)`, ticks being the node visits the general evaluation would count.
 */
type ObjectTest = (node: Record<string, unknown>, mask: number) => number;

/** A compiled member-existence filter and the registered-name bits it relies on. */
interface CompiledObjectTest {
  readonly test: ObjectTest;
  /** The highest bit it relies on, -1 for none. */
  readonly highestBit: number;
  /**
   * The bits of the first member of every path it tests, or 0 when some path's first member has no bit. When an
   * object's complete mask has none of them, every test fails, as on a non-object.
   */
  readonly names: number;
  /**
   * For a filter of one-member tests (`@.a`, `@.a && @.b`, `@.a || @.b`), each with a registered name: their bits
   * in test order, so that a complete mask decides the filter without reading a member (a set bit is a defined
   * member). Undefined for any other filter.
   */
  readonly bits?: readonly number[];
  /** With {@link CompiledObjectTest.bits}: true for `&&` (and a single test), false for `||`. */
  readonly all?: boolean;
}

/**
 * `$..[?(@.a)]`, `$..[?(@.a && @.b)]`, `$..[?(@.Body.steps)]`: a scan whose filter only tests that member paths
 * exist. Such a filter accepts objects only, so the scan tests the objects of the document's shared
 * {@link DescendantIndex} — most of them by their mask of member names, without reading a member — and counts the
 * node visits the general evaluation would count, failing past the same bound. Returns null for any other expression.
 */
function compileObjectScan(steps: readonly PathStep[], source: string, limit: number): CompiledExpression | null {
  const [step] = steps;
  if (steps.length !== 1 || step === undefined || step.kind !== 'scanFilter') {
    return null;
  }
  const compiled = compileObjectTest(step.filter);
  const missTicks = ticksOnNonObject(step.filter);
  if (compiled === null || missTicks === null) {
    return null;
  }
  const { test, highestBit, names, bits, all } = compiled;
  const matches = (data: unknown, memo?: EvaluationMemo, meter?: WorkMeter): unknown[] => {
    if (data === undefined) {
      return [];
    }
    const bound = meter === undefined ? limit : Math.min(limit, meter.remaining);
    const index = descendantIndexOf(data, memo, limit);
    // The scan step, every child visited by the walk, the filter on the root and on every defined child.
    let ticks = 1 + index.children + missTicks * (index.primitives + index.arrays);
    // The meter is charged what the general evaluation would count: its ticks, or all it may do when it stops.
    if (index.truncated || ticks > bound) {
      throw scanLimitError(source, bound, meter);
    }
    const objects = index.objects;
    // An index built before one of the filter's names was registered has no bit for it.
    const useMasks = highestBit < index.knownNames;
    const absentIfKnown = useMasks && names !== 0;
    if (absentIfKnown && index.unknownMasks === 0 && (index.namesSeen & names) === 0) {
      // No object has any of the names: every test fails on every object.
      ticks += missTicks * objects.length;
      if (ticks > bound) {
        throw scanLimitError(source, bound, meter);
      }
      if (meter !== undefined) {
        meter.remaining -= ticks;
      }
      return [];
    }
    // Usually one match or none: the array is made once the count is known to need it.
    let first: unknown = undefined;
    let out: unknown[] | undefined;
    const masks = index.masks;
    const absent = names | MASK_KNOWN;
    // Every mask complete and every test a bit: the masks decide, no member is read and no test is called.
    const byMask = bits !== undefined && useMasks && index.unknownMasks === 0;
    for (let i = 0; i < objects.length; i++) {
      const mask = useMasks ? (masks[i] as number) : 0;
      if (absentIfKnown && (mask & absent) === MASK_KNOWN) {
        ticks += missTicks;
        continue;
      }
      const node = objects[i] as Record<string, unknown>;
      const result = byMask ? testByMask(bits, all === true, mask) : test(node, mask);
      ticks += result >> 1;
      if ((result & 1) !== 0) {
        if (out !== undefined) {
          out.push(node);
        } else if (first === undefined) {
          first = node;
        } else {
          out = [first, node];
        }
      }
    }
    if (ticks > bound) {
      throw scanLimitError(source, bound, meter);
    }
    if (meter !== undefined) {
      meter.remaining -= ticks;
    }
    return out ?? (first === undefined ? [] : [first]);
  };
  return matchesExpression(source, matches, true);
}

/** The error of a scan past its bound, after charging the meter all the scan could do (as the general evaluation). */
function scanLimitError(source: string, bound: number, meter: WorkMeter | undefined): ExpressionEvaluationError {
  if (meter !== undefined) {
    meter.remaining -= bound + 1;
  }
  return visitLimitError(source, bound);
}

/**
 * What a filter of one-member tests ({@link CompiledObjectTest.bits}) returns on an object with a complete mask, as
 * an {@link ObjectTest} result: the tests run in order until one decides (`&&` stops at a missing member, `||` at a
 * present one), one visit each.
 */
function testByMask(bits: readonly number[], all: boolean, mask: number): number {
  for (let i = 0; i < bits.length; i++) {
    if (((mask & (bits[i] as number)) !== 0) !== all) {
      return (i + 1) * 2 + (all ? 0 : 1);
    }
  }
  return bits.length * 2 + (all ? 1 : 0);
}

/** The visits a filter of member-existence tests counts on a non-object (all its tests fail); null for others. */
function ticksOnNonObject(filter: FilterExpression): number | null {
  switch (filter.kind) {
    case 'exists':
      return 1;
    case 'and': {
      // The first test fails, which ends the conjunction.
      const [first] = filter.items;
      return first === undefined ? null : ticksOnNonObject(first);
    }
    case 'or': {
      let total = 0;
      for (const item of filter.items) {
        const ticks = ticksOnNonObject(item);
        if (ticks === null) {
          return null;
        }
        total += ticks;
      }
      return filter.items.length === 0 ? null : total;
    }
    case 'compare':
      return null;
  }
}

/**
 * Compiles a filter made of `@.path` existence tests (each path starting with a member), `&&` and `||` into an
 * {@link ObjectTest}; null when the filter holds anything else.
 */
function compileObjectTest(filter: FilterExpression): CompiledObjectTest | null {
  switch (filter.kind) {
    case 'exists':
      return compileMemberExists(filter.operand);
    case 'and':
    case 'or': {
      const tests: ObjectTest[] = [];
      let highestBit = -1;
      let names = 0;
      let allNamed = true;
      // The bits of the items that are single tests decided by the mask (all of them, or the filter is not).
      const bits: number[] = [];
      for (const item of filter.items) {
        const compiled = compileObjectTest(item);
        if (compiled === null) {
          return null;
        }
        if (compiled.bits !== undefined && compiled.bits.length === 1 && item.kind === 'exists') {
          bits.push(compiled.bits[0] as number);
        }
        tests.push(compiled.test);
        highestBit = Math.max(highestBit, compiled.highestBit);
        names |= compiled.names;
        allNamed &&= compiled.names !== 0;
      }
      const test = combineTests(tests, filter.kind === 'and');
      if (test === null) {
        return null;
      }
      const combined: CompiledObjectTest = { test, highestBit, names: allNamed ? names : 0 };
      if (bits.length === filter.items.length) {
        return { ...combined, bits, all: filter.kind === 'and' };
      }
      return combined;
    }
    case 'compare':
      return null;
  }
}

function compileMemberExists(operand: FilterOperand): CompiledObjectTest | null {
  if (operand.kind !== 'path') {
    return null;
  }
  const [first] = operand.steps;
  const getter = compileGetter(operand.steps);
  if (first === undefined || first.kind !== 'member' || getter === null) {
    return null;
  }
  const name = internName(first.name);
  const bit = needsOwnCheck(name) ? -1 : registerMemberName(name);
  if (bit < 0) {
    return { test: (node) => (getter(node) !== undefined ? 3 : 2), highestBit: -1, names: 0 };
  }
  // A complete mask without the name's bit: a JSON object without that member, nothing to read.
  const flags = MASK_KNOWN | (1 << bit);
  if (operand.steps.length === 1) {
    const test: ObjectTest = (node, mask) => ((mask & flags) === MASK_KNOWN || node[name] === undefined ? 2 : 3);
    return { test, highestBit: bit, names: 1 << bit, bits: [1 << bit], all: true };
  }
  const test: ObjectTest = (node, mask) => ((mask & flags) === MASK_KNOWN || getter(node) === undefined ? 2 : 3);
  return { test, highestBit: bit, names: 1 << bit };
}

/** `&&` (`all`) or `||` of object tests, with Newtonsoft's short-circuit (and so its visit count). */
function combineTests(tests: readonly ObjectTest[], all: boolean): ObjectTest | null {
  const [a, b] = tests;
  if (a === undefined) {
    return null;
  }
  if (tests.length === 2 && b !== undefined) {
    return all
      ? (node, mask) => {
          const first = a(node, mask);
          return (first & 1) === 0 ? first : b(node, mask) + first - 1;
        }
      : (node, mask) => {
          const first = a(node, mask);
          return (first & 1) !== 0 ? first : b(node, mask) + first;
        };
  }
  return (node, mask) => {
    let ticks = 0;
    for (let i = 0; i < tests.length; i++) {
      const result = (tests[i] as ObjectTest)(node, mask);
      ticks += result >> 1;
      if ((result & 1) !== (all ? 1 : 0)) {
        return ticks * 2 + (all ? 0 : 1);
      }
    }
    return ticks * 2 + (all ? 1 : 0);
  };
}

/** Per-evaluation state, one object per `matches` call. */
interface EvalContext {
  readonly root: unknown;
  /** Node visits left before the evaluation fails. */
  budget: number;
  readonly limit: number;
  /** Where the `collect` sink puts tokens. */
  out: unknown[];
  readonly source: string;
  /** The caller's meter, which can also read how the message wrote its numbers. */
  readonly meter: WorkMeter | undefined;
}

/** Receives a selected token; returns true to stop the evaluation early (an existence test found one). */
type Sink = (value: unknown, ctx: EvalContext) => boolean;

/** One compiled step: maps `node` to tokens and passes each to the rest of the chain; true means "stop". */
type Step = (node: unknown, ctx: EvalContext, sink: Sink) => boolean;

/** A compiled filter. */
type Predicate = (node: unknown, ctx: EvalContext) => boolean;

/** A compiled plain path (`member`/`index` steps only); `undefined` when nothing is selected. */
type Getter = (node: unknown) => unknown;

/** Called by a pre-order walk for every value below the start; `key` is the member name (null in arrays). */
type Visitor = (key: string | null, value: unknown, ctx: EvalContext, sink: Sink) => boolean;

const collect: Sink = (value, ctx) => {
  ctx.out.push(value);
  return false;
};

const stopAtFirst: Sink = () => true;

const emit: Step = (node, ctx, sink) => sink(node, ctx);

function tick(ctx: EvalContext): void {
  if (--ctx.budget < 0) {
    throw visitLimitError(ctx.source, ctx.limit);
  }
}

/** Charges `count` visits at once (members listed and not visited), as many ticks would. */
function chargeUnvisited(ctx: EvalContext, count: number): void {
  ctx.budget -= count;
  if (ctx.budget < 0) {
    throw visitLimitError(ctx.source, ctx.limit);
  }
}

function visitLimitError(source: string, limit: number): ExpressionEvaluationError {
  return new ExpressionEvaluationError(
    `JSONPath expression ${quoteBounded(source)} visited more than ${limit} nodes; evaluation stopped (work bound per message).`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names that a plain property read would find on `Object.prototype` (`constructor`, `__proto__`…) need an own-check. */
function needsOwnCheck(name: string): boolean {
  return name in Object.prototype;
}

function getMember(obj: Record<string, unknown>, name: string, guarded: boolean): unknown {
  if (guarded && !Object.prototype.hasOwnProperty.call(obj, name)) {
    return undefined;
  }
  return obj[name];
}

function compileGetter(steps: readonly PathStep[]): Getter | null {
  const reads: Getter[] = [];
  for (const step of steps) {
    if (step.kind === 'member') {
      reads.push(memberRead(step.name));
    } else if (step.kind === 'index') {
      const index = step.index;
      reads.push((node) => (Array.isArray(node) && index < node.length ? (node[index] as unknown) : undefined));
    } else {
      return null;
    }
  }
  const [first, second] = steps;
  if (first === undefined) {
    return (node) => node;
  }
  const [read] = reads;
  if (reads.length === 1 && read !== undefined) {
    return read;
  }
  if (reads.length === 2 && first.kind === 'member' && second !== undefined && second.kind === 'member') {
    // `$.matchedToken.x`, `@.Body.steps`: the most common two-step shape, without a loop.
    const a = internName(first.name);
    const b = internName(second.name);
    if (!needsOwnCheck(a) && !needsOwnCheck(b)) {
      return (node) => {
        if (!isObject(node)) {
          return undefined;
        }
        const value = node[a];
        return isObject(value) ? value[b] : undefined;
      };
    }
  }
  const count = reads.length;
  return (node) => {
    let current = node;
    for (let i = 0; i < count; i++) {
      current = (reads[i] as Getter)(current);
      if (current === undefined) {
        return undefined;
      }
    }
    return current;
  };
}

/** Reads a member of an object (nothing on arrays and primitives), own members only for `Object.prototype` names. */
function memberRead(source: string): Getter {
  const name = internName(source);
  if (needsOwnCheck(name)) {
    return (node) => (isObject(node) && Object.prototype.hasOwnProperty.call(node, name) ? node[name] : undefined);
  }
  return (node) => (isObject(node) ? node[name] : undefined);
}

function compileChain(steps: readonly PathStep[]): Step {
  let next = emit;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    if (step !== undefined) {
      next = compileStep(step, next);
    }
  }
  return next;
}

function compileStep(step: PathStep, next: Step): Step {
  switch (step.kind) {
    case 'member': {
      const { name } = step;
      const guarded = needsOwnCheck(name);
      return (node, ctx, sink) => {
        tick(ctx);
        if (isObject(node)) {
          const value = getMember(node, name, guarded);
          if (value !== undefined) {
            return next(value, ctx, sink);
          }
        }
        return false;
      };
    }
    case 'members': {
      const names = step.names;
      const guards = names.map(needsOwnCheck);
      return (node, ctx, sink) => {
        tick(ctx);
        if (isObject(node)) {
          for (let i = 0; i < names.length; i++) {
            const value = getMember(node, names[i] ?? '', guards[i] === true);
            if (value !== undefined && next(value, ctx, sink)) {
              return true;
            }
          }
        }
        return false;
      };
    }
    case 'memberWildcard':
      return (node, ctx, sink) => {
        tick(ctx);
        if (isObject(node)) {
          const keys = Object.keys(node);
          for (let i = 0; i < keys.length; i++) {
            tick(ctx);
            const value = node[keys[i] ?? ''];
            if (value !== undefined && next(value, ctx, sink)) {
              // Listing the members took as long as visiting them: the ones not visited are charged too.
              chargeUnvisited(ctx, keys.length - i - 1);
              return true;
            }
          }
        }
        return false;
      };
    case 'index': {
      const { index } = step;
      return (node, ctx, sink) => {
        tick(ctx);
        if (Array.isArray(node) && index < node.length) {
          const value: unknown = node[index];
          if (value !== undefined) {
            return next(value, ctx, sink);
          }
        }
        return false;
      };
    }
    case 'indexes': {
      const indexes = step.indexes;
      return (node, ctx, sink) => {
        tick(ctx);
        if (Array.isArray(node)) {
          for (const index of indexes) {
            if (index < node.length) {
              const value: unknown = node[index];
              if (value !== undefined && next(value, ctx, sink)) {
                return true;
              }
            }
          }
        }
        return false;
      };
    }
    case 'arrayWildcard':
      return (node, ctx, sink) => {
        tick(ctx);
        if (Array.isArray(node)) {
          for (let i = 0; i < node.length; i++) {
            tick(ctx);
            const value: unknown = node[i];
            if (value !== undefined && next(value, ctx, sink)) {
              return true;
            }
          }
        }
        return false;
      };
    case 'slice': {
      const { start, end, step: stepValue } = step;
      return (node, ctx, sink) => {
        tick(ctx);
        return Array.isArray(node) ? sliceArray(node, start, end, stepValue, next, ctx, sink) : false;
      };
    }
    case 'filter': {
      const predicate = compileFilter(step.filter);
      // Newtonsoft tests the children of the token: array elements. An object's children are its property wrappers,
      // which no member test or value comparison can match and which have no JSON form: nothing is selected.
      return (node, ctx, sink) => {
        tick(ctx);
        if (Array.isArray(node)) {
          for (let i = 0; i < node.length; i++) {
            tick(ctx);
            const value: unknown = node[i];
            if (value !== undefined && predicate(value, ctx) && next(value, ctx, sink)) {
              return true;
            }
          }
        }
        return false;
      };
    }
    case 'scanMember': {
      const { name } = step;
      const visit: Visitor = (key, value, ctx, sink) => key === name && next(value, ctx, sink);
      return (node, ctx, sink) => {
        tick(ctx);
        return walk(node, ctx, sink, visit);
      };
    }
    case 'scanMembers': {
      const names = step.names;
      const visit: Visitor = (key, value, ctx, sink) => {
        if (key !== null) {
          // One token per listed name that matches (Newtonsoft lists a twice-written name twice).
          for (const name of names) {
            if (key === name && next(value, ctx, sink)) {
              return true;
            }
          }
        }
        return false;
      };
      return (node, ctx, sink) => {
        tick(ctx);
        return walk(node, ctx, sink, visit);
      };
    }
    case 'scanAll': {
      const visit: Visitor = (_key, value, ctx, sink) => next(value, ctx, sink);
      return (node, ctx, sink) => {
        tick(ctx);
        return next(node, ctx, sink) || walk(node, ctx, sink, visit);
      };
    }
    case 'scanFilter': {
      const predicate = compileFilter(step.filter);
      const visit: Visitor = (_key, value, ctx, sink) => predicate(value, ctx) && next(value, ctx, sink);
      // The token itself is tested first (DescendantsAndSelf), then every value below it in pre-order.
      return (node, ctx, sink) => {
        tick(ctx);
        if (predicate(node, ctx) && next(node, ctx, sink)) {
          return true;
        }
        return walk(node, ctx, sink, visit);
      };
    }
    case 'root':
      return (_node, ctx, sink) => {
        tick(ctx);
        return next(ctx.root, ctx, sink);
      };
  }
}

/**
 * Visits every value below `start` in pre-order (a parent before its children, object members in key order, array
 * elements by index) with an explicit stack, so a 100,000-deep document does not exhaust the call stack.
 */
function walk(start: unknown, ctx: EvalContext, sink: Sink, visit: Visitor): boolean {
  if (typeof start !== 'object' || start === null) {
    return false;
  }
  const containers: object[] = [start];
  const keyLists: (string[] | null)[] = [Array.isArray(start) ? null : Object.keys(start)];
  const positions: number[] = [0];
  let top = 0;
  while (top >= 0) {
    const container = containers[top] as Record<string, unknown> & unknown[];
    const keys = keyLists[top] ?? null;
    const position = positions[top] ?? 0;
    let key: string | null = null;
    let child: unknown;
    if (keys === null) {
      if (position >= container.length) {
        top--;
        continue;
      }
      child = container[position];
    } else {
      if (position >= keys.length) {
        top--;
        continue;
      }
      key = keys[position] ?? '';
      child = container[key];
    }
    positions[top] = position + 1;
    tick(ctx);
    if (child === undefined) {
      continue;
    }
    if (visit(key, child, ctx, sink)) {
      // Listing an object's members took as long as visiting them: those the walk stops before are charged too.
      for (let level = top; level >= 0; level--) {
        const keys = keyLists[level];
        if (keys !== null && keys !== undefined) {
          chargeUnvisited(ctx, keys.length - (positions[level] ?? 0));
        }
      }
      return true;
    }
    if (typeof child === 'object' && child !== null) {
      top++;
      containers[top] = child;
      keyLists[top] = Array.isArray(child) ? null : Object.keys(child);
      positions[top] = 0;
    }
  }
  return false;
}

/** Newtonsoft's `ArraySliceFilter`: defaults by step direction, negative bounds from the end, clamped to the array. */
function sliceArray(
  array: unknown[],
  start: number | null,
  end: number | null,
  step: number | null,
  next: Step,
  ctx: EvalContext,
  sink: Sink,
): boolean {
  const count = array.length;
  const stepCount = step ?? 1;
  const forward = stepCount > 0;
  let from = start ?? (forward ? 0 : count - 1);
  let to = end ?? (forward ? count : -1);
  if (start !== null && start < 0) {
    from = count + from;
  }
  if (end !== null && end < 0) {
    to = count + to;
  }
  from = Math.min(forward ? Math.max(from, 0) : from, forward ? count : count - 1);
  to = Math.min(Math.max(to, -1), count);
  for (let i = from; forward ? i < to : i > to; i += stepCount) {
    tick(ctx);
    const value: unknown = array[i];
    if (value !== undefined && next(value, ctx, sink)) {
      return true;
    }
  }
  return false;
}

function compileFilter(expression: FilterExpression): Predicate {
  switch (expression.kind) {
    case 'exists':
      return compileExists(expression.operand);
    case 'and': {
      const items = expression.items.map(compileFilter);
      return (node, ctx) => {
        for (const item of items) {
          if (!item(node, ctx)) {
            return false;
          }
        }
        return true;
      };
    }
    case 'or': {
      const items = expression.items.map(compileFilter);
      return (node, ctx) => {
        for (const item of items) {
          if (item(node, ctx)) {
            return true;
          }
        }
        return false;
      };
    }
    case 'compare':
      return compileComparison(expression);
  }
}

function compileExists(operand: FilterOperand): Predicate {
  switch (operand.kind) {
    case 'literal':
      // Newtonsoft: a constant always "exists", so `[?(false)]` keeps every element.
      return () => true;
    case 'path': {
      const getter = compileGetter(operand.steps);
      if (getter !== null) {
        // `@heartRate`, `@.a.b`: a member holding JSON null exists too.
        return (node, ctx) => {
          tick(ctx);
          return getter(node) !== undefined;
        };
      }
      const chain = compileChain(operand.steps);
      return (node, ctx) => chain(node, ctx, stopAtFirst);
    }
  }
}

function compileComparison(expression: Extract<FilterExpression, { kind: 'compare' }>): Predicate {
  const { operator, left, right } = expression;
  if (left.kind === 'literal' && right.kind === 'literal') {
    const leftKind = left.valueKind;
    const rightKind = right.valueKind;
    const leftForm = left.integer ?? 'asParsed';
    const rightForm = right.integer ?? 'asParsed';
    // Compared again for every token the filter tests: a visit each time, as a comparison of two paths costs per pair.
    return (_node, ctx) => {
      tick(ctx);
      return matchTokens(operator, left.value, leftKind, right.value, rightKind, ctx, leftForm, rightForm);
    };
  }
  if (left.kind === 'path' && right.kind === 'literal') {
    const value = right.value;
    const kind: TokenKind = right.valueKind;
    const constantForm = right.integer ?? 'asParsed';
    return compileAgainstConstant(left.steps, (token, ctx, form) =>
      matchTokens(operator, token, kindOf(token), value, kind, ctx, form, constantForm),
    );
  }
  if (left.kind === 'literal' && right.kind === 'path') {
    const value = left.value;
    const kind: TokenKind = left.valueKind;
    const constantForm = left.integer ?? 'asParsed';
    return compileAgainstConstant(
      right.steps,
      (token, ctx, form) => matchTokens(operator, value, kind, token, kindOf(token), ctx, constantForm, form),
      true,
    );
  }
  // Two paths: each left token against every right token, true at the first pair that matches. As in Newtonsoft, the
  // left operand is read token by token (a later one is not reached once a pair matches) and the right one listed in
  // full at the first left token. Each pair tested costs a visit: n tokens on each side are n² comparisons for 2n
  // nodes (`@.a[*] == @.b[*]` on two long arrays).
  const leftOperand = compileOperand(left.kind === 'path' ? left.steps : []);
  const rightOperand = compileOperand(right.kind === 'path' ? right.steps : []);
  return (node, ctx) => {
    // Each pair compared as its values' kinds say until one's outcome depends on how the message wrote a number;
    // then both operands are read once more, from the body read with its numbers' kinds.
    const form: NumberForm = firstForm(ctx);
    let rights: unknown[] | undefined;
    let leftTwins: readonly unknown[] | undefined;
    let rightTwins: readonly unknown[] | undefined;
    let i = 0;
    return leftOperand.chain(node, ctx, (l, c) => {
      const at = i++;
      const lk = kindOf(l);
      rights ??= collectTokens(rightOperand.chain, node, c);
      for (let j = 0; j < rights.length; j++) {
        tick(c);
        const r = rights[j];
        let matched: boolean;
        try {
          matched = matchTokens(operator, l, lk, r, kindOf(r), c, form, form);
        } catch (error) {
          if (error !== NUMBER_FORM_NEEDED) {
            throw error;
          }
          leftTwins ??= kindedTokens(leftOperand, node, c);
          rightTwins ??= kindedTokens(rightOperand, node, c);
          const lf = writtenForm(leftTwins[at], l);
          matched = matchTokens(operator, l, lk, r, kindOf(r), c, lf, writtenForm(rightTwins[j], r));
        }
        if (matched) {
          return true;
        }
      }
      return false;
    });
  };
}

/**
 * The form a comparison first takes a message's whole numbers in: `unknown` when it can read them again with their
 * kinds (it then stops where the form matters), `asParsed` when it cannot.
 */
function firstForm(ctx: EvalContext): NumberForm {
  return ctx.meter?.readBodyNumberKinds === undefined ? 'asParsed' : 'unknown';
}

/** A token of the message compared with a constant, given how the message wrote it if that is a whole number. */
type FormTest = (token: unknown, ctx: EvalContext, form: NumberForm) => boolean;

/**
 * A path compared with a constant: true at the first selected token that compares true. A path on the left is read
 * token by token, so that a later one is not reached; one on the right (after the constant) is listed in full first,
 * as Newtonsoft reads the two sides. A token is read again in the body read with its numbers' kinds when the
 * comparison depends on how the message wrote a whole number (`72.0` against `'2.5'`).
 */
function compileAgainstConstant(steps: readonly PathStep[], test: FormTest, listedFirst = false): Predicate {
  const operand = compileOperand(steps);
  const getter = operand.getter;
  if (getter !== null) {
    return (node, ctx) => {
      tick(ctx);
      const token = getter(node);
      if (token === undefined) {
        return false;
      }
      try {
        return test(token, ctx, firstForm(ctx));
      } catch (error) {
        if (error !== NUMBER_FORM_NEEDED) {
          throw error;
        }
        return test(token, ctx, writtenForm(kindedTokens(operand, node, ctx)[0], token));
      }
    };
  }
  const chain = operand.chain;
  const asParsed: Sink = (token, ctx) => test(token, ctx, 'asParsed');
  return (node, ctx) => {
    const form = firstForm(ctx);
    if (form === 'asParsed' && !listedFirst) {
      return chain(node, ctx, asParsed);
    }
    // Each token is tested knowing where it stands among the path's, to find the same one in the kinded body (read
    // once).
    let twins: readonly unknown[] | undefined;
    const testAt = (token: unknown, at: number, c: EvalContext): boolean => {
      try {
        return test(token, c, form);
      } catch (error) {
        if (error !== NUMBER_FORM_NEEDED) {
          throw error;
        }
        twins ??= kindedTokens(operand, node, c);
        return test(token, c, writtenForm(twins[at], token));
      }
    };
    if (listedFirst) {
      const tokens = collectTokens(chain, node, ctx);
      for (let at = 0; at < tokens.length; at++) {
        if (testAt(tokens[at], at, ctx)) {
          return true;
        }
      }
      return false;
    }
    let index = 0;
    return chain(node, ctx, (token, c) => testAt(token, index++, c));
  };
}

/**
 * A filter operand's path, compiled: as a chain, as a getter when it is a plain path. It selects the same places from
 * the body read with its numbers' kinds, a boxed number standing where a plain one stands (a filter in it compares a
 * box as the number it holds, written so).
 */
interface CompiledOperand {
  readonly chain: Step;
  readonly getter: Getter | null;
}

function compileOperand(steps: readonly PathStep[]): CompiledOperand {
  return { chain: compileChain(steps), getter: compileGetter(steps) };
}

/**
 * The tokens `operand` selects from `node` at the same places in the body read with its numbers' kinds, where a float
 * written whole and an integer of 10^15 or more are boxed; none when the node is not the body's or the kinds cannot be
 * read. The reading is charged to the evaluation's work as the first was: at most once more per node tested.
 */
function kindedTokens(operand: CompiledOperand, node: unknown, ctx: EvalContext): readonly unknown[] {
  if (ctx.meter?.readBodyNumberKinds?.() !== true) {
    return [];
  }
  const twin = kindedTwinOf(node);
  if (twin === node) {
    return [];
  }
  if (operand.getter !== null) {
    return [operand.getter(twin)];
  }
  const scratch: EvalContext = {
    root: kindedTwinOf(ctx.root),
    budget: ctx.budget,
    limit: ctx.limit,
    out: [],
    source: ctx.source,
    meter: undefined,
  };
  try {
    operand.chain(twin, scratch, collect);
  } catch (error) {
    // A filter of the path that fails on a later token (which Newtonsoft, reading lazily, may never reach): the tokens
    // before it are known. Past the work bound the evaluation stops all the same.
    if (!(error instanceof ExpressionEvaluationError) || scratch.budget < 0) {
      throw error;
    }
  } finally {
    ctx.budget = scratch.budget;
  }
  return scratch.out;
}

/**
 * How the message wrote the whole number `token`, given `written`, the token at the same place in the body read with
 * its numbers' kinds (see {@link kindedTokens}): a boxed integer there has its exact value; a plain whole number there
 * is an integer the message wrote so; `asParsed` when there is none, or another number.
 */
function writtenForm(written: unknown, token: unknown): NumberForm {
  if (written instanceof KindedNumber) {
    return written.value === token ? formOfBox(written) : 'asParsed';
  }
  return written === token ? 'integer' : 'asParsed';
}

function collectTokens(chain: Step, node: unknown, ctx: EvalContext): unknown[] {
  const saved = ctx.out;
  const tokens: unknown[] = [];
  ctx.out = tokens;
  try {
    chain(node, ctx, collect);
  } finally {
    ctx.out = saved;
  }
  return tokens;
}
