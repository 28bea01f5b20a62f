/**
 * Random runs of two to five stagings of one batch under four mappings (each staging possibly cut short at any write)
 * and up to five flushes (each possibly stopped at any delete, waiting while a running staging has chunks in the
 * store as the staging store's `settling` count makes it), then a drain, on a live shard and on a replay shard. Where
 * the exhaustive test (stagingInterleavings) takes two stagings and one flush, this takes more of both, at random.
 * Every event the staging whose head landed last makes is flushed as it made it; where no staging was cut short,
 * FHIR ends with that value for each of them. `STAGING_MODEL_SEEDS` runs more seeds (default 1,500 a shard kind).
 */
import { describe, expect, it } from 'vitest';
import type { StagingDocument } from '../../../shared/core/staging/planStagingDocuments.js';
import { SeededRandom } from '../../support/seededRandom.js';
import {
  batch,
  drain,
  mustWait,
  read,
  remove,
  staging,
  write,
  written,
  type Staging,
  type Store,
} from '../../support/stagingModel.js';

const seeds = Number(process.env['STAGING_MODEL_SEEDS'] ?? 1_500);

/** The mappings a staging may run under: four chunks without event 9, two, three, and nothing at all. */
const mappings = [
  { tag: 'old', note: 200, makes: (i: number) => i !== 9 },
  { tag: 'new', note: 20, makes: () => true },
  { tag: 'wide', note: 120, makes: () => true },
  { tag: 'none', note: 0, makes: () => false },
];

/** One staging's progress through its write steps. */
interface Running {
  staging: Staging;
  step: number;
  pending: StagingDocument[];
  cut: boolean;
}

/** What one random run ended with. */
interface Run {
  flushes: string[][];
  lastHead: Staging | undefined;
  cut: boolean;
  trace: string[];
}

function run(seed: number, replayShard: boolean): Run {
  const random = new SeededRandom(seed);
  const stagings: Running[] = Array.from({ length: 2 + random.below(4) }, (_, k) => {
    const mapping = random.pick(mappings);
    const planned = staging(`${mapping.tag}${k}`, batch(mapping.tag, mapping.note, mapping.makes));
    return { staging: planned, step: 0, pending: [...(planned.steps[0] ?? [])], cut: false };
  });
  let store: Store = new Map();
  let lastHead: Staging | undefined;
  const flushes: string[][] = [];
  const trace: string[] = [];
  let flushesLeft = random.below(6);
  let deleting: { id: string; etag: number }[] | undefined;
  const running = (s: Running): boolean => !s.cut && s.step < s.staging.steps.length;
  for (;;) {
    const moves: (() => void)[] = [];
    for (const s of stagings.filter(running)) {
      moves.push(() => {
        if (random.chance(0.08)) {
          s.cut = true;
          trace.push(`${s.staging.name} cut`);
          return;
        }
        const document = random.pick(s.pending);
        s.pending = s.pending.filter((d) => d !== document);
        const after = write(store, document);
        if (document.chunk === 0 && after !== store) {
          lastHead = s.staging;
        }
        store = after;
        trace.push(`${s.staging.name} writes chunk ${document.chunk}`);
        if (s.pending.length === 0) {
          s.step += 1;
          s.pending = [...(s.staging.steps[s.step] ?? [])];
        }
      });
    }
    const waits = mustWait(store, (id) => stagings.some((s) => s.staging.name === id && running(s)));
    if (deleting === undefined && flushesLeft > 0 && store.size > 0 && !waits) {
      moves.push(() => {
        const flush = read(store, replayShard);
        flushes.push(flush.values);
        deleting = flush.deletes;
        flushesLeft -= 1;
        trace.push(`flush reads ${flush.values.length} values`);
      });
    }
    const targets = deleting;
    if (targets !== undefined) {
      moves.push(() => {
        const [target, ...rest] = targets;
        const stops = target === undefined || random.chance(0.15);
        const outcome = stops ? { store, deleted: false } : remove(store, target);
        store = outcome.store;
        deleting = outcome.deleted && rest.length > 0 ? rest : undefined;
        trace.push(outcome.deleted ? `flush deletes ${target?.id ?? ''}` : 'flush stops');
      });
    }
    if (moves.length === 0) {
      break;
    }
    random.pick(moves)();
  }
  return { flushes: [...flushes, ...drain(store, replayShard)], lastHead, cut: stagings.some((s) => s.cut), trace };
}

describe('stagings and flushes of one batch, at random', () => {
  for (const replayShard of [false, true]) {
    it(`flushes, and where no staging was cut short writes, each event as the last head's staging made it (${replayShard ? 'replay shard' : 'Event Hubs partition'})`, () => {
      let checked = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const outcome = run(seed, replayShard);
        const head = outcome.lastHead;
        if (head === undefined) {
          continue;
        }
        const flushed = new Set(outcome.flushes.flat());
        const kept = written(outcome.flushes);
        const missing = head.values.filter((v) => !flushed.has(v));
        const overwritten = outcome.cut ? [] : head.values.filter((v) => kept.get(v.split(':')[1] ?? '') !== v);
        if (missing.length > 0 || overwritten.length > 0) {
          expect({ seed, missing, overwritten, trace: outcome.trace }).toEqual({ seed, missing: [], overwritten: [] });
        }
        checked += outcome.cut ? 0 : 1;
      }
      expect(checked).toBeGreaterThan(seeds / 10);
    });
  }
});
