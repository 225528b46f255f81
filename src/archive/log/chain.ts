// A chain's records as log reads them: oldest first, each either its view or
// why it could not be read, the walk going on past a lost record when the
// record after it tells which record came before (LostLinkFinder).
import { isTapesError } from '../../errors/index.js';
import type { ObjectStore } from '../../odb/index.js';
import { parseRecordBody, readEvent, toEventView, type EventView } from '../../record/index.js';
import { str } from '../event/index.js';

/** One record of a chain as read: its view, or why it could not be read. */
export interface ChainItem {
  id: string;
  ev: EventView | null;
  /** Set when the record could not be read (missing, damaged, not a record). */
  error: { code: string; message: string } | null;
}

/**
 * The records of the chain ending at `tip`, oldest first. A record that
 * cannot be read is kept as an item with its error, and the walk goes on
 * from its parent when `finder` can tell which record that was.
 */
export async function readChain(store: ObjectStore, tip: string, finder?: LostLinkFinder): Promise<ChainItem[]> {
  const items: ChainItem[] = [];
  const seen = new Set<string>();
  let child: EventView | null = null;
  for (let next: string | null = tip; next !== null && !seen.has(next); ) {
    const id: string = next;
    seen.add(id);
    try {
      const ev: EventView = await readEvent(store, id);
      items.push({ id, ev, error: null });
      child = ev;
      next = ev.parent;
    } catch (err) {
      if (!isTapesError(err)) throw err;
      const error = { code: err.code, message: err.message };
      items.push({ id, ev: null, error });
      // The lost record's parent: none when the record after it is line 2 of its file.
      const parent = child?.source?.line === 2 ? null : child && finder ? await finder.parentOfLost(child, seen) : undefined;
      if (parent === undefined) {
        error.message += '; the records before it cannot be found';
        break;
      }
      next = parent;
    }
  }
  return items.reverse();
}

/**
 * Finds the parent of a record that cannot be read, from the record after it
 * (its child): the parent held the line two before the child's, in the same
 * source format and session, and no readable record names it as parent (its
 * one child is the lost record). Scans every object once, on first use.
 */
export class LostLinkFinder {
  private scanned?: Promise<{ byLine: Map<string, string[]>; parents: Set<string> }>;

  constructor(private readonly store: ObjectStore) {}

  /** The parent id, null when the lost record was the first of its chain, undefined when unknown. */
  async parentOfLost(child: EventView, seen: Set<string>): Promise<string | null | undefined> {
    const src = child.source;
    if (!src) return undefined;
    if (src.line === 2) return null;
    const { byLine, parents } = await (this.scanned ??= this.scan());
    const candidates = (byLine.get(lineKey(src.format, src.line - 2, sessionIdOf(child))) ?? []).filter((id) => !parents.has(id) && !seen.has(id));
    return candidates.length === 1 ? candidates[0]! : undefined;
  }

  private async scan(): Promise<{ byLine: Map<string, string[]>; parents: Set<string> }> {
    const byLine = new Map<string, string[]>();
    const parents = new Set<string>();
    for await (const id of this.store.ids()) {
      let obj;
      try {
        obj = await this.store.read(id);
      } catch {
        continue;
      }
      if (obj.type !== 'record') continue;
      try {
        const ev = toEventView(id, parseRecordBody(obj.body, id).value);
        if (ev.parent) parents.add(ev.parent);
        if (!ev.source) continue;
        const key = lineKey(ev.source.format, ev.source.line, sessionIdOf(ev));
        byLine.set(key, [...(byLine.get(key) ?? []), id]);
      } catch {
        continue;
      }
    }
    return { byLine, parents };
  }
}

function lineKey(format: string, line: number, session: string | null): string {
  return JSON.stringify([format, line, session]);
}

function sessionIdOf(ev: EventView): string | null {
  return str(ev.meta.session_id);
}
