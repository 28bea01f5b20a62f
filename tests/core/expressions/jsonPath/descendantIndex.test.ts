import { describe, expect, it } from 'vitest';
import {
  MASK_KNOWN,
  descendantIndexOf,
  registerMemberName,
} from '../../../../shared/core/expressions/jsonPath/descendantIndex.js';
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
