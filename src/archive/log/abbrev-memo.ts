// .tapes/index/abbrev/<digest of a session ref>.json: for each pack, how many
// leading hex digits each record id of the session's log shares with that
// pack's ids — what abbreviating an id needs (Abbreviator, git's
// find_unique_abbrev). Without it, `tapes log` of a long session reads the id
// tables of every pack index to abbreviate its ids (on the scale corpus,
// 3.6 MB for 2,331 ids: a fifth of the command's time).
//
// Nothing here can go stale: a pack never changes (its name is its
// checksum), so the count an id has against a pack holds for as long as the
// pack exists. A pack gone since is dropped when the file is next written; a
// pack new since is looked up and added; loose objects are always looked at
// (the store lists their fan-out directory). A missing or damaged file
// (derived-file.ts) only means the counts are computed again.
import { createHash } from 'node:crypto';
import type { PackDigitsMemo } from '../../odb/index.js';
import type { Archive } from '../archive.js';
import { derivedPath, readDerived, writeDerived } from '../derived-file.js';

export const ABBREV_MEMO_MAGIC = 'tapes-abbrev';
export const ABBREV_MEMO_VERSION = 1;
/** A count as one character ('0' is 0 … 'p' is 64); ' ' when the id was not looked up in that pack. */
const NONE = ' ';
const ID_HEX = 64;

interface MemoFile {
  ref: string;
  /** The ids, 64 hex digits each, back to back. */
  ids: string;
  /** [pack name, one character per id]. */
  packs: Array<[string, string]>;
}

export class AbbrevMemo {
  private changed = false;
  /** Packs asked about in this run: the ones that still exist. */
  private readonly seen = new Set<string>();
  private readonly inOrder: Set<string>;

  private constructor(
    private readonly path: string,
    private readonly ref: string,
    private readonly readOnly: boolean,
    /** pack -> id -> digits */
    private readonly packs: Map<string, Map<string, number>>,
    private readonly order: string[],
  ) {
    this.inOrder = new Set(order);
  }

  static path(archive: Archive, ref: string): string {
    return derivedPath(archive.dir, `abbrev/${createHash('sha256').update(ref).digest('hex').slice(0, 32)}.json`);
  }

  /** The memo of session `ref`, empty when there is no usable file. */
  static load(archive: Archive, ref: string): AbbrevMemo {
    const path = AbbrevMemo.path(archive, ref);
    const packs = new Map<string, Map<string, number>>();
    const order: string[] = [];
    const v = readDerived(path, ABBREV_MEMO_MAGIC, ABBREV_MEMO_VERSION) as Partial<MemoFile> | undefined;
    const usable =
      v !== undefined &&
      v.ref === ref &&
      typeof v.ids === 'string' &&
      v.ids.length % ID_HEX === 0 &&
      /^[0-9a-f]*$/.test(v.ids) &&
      Array.isArray(v.packs) &&
      v.packs.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && /^[\w-]{1,128}$/.test(p[0]) && typeof p[1] === 'string' && p[1].length === v.ids!.length / ID_HEX);
    if (usable) {
      for (let i = 0; i < v.ids!.length; i += ID_HEX) order.push(v.ids!.slice(i, i + ID_HEX));
      for (const [name, counts] of v.packs!) {
        const m = new Map<string, number>();
        for (let i = 0; i < order.length; i++) {
          const c = counts.charCodeAt(i) - 48;
          if (c >= 0 && c <= ID_HEX) m.set(order[i]!, c);
        }
        packs.set(name, m);
      }
    }
    return new AbbrevMemo(path, ref, archive.readOnly, packs, order);
  }

  /** What the store's sharedDigits reads and fills for one id. */
  for(id: string): PackDigitsMemo {
    return {
      get: (pack) => {
        this.seen.add(pack);
        return this.packs.get(pack)?.get(id);
      },
      set: (pack, digits) => {
        this.seen.add(pack);
        let m = this.packs.get(pack);
        if (!m) this.packs.set(pack, (m = new Map()));
        if (!this.inOrder.has(id)) {
          this.inOrder.add(id);
          this.order.push(id);
        }
        m.set(id, digits);
        this.changed = true;
      },
    };
  }

  /** Writes the file when counts were added or a pack has gone (never for a read-only archive). */
  async save(): Promise<void> {
    const gone = [...this.packs.keys()].some((p) => !this.seen.has(p));
    if (this.readOnly || (!this.changed && !gone) || this.seen.size === 0) return;
    const packs: Array<[string, string]> = [];
    for (const name of [...this.seen].sort()) {
      const m = this.packs.get(name);
      packs.push([name, this.order.map((id) => (m?.has(id) ? String.fromCharCode(48 + m.get(id)!) : NONE)).join('')]);
    }
    const file: MemoFile = { ref: this.ref, ids: this.order.join(''), packs };
    await writeDerived(this.path, ABBREV_MEMO_MAGIC, ABBREV_MEMO_VERSION, file);
  }
}
