// The heads of records read lately (readEventHead), kept by id for a reader
// that reads many chains sharing records: a resumed session's chain begins
// with its parent's records, the same ids, so a chain read after the one it
// shares a prefix with finds that prefix here instead of reading, verifying
// and parsing it again. A record's id names its content, so a head kept is
// never stale: it is what reading the id again would give.
import type { ObjectStore } from '../odb/index.js';
import { readEventHead, type EventHead } from './event-view.js';

export class HeadCache {
  private readonly heads = new Map<string, EventHead>();
  /** Heads read from the store, and heads answered from the cache (tests and benchmarks count them). */
  readonly counts = { read: 0, kept: 0 };

  /** `limit`: how many heads are kept at most; the one used longest ago goes first. */
  constructor(readonly limit: number) {}

  /**
   * The head of record `id`, as readEventHead reads it. Shared by every
   * reader asking for the same id: readers do not change what they are
   * given (a test reads chains through a cache whose heads are frozen).
   */
  async read(store: ObjectStore, id: string): Promise<EventHead> {
    const held = this.heads.get(id);
    if (held !== undefined) {
      // Used again: last to go.
      this.heads.delete(id);
      this.heads.set(id, held);
      this.counts.kept++;
      return held;
    }
    const head = await readEventHead(store, id);
    this.counts.read++;
    this.keep(id, head);
    return head;
  }

  /** How many heads are held. */
  get size(): number {
    return this.heads.size;
  }

  protected keep(id: string, head: EventHead): void {
    if (this.limit <= 0) return;
    this.heads.set(id, head);
    if (this.heads.size > this.limit) this.heads.delete(this.heads.keys().next().value!);
  }
}
