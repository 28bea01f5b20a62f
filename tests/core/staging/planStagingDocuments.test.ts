import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../shared/core/measurement.js';
import {
  chunkBySize,
  decodeStagingDocument,
  findSupersededChunks,
  planEmptyWindowDocuments,
  planStagingDocuments,
  planStagingSteps,
  toJsonByteLength,
  toSupersedingHead,
  orderStagedDocuments,
  HEAD_FIRST_STAGINGS,
  MAX_SUPERSEDED_STAGINGS,
  type StagedDocumentOrigin,
  type StagingDocument,
} from '../../../shared/core/staging/planStagingDocuments.js';
import { toStagingWindow } from '../../../shared/core/staging/stagingWindow.js';

const nowMs = Date.parse('2024-05-01T10:40:00.000Z');

function measurement(i: number, ingestionTimeUtc: string, value = String(i)): Measurement {
  return {
    type: 'heartrate',
    occurrenceTimeUtc: ingestionTimeUtc,
    ingestionTimeUtc,
    deviceId: `d${i % 3}`,
    properties: [{ name: 'hr', value }],
  };
}

const many = (count: number, time: string): Measurement[] =>
  Array.from({ length: count }, (_, i) => measurement(i, time));

describe('planStagingDocuments', () => {
  it('plans one document per window, in window order, with every documented field', () => {
    const documents = planStagingDocuments(
      '7',
      { first: 10, last: 12 },
      [measurement(1, '2024-05-01T10:16:00.000Z'), measurement(2, '2024-05-01T10:01:00.000Z')],
      { windowMinutes: 15, maxDocumentBytes: 1_500_000, nowMs },
    );

    expect(documents).toEqual([
      {
        pk: '2024-05-01T10:00:00.000Z|7',
        id: 's7_q10-12_w202405011000_c0',
        windowStart: '2024-05-01T10:00:00.000Z',
        windowEnd: '2024-05-01T10:15:00.000Z',
        shard: '7',
        firstSequenceNumber: 10,
        lastSequenceNumber: 12,
        chunk: 0,
        chunks: 1,
        measurements: [['heartrate', '2024-05-01T10:01:00.000Z', '2024-05-01T10:01:00.000Z', 'd2', ['hr', '2']]],
        count: 1,
        createdAt: '2024-05-01T10:40:00.000Z',
      },
      expect.objectContaining({ pk: '2024-05-01T10:15:00.000Z|7', id: 's7_q10-12_w202405011015_c0', count: 1 }),
    ]);
  });

  it('puts a whole batch in a single document when it fits, whatever the number of devices', () => {
    const documents = planStagingDocuments('0', { first: 0, last: 999 }, many(1_000, '2024-05-01T10:05:00.000Z'), {
      windowMinutes: 15,
      maxDocumentBytes: 1_500_000,
      nowMs,
    });

    expect(documents).toHaveLength(1);
    expect(documents[0]?.count).toBe(1_000);
  });

  it('splits into chunks whose serialized size (plus the system-field reserve) stays within the bound', () => {
    const input = many(200, '2024-05-01T10:05:00.000Z');

    const documents = planStagingDocuments('0', { first: 0, last: 199 }, input, {
      windowMinutes: 15,
      maxDocumentBytes: 2_000,
      nowMs,
    });

    expect(documents.length).toBeGreaterThan(5);
    expect(documents.map((d) => d.chunk)).toEqual(documents.map((_, i) => i));
    for (const document of documents) {
      expect(toJsonByteLength(document) + 256).toBeLessThanOrEqual(2_000);
    }
    expect(documents.flatMap((d) => decodeStagingDocument(d).measurements)).toEqual(input);
  });

  it('gives a measurement too large for any chunk a document of its own', () => {
    const input = [
      measurement(0, '2024-05-01T10:05:00.000Z'),
      measurement(1, '2024-05-01T10:05:00.000Z', 'x'.repeat(5_000)),
      measurement(2, '2024-05-01T10:05:00.000Z'),
    ];

    const documents = planStagingDocuments('0', { first: 0, last: 2 }, input, {
      windowMinutes: 15,
      maxDocumentBytes: 2_000,
      nowMs,
    });

    expect(documents.map((d) => d.count)).toEqual([1, 1, 1]);
  });

  it('plans the same ids and contents for the same batch', () => {
    const input = many(50, '2024-05-01T10:05:00.000Z');
    const options = { windowMinutes: 15, maxDocumentBytes: 2_000, nowMs };

    expect(planStagingDocuments('1', { first: 5, last: 54 }, input, options)).toEqual(
      planStagingDocuments('1', { first: 5, last: 54 }, input, options),
    );
  });

  it('plans nothing for an empty batch', () => {
    expect(
      planStagingDocuments('1', { first: 5, last: 5 }, [], { windowMinutes: 15, maxDocumentBytes: 2_000, nowMs }),
    ).toEqual([]);
  });
});

describe('planStagingSteps', () => {
  const options = { windowMinutes: 15, maxDocumentBytes: 2_000, nowMs, stagingId: 's' };
  const first = '2024-05-01T10:05:00.000Z';
  const second = '2024-05-01T10:20:00.000Z';
  const range = { first: 0, last: 399 };
  const windowOf = (time: string): string => toStagingWindow(time, 15).start;

  /** Plans the steps, noting how many measurements were read when each was given. */
  function stepsOf(input: readonly Measurement[], eventTimes: readonly string[]) {
    let read = 0;
    const reading = function* (): Generator<Measurement> {
      for (const m of input) {
        read += 1;
        yield m;
      }
    };
    const steps: { read: number; documents: StagingDocument[] }[] = [];
    for (const documents of planStagingSteps('0', range, reading(), eventTimes, options, 3)) {
      steps.push({ read, documents });
    }
    return steps;
  }

  const describeStep = ({ documents }: { documents: StagingDocument[] }): string =>
    `${documents[0]?.windowStart.slice(11, 16) ?? ''} ${documents[0]?.chunk === 0 ? 'head' : 'chunks'}`;

  it("writes a window's later chunks as they fill, and finishes it when the next window's events begin", () => {
    // 400 events, the first half in one window, the second in the next (as an Event Hubs partition's enqueued times).
    const input = Array.from({ length: 400 }, (_, i) => measurement(i, i < 200 ? first : second));
    const steps = stepsOf(
      input,
      input.map((m) => m.ingestionTimeUtc),
    );

    // Window by window: steps of three later chunks while reading, the rest, then the head.
    const shape = steps.map(describeStep).filter((line, i, all) => line !== all[i - 1]);
    expect(shape).toEqual(['10:00 chunks', '10:00 head', '10:15 chunks', '10:15 head']);
    expect(steps.filter((step) => step.documents[0]?.chunk !== 0).every((step) => step.documents.length <= 3)).toBe(
      true,
    );
    expect(steps.length).toBeGreaterThan(8);
    // The first window is finished once the first measurement of the next is read, before any other.
    const firstHead = steps.find((step) => describeStep(step) === '10:00 head');
    expect(firstHead?.read).toBe(201);
    // What is read and not yet given: at most a head, an open chunk and two full ones (three make a step).
    const perDocument = (steps[0]?.documents[0]?.count ?? 0) + 1;
    steps.forEach((step, i) => {
      const given = steps
        .slice(0, i + 1)
        .flatMap((s) => s.documents)
        .reduce((sum, d) => sum + d.count, 0);
      expect(step.read - given).toBeLessThanOrEqual(4 * perDocument);
    });
    expect(steps.flatMap((s) => s.documents)).toEqual(
      expect.arrayContaining(planStagingDocuments('0', range, input, options)),
    );
  });

  it('holds every document to the end, then writes window by window, when the event times interleave windows', () => {
    const input = Array.from({ length: 400 }, (_, i) => measurement(i, i % 2 === 0 ? first : second));
    const steps = stepsOf(
      input,
      input.map((m) => m.ingestionTimeUtc),
    );

    expect(steps.map(describeStep)).toEqual(['10:00 chunks', '10:00 head', '10:15 chunks', '10:15 head']);
    expect(steps.every((step) => step.read === input.length)).toBe(true);
  });

  it("gives every document planStagingDocuments plans, each window's measurements in order, and empty heads", () => {
    const input = Array.from({ length: 400 }, (_, i) => measurement(i, i < 200 ? first : second));
    const third = '2024-05-01T10:35:00.000Z';
    const steps = stepsOf(input, [...input.map((m) => m.ingestionTimeUtc), third]);
    const documents = planStagingDocuments('0', range, input, options);
    const given = steps.flatMap((s) => s.documents);

    expect(given.filter((d) => d.windowStart !== windowOf(third))).toEqual(expect.arrayContaining(documents));
    expect(given).toHaveLength(documents.length + 1);
    expect(given.at(-1)).toMatchObject({ windowStart: windowOf(third), chunk: 0, chunks: 0, count: 0 });
    for (const window of [first, second].map(windowOf)) {
      const inWindow = documents.filter((d) => d.windowStart === window);
      // The head says how many chunks the window has; a later chunk, how many it had once it was written.
      expect(inWindow.map((d) => [d.chunk, d.chunks])).toEqual(
        inWindow.map((_, i) => [i, i === 0 ? inWindow.length : i + 1]),
      );
      expect(inWindow.flatMap((d) => decodeStagingDocument(d).measurements)).toEqual(
        input.filter((m) => windowOf(m.ingestionTimeUtc) === window),
      );
    }
  });

  it('loses nothing when a measurement comes back to a window already finished', () => {
    // Not a batch ingest stages (a measurement has its event's time), but nothing may be lost if one did.
    const input = [measurement(0, first), measurement(1, second), measurement(2, first)];
    const given = stepsOf(input, [first, second]).flatMap((s) => s.documents);

    expect(given.flatMap((d) => decodeStagingDocument(d).measurements)).toEqual(expect.arrayContaining(input));
    expect(given.map((d) => [windowOf(d.windowStart), d.chunk])).toEqual([
      [windowOf(first), 0],
      [windowOf(second), 0],
      [windowOf(first), 1],
    ]);
  });
});

describe('planEmptyWindowDocuments', () => {
  it('plans an empty first chunk for each window the events reach and no document covers, and supersedes with it', () => {
    const options = {
      windowMinutes: 15,
      maxDocumentBytes: 100_000,
      nowMs: Date.parse('2024-05-01T11:00:00.000Z'),
      stagingId: 'redelivery',
    };
    const range = { first: 1, last: 4 };
    const documents = planStagingDocuments('0', range, [], options);
    const times = ['2024-05-01T10:01:00Z', '2024-05-01T10:16:00Z', '2024-05-01T10:14:00Z', 'not a time'];

    const empty = planEmptyWindowDocuments('0', range, times, documents, options);

    expect(documents).toEqual([]);
    expect(empty.map((d) => [d.windowStart, d.windowEnd, d.chunk, d.chunks, d.count])).toEqual([
      ['2024-05-01T10:00:00.000Z', '2024-05-01T10:15:00.000Z', 0, 0, 0],
      ['2024-05-01T10:15:00.000Z', '2024-05-01T10:30:00.000Z', 0, 0, 0],
    ]);
    // An earlier staging of the batch wrote two chunks in the first window: the empty head is written over the
    // earlier one (the same id), naming it, and supersedes the second.
    const first = empty[0];
    if (first === undefined) {
      throw new Error('no empty head');
    }
    const earlier = (chunk: number): StagingDocument => ({
      ...first,
      id: `earlier-c${chunk}`,
      chunk,
      chunks: 2,
      stagingId: 'earlier',
    });
    expect(findSupersededChunks([toSupersedingHead(first, earlier(0)), earlier(1)])).toEqual(new Set(['earlier-c1']));
  });
});

describe('orderStagedDocuments', () => {
  const doc = (id: string, first: number, last: number, chunk: number, stagingId: string) => ({
    id,
    shard: '0',
    windowStart: '2024-05-01T10:00:00.000Z',
    firstSequenceNumber: first,
    lastSequenceNumber: last,
    chunk,
    stagingId,
  });
  // Batch 10–14 (ids compare its numbers as text, before 5–9): its head is y's; x's chunks are another staging's.
  // Batch 5–12 overlaps both (a redelivery cut elsewhere).
  const documents = [
    doc('q10-14_c1_x', 10, 14, 1, 'x'),
    doc('q10-14_c0', 10, 14, 0, 'y'),
    doc('q10-14_c2_y', 10, 14, 2, 'y'),
    doc('q10-14_c1_y', 10, 14, 1, 'y'),
    doc('q5-9_c0', 5, 9, 0, 'a'),
    doc('q5-12_c0', 5, 12, 0, 'b'),
    { id: 'foreign' },
  ];

  it("reads in ingest order, and in a batch the head's staging before another staging's copies", () => {
    expect(orderStagedDocuments(documents, 'read').map((d) => d.id)).toEqual([
      'foreign',
      'q5-9_c0',
      'q5-12_c0',
      'q10-14_c0',
      'q10-14_c1_y',
      'q10-14_c2_y',
      'q10-14_c1_x',
    ]);
  });

  it("deletes by last event, and in a batch another staging's copies before the head's staging", () => {
    expect(orderStagedDocuments(documents, 'delete').map((d) => d.id)).toEqual([
      'foreign',
      'q5-9_c0',
      'q5-12_c0',
      'q10-14_c1_x',
      'q10-14_c0',
      'q10-14_c1_y',
      'q10-14_c2_y',
    ]);
  });
});

describe('toSupersedingHead', () => {
  const [head] = planStagingDocuments('0', { first: 1, last: 2 }, many(2, '2024-05-01T10:05:00.000Z'), {
    windowMinutes: 15,
    maxDocumentBytes: 100_000,
    nowMs,
    stagingId: 'c',
  });
  if (head === undefined) {
    throw new Error('no head planned');
  }

  it('names nothing where no head is stored, and marks the head as one written last', () => {
    expect(toSupersedingHead(head, undefined)).toEqual({ ...head, headLast: true, supersedes: [] });
  });

  it('names the staging of the head it overwrites and every staging that one named, but never itself', () => {
    const stored = { id: head.id, chunk: 0, stagingId: 'b', headLast: true, supersedes: ['a', 'c', 7, 'a'] };
    // A head staged before stagings were named is named by ''.
    const unnamed = { id: head.id, chunk: 0 };

    expect(toSupersedingHead(head, stored).supersedes).toEqual(['b', 'a']);
    // A head written first (the previous release) superseded other stagings' chunks by its count: '*' names them all.
    expect(toSupersedingHead(head, unnamed).supersedes).toEqual(['', HEAD_FIRST_STAGINGS]);
    expect(toSupersedingHead(head, { ...unnamed, stagingId: 'a' }).supersedes).toEqual(['a', HEAD_FIRST_STAGINGS]);
  });

  it('names at most MAX_SUPERSEDED_STAGINGS stagings, the latest first', () => {
    const names = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const stored = { id: head.id, chunk: 0, stagingId: 'newest', headLast: true, supersedes: names };

    expect(toSupersedingHead(head, stored).supersedes).toEqual(['newest', ...names].slice(0, MAX_SUPERSEDED_STAGINGS));
  });
});

describe('chunkBySize', () => {
  it('starts a new chunk when the next item would exceed the budget (items cost their size plus a separator)', () => {
    expect(chunkBySize([3, 3, 3, 3], (n) => n, 8)).toEqual([
      [3, 3],
      [3, 3],
    ]);
    expect(chunkBySize([3, 9, 1], (n) => n, 8)).toEqual([[3], [9], [1]]);
    expect(chunkBySize([], (n: number) => n, 8)).toEqual([]);
  });
});

describe('decodeStagingDocument', () => {
  it('decodes valid measurements and counts malformed ones', () => {
    const decoded = decodeStagingDocument({
      measurements: [['t', 'o', 'i', 'd', []], 'garbage', ['t']],
    });

    expect(decoded).toEqual({
      measurements: [{ type: 't', occurrenceTimeUtc: 'o', ingestionTimeUtc: 'i', deviceId: 'd', properties: [] }],
      malformed: 2,
    });
  });

  it('treats a document without a measurements array as malformed', () => {
    expect(decodeStagingDocument({ measurements: 'x' })).toEqual({ measurements: [], malformed: 1 });
  });
});

describe('findSupersededChunks', () => {
  const doc = (id: string, fields: Partial<StagedDocumentOrigin>): StagedDocumentOrigin => ({
    id,
    shard: '0',
    firstSequenceNumber: 1,
    lastSequenceNumber: 60,
    windowStart: '2024-05-01T10:00:00.000Z',
    ...fields,
  });
  const earlier = '2024-05-01T10:16:00.000Z';
  const later = '2024-05-01T10:17:00.000Z';

  it('gives the chunks of an earlier staging at or beyond the count of the staging that wrote chunk 0, when it wrote all', () => {
    const documents = [
      doc('c0', { chunk: 0, chunks: 2, createdAt: later, stagingId: 'b' }),
      doc('c1', { chunk: 1, chunks: 2, createdAt: later, stagingId: 'b' }),
      doc('c2', { chunk: 2, chunks: 4, createdAt: earlier, stagingId: 'a' }),
      doc('c3', { chunk: 3, chunks: 4, createdAt: earlier, stagingId: 'a' }),
      // Another batch of the unit: not compared with this one.
      doc('other-c5', { firstSequenceNumber: 61, lastSequenceNumber: 90, chunk: 5, chunks: 6, stagingId: 'a' }),
    ];

    expect([...findSupersededChunks(documents)].sort()).toEqual(['c2', 'c3']);
  });

  it('gives the later chunks of the stagings a head names, and of no other, whatever their index', () => {
    const documents = [
      doc('c0', { chunk: 0, chunks: 2, stagingId: 'b', headLast: true, supersedes: ['a', ''] }),
      doc('c1_b', { chunk: 1, chunks: 2, stagingId: 'b', headLast: true }),
      // An earlier staging cut at other events, whose head this one overwrote.
      doc('c1_a', { chunk: 1, chunks: 3, stagingId: 'a', headLast: true }),
      doc('c2_a', { chunk: 2, chunks: 3, stagingId: 'a', headLast: true }),
      // A staging still running, or cut short before its head: its chunks are flushed.
      doc('c1_c', { chunk: 1, chunks: 2, stagingId: 'c', headLast: true }),
      // Staged before stagings were named, and named by the head that overwrote it.
      doc('c1', { chunk: 1, chunks: 2 }),
    ];
    // No head: what a staging cut short left is flushed (the batch comes again, and merging it twice is harmless).
    const headless = documents.filter((d) => d.chunk !== 0);

    expect([...findSupersededChunks(documents)].sort()).toEqual(['c1', 'c1_a', 'c2_a']);
    expect(findSupersededChunks(headless).size).toBe(0);
  });

  it("gives every chunk written head first when the head names '*', but no chunk of a staging writing its head last", () => {
    const documents = [
      doc('c0', { chunk: 0, chunks: 1, stagingId: 'c', headLast: true, supersedes: ['b', HEAD_FIRST_STAGINGS] }),
      doc('c1', { chunk: 1, chunks: 4, stagingId: 'a' }),
      doc('c2', { chunk: 2 }),
      doc('c1_d', { chunk: 1, chunks: 2, stagingId: 'd', headLast: true }),
    ];

    expect([...findSupersededChunks(documents)].sort()).toEqual(['c1', 'c2']);
  });

  it('never lets a head written before its chunks supersede the chunks of a staging that writes its head last', () => {
    // A head staged by the earlier code (first, before its chunks) beside a later staging still running.
    const documents = [
      doc('c0', { chunk: 0, chunks: 1, stagingId: 'old' }),
      doc('c1_new', { chunk: 1, chunks: 2, stagingId: 'new', headLast: true }),
      doc('c1', { chunk: 1, chunks: 3, stagingId: 'older' }),
    ];

    expect([...findSupersededChunks(documents)]).toEqual(['c1']);
  });

  it('supersedes nothing while the staging that wrote chunk 0 is not whole in the store (cut short, or overwritten)', () => {
    // Cut short: its chunk 1 is still the earlier staging's (the batch is delivered again and finishes it).
    const cutShort = [
      doc('c0', { chunk: 0, chunks: 3, stagingId: 'b' }),
      doc('c1', { chunk: 1, chunks: 4, stagingId: 'a' }),
      doc('c3', { chunk: 3, chunks: 4, stagingId: 'a' }),
    ];
    // Two stagings at once, writing over each other: chunk 1 is the other one's, and chunk 2 holds events only it has.
    const interleaved = [
      doc('c0', { chunk: 0, chunks: 2, stagingId: 'y' }),
      doc('c1', { chunk: 1, chunks: 3, stagingId: 'x' }),
      doc('c2', { chunk: 2, chunks: 3, stagingId: 'x' }),
    ];

    expect([cutShort, interleaved].map((documents) => findSupersededChunks(documents).size)).toEqual([0, 0]);
  });

  it('supersedes nothing when chunk 0 lacks the count, or is gone', () => {
    const legacy = [doc('c0', { chunk: 0, createdAt: later }), doc('c1', { chunk: 1, chunks: 2, createdAt: earlier })];
    const flushedFirst = [doc('c1', { chunk: 1, chunks: 2, createdAt: earlier, stagingId: 'a' })];

    expect([legacy, flushedFirst].map((documents) => findSupersededChunks(documents).size)).toEqual([0, 0]);
  });

  it('takes a chunk 0 staged before stagings were named at its count, as it was written to be read', () => {
    // A redelivery staged before the upgrade that needed one chunk, or none (its events now yield nothing).
    const fewer = [doc('c0', { chunk: 0, chunks: 1 }), doc('c1', { chunk: 1, chunks: 2 })];
    const emptied = [doc('c0', { chunk: 0, chunks: 0 }), doc('c1', { chunk: 1, chunks: 2 }), doc('c2', { chunk: 2 })];

    expect([...findSupersededChunks(fewer)]).toEqual(['c1']);
    expect([...findSupersededChunks(emptied)].sort()).toEqual(['c1', 'c2']);
  });

  it('reads the count of the staging that wrote chunk 0 last, whatever the clocks of the instances said', () => {
    // The first staging ran on an instance whose clock was ahead: its documents look younger than the redelivery's.
    const documents = [
      doc('c0', { chunk: 0, chunks: 1, createdAt: earlier, stagingId: 'b' }),
      doc('c1', { chunk: 1, chunks: 3, createdAt: later, stagingId: 'a' }),
      doc('c2', { chunk: 2, chunks: 3, createdAt: later, stagingId: 'a' }),
    ];
    // A redelivery whose events yield nothing in the window: its empty chunk 0 supersedes every other.
    const emptied = [
      doc('c0', { chunk: 0, chunks: 0, createdAt: earlier, stagingId: 'b' }),
      doc('c1', { chunk: 1, chunks: 2, createdAt: later, stagingId: 'a' }),
    ];

    expect([...findSupersededChunks(documents)].sort()).toEqual(['c1', 'c2']);
    expect([...findSupersededChunks(emptied)]).toEqual(['c1']);
  });

  it('supersedes nothing in a staging that every chunk of a later one overwrote', () => {
    const documents = planStagingDocuments('0', { first: 1, last: 60 }, many(60, '2024-05-01T10:05:00.000Z'), {
      windowMinutes: 15,
      maxDocumentBytes: 3_000,
      nowMs,
      stagingId: 'a',
    });

    expect(documents.length).toBeGreaterThan(1);
    expect(findSupersededChunks(documents).size).toBe(0);
  });
});
