import { describe, expect, it } from 'vitest';
import { locatePointer, parseLocatedJson, toPathSegments, toPointer } from '../../../shared/core/mapping/locate.js';

describe('parseLocatedJson', () => {
  it('reports a syntax error with its line and column', () => {
    const result = parseLocatedJson('{\n  "a": 1,\n  "b": }');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems[0]).toMatchObject({ line: 3, column: 8 });
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
