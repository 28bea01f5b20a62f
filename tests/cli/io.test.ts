import { describe, expect, it } from 'vitest';
import { writeJsonDocument } from '../../shared/cli/io.js';

async function written(document: object): Promise<string[]> {
  const pieces: string[] = [];
  await writeJsonDocument({ stdout: (text) => pieces.push(text), stderr: () => undefined }, document);
  return pieces;
}

describe('writeJsonDocument', () => {
  it('writes what JSON.stringify(document, null, 2) writes, and a newline', async () => {
    // eslint-disable-next-line no-sparse-arrays -- a hole is written as null, as JSON.stringify writes it
    const sparse = [1, , 3];
    const documents: object[] = [
      {},
      { measurements: [], errors: [] },
      { measurements: [{ a: 1, b: [1, { c: 'x\ny' }], d: {} }, null, 'text', [], [[]]], errors: [{ name: 'E' }] },
      { skipped: undefined, count: 3, nested: { list: [1, 2], empty: [] }, flag: true, last: [undefined, 1] },
      { only: [{ deep: { deeper: { deepest: [1, 2, 3] } } }], f: () => 1, s: Symbol('s'), sparse },
      { numbers: [-0, 1e21, Number.NaN, Number.POSITIVE_INFINITY, 0.1 + 0.2], text: '\u2028"\\' },
    ];
    for (const document of documents) {
      expect((await written(document)).join('')).toBe(`${JSON.stringify(document, null, 2)}\n`);
    }
  });

  it('writes a long document in pieces of about 64 K characters, making each element once', async () => {
    let made = 0;
    const element = (i: number) => ({
      toJSON: () => {
        made += 1;
        return { id: i, text: 'x'.repeat(100) };
      },
    });
    const document = { observations: Array.from({ length: 5_000 }, (_, i) => element(i)), errors: [] };

    const pieces = await written(document);

    expect(made).toBe(5_000);
    expect(pieces.join('')).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(pieces.length).toBeGreaterThan(5);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(70_000);
  });

  it('waits for each piece to be taken before making the next', async () => {
    const log: string[] = [];
    let release = (): void => undefined;
    const io = {
      stdout: () => log.push('write'),
      stderr: () => undefined,
      drained: () => {
        log.push('wait');
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    };
    const document = { list: Array.from({ length: 2_000 }, (_, i) => ({ id: i, text: 'x'.repeat(100) })) };

    const writing = writeJsonDocument(io, document);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['write', 'wait']);
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.slice(0, 4)).toEqual(['write', 'wait', 'write', 'wait']);
    for (let i = 0; i < 10; i++) {
      release();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await writing;
    expect(log.at(-1)).toBe('write');
  });
});
