// The automatic gc after commands that add objects (import, fetch, pull):
// when it runs, and which mode.
import { InvalidInputError } from '../../errors/index.js';
import type { Archive } from '../archive.js';
import { gc, type GcResult } from './gc.js';

/** Loose objects before `gc --auto` packs them (gc.auto; git's default). */
export const DEFAULT_GC_AUTO = 6700;
/** Packs before `gc --auto` repacks them all into one (gc.autoPackLimit; git's default). */
export const DEFAULT_AUTO_PACK_LIMIT = 50;

export interface AutoGcOutcome {
  ran: boolean;
  result?: GcResult;
  /** Why it did not run, or what went wrong (auto gc never fails the command that triggered it). */
  note?: string;
}

/** An integer setting of the archive's config, or `dflt` when unset; anything else is refused, naming the key. */
export function configInt(archive: Archive, key: string, dflt: number): number {
  const v = archive.config.get(key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidInputError(`config ${key} = ${JSON.stringify(v)} is not an integer`, { key, value: v });
  return n;
}

/**
 * What runs after an import or a fetch: nothing while the loose objects are
 * at most gc.auto (default 6700; 0 turns it off); otherwise an incremental gc,
 * or a full one once there are more than gc.autoPackLimit packs. Never
 * throws: a gc already running, or any failure, comes back as a note.
 */
export async function autoGc(archive: Archive): Promise<AutoGcOutcome> {
  try {
    const limit = configInt(archive, 'gc.auto', DEFAULT_GC_AUTO);
    if (limit <= 0) return { ran: false, note: 'gc.auto is 0' };
    const layout = archive.objectLayout();
    if (layout.countLoose(limit) <= limit) return { ran: false };
    const packLimit = configInt(archive, 'gc.autopacklimit', DEFAULT_AUTO_PACK_LIMIT);
    const packs = layout.packNames().length;
    const incremental = !(packLimit > 0 && packs >= packLimit);
    const result = await gc(archive, { incremental });
    return { ran: true, result };
  } catch (err) {
    return { ran: false, note: (err as Error).message };
  }
}
