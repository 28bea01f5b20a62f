/**
 * `Math.Pow` as .NET computes it where MedTech runs: .NET calls the C library's `pow`, which on Linux (glibc, as Mono
 * does too) returns the correctly rounded result in all but about one case in 1,000 of random operands
 * (tools/dotnet-oracle `pow_cases.py`), and then misses by one unit in the last place. JavaScript's `**` and
 * `Math.pow` (V8's own implementation) miss in about one case in nine, which shows in about one measurement value in 160
 * (the value text keeps 15 significant digits) and in every `to_string` of such a result. This module computes the
 * correctly rounded power, from the logarithm and the exponential carried in double-double arithmetic (about 100
 * bits), with the special cases of IEEE 754 and C99's `pow` (which .NET Core 3.0 and later follow: `pow(1, NaN)` and
 * `pow(-1, ±∞)` are 1, where JavaScript says NaN). It costs about 1.4 µs a call where JavaScript's costs 0.05 µs.
 */

/** A double-double value: `hi + lo`, with `|lo|` at most half a unit in the last place of `hi`. */
interface Dd {
  readonly hi: number;
  readonly lo: number;
}

/** Veltkamp's splitting constant for doubles, 2^27 + 1. */
const SPLITTER = 134_217_729;

/** `a + b` exactly, as a double-double (Knuth's TwoSum). */
function twoSum(a: number, b: number): Dd {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

/** `a + b` exactly when `|a| >= |b|` (Dekker's FastTwoSum). */
function fastTwoSum(a: number, b: number): Dd {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

/** `a × b` exactly, as a double-double (Dekker's product; the operands are far from overflow here). */
function twoProduct(a: number, b: number): Dd {
  const p = a * b;
  const ta = SPLITTER * a;
  const aHi = ta - (ta - a);
  const aLo = a - aHi;
  const tb = SPLITTER * b;
  const bHi = tb - (tb - b);
  const bLo = b - bHi;
  return { hi: p, lo: aHi * bHi - p + aHi * bLo + aLo * bHi + aLo * bLo };
}

function add(a: Dd, b: Dd): Dd {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  const u = fastTwoSum(s.hi, s.lo + t.hi);
  return fastTwoSum(u.hi, u.lo + t.lo);
}

function multiply(a: Dd, b: Dd): Dd {
  const p = twoProduct(a.hi, b.hi);
  return fastTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

function multiplyByDouble(a: Dd, b: number): Dd {
  const p = twoProduct(a.hi, b);
  return fastTwoSum(p.hi, p.lo + a.lo * b);
}

function divide(a: Dd, b: Dd): Dd {
  const q1 = a.hi / b.hi;
  let r = add(a, multiplyByDouble(b, -q1));
  const q2 = r.hi / b.hi;
  r = add(r, multiplyByDouble(b, -q2));
  const q3 = r.hi / b.hi;
  const q = fastTwoSum(q1, q2);
  return add(q, { hi: q3, lo: 0 });
}

function dd(value: number): Dd {
  return { hi: value, lo: 0 };
}

/** ln 2 to about 107 bits. */
const LN2: Dd = { hi: 0.6931471805599453, lo: 2.3190468138462996e-17 };

/** 1/(2i + 1) for the logarithm's series, i = 0 … 22 (|s| ≤ 0.1716: 22 terms reach 2^-110). */
const ODD_RECIPROCALS: readonly Dd[] = Array.from({ length: 23 }, (_, i) => divide(dd(1), dd(2 * i + 1)));

/** 1/n! for the exponential's series, n = 0 … 13 (|r| ≤ 0.0055: 13 terms reach 2^-110). */
const FACTORIAL_RECIPROCALS: readonly Dd[] = (() => {
  const out: Dd[] = [dd(1)];
  for (let n = 1; n <= 13; n++) {
    out.push(divide(out[n - 1] as Dd, dd(n)));
  }
  return out;
})();

/** Squarings after the exponential's series: the argument is divided by 2^6 first. */
const SQUARINGS = 6;

/**
 * ln m for m in [√½, √2), as 2·atanh(s) with s = (m − 1)/(m + 1): relative accuracy holds as m approaches 1, which
 * matters because a power of a number near 1 can have a large exponent.
 */
function logNearOne(m: number): Dd {
  // m − 1 is exact for m in [½, 2] (Sterbenz); m + 1 is exact as a double-double.
  const s = divide(dd(m - 1), twoSum(m, 1));
  const s2 = multiply(s, s);
  let sum = ODD_RECIPROCALS[ODD_RECIPROCALS.length - 1] as Dd;
  for (let i = ODD_RECIPROCALS.length - 2; i >= 0; i--) {
    sum = add(multiply(sum, s2), ODD_RECIPROCALS[i] as Dd);
  }
  return multiplyByDouble(multiply(s, sum), 2);
}

/** e^r − 1 for |r| ≤ ½·ln 2 + a little, as a double-double. */
function expMinusOne(r: Dd): Dd {
  const scaled: Dd = { hi: r.hi / 2 ** SQUARINGS, lo: r.lo / 2 ** SQUARINGS };
  let sum = FACTORIAL_RECIPROCALS[FACTORIAL_RECIPROCALS.length - 1] as Dd;
  for (let n = FACTORIAL_RECIPROCALS.length - 2; n >= 1; n--) {
    sum = add(multiply(sum, scaled), FACTORIAL_RECIPROCALS[n] as Dd);
  }
  let p = multiply(sum, scaled);
  for (let i = 0; i < SQUARINGS; i++) {
    // (1 + p)² − 1 = 2p + p², kept in this form so that no precision is lost to the leading 1.
    p = add(multiplyByDouble(p, 2), multiply(p, p));
  }
  return p;
}

const SCRATCH = new DataView(new ArrayBuffer(8));

/** The exponent e and m in [√½, √2) with x = m·2^e, for a positive finite x. */
function split(x: number): { m: number; e: number } {
  let scale = 0;
  if (x < 2 ** -1000) {
    x *= 2 ** 64;
    scale = 64;
  }
  SCRATCH.setFloat64(0, x);
  const high = SCRATCH.getUint32(0);
  let e = (high >>> 20) - 1023;
  SCRATCH.setUint32(0, (high & 0x800fffff) | (1023 << 20));
  let m = SCRATCH.getFloat64(0);
  if (m >= Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  return { m, e: e - scale };
}

/** x·2^k, exact while every step stays a normal number. */
function scaleByPowerOfTwo(x: number, k: number): number {
  let result = x;
  let rest = k;
  while (rest > 1000) {
    result *= 2 ** 1000;
    rest -= 1000;
  }
  while (rest < -1000) {
    result *= 2 ** -1000;
    rest += 1000;
  }
  return result * 2 ** rest;
}

/** Largest and smallest y·ln x whose power this module rounds itself (beyond: surely ∞, or surely 0). */
const MAX_LOG_RESULT = 710;
const MIN_LOG_RESULT = -746;
/** The binary exponent of the smallest normal double. */
const MIN_NORMAL_EXPONENT = -1022;
/** The binary exponent of the smallest subnormal double, the unit of the subnormal range. */
const SUBNORMAL_UNIT_EXPONENT = -1074;

/**
 * x^y for a positive finite x other than 1 and a finite y other than 0, correctly rounded but for results beyond
 * the double range or below its normal range, which are left to JavaScript (they are 0, ∞ or subnormal).
 */
function positivePower(x: number, y: number): number {
  const exact = exactPower(x, y);
  if (exact !== undefined) {
    return exact;
  }
  if (Math.abs(y) > 2 ** 62) {
    // |ln x| ≥ 2^-53 for x ≠ 1, so the result is 0 or ∞, which JavaScript gets right.
    return Math.pow(x, y);
  }
  const { m, e } = split(x);
  const logX = add(multiplyByDouble(LN2, e), logNearOne(m));
  const t = multiplyByDouble(logX, y);
  if (t.hi > MAX_LOG_RESULT || t.hi < MIN_LOG_RESULT) {
    return Math.pow(x, y);
  }
  const k = Math.round(t.hi / LN2.hi);
  const r = add(t, multiplyByDouble(LN2, -k));
  const p = expMinusOne(r);
  const result = add(dd(1), p);
  if (k - 1 >= MIN_NORMAL_EXPONENT) {
    return scaleByPowerOfTwo(result.hi + result.lo, k);
  }
  return roundToSubnormal(result, k);
}

/**
 * (hi + lo)·2^k rounded once, to even on a tie, when it lies in (or below) the subnormal range, where rounding
 * hi + lo to a double first and scaling after would round twice.
 */
function roundToSubnormal(value: Dd, k: number): number {
  // In units of the smallest subnormal: below 2^52, so the scaled parts are exact and the unit of `whole` is 1.
  const hi = scaleByPowerOfTwo(value.hi, k - SUBNORMAL_UNIT_EXPONENT);
  const lo = scaleByPowerOfTwo(value.lo, k - SUBNORMAL_UNIT_EXPONENT);
  let whole = Math.floor(hi);
  // hi − whole is exact, and |lo| is at most half of hi's last place: lo decides only a tie, or whether hi, when it is
  // whole with a last place of 1, is more than half a unit too high.
  const fraction = hi - whole;
  if (fraction > 0.5 || (fraction === 0.5 && (lo > 0 || (lo === 0 && whole % 2 === 1)))) {
    whole += 1;
  } else if (fraction === 0 && (lo < -0.5 || (lo === -0.5 && whole % 2 === 1))) {
    whole -= 1;
  }
  return scaleByPowerOfTwo(whole, SUBNORMAL_UNIT_EXPONENT);
}

/** Largest bit count of an exact integer power computed with BigInt. */
const MAX_EXACT_BITS = 1000;

/**
 * x^y exactly when y is a positive integer and the power needs at most {@link MAX_EXACT_BITS} bits (a result that
 * falls exactly halfway between two doubles is then rounded to even, as it must be); undefined otherwise.
 */
function exactPower(x: number, y: number): number | undefined {
  if (!Number.isInteger(y) || y < 2 || y > MAX_EXACT_BITS) {
    return undefined;
  }
  // x = odd × 2^exponent, exactly.
  let exponent = 0;
  let odd = x;
  while (!Number.isInteger(odd)) {
    odd *= 2;
    exponent -= 1;
  }
  let mantissa = BigInt(odd);
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent += 1;
  }
  if (mantissa.toString(2).length * y > MAX_EXACT_BITS) {
    return undefined;
  }
  const power = mantissa ** BigInt(y);
  const bits = power.toString(2).length;
  const binaryExponent = bits - 1 + exponent * y;
  if (binaryExponent > 1000 || binaryExponent < -1000) {
    return undefined;
  }
  return scaleByPowerOfTwo(Number(power), exponent * y);
}

/**
 * `Math.Pow(x, y)` as .NET computes it on Linux: the correctly rounded power (the C library's `pow` misses it in rare
 * cases, which are not reproduced), with C99's special cases.
 * @param x - the base
 * @param y - the exponent
 * @returns x^y; NaN for a negative x and a y with a fraction
 */
export function dotNetPow(x: number, y: number): number {
  if (y === 0 || x === 1) {
    return 1;
  }
  if (Number.isNaN(x) || Number.isNaN(y)) {
    return NaN;
  }
  if (!Number.isFinite(y)) {
    return x === -1 ? 1 : Math.pow(x, y);
  }
  if (x === 0 || !Number.isFinite(x)) {
    return Math.pow(x, y);
  }
  if (y === 1) {
    return x;
  }
  if (y === -1) {
    return 1 / x;
  }
  if (y === 2) {
    return x * x;
  }
  if (x > 0) {
    return y === 0.5 ? Math.sqrt(x) : positivePower(x, y);
  }
  if (!Number.isInteger(y)) {
    return NaN;
  }
  const magnitude = positivePower(-x, y);
  return Math.abs(y) < 2 ** 53 && y % 2 !== 0 ? -magnitude : magnitude;
}
