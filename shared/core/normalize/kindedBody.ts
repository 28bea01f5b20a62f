/**
 * A message body read again with its numbers' JmesPath.Net kinds (expressions/jmesPath/kindedNumbers.ts), for the
 * JMESPath expressions that need them: a number the message writes `1.0` is a float, `1` an integer, a 17-digit
 * integer keeps its digits. Read only when an expression first needs a kind, and only when the text may hold such a
 * number at all.
 */
import { KindedNumber, linkTwins } from '../expressions/jmesPath/kindedNumbers.js';
import { readJsonAsMedTech } from './medTechJsonReader.js';
import type { WorkMeter } from '../expressions/types.js';

/**
 * Text that may hold a number to box: a float written whole (`1.0`, a number with an exponent) followed by what may
 * follow a number, 16 digits in a row, or a long hexadecimal number. Most bodies have none (an ISO time's `.000Z` is
 * not one) and are not read again; a match, in a string or not, leads to the full reading.
 */
const MAY_HAVE_KINDED_NUMBERS = /\d(?:\.0+|(?:\.\d+)?[eE][+-]?\d+)(?=[\s,\]}/)]|$)|\d{16}|0[xX][\da-fA-F]{13}/;

/**
 * Whether a JSON text may hold a number whose kind or digits its parsed value loses (see MAY_HAVE_KINDED_NUMBERS):
 * false means `JSON.parse` of it keeps everything MedTech's reading of its numbers would.
 * @param text - a JSON text
 */
export function mayHaveKindedNumbers(text: string): boolean {
  return MAY_HAVE_KINDED_NUMBERS.test(text);
}

/**
 * The body with its numbers' kinds, its containers in the order of `plain`'s and each linked with the one at the same
 * place in `plain` (kindedNumbers.ts `linkTwins`); `undefined` when it has no number a plain one misrepresents (the
 * plain body is then exact) or MedTech's reader cannot read it here (deeper than 64 levels).
 * @param text - the body's text
 * @param plain - the body as this project read it (JSON.parse, or MedTech's reader, in the message's member order
 *   when it was re-read so)
 */
export function readKindedBody(text: string, plain: unknown): unknown {
  if (!mayHaveKindedNumbers(text)) {
    return undefined;
  }
  const read = readJsonAsMedTech(text, { keepNumberKinds: true });
  if (!read.ok || read.boxed === 0) {
    return undefined;
  }
  return mirror(read.value, plain);
}

/**
 * A work meter for evaluating expressions on a body outside normalizeEvent (tools, tests) that reads the body with its
 * numbers' kinds when a JSONPath filter first needs them, as normalizeEvent's does ({@link WorkMeter}).
 * @param text - the body's text
 * @param plain - the body as read plain from it
 * @param remaining - the work the evaluations may do
 */
export function kindedBodyMeter(text: string, plain: unknown, remaining: number): WorkMeter {
  let kinded: unknown = UNREAD;
  return {
    remaining,
    readBodyNumberKinds() {
      if (kinded === UNREAD) {
        kinded = readKindedBody(text, plain);
      }
      return kinded !== undefined;
    },
  };
}

const UNREAD: unique symbol = Symbol('unread');

/**
 * A copy of `plain` that takes each boxed number of `kinded` at the same place: the member order, and anything the two
 * readings could see differently (a repeated name), stay `plain`'s. Iterative, for deep bodies.
 */
function mirror(kinded: unknown, plain: unknown): unknown {
  const top = take(kinded, plain);
  if (top !== plain || !isContainer(plain)) {
    return top;
  }
  const root = emptyLike(plain);
  const pending: [object, unknown, object][] = [[plain, kinded, root]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [from, twin, to] = entry;
    linkTwins(to, from);
    const twinMembers = isContainer(twin) ? (twin as Record<string, unknown>) : undefined;
    for (const name of Object.keys(from)) {
      const value = (from as Record<string, unknown>)[name];
      const other = twinMembers !== undefined && Object.hasOwn(twinMembers, name) ? twinMembers[name] : undefined;
      let copy = take(other, value);
      if (copy === value && isContainer(value)) {
        copy = emptyLike(value);
        pending.push([value, other, copy as object]);
      }
      Object.defineProperty(to, name, { value: copy, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

/** The kinded reading's box where it read the same number as the plain one; the plain value otherwise. */
function take(kinded: unknown, plain: unknown): unknown {
  if (kinded instanceof KindedNumber && typeof plain === 'number' && Object.is(kinded.value + 0, plain + 0)) {
    return kinded;
  }
  return plain;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/**
 * An empty array or object to copy `value` into; for an object whose members list in an order JavaScript would not
 * give them (the message's order, medTechJsonReader.ts `keepMemberOrder`), one that lists them in the same order.
 */
function emptyLike(value: object): object {
  if (Array.isArray(value)) {
    return [];
  }
  const names = Object.keys(value);
  const natural: Record<string, true> = {};
  for (const name of names) {
    Object.defineProperty(natural, name, { value: true, enumerable: true, configurable: true });
  }
  const listed = Object.keys(natural);
  return listed.every((name, i) => name === names[i]) ? {} : new Proxy({}, { ownKeys: () => names.slice() });
}
