import { describe, expect, it } from 'vitest';
import {
  locatePointer,
  offsetToPosition,
  parseLocatedJson,
  toLineStarts,
  toPathSegments,
  toPointer,
} from '../../../shared/core/mapping/locate.js';

describe('parseLocatedJson', () => {
  it('reports a syntax error with its line and column', () => {
    const result = parseLocatedJson('{\n  "a": 1,\n  "b": }');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems[0]).toEqual({ message: 'JSON syntax error: ValueExpected', line: 3, column: 8 });
    }
  });

  it('rejects an empty document', () => {
    expect(parseLocatedJson('').ok).toBe(false);
  });
});

describe('locatePointer', () => {
  const text = '{\n  "template": [\n    { "typeName": "hr" },\n    { "typeName": "bp" }\n  ]\n}';
  const parsed = parseLocatedJson(text);
  if (!parsed.ok) {
    throw new Error('fixture must parse');
  }

  it('points at the property key of a member', () => {
    expect(locatePointer(parsed.doc, '/template/1/typeName')).toEqual({ line: 4, column: 7 });
  });

  it('puts a member that starts a line at column 1 of that line', () => {
    const flush = parseLocatedJson('{\n"a": 1,\n"b": 2\n}');
    if (!flush.ok) {
      throw new Error('fixture must parse');
    }

    expect(locatePointer(flush.doc, '/b')).toEqual({ line: 3, column: 1 });
  });

  it('falls back to the nearest existing ancestor for a missing member', () => {
    expect(locatePointer(parsed.doc, '/template/0/values')).toEqual({ line: 3, column: 5 });
  });
});

describe('toPointer / toPathSegments', () => {
  it('round-trips escaped segments and array indexes', () => {
    const segments = ['a/b', 'c~d', 0, 'x'];
    expect(toPointer(segments)).toBe('/a~1b/c~0d/0/x');
    expect(toPathSegments(toPointer(segments))).toEqual(segments);
  });
});

describe('offsetToPosition', () => {
  it.each([
    [0, 1, 1],
    [2, 1, 3],
    [3, 2, 1],
    [5, 2, 3],
    [6, 3, 1],
  ])('puts offset %i of "ab\\ncd\\n" at line %i, column %i', (offset, line, column) => {
    expect(offsetToPosition(toLineStarts('ab\ncd\n'), offset)).toEqual({ line, column });
  });

  it.each([
    [2, 1, 3],
    [4, 2, 1],
    [6, 2, 3],
    [7, 3, 1],
    [8, 3, 2],
  ])(
    'ends lines at CR LF and at a lone CR too: offset %i of "ab\\r\\ncd\\re" is at line %i, column %i',
    (offset, line, column) => {
      expect(offsetToPosition(toLineStarts('ab\r\ncd\re'), offset)).toEqual({ line, column });
    },
  );
});

describe('toPathSegments', () => {
  it('turns only canonical array indexes into numbers, not names that contain or start with digits', () => {
    expect(toPathSegments('/a1/1a/01/10/0/x2y')).toEqual(['a1', '1a', '01', 10, 0, 'x2y']);
  });
});
