/**
 * How Newtonsoft.Json compares two doubles (`JValue`'s float comparison), which both MedTech's JSONPath filters and
 * JmesPath.Net's equality use: numbers within a tolerance scaled by their magnitudes are equal, so arithmetic noise
 * such as `0.1 + 0.2` equals `0.3`; NaN equals NaN and orders before every number.
 */

/**
 * Newtonsoft's `MathUtils.ApproxEquals`.
 * @param a - a double
 * @param b - another
 */
export function approxEquals(a: number, b: number): boolean {
  if (a === b) {
    return true;
  }
  const tolerance = (Math.abs(a) + Math.abs(b) + 10) * Number.EPSILON;
  const difference = a - b;
  return -tolerance < difference && tolerance > difference;
}

/**
 * Newtonsoft's ordering of two doubles: 0 when {@link approxEquals} (or both NaN), else -1 or 1.
 * @param a - a double
 * @param b - another
 */
export function compareFloats(a: number, b: number): number {
  if (approxEquals(a, b)) {
    return 0;
  }
  if (a < b) {
    return -1;
  }
  if (a > b) {
    return 1;
  }
  // .NET orders NaN before every number.
  if (Number.isNaN(a)) {
    return Number.isNaN(b) ? 0 : -1;
  }
  return 1;
}
