import { isRecord } from '../../shared/core/isRecord.js';

/**
 * A structural JSON comparison for oracle fixtures: arrays element by element, objects member by member by name (in
 * any order), and each pair `leaf` decides first — true or false for the values it knows how to compare (numbers, the
 * fixture's encodings), `undefined` to go on with the structure; anything else must be identical.
 * @param leaf - the fixture's own rule for the values it encodes
 * @returns the comparison, `(expected, actual) => boolean`
 */
export function sameJsonBy(
  leaf: (expected: unknown, actual: unknown) => boolean | undefined,
): (expected: unknown, actual: unknown) => boolean {
  const same = (expected: unknown, actual: unknown): boolean => {
    const decided = leaf(expected, actual);
    if (decided !== undefined) {
      return decided;
    }
    if (Array.isArray(expected)) {
      return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => same(e, actual[i]));
    }
    if (isRecord(expected)) {
      const names = Object.keys(expected).sort();
      return (
        isRecord(actual) &&
        JSON.stringify(Object.keys(actual).sort()) === JSON.stringify(names) &&
        names.every((name) => same(expected[name], actual[name]))
      );
    }
    return expected === actual;
  };
  return same;
}
