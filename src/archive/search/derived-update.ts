// One update of both derived indexes that follow the chains, the session
// summaries (index/sessions.json) and the search index, reading each chain
// once. A chain whose summary is stale is read whole (a summary needs every
// record), and the search index takes the records it lacks from that same
// read, instead of reading them again: on the scale corpus every record was
// read, verified and parsed twice, once for each (docs/search.md, "Keeping
// it current"). A chain only one of them needs is read as that one reads it
// on its own (listSessions, syncSearchIndex), so both come out as those
// make them, chain for chain, in the same order.
import type { EventHead, HeadCache } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { SessionIndexUpdate, chainRefs, readChainEvents, summariseEvents, type SessionSummary, type SessionsMemo } from '../sessions/index.js';
import { SearchIndexSync, type DocsMemo, type SearchIndex, type SyncStats } from './search-index.js';

export interface DerivedUpdateOptions {
  /** Bring the session summaries up to date (otherwise only the search index). */
  summaries: boolean;
  /** The search index to bring up to date; none: only the summaries. */
  index?: SearchIndex;
  /** As listSessions' onError: a chain that cannot be summarised is left out, and tried again next time. */
  onSummaryError?: (ref: string, err: unknown) => void;
  /** The search index's docs as the last update of the same index left them (kept here for the next; SearchIndexSync checks them first). */
  docs?: DocsMemo;
  /**
   * Records' heads read by earlier chains (of this update or an earlier
   * one), and where this update keeps those it reads: a chain sharing a
   * prefix with one read lately reads only what it adds (record/head-cache.ts).
   */
  heads?: HeadCache;
  /** The summaries as the last update of this process wrote them (SessionsMemo), and where this one keeps what it writes. */
  sessions?: SessionsMemo;
}

export interface DerivedUpdate {
  /** The summaries (as listSessions gives them), when asked for. */
  sessions: SessionSummary[] | null;
  /** What the search index update did (as syncSearchIndex says), when there was one. */
  search: SyncStats | null;
}

/**
 * Brings the summaries and the search index level with the refs, as
 * listSessions (one chain at a time) and then syncSearchIndex would, with
 * each chain read once. A chain that cannot be read is reported as each
 * reports it (`onSummaryError`; `failed` in the search stats). When the
 * search index fails (its database does), the summaries are still
 * finished and written before the error is thrown, as they were when the
 * two ran one after the other.
 */
export async function updateDerivedIndexes(archive: Archive, opts: DerivedUpdateOptions): Promise<DerivedUpdate> {
  const refs = await chainRefs(archive);
  const sessions = opts.summaries ? SessionIndexUpdate.plan(archive, refs, opts.sessions) : undefined;
  let search: SearchIndexSync | undefined;
  let searchError: { err: unknown } | undefined;
  if (opts.index) {
    try {
      search = await SearchIndexSync.start(archive, opts.index, refs, opts.docs);
    } catch (err) {
      searchError = { err };
    }
  }
  const stale = new Set(sessions?.stale);
  if (stale.size > 0 || (search?.moved.length ?? 0) > 0) {
    const store = await archive.objects();
    for (const [i, r] of refs.entries()) {
      const summarise = stale.has(i);
      const index = search !== undefined && searchError === undefined && search.needs(r.name);
      if (!summarise && !index) continue;
      // The whole chain, oldest first, held until both have used it (as each held it on its own).
      let events: EventHead[] | undefined;
      if (summarise) {
        try {
          events = await readChainEvents(store, r.id, opts.heads);
        } catch (err) {
          opts.onSummaryError?.(r.name, err);
        }
        if (events) {
          try {
            sessions!.put(i, await summariseEvents(store, r.name, r.id, events));
          } catch (err) {
            opts.onSummaryError?.(r.name, err);
          }
        }
      }
      if (index) {
        // Without the chain (it could not be read whole), the search index reads what it lacks
        // itself: only records newer than those it holds, which may well be readable.
        try {
          await search!.chain(r, events);
        } catch (err) {
          searchError = { err };
        }
      }
    }
  }
  const listed = sessions ? await sessions.finish(opts.sessions) : null;
  if (searchError) throw searchError.err;
  return { sessions: listed, search: search ? search.finish() : null };
}
