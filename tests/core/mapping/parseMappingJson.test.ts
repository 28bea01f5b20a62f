import { describe, expect, it } from 'vitest';
import { MAX_MAPPING_DEPTH, parseMappingJson } from '../../../shared/core/mapping/parseMappingJson.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import { parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';

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

  it('refuses a file nested deeper than the limit with its position, instead of overflowing the stack', () => {
    const deep = '[\n' + '['.repeat(20_000) + ']'.repeat(20_000) + '\n]';

    expect(parseMappingJson(deep)).toEqual({
      ok: false,
      problems: [
        {
          message: `the file nests arrays and objects more than ${MAX_MAPPING_DEPTH} levels deep`,
          line: 2,
          column: 128,
        },
      ],
    });
    // Both mapping parsers report it as a problem; neither throws.
    const device = parseDeviceMapping(`{"templateType":"CollectionContent","template":${deep}}`);
    const fhir = parseFhirMapping(`{"templateType":"CollectionFhir","template":${deep}}`);
    expect(device.ok || device.problems[0]?.message).toMatch(/more than 128 levels deep/);
    expect(fhir.ok || fhir.problems[0]?.message).toMatch(/more than 128 levels deep/);
  });

  it('counts only the brackets of the document, not those in strings or comments', () => {
    const text = `{ "a": "${'['.repeat(500)}", /* ${'{'.repeat(500)} */ // ${'['.repeat(500)}\n "b": [[1]] }`;

    expect(parseMappingJson(text)).toMatchObject({ ok: true, doc: { value: { a: '['.repeat(500), b: [[1]] } } });
    expect(parseMappingJson('['.repeat(MAX_MAPPING_DEPTH) + ']'.repeat(MAX_MAPPING_DEPTH)).ok).toBe(true);
  });
});
