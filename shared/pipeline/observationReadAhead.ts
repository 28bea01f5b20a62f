/**
 * Finding the Observations a flush writes, several in one search: a write's lookup by identifier (MedTech's
 * Observations have server-assigned ids, so only the identifier finds them) also looks up the writes queued after it,
 * `GET Observation?identifier=a,b,c` (a FHIR token search ORs the values of one parameter), and keeps their answers
 * for them. A flush of new Observations then costs a search for every few writes instead of one for each.
 */
import type { Observation } from '@medplum/fhirtypes';
import { isMedTechError } from '../core/errors.js';
import type { ObservationIdentifier } from '../core/fhir/index.js';
import { SEARCH_CUT_SHORT, type FhirStore } from './ports.js';
import { exactMatches, hasIdentifier, toIdentifierToken } from './resolveIdentity.js';

/** Identifiers one search asks for at most. */
export const READ_AHEAD_BATCH = 8;

/**
 * Characters of the search's query a read-ahead adds identifiers to, at most (URL-encoded): 2 KB, the query string a
 * proxy or an IIS front end (its default `maxQueryString`) still takes. A write whose own identifier is longer
 * searches for it alone, as before.
 */
export const READ_AHEAD_QUERY_CHARS = 1800;

/** Answers kept for writes not yet started, at most: what a read-ahead holds in memory is bounded. */
const READ_AHEAD_KEPT = 2 * READ_AHEAD_BATCH;

/** Lookups of a flush's Observation writes, in the order the writes are queued. */
export interface ObservationReadAhead {
  /**
   * Registers a write, in the order the writes were queued.
   * @param identifier - the Observation identifier the write looks up
   * @returns the write's slot, for {@link ObservationReadAhead.hold} and {@link ObservationReadAhead.lookup}
   */
  register(identifier: ObservationIdentifier): number;
  /**
   * Says that the slot's write holds its Observation's in-process lock: no other write of this process to that
   * Observation can come before it any more, so from now on it may be read ahead.
   * @param slot - from {@link ObservationReadAhead.register}
   */
  hold(slot: number): void;
  /**
   * The Observations carrying the slot's identifier (exactly: system and value), as a search right before the write
   * would find them: read by an earlier write's search when that looked ahead, else by a search of this one and of the
   * next held writes to start (in the order they were held) that nothing looked up yet.
   * @param slot - from {@link ObservationReadAhead.register}
   * @throws what the store's search throws
   */
  lookup(slot: number): Promise<Observation[]>;
  /**
   * Says that the slot's write has settled: the slot, and an answer read ahead for it and never taken, are dropped
   * (a flush registers one slot an Observation; what it holds stays bounded by the writes in flight).
   * @param slot - from {@link ObservationReadAhead.register}
   */
  forget(slot: number): void;
}

interface Slot {
  identifier: ObservationIdentifier;
  /** `system|value` as a token search writes it (escaped). */
  token: string;
  /** Its write holds the Observation's lock (see {@link ObservationReadAhead.hold}). */
  held: boolean;
  state: 'waiting' | 'reading' | 'read' | 'taken';
  /** The search reading it (state `reading`). */
  reading?: Promise<void>;
  /** What the search found (state `read`). */
  found?: Observation[];
  /** Its write settled while a search read it (see {@link ObservationReadAhead.forget}): the answer is not kept. */
  forgotten?: boolean;
}

/**
 * Creates a read-ahead over a store. Only writes that already hold their Observation's lock are read ahead (the lock
 * of `ObservationLocks`, shared by the flushes of a process): no write of this process to that Observation can come
 * between the search and the write, whether of this flush (two measurement groups that share an Observation) or of
 * another unit flushed at once. What another process writes meanwhile is the race of every search and its write: a
 * merge meets a version conflict and reads again, a create that replaced a version restores from the history (see
 * `persistObservation`).
 * A batched search the server refuses for its request (a status that says the request, not the service, is at
 * fault: a URL it finds too long, say) or that was cut short (a `next` link left: {@link SEARCH_CUT_SHORT}) answers
 * nobody, and the read-ahead stops (every later write searches alone, as the next batch would likely meet the same):
 * the write searches alone, the others when their writes start. One that fails otherwise (the service
 * unavailable) fails every lookup from then on: the flush stops, as at any service error, without each waiting write
 * spending its own retries first.
 * @param store - the FHIR server
 * @param batch - identifiers a search asks for at most (default {@link READ_AHEAD_BATCH}); the caller gives no more
 *   than the writes it runs at once, so that a write read ahead starts within about one write's time of its search
 *   (1: no read-ahead)
 */
export function createObservationReadAhead(store: FhirStore, batch = READ_AHEAD_BATCH): ObservationReadAhead {
  const slots = new Map<number, Slot>();
  let registered = 0;
  let kept = 0;
  /** The service error a batched search failed with: every lookup from then on fails with it. */
  let failure: { error: unknown } | undefined;
  /** Whether lookups still read ahead: not after a batched search that answered nobody (it would again). */
  let batching = batch > 1;
  /**
   * The batched search out, if any: one is sent at a time, the writes that would send another waiting for it (it may
   * read them too), so that a server whose answers to batches are of no use costs one request more a flush, not one
   * a batch in flight. Settles when it answered, failed or answered nobody.
   */
  let batchOut: Promise<void> | undefined;
  /**
   * The held slots in the order they were held: the order their writes entered the limiter, which starts them first
   * in, first out, so the first ones waiting are the next writes to start.
   */
  const held: Slot[] = [];
  /** The first held slot that may still be waiting: those before it were all read, or are being read or searched. */
  let firstWaiting = 0;

  /** The Observations among `found` that carry the slot's identifier exactly. */
  const matchesOf = (found: readonly Observation[], { identifier }: Slot): Observation[] =>
    found.filter((observation) => hasIdentifier(observation, identifier.value, identifier.system));

  /**
   * A slot's own search, as a write made it before read-ahead (every page the store reads; one cut short without a
   * match is refused, as {@link exactMatches} says).
   */
  const searchAlone = async ({ token, identifier }: Slot): Promise<Observation[]> =>
    exactMatches(
      await store.search<Observation>('Observation', { identifier: token }),
      'Observation',
      identifier.value,
      identifier.system,
      'Persist',
    );

  /**
   * A batch's search: one page of twice its identifiers (a server's default page may be smaller). A `next` link left
   * then marks it cut short (duplicates), and it answers nobody, at the cost of one request (paging through it first
   * would cost up to as many as the store's page bound).
   */
  const searchBatch = async (wanted: readonly Slot[]): Promise<Observation[][] | 'unsure'> => {
    const found = await store.search<Observation>(
      'Observation',
      { identifier: wanted.map((slot) => slot.token).join(','), _count: String(2 * READ_AHEAD_BATCH) },
      { maxPages: 1 },
    );
    return found[SEARCH_CUT_SHORT] === true ? 'unsure' : wanted.map((slot) => matchesOf(found, slot));
  };

  const take = (slot: Slot): Observation[] => {
    const found = slot.found ?? [];
    slot.state = 'taken';
    slot.found = undefined;
    kept -= 1;
    return found;
  };

  /**
   * Moves past the held slots no longer waiting, which are never read again, and drops them once they are most of the
   * list (amortized: each is moved once more at most), whether or not the read-ahead still batches.
   */
  const skipRead = (): void => {
    while (firstWaiting < held.length && held[firstWaiting]?.state !== 'waiting') {
      firstWaiting += 1;
    }
    if (firstWaiting > 1024 && firstWaiting * 2 > held.length) {
      held.splice(0, firstWaiting);
      firstWaiting = 0;
    }
  };

  /**
   * The next writes to start that wait to be read (held, in the order held), as many as the batch, the query and the
   * answers kept allow.
   */
  const readable = (slot: Slot): Slot[] => {
    const ahead: Slot[] = [];
    let queryChars = queryLength(slot.token);
    skipRead();
    for (let i = firstWaiting; i < held.length; i++) {
      if (ahead.length >= batch - 1 || kept + ahead.length >= READ_AHEAD_KEPT) {
        break;
      }
      const next = held[i] as Slot;
      if (next.state === 'waiting') {
        // `,` (encoded: %2C) and the next identifier.
        queryChars += 3 + queryLength(next.token);
        if (queryChars > READ_AHEAD_QUERY_CHARS) {
          break;
        }
        ahead.push(next);
      }
    }
    return ahead;
  };

  /**
   * Puts slots read ahead by a search that answered nobody back to waiting, for their writes to search alone (or fail
   * with the service's error): the read-ahead has ended, nothing reads ahead again.
   */
  const release = (ahead: readonly Slot[]): void => {
    for (const next of ahead) {
      next.state = next.forgotten === true ? 'taken' : 'waiting';
      next.reading = undefined;
    }
  };

  return {
    register(identifier) {
      const index = registered;
      registered += 1;
      slots.set(index, {
        identifier,
        token: toIdentifierToken(identifier.value, identifier.system),
        held: false,
        state: 'waiting',
      });
      return index;
    },

    hold(index) {
      const slot = slots.get(index);
      if (slot !== undefined && !slot.held) {
        slot.held = true;
        held.push(slot);
        if (held.length > 2048) {
          skipRead();
        }
      }
    },

    forget(index) {
      const slot = slots.get(index);
      if (slot === undefined) {
        return;
      }
      slots.delete(index);
      switch (slot.state) {
        case 'read':
          // Read ahead, never taken (its write failed before its lookup): its place among the answers kept is free.
          take(slot);
          break;
        case 'reading':
          // Being read for a write that failed before its lookup: the answer frees its place when it comes.
          slot.forgotten = true;
          break;
        case 'waiting':
          // Never to be read: skipped like a taken one (and dropped from the held list with those).
          slot.state = 'taken';
          break;
        case 'taken':
          break;
      }
    },

    async lookup(index) {
      const slot = slots.get(index);
      if (slot === undefined) {
        throw new Error(`No write registered at slot ${index}.`);
      }
      if (slot.state === 'waiting') {
        // The writes queued with this one take their locks in the microtasks after it: let them, so that this search
        // reads them too (and they, starting, find their answers read). Meanwhile another write may read this one.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      for (;;) {
        // A search that failed or answered nobody puts it back to waiting, and another write may read it again.
        while (slot.state === 'reading') {
          await slot.reading;
        }
        if (failure !== undefined) {
          throw failure.error;
        }
        if (slot.state === 'read') {
          return take(slot);
        }
        if (slot.state === 'taken') {
          // Looked up once already: searched again, alone.
          return searchAlone(slot);
        }
        if (!batching || batchOut === undefined) {
          break;
        }
        await batchOut;
      }
      slot.state = 'taken';
      const ahead = batching ? readable(slot) : [];
      if (ahead.length === 0) {
        return searchAlone(slot);
      }
      let answer: (results: Observation[][] | 'unsure') => void = () => undefined;
      const answered = new Promise<Observation[][] | 'unsure'>((resolve) => {
        answer = resolve;
      });
      kept += ahead.length;
      const reading = answered.then(() => undefined);
      for (const next of ahead) {
        next.state = 'reading';
        next.reading = reading;
      }
      let results: Observation[][] | 'unsure';
      batchOut = reading;
      try {
        results = await searchBatch([slot, ...ahead]);
      } catch (error) {
        batchOut = undefined;
        const refused = isRefusal(error);
        if (refused) {
          batching = false;
        } else {
          failure ??= { error };
        }
        release(ahead);
        answer('unsure');
        if (refused) {
          // Refused for the request (a longer URL than the server takes, say): this write searches alone.
          return searchAlone(slot);
        }
        throw error;
      }
      batchOut = undefined;
      if (results === 'unsure') {
        batching = false;
        release(ahead);
        answer(results);
        return searchAlone(slot);
      }
      ahead.forEach((next, i) => {
        next.reading = undefined;
        if (next.forgotten === true) {
          next.state = 'taken';
          kept -= 1;
          return;
        }
        next.state = 'read';
        next.found = results[i + 1] ?? [];
      });
      answer(results);
      return results[0] ?? [];
    },
  };
}

/**
 * The length of a token in the search's query, encoded as the FHIR client encodes it (`URLSearchParams`, which also
 * encodes `!'()~`).
 */
function queryLength(token: string): number {
  return new URLSearchParams({ i: token }).toString().length - 2;
}

/**
 * HTTP statuses that refuse a request for itself, not for the service's state: a malformed or too long query (400,
 * 413, 414, 422, 431), and a 404 or 405, which IIS gives a query longer than it takes (404.15) and a front end may
 * give a URL it does not route.
 */
const REFUSALS = new Set([400, 404, 405, 413, 414, 422, 431]);

/** Whether a batched search failed for its request: a data error, or a status of {@link REFUSALS}. */
function isRefusal(error: unknown): boolean {
  if (isMedTechError(error) && !error.retriable) {
    return true;
  }
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && REFUSALS.has(status);
}
