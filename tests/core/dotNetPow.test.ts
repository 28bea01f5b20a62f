import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dotNetPow } from '../../shared/core/dotNetPow.js';

/** Recorded by tools/dotnet-oracle/pow_cases.py (seed 2): Mono's Math.Pow and the correctly rounded power. */
interface PowCase {
  x: number;
  y: number;
  mono: number;
  correctlyRounded: number;
}

const cases = JSON.parse(
  readFileSync(new URL('../fixtures/dotnet-pow/cases.json', import.meta.url), 'utf8'),
) as PowCase[];

describe('dotNetPow against Math.Pow on Mono (tests/fixtures/dotnet-pow)', () => {
  const monoCorrect = cases.filter((c) => Object.is(c.mono, c.correctlyRounded));
  const monoOff = cases.filter((c) => !Object.is(c.mono, c.correctlyRounded));

  it('holds the recorded sample and the cases where the C library is not correctly rounded', () => {
    expect(monoCorrect).toHaveLength(1500);
    expect(monoOff).toHaveLength(99);
  });

  it('gives the correctly rounded power, which is what Mono gives in all but about one case in 1,000', () => {
    const wrong = monoCorrect.filter((c) => !Object.is(dotNetPow(c.x, c.y), c.mono));
    expect(wrong.map((c) => `pow(${c.x}, ${c.y})`)).toEqual([]);
  });

  it('is correctly rounded where the C library misses by a last bit (those misses are not reproduced)', () => {
    const wrong = monoOff.filter((c) => !Object.is(dotNetPow(c.x, c.y), c.correctlyRounded));
    expect(wrong.map((c) => `pow(${c.x}, ${c.y})`)).toEqual([]);
  });
});

describe('dotNetPow', () => {
  it('takes the special cases of C99 and .NET Core, where JavaScript differs for 1 and -1', () => {
    expect(dotNetPow(1, NaN)).toBe(1);
    expect(dotNetPow(1, Infinity)).toBe(1);
    expect(dotNetPow(-1, Infinity)).toBe(1);
    expect(dotNetPow(-1, -Infinity)).toBe(1);
    expect(dotNetPow(NaN, 0)).toBe(1);
    expect(dotNetPow(NaN, -0)).toBe(1);
    expect(dotNetPow(0, 0)).toBe(1);
    expect(dotNetPow(NaN, 1)).toBeNaN();
    expect(dotNetPow(2, NaN)).toBeNaN();
    expect(dotNetPow(-8, 1 / 3)).toBeNaN();
    expect(dotNetPow(-0, -1)).toBe(-Infinity);
    expect(dotNetPow(0, -2)).toBe(Infinity);
    expect(dotNetPow(-Infinity, 3)).toBe(-Infinity);
    expect(dotNetPow(0.5, Infinity)).toBe(0);
    expect(dotNetPow(2, -Infinity)).toBe(0);
  });

  it('gives the sign of an odd integer power of a negative base', () => {
    expect(dotNetPow(-2, 3)).toBe(-8);
    expect(dotNetPow(-2, -3)).toBe(-0.125);
    expect(dotNetPow(-1.5, 4)).toBe(5.0625);
    expect(dotNetPow(-3, 2 ** 53)).toBe(Infinity);
    expect(dotNetPow(-0.5, 2 ** 60)).toBe(0);
  });

  it('computes integer powers exactly before rounding, ties to even', () => {
    // 208065³ = 9,007,351,116,674,625 lies halfway between two doubles (odd, between 2^53 and 2^54).
    expect(dotNetPow(208065, 3)).toBe(Number(208065n ** 3n));
    expect(dotNetPow(208065, 3)).toBe(9007351116674624);
    expect(dotNetPow(-208065, 3)).toBe(-9007351116674624);
    expect(dotNetPow(3, 35)).toBe(50031545098999704);
    expect(dotNetPow(10, 22)).toBe(1e22);
    expect(dotNetPow(10, 23)).toBe(1e23);
    expect(dotNetPow(0.1, 3)).toBe(0.0010000000000000002);
  });

  it('rounds once in the subnormal range and at the ends of the range', () => {
    expect(dotNetPow(2, -1074)).toBe(5e-324);
    expect(dotNetPow(2, -1075)).toBe(0);
    expect(dotNetPow(2, 1023)).toBe(8.98846567431158e307);
    expect(dotNetPow(2, 1024)).toBe(Infinity);
    // Expected values from Python's decimal module at 80 digits, rounded once.
    expect(dotNetPow(10, -323.5)).toBe(5e-324);
    expect(dotNetPow(2, -1074.5)).toBe(5e-324);
  });

  it('keeps its accuracy for bases near 1 and large exponents', () => {
    // Expected values from Python's decimal module at 80 digits, rounded once.
    expect(dotNetPow(1 + 2 ** -52, 2 ** 52)).toBe(2.718281828459045);
    expect(dotNetPow(1 - 2 ** -53, -(2 ** 53))).toBe(2.7182818284590455);
    expect(dotNetPow(1.0000001, 1e7)).toBe(2.7182816941320818);
  });
});
