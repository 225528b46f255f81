// Which view of a run a chain is (docs/format.md §7.2, "Views of one run"):
// an imported transcript (records with `source`) or a capture of the wire
// (records with `capture`). The two views of one session id are linked by
// name, so writers ask this of a ref's tip before choosing where to write.
import type { ObjectStore } from '../odb/index.js';
import { readRecord } from './chain.js';

export type RunView = 'transcript' | 'capture';

/** The view a record belongs to, from its members; undefined for a record of neither kind. */
export function runViewOf(value: Record<string, unknown>): RunView | undefined {
  if (value.source !== undefined && value.source !== null) return 'transcript';
  if (value.capture !== undefined && value.capture !== null) return 'capture';
  return undefined;
}

/** The view of the chain ending at `tip` (its tip decides); undefined when unreadable or neither. */
export async function chainViewAt(store: ObjectStore, tip: string): Promise<RunView | undefined> {
  const rec = await readRecord(store, tip).catch(() => undefined);
  return rec ? runViewOf(rec.value as Record<string, unknown>) : undefined;
}
