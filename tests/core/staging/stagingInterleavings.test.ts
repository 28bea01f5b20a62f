/**
 * Two stagings of one batch under two mappings, their writes interleaved every way the write order allows, either of
 * them cut short at any write: whatever lands, the flush reads every event exactly once, as one mapping made it.
 * The store is a map of ids (upserts overwrite); the plan, the write order and the rule that drops superseded
 * chunks are the ones the Cosmos staging store uses.
 */
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../shared/core/measurement.js';
import {
  decodeStagingDocument,
  findSupersededChunks,
  planEmptyWindowDocuments,
  planStagingDocuments,
  planStagingWrites,
  type StagingDocument,
} from '../../../shared/core/staging/planStagingDocuments.js';

const events = 12;
const range = { first: 1, last: events };
const ingested = '2024-05-01T10:05:00.000Z';

/** The batch as a mapping makes it: each event's measurement carries the mapping's tag and a note of its size. */
function batch(tag: string, note: number): Measurement[] {
  return Array.from({ length: events }, (_, i) => ({
    type: 'hr',
    occurrenceTimeUtc: new Date(Date.parse('2024-05-01T09:00:00.000Z') + i * 1000).toISOString(),
    ingestionTimeUtc: ingested,
    deviceId: 'dev',
    properties: [
      { name: 'hr', value: `${tag}:${i}` },
      { name: 'note', value: 'x'.repeat(note) },
    ],
  }));
}

/** One staging's writes, one sequence per order the write plan allows (its steps' documents in any order). */
function writeOrders(documents: StagingDocument[]): StagingDocument[][] {
  let orders: StagingDocument[][] = [[]];
  for (const step of planStagingWrites(documents)) {
    orders = orders.flatMap((before) => permutations(step).map((p) => [...before, ...p]));
  }
  return orders;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) {
    return [[...items]];
  }
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Every interleaving of two write sequences. */
function merges<T>(a: readonly T[], b: readonly T[]): T[][] {
  const [headA, ...restA] = a;
  const [headB, ...restB] = b;
  if (headA === undefined) {
    return [[...b]];
  }
  if (headB === undefined) {
    return [[...a]];
  }
  return [...merges(restA, b).map((rest) => [headA, ...rest]), ...merges(a, restB).map((rest) => [headB, ...rest])];
}

/** The values the flush reads from a store holding these documents (superseded ones left out). */
function flushed(stored: Map<string, StagingDocument>): string[] {
  const documents = [...stored.values()];
  const superseded = findSupersededChunks(documents);
  return documents
    .filter((d) => !superseded.has(d.id))
    .flatMap((d) => decodeStagingDocument(d).measurements.map((m) => m.properties[0]?.value ?? ''))
    .sort();
}

const expected = (tag: string): string[] => Array.from({ length: events }, (_, i) => `${tag}:${i}`).sort();

describe('two stagings of one batch at once', () => {
  const plan = (stagingId: string, measurements: Measurement[]): StagingDocument[] => {
    const options = { windowMinutes: 15, maxDocumentBytes: 1_600, nowMs: Date.parse(ingested), stagingId };
    const documents = planStagingDocuments('0', range, measurements, options);
    return [...documents, ...planEmptyWindowDocuments('0', range, [ingested], documents, options)];
  };
  // The old mapping's measurements need four chunks, the new one's two: they cut the batch at other events.
  const x = plan('x', batch('old', 200));
  const y = plan('y', batch('new', 20));
  // A redelivery whose events the new mapping drops altogether writes an empty head.
  const emptied = planEmptyWindowDocuments('0', range, [ingested], [], {
    windowMinutes: 15,
    nowMs: Date.parse(ingested),
    stagingId: 'z',
  });

  it('cuts the batch into other chunks under each mapping', () => {
    expect([x.length, y.length, emptied.length]).toEqual([4, 2, 1]);
  });

  for (const [name, earlier, later, tags] of [
    ['four chunks and two', x, y, { x: 'old', y: 'new' }],
    ['two chunks and four', y, x, { x: 'old', y: 'new' }],
    ['four chunks and an empty head', x, emptied, { x: 'old', z: '' }],
  ] as const) {
    it(`reads each event once, as the staging whose head landed last made it (${name}, every interleaving)`, () => {
      const outcomes = new Map<string, number>();
      let cases = 0;
      for (const a of writeOrders([...earlier])) {
        for (const b of writeOrders([...later])) {
          // Either staging cut short at any write (the other finishing), or both finishing.
          const runs: [StagingDocument[], StagingDocument[]][] = [
            ...a.map((_, cut): [StagingDocument[], StagingDocument[]] => [a.slice(0, cut), b]),
            ...b.map((_, cut): [StagingDocument[], StagingDocument[]] => [a, b.slice(0, cut)]),
            [a, b],
          ];
          for (const [first, second] of runs) {
            for (const writes of merges(first, second)) {
              const stored = new Map<string, StagingDocument>();
              for (const document of writes) {
                stored.set(document.id, document);
              }
              const head = [...stored.values()].find((d) => d.chunk === 0);
              const tag = (tags as Record<string, string>)[head?.stagingId ?? ''];
              const values = flushed(stored);
              const key = values.length === 0 ? 'nothing' : (values[0]?.split(':')[0] ?? '');
              outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
              cases += 1;
              expect(values).toEqual(tag === '' ? [] : expected(tag ?? 'no head'));
            }
          }
        }
      }
      // Both outcomes occur: which staging wins depends on which head lands last.
      expect(cases).toBeGreaterThan(50);
      expect(outcomes.size).toBe(2);
    });
  }
});
