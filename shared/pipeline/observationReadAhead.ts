/**
 * Finding the Observations a flush writes, several in one search: a write's lookup by identifier (MedTech's
 * Observations have server-assigned ids, so only the identifier finds them) also looks up the writes queued after it,
 * `GET Observation?identifier=a,b,c` (a FHIR token search ORs the values of one parameter), and keeps their answers
 * for them. A flush of new Observations then costs a search for every few writes instead of one for each.
 */
import type { Observation } from '@medplum/fhirtypes';
import type { ObservationIdentifier } from '../core/fhir/index.js';
import type { FhirStore } from './ports.js';
import { escapeSearchValue, hasIdentifier } from './resolveIdentity.js';

/** Identifiers one search asks for at most (a URL of about 3 KB with MedTech's identifiers). */
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
   * @returns the write's slot, for {@link ObservationReadAhead.lookup}
   */
  register(identifier: ObservationIdentifier): number;
  /**
   * The Observations carrying the slot's identifier (exactly: system and value), as a search right before the write
   * would find them: read by an earlier write's search when that looked ahead, else by a search of this one and of the
   * writes registered after it that nothing looked up yet.
   * @param slot - from {@link ObservationReadAhead.register}
   * @throws what the store's search throws
   */
  lookup(slot: number): Promise<Observation[]>;
}

interface Slot {
  identifier: ObservationIdentifier;
  /** `system|value` as a token search writes it (escaped). */
  token: string;
  /**
   * Whether an earlier write of this read-ahead looks the same identifier up: this one is never read ahead (it must
   * see what that one writes), it searches when its own write starts.
   */
  repeated: boolean;
  state: 'waiting' | 'reading' | 'read' | 'taken';
  /** The search reading it (state `reading`). */
  reading?: Promise<void>;
  /** What the search found (state `read`). */
  found?: Observation[];
}

/**
 * Creates a read-ahead over a store. What it reads for a write is as current as the write's own search would be,
 * except for writes made meanwhile by other processes (or other flushes of this one) to those Observations: as
 * between any search and its write, a merge then meets a version conflict and reads again, and a create that
 * replaced a version restores from the history (see `persistObservation`). A write whose identifier an earlier write
 * of the same read-ahead registered (two measurement groups that share an Observation) always searches itself, after
 * that write.
 * @param store - the FHIR server
 * @param batch - identifiers a search asks for at most (default {@link READ_AHEAD_BATCH})
 */
export function createObservationReadAhead(store: FhirStore, batch = READ_AHEAD_BATCH): ObservationReadAhead {
  const slots: Slot[] = [];
  const seen = new Set<string>();
  let kept = 0;
  /** The first slot that may still be waiting: slots before it were all read, or are being read or searched alone. */
  let firstWaiting = 0;

  const search = async (wanted: readonly Slot[]): Promise<Observation[][]> => {
    const found = await store.search<Observation>('Observation', { identifier: wanted.map(tokenOf).join(',') });
    return wanted.map(({ identifier }) =>
      found.filter((observation) => hasIdentifier(observation, identifier.value, identifier.system)),
    );
  };

  const take = (slot: Slot): Observation[] => {
    const found = slot.found ?? [];
    slot.state = 'taken';
    slot.found = undefined;
    kept -= 1;
    return found;
  };

  return {
    register(identifier) {
      const key = `${identifier.system}|${identifier.value}`;
      const token = `${escapeSearchValue(identifier.system)}|${escapeSearchValue(identifier.value)}`;
      slots.push({ identifier, token, repeated: seen.has(key), state: 'waiting' });
      seen.add(key);
      return slots.length - 1;
    },

    async lookup(index) {
      const slot = slots[index];
      if (slot === undefined) {
        throw new Error(`No write registered at slot ${index}.`);
      }
      if (slot.state === 'reading') {
        await slot.reading;
      }
      if (slot.state === 'read') {
        return take(slot);
      }
      if (slot.state !== 'waiting') {
        // Looked up once already: searched again, alone.
        return (await search([slot]))[0] ?? [];
      }
      // This write and the waiting ones queued after it, as many as may be kept.
      const ahead: Slot[] = [];
      let queryChars = encodedLength(slot);
      while (firstWaiting < slots.length && slots[firstWaiting]?.state !== 'waiting') {
        firstWaiting += 1;
      }
      for (let i = Math.max(index + 1, firstWaiting); i < slots.length; i++) {
        if (ahead.length >= batch - 1 || kept + ahead.length >= READ_AHEAD_KEPT) {
          break;
        }
        const next = slots[i] as Slot;
        if (next.state === 'waiting' && !next.repeated) {
          // `,` (encoded: %2C) and the next identifier.
          queryChars += 3 + encodedLength(next);
          if (queryChars > READ_AHEAD_QUERY_CHARS) {
            break;
          }
          ahead.push(next);
        }
      }
      slot.state = 'taken';
      if (ahead.length === 0) {
        return (await search([slot]))[0] ?? [];
      }
      const reading = search([slot, ...ahead]);
      const settled = reading.then(
        (results) => {
          ahead.forEach((next, i) => {
            next.state = 'read';
            next.found = results[i + 1] ?? [];
            next.reading = undefined;
          });
        },
        () => {
          // Each of them searches itself when its write starts.
          kept -= ahead.length;
          for (const next of ahead) {
            next.state = 'waiting';
            next.reading = undefined;
          }
          firstWaiting = 0;
        },
      );
      kept += ahead.length;
      for (const next of ahead) {
        next.state = 'reading';
        next.reading = settled;
      }
      return (await reading)[0] ?? [];
    },
  };
}

function tokenOf(slot: Slot): string {
  return slot.token;
}

/** The length of a slot's token in a URL's query. */
function encodedLength(slot: Slot): number {
  return encodeURIComponent(slot.token).length;
}
