import { describe, expect, it } from 'vitest';
import { parseMappingJson } from '../../../shared/core/mapping/parseMappingJson.js';

describe('parseMappingJson', () => {
  it('drops a leading byte-order mark: positions and text are those after it', () => {
    const result = parseMappingJson('\uFEFF{\n  "a": 1, // note\n}');

    expect(result).toMatchObject({ ok: true, doc: { value: { a: 1 }, text: '{\n  "a": 1, // note\n}' } });
    expect(result.ok && result.nonStrictAt).toEqual({ line: 2, column: 11 });
  });

  it('reports a syntax error after a byte-order mark at the column an editor shows', () => {
    expect(parseMappingJson('\uFEFF{ "a": }')).toEqual({
      ok: false,
      problems: [{ message: 'JSON syntax error: ValueExpected', line: 1, column: 8 }],
    });
  });
});
