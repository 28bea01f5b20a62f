import { describe, expect, it } from 'vitest';
import { writeJsonDocument } from '../../shared/cli/io.js';

function written(document: object): string[] {
  const pieces: string[] = [];
  writeJsonDocument({ stdout: (text) => pieces.push(text), stderr: () => undefined }, document);
  return pieces;
}

describe('writeJsonDocument', () => {
  it('writes what JSON.stringify(document, null, 2) writes, and a newline', () => {
    const documents: object[] = [
      {},
      { measurements: [], errors: [] },
      { measurements: [{ a: 1, b: [1, { c: 'x\ny' }], d: {} }, null, 'text', [], [[]]], errors: [{ name: 'E' }] },
      { skipped: undefined, count: 3, nested: { list: [1, 2], empty: [] }, flag: true, last: [undefined, 1] },
      { only: [{ deep: { deeper: { deepest: [1, 2, 3] } } }] },
    ];
    for (const document of documents) {
      expect(written(document).join('')).toBe(`${JSON.stringify(document, null, 2)}\n`);
    }
  });

  it('writes a long document in pieces of about 64 K characters', () => {
    const document = {
      observations: Array.from({ length: 5_000 }, (_, i) => ({ id: i, text: 'x'.repeat(100) })),
      errors: [],
    };

    const pieces = written(document);

    expect(pieces.join('')).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(pieces.length).toBeGreaterThan(5);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(70_000);
  });
});
