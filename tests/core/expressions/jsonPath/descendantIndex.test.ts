import { describe, expect, it, vi } from 'vitest';
import {
  MASK_KNOWN,
  descendantIndexOf,
  registerMemberName,
} from '../../../../shared/core/expressions/jsonPath/descendantIndex.js';
import type * as DescendantIndexModule from '../../../../shared/core/expressions/jsonPath/descendantIndex.js';
import type { EvaluationMemo } from '../../../../shared/core/expressions/types.js';

const BIG = 1_000_000;

describe('descendantIndexOf', () => {
  it('lists the objects of a document in pre-order and counts its containers, children and primitives', () => {
    const a = { x: 1 };
    const b = { y: [2, { z: 3 }] };
    const inner = (b.y as unknown[])[1];
    const root = { a, list: [b, 'text', null], c: true };

    const index = descendantIndexOf(root, undefined, BIG);

    expect(index.objects).toEqual([root, a, b, inner]);
    expect(index.objects[3]).toBe(inner);
    expect(index.arrays).toBe(2);
    // root: 3, a: 1, list: 3, b: 1, y: 2, inner: 1
    expect(index.children).toBe(11);
    // 1, 'text', null, true, 2, 3
    expect(index.primitives).toBe(6);
    expect(index.truncated).toBe(false);
  });

  it('counts a primitive root as one primitive and no objects', () => {
    const index = descendantIndexOf(42, undefined, BIG);

    expect(index.objects).toEqual([]);
    expect(index.primitives).toBe(1);
    expect(index.children).toBe(0);
  });

  it('counts undefined members as visited children but not as primitives', () => {
    const index = descendantIndexOf({ a: undefined, b: [undefined, 1] }, undefined, BIG);

    expect(index.children).toBe(4);
    expect(index.primitives).toBe(1);
  });

  it('marks the registered names each plain object has, and nothing for the names it lacks', () => {
    const bit = 1 << registerMemberName('idxHeartRate');
    const other = 1 << registerMemberName('idxSystolic');
    const reading = { idxHeartRate: 70 };
    const root = { reading, idxSystolic: 120 };

    const index = descendantIndexOf(root, undefined, BIG);

    expect(index.masks[0]).toBe(MASK_KNOWN | other);
    expect(index.masks[1]).toBe(MASK_KNOWN | bit);
    expect(index.namesSeen & (bit | other)).toBe(bit | other);
    expect(index.unknownMasks).toBe(0);
  });

  it('leaves the names of objects with another prototype unlisted (their members may be inherited)', () => {
    class Reading {
      constructor(readonly value: number) {}
    }
    const root = { when: new Date(0), reading: new Reading(1), bare: Object.create(null) as object };

    const index = descendantIndexOf(root, undefined, BIG);

    expect(index.objects).toHaveLength(4);
    expect(index.masks.slice(1)).toEqual([0, 0, 0]);
    expect(index.unknownMasks).toBe(3);
    // The members of the non-plain objects are still walked: the Reading's own value is a child.
    expect(index.children).toBe(4);
  });

  it('takes the caller’s word that a plain-JSON value needs no prototype checks', () => {
    const bit = 1 << registerMemberName('idxSpo2');
    // A null prototype would otherwise leave the names unlisted; marked as plain JSON, it is listed.
    const body = Object.assign(Object.create(null) as object, { idxSpo2: 97, nested: { idxSpo2: 95 } });

    const unmarked = descendantIndexOf({ Body: body }, undefined, BIG);
    const marked = descendantIndexOf({ Body: body }, { plainJson: body }, BIG);

    expect(unmarked.masks).toEqual([MASK_KNOWN, 0, MASK_KNOWN | bit]);
    expect(marked.masks).toEqual([MASK_KNOWN, MASK_KNOWN | bit, MASK_KNOWN | bit]);
  });

  it('walks a document deeper than the call stack allows, in the same pre-order', () => {
    let chain: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50_000; i++) {
      chain = { child: chain, [`n${i % 3}`]: i };
    }

    const index = descendantIndexOf(chain, undefined, BIG);

    expect(index.objects).toHaveLength(50_001);
    expect(index.objects[0]).toBe(chain);
    expect(index.objects[1]).toBe(chain['child']);
    expect(index.objects[50_000]).toEqual({ leaf: true });
    expect(index.children).toBe(100_001);
  });

  it('stops a walk that passes the cap, so shared or cyclic references cannot make it run away', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;

    const index = descendantIndexOf(cyclic, undefined, 1000);

    expect(index.truncated).toBe(true);
    expect(index.children).toBeGreaterThan(1000);
  });

  it('shares one index through a memo for the same root, and rebuilds it for another root', () => {
    const memo: EvaluationMemo = {};
    const first = { a: { b: 1 } };
    const second = { c: 2 };

    const built = descendantIndexOf(first, memo, BIG);
    expect(descendantIndexOf(first, memo, BIG)).toBe(built);

    const other = descendantIndexOf(second, memo, BIG);
    expect(other).not.toBe(built);
    expect(other.objects).toEqual([second]);
    expect(memo.root).toBe(second);
  });

  it('rebuilds a shared index that was cut short at a lower cap than the caller’s', () => {
    const memo: EvaluationMemo = {};
    const data = { list: Array.from({ length: 50 }, (_, i) => ({ i })) };

    const cut = descendantIndexOf(data, memo, 10);
    const full = descendantIndexOf(data, memo, BIG);

    expect(cut.truncated).toBe(true);
    expect(full.truncated).toBe(false);
    expect(full.objects).toHaveLength(51);
  });
});

describe('descendantIndexOf: integer-like member names', () => {
  it('says when an object of several members lists first a name that starts with a digit', () => {
    expect(descendantIndexOf({ a: { b: 1, 7: 2 } }, undefined, BIG).digitLeadingNames).toBe(true);
    expect(descendantIndexOf([{ x: 1 }, { '1a': 1, y: 2 }], undefined, BIG).digitLeadingNames).toBe(true);
  });

  it('does not for an object of one member, nor for digits later in a name', () => {
    expect(descendantIndexOf({ a: { 7: 2 }, b: { c1: 1, d: 2 } }, undefined, BIG).digitLeadingNames).toBe(false);
    expect(descendantIndexOf({ '-1': 1, a: 2 }, undefined, BIG).digitLeadingNames).toBe(false);
  });
});

describe('descendantIndexOf: caps, hints and depth', () => {
  it('reuses a cut-short index for a caller whose cap it already passed, and rebuilds it for one it does not', () => {
    const memo: EvaluationMemo = {};
    const data = { a: 1, b: 2, c: 3 };

    const cut = descendantIndexOf(data, memo, 2);
    expect(cut.truncated).toBe(true);
    expect(descendantIndexOf(data, memo, 1)).toBe(cut);
    expect(descendantIndexOf(data, memo, 2)).toBe(cut);

    // Three children do not pass a cap of three: the rebuilt index is complete.
    const complete = descendantIndexOf(data, memo, 3);
    expect(complete.truncated).toBe(false);
    expect(memo.descendants).toBe(complete);
  });

  it('walks the whole document when its children reach the cap exactly, and calls it complete', () => {
    const shallow = descendantIndexOf([1, {}], undefined, 2);

    expect(shallow.objects).toEqual([{}]);
    expect(shallow.children).toBe(2);
    expect(shallow.truncated).toBe(false);

    // Deeper than the builder recurses, the innermost array empty: 300 children in all.
    let deep: unknown[] = [];
    for (let i = 0; i < 300; i++) {
      deep = [deep];
    }
    const exact = descendantIndexOf(deep, undefined, 300);
    expect(exact.arrays).toBe(301);
    expect(exact.children).toBe(300);
    expect(exact.truncated).toBe(false);
    expect(descendantIndexOf(deep, undefined, 299).truncated).toBe(true);
  });

  it('stops early on shared references that would multiply the walk, not only on cycles', () => {
    // Twenty levels of an object referenced twice: a full walk would visit 2^21 - 1 objects.
    let node: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) {
      node = { left: node, right: node };
    }

    const index = descendantIndexOf(node, undefined, 1000);

    expect(index.truncated).toBe(true);
    expect(index.children).toBeLessThan(1100);
    expect(index.objects.length).toBeLessThan(1100);
  });

  it('walks arrays nested deeper than the call stack allows, in pre-order, deep objects unlisted', () => {
    // [[[…[{leaf}, …], {n: 49996}], 49997], {n: 49998}]: objects every other level.
    let chain: unknown = { leaf: true };
    for (let i = 0; i < 50_000; i++) {
      chain = [chain, i % 2 === 0 ? { n: i } : i];
    }

    const index = descendantIndexOf(chain, undefined, BIG);

    expect(index.arrays).toBe(50_000);
    expect(index.objects).toHaveLength(25_001);
    expect(index.objects[0]).toEqual({ leaf: true });
    expect(index.objects[25_000]).toEqual({ n: 49_998 });
    // Two per array, one per object.
    expect(index.children).toBe(125_001);
    // The numbers in the arrays and in the objects, and `true`.
    expect(index.primitives).toBe(50_001);
    expect(index.masks).toHaveLength(25_001);
    // The objects near the root have their names listed; those deeper than the recursion goes do not.
    expect(index.masks[25_000]).toBe(MASK_KNOWN);
    expect(index.masks[0]).toBe(0);
    expect(index.unknownMasks).toBeGreaterThan(24_000);
    expect(index.masks.filter((mask) => mask === 0)).toHaveLength(index.unknownMasks);
  });

  it('takes the plain-JSON hint for the root itself, for array elements, and for a value met inside an array', () => {
    const bit = 1 << registerMemberName('idxSpo2');
    const bare = (members: object): object => Object.assign(Object.create(null) as object, members);
    const inner = bare({ idxSpo2: 95 });
    const body = bare({ idxSpo2: 97, list: [inner] });

    const atRoot = descendantIndexOf(body, { plainJson: body }, BIG);
    const inArray = descendantIndexOf({ readings: [body] }, { plainJson: body }, BIG);

    expect(atRoot.masks).toEqual([MASK_KNOWN | bit, MASK_KNOWN | bit]);
    expect(inArray.masks).toEqual([MASK_KNOWN, MASK_KNOWN | bit, MASK_KNOWN | bit]);
    expect(inArray.unknownMasks).toBe(0);
  });

  it('marks only the registered names an object has, not others of the same length', () => {
    const celsius = 1 << registerMemberName('idxTempC');
    registerMemberName('idxTempF');

    const index = descendantIndexOf({ idxTempC: 36.6, other: { idxTempK: 310 } }, undefined, BIG);

    expect(index.masks).toEqual([MASK_KNOWN | celsius, MASK_KNOWN]);
    expect(index.namesSeen).toBe(celsius);
    expect(descendantIndexOf({ unregistered: {} }, undefined, BIG).namesSeen).toBe(0);
  });

  it('lists no names while Object.prototype has an enumerable member, which for…in would list on every object', () => {
    // The empty name, so that even a check of the key's length sees it.
    Object.defineProperty(Object.prototype, '', { value: 1, enumerable: true, configurable: true, writable: true });
    let index;
    try {
      index = descendantIndexOf({ a: 1, b: { c: 2 } }, undefined, BIG);
    } finally {
      delete (Object.prototype as Record<string, unknown>)[''];
    }

    expect(index.masks).toEqual([0, 0]);
    expect(index.unknownMasks).toBe(2);
    // Own members only.
    expect(index.children).toBe(3);
  });
});

describe('registerMemberName', () => {
  /** A fresh copy of the module, with no name registered yet. */
  async function freshModule(): Promise<typeof DescendantIndexModule> {
    vi.resetModules();
    return import('../../../../shared/core/expressions/jsonPath/descendantIndex.js');
  }

  it('gives the first 30 names the bits 0 to 29 (bit 30 is MASK_KNOWN), then -1, still knowing the first 30', async () => {
    const { registerMemberName: register, MASK_KNOWN: known } = await freshModule();

    const bits = Array.from({ length: 31 }, (_, i) => register(`name${i}`));

    expect(bits).toEqual([...Array(30).keys(), -1]);
    expect(known).toBe(1 << 30);
    expect(register('name0')).toBe(0);
    expect(register('name29')).toBe(29);
  });

  it('returns the same bit when a name is registered again, without taking a new one', async () => {
    const { registerMemberName: register } = await freshModule();

    expect(register('first')).toBe(0);
    expect(register('second')).toBe(1);
    expect(register('first')).toBe(0);
    expect(register('second')).toBe(1);
    expect(register('third')).toBe(2);
  });

  it('registers the empty name like any other, and marks the objects that have it', async () => {
    const { registerMemberName: register, descendantIndexOf: indexOf, MASK_KNOWN: known } = await freshModule();

    const bit = 1 << register('');
    const index = indexOf({ '': 1, a: { b: 2 } }, undefined, BIG);

    expect(register('')).toBe(0);
    expect(index.masks).toEqual([known | bit, known]);
  });
});
