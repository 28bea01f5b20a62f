import type { EvaluationMemo } from '../types.js';

/**
 * The objects of a document in pre-order, with the counts a `..` scan's work bound needs and, per object, which
 * {@link registerMemberName registered member names} it has; built once per document and shared (through an
 * {@link EvaluationMemo}) by every scan over that unchanged document.
 */
export class DescendantIndex {
  /**
   * Every non-array object, the root included, in pre-order (a parent before its children, object members in key
   * order, array elements by index).
   */
  readonly objects: Record<string, unknown>[] = [];
  /**
   * Per object: {@link MASK_KNOWN} when its member names were listed (a plain JSON object), then one bit per
   * registered name it has as a member with a defined value; 0 when its names were not listed.
   */
  readonly masks: number[] = [];
  /** The name bits of all masks together (`MASK_KNOWN` excluded). */
  namesSeen = 0;
  /** How many objects have a mask of 0 (names not listed). */
  unknownMasks = 0;
  /** How many arrays the document holds, the root included. */
  arrays = 0;
  /** How many member values and elements all containers hold in total (a scan visits each once). */
  children = 0;
  /** Child slots holding `undefined` (never in parsed JSON): neither containers nor primitives. */
  undefinedSlots = 0;
  /**
   * Whether a plain object of several members lists first a name that starts with a digit. JavaScript lists
   * integer-like names (`"0"`, `"17"`) before all others, so only such an object may iterate its members in another
   * order than the text wrote them.
   */
  digitLeadingNames = false;
  /** How many defined values are neither object nor array, the root included. */
  primitives = 0;
  /**
   * True when `children` passed the cap given to the builder, which may then have stopped early (the counts then
   * cover only part of the document).
   */
  truncated = false;

  /**
   * @param knownNames - how many names were registered when the index was built (later names have no bit here)
   * @param cap - the builder's bound on `children`
   * @param forIn - whether `Object.prototype` has no enumerable key, so that `for…in` on a plain object lists its own
   *   keys only
   * @param plainJson - the caller's {@link EvaluationMemo.plainJson} hint: below it, objects need no prototype check
   */
  constructor(
    readonly knownNames: number,
    readonly cap: number,
    readonly forIn: boolean,
    readonly plainJson: unknown,
  ) {}
}

/** Set in an object's mask when the mask is complete: a registered name whose bit is clear is no defined member. */
export const MASK_KNOWN = 1 << 30;

/** Most names that get a bit; later ones are tested by reading the member. */
const MAX_REGISTERED_NAMES = 30;

/** Registered names; the bit of `registeredNames[i]` is `1 << i`. */
const registeredNames: string[] = [];
/** Registered names by length, as `[name, bit, name, bit, …]`, so that a key is compared with few names. */
const namesByLength: (unknown[] | undefined)[] = [];

/**
 * Registers a member name that scans test for, so that every index built from now on records which objects have it.
 * @param name - the member name (a JSONPath filter's `@.name`)
 * @returns the name's bit index, or -1 when no more names can be registered
 */
export function registerMemberName(name: string): number {
  const known = registeredNames.indexOf(name);
  if (known >= 0) {
    return known;
  }
  if (registeredNames.length >= MAX_REGISTERED_NAMES) {
    return -1;
  }
  const bit = registeredNames.length;
  registeredNames.push(name);
  const bucket = (namesByLength[name.length] ??= []);
  bucket.push(name, 1 << bit);
  return bit;
}

/**
 * The {@link DescendantIndex} of `root`: taken from `memo` when it was built there for the same root, else built and
 * stored in `memo`. Building stops once more than `cap` children were counted, so
 * data that is not a tree (shared or cyclic references in an already-parsed body) cannot make it run away.
 * @param root - a defined value
 * @param memo - shared state of evaluations over the same unchanged data, if any
 * @param cap - the caller's work bound: a count of children beyond it is enough to know the scan must fail
 */
export function descendantIndexOf(root: unknown, memo: EvaluationMemo | undefined, cap: number): DescendantIndex {
  if (memo !== undefined && memo.root === root && memo.descendants instanceof DescendantIndex) {
    const shared = memo.descendants;
    if (!shared.truncated || shared.children > cap) {
      return shared;
    }
  }
  const index = buildIndex(root, cap, memo?.plainJson);
  if (memo !== undefined) {
    memo.root = root;
    memo.descendants = index;
  }
  return index;
}

/** Deepest level walked by recursion; deeper containers are walked with an explicit stack. */
const MAX_RECURSION_DEPTH = 200;

const OBJECT_PROTOTYPE: object = Object.prototype;
const CH_0 = 48;
const CH_9 = 57;

function buildIndex(root: unknown, cap: number, plainJson: unknown): DescendantIndex {
  const index = new DescendantIndex(registeredNames.length, cap, !hasEnumerableKey(OBJECT_PROTOTYPE), plainJson);
  if (typeof root !== 'object' || root === null) {
    index.primitives = 1;
    return index;
  }
  visit(root, index, 0, root === plainJson);
  // Every container but the root fills one child slot; the other defined slots hold primitives.
  index.primitives = index.children - (index.objects.length + index.arrays - 1) - index.undefinedSlots;
  index.namesSeen &= ~MASK_KNOWN;
  index.truncated = index.children > cap;
  return index;
}

/**
 * Whether an object's prototype is `Object.prototype`, read through the inherited `__proto__` accessor: about twice as
 * fast as `Object.getPrototypeOf` on the envelope's objects. An own `__proto__` member (JSON.parse makes one for a
 * `"__proto__"` key) hides the accessor and answers "no", which only sends the object down the slower, general path;
 * no value parsed from JSON is `Object.prototype` itself, so the answer is never a wrong "yes" on data.
 */
function hasObjectPrototype(record: Record<string, unknown>): boolean {
  return (record as { __proto__?: unknown }).__proto__ === OBJECT_PROTOTYPE;
}

function hasEnumerableKey(value: object): boolean {
  let found = false;
  for (const key in value) {
    found = key.length >= 0;
    break;
  }
  return found;
}

/**
 * Records the container `node` and, recursively, the containers below it, in pre-order; `plain` when `node` is inside
 * the caller's plain-JSON value.
 */
function visit(node: object, index: DescendantIndex, depth: number, plain: boolean): void {
  if (index.children > index.cap) {
    return;
  }
  if (depth > MAX_RECURSION_DEPTH) {
    visitWithStack(node, index);
    return;
  }
  if (Array.isArray(node)) {
    index.arrays++;
    visitChildren(node as unknown[], index, depth, plain);
    return;
  }
  const record = node as Record<string, unknown>;
  const at = index.objects.length;
  index.objects.push(record);
  if (!index.forIn || (!plain && !hasObjectPrototype(record))) {
    index.masks.push(0);
    index.unknownMasks++;
    visitChildren(Object.values(record), index, depth, plain);
    return;
  }
  index.masks.push(MASK_KNOWN);
  // A plain object, nothing enumerable inherited: `for…in` lists the keys `Object.keys` would, without an array.
  let mask = MASK_KNOWN;
  let count = 0;
  let digitFirst = false;
  for (const key in record) {
    if (count++ === 0) {
      const c = key.charCodeAt(0);
      digitFirst = c >= CH_0 && c <= CH_9;
    }
    const child = record[key];
    if (child === undefined) {
      // A member holding `undefined` (never in parsed JSON) tests as absent: it gets no bit.
      index.undefinedSlots++;
      continue;
    }
    const bucket = namesByLength[key.length];
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i += 2) {
        if (bucket[i] === key) {
          mask |= bucket[i + 1] as number;
        }
      }
    }
    if (typeof child === 'object' && child !== null) {
      visit(child, index, depth + 1, plain || child === index.plainJson);
    }
  }
  index.children += count;
  if (digitFirst && count > 1) {
    index.digitLeadingNames = true;
  }
  if (mask !== MASK_KNOWN) {
    index.masks[at] = mask;
    index.namesSeen |= mask;
  }
}

function visitChildren(children: readonly unknown[], index: DescendantIndex, depth: number, plain: boolean): void {
  index.children += children.length;
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (typeof child === 'object' && child !== null) {
      visit(child, index, depth + 1, plain || child === index.plainJson);
    } else if (child === undefined) {
      index.undefinedSlots++;
    }
  }
}

/** {@link visit} for deep documents: the same pre-order, with an explicit stack instead of the call stack. */
function visitWithStack(start: object, index: DescendantIndex): void {
  // Containers still to enter; children are pushed in reverse so that they pop in document order.
  const pending: object[] = [start];
  while (pending.length > 0 && index.children <= index.cap) {
    const node = pending.pop() as object;
    let children: readonly unknown[];
    if (Array.isArray(node)) {
      index.arrays++;
      children = node as unknown[];
    } else {
      index.objects.push(node as Record<string, unknown>);
      // Names are not listed this deep: the mask says "unknown" and scans read the members.
      index.masks.push(0);
      index.unknownMasks++;
      children = Object.values(node);
    }
    index.children += children.length;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (typeof child === 'object' && child !== null) {
        pending.push(child);
      } else if (child === undefined) {
        index.undefinedSlots++;
      }
    }
  }
}
