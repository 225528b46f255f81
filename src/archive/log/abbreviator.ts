// Abbreviated ids and session names that stay unique, as git abbreviates:
// what log, show, diff, status, search and export print for a record.
import type { ObjectStore } from '../../odb/index.js';
import { SESSIONS_PREFIX, shortRefName, type RefStore } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { displaySessionName } from '../sessions/index.js';
import type { AbbrevMemo } from './abbrev-memo.js';


/**
 * Abbreviated ids that name one object, as git's: at least `min` hex digits,
 * more while another object shares the prefix, a session name starts with it
 * (revisions take unique session-name prefixes too), or a ref is named so.
 */
export class Abbreviator {
  private readonly dirs = new Map<string, Promise<string[]>>();
  private memo?: AbbrevMemo;

  /** The session names, sorted, to find those starting with a prefix by binary search. */
  private readonly sortedSessions: string[];

  /**
   * Only the refs' names are listed (a directory walk): a session's tip is
   * read when its name starts with an abbreviation being tried, which is rare.
   */
  private constructor(
    private readonly store: ObjectStore,
    private readonly refs: RefStore,
    private readonly refNames: Set<string>,
    private readonly sessions: string[],
  ) {
    this.sortedSessions = [...sessions].sort();
  }

  static async create(archive: Archive): Promise<Abbreviator> {
    const all = await archive.refs.listNames('refs/');
    const sessions = all.filter((n) => n.startsWith(SESSIONS_PREFIX)).map(shortRefName);
    return new Abbreviator(await archive.objects(), archive.refs, new Set(all), sessions);
  }

  /** Keeps (and takes) each pack's digit counts in `memo` from now on (abbrev-memo.ts); undefined stops. */
  useMemo(memo: AbbrevMemo | undefined): void {
    this.memo = memo;
  }

  /**
   * Lists the fan-out directories of these ids at once (in parallel), when
   * the store cannot name an id's neighbours itself (then nothing is needed).
   */
  async prepare(ids: Iterable<string>): Promise<void> {
    if (this.store.neighbours || this.store.sharedDigits) return;
    const wanted = new Set<string>();
    for (const id of ids) wanted.add(id.slice(0, 2));
    await Promise.all([...wanted].map((d) => this.dir(d)));
  }

  private dir(prefix: string): Promise<string[]> {
    let p = this.dirs.get(prefix);
    if (!p) {
      // Stores list ids sorted; sorted here only when one did not.
      p = this.store.findByPrefix(prefix).then((ids) => (ids.every((x, i) => i === 0 || ids[i - 1]! < x) ? ids : [...ids].sort()));
      this.dirs.set(prefix, p);
    }
    return p;
  }

  async abbrev(id: string, min = 7): Promise<string> {
    let n = min;
    // The ids sharing the most digits with `id` are its neighbours in sorted
    // order: the store counts the digits, or names them, or they are found in
    // the listing of its first two digits.
    if (this.store.sharedDigits) n = Math.max(n, (await this.store.sharedDigits(id, this.memo?.for(id))) + 1);
    else {
      for (const other of await this.neighboursOf(id)) {
        let k = 0;
        while (k < id.length && other[k] === id[k]) k++;
        n = Math.max(n, k + 1);
      }
    }
    while (n < id.length && (await this.conflicts(id, id.slice(0, n)))) n++;
    return id.slice(0, n);
  }

  private async neighboursOf(id: string): Promise<string[]> {
    if (this.store.neighbours) return this.store.neighbours(id);
    const ids = await this.dir(id.slice(0, 2));
    const at = lowerBound(ids, id);
    return [ids[at - 1], ids[ids[at] === id ? at + 1 : at]].filter((x): x is string => x !== undefined);
  }

  /**
   * A session's name as headers show it, the way `tapes sessions` shortens
   * it: the shortest prefix of at least 8 characters that begins no other
   * session's name (else the whole name), longer while it is also a prefix
   * of an object id. Other refs by their short name.
   */
  async sessionName(ref: string): Promise<string> {
    const name = shortRefName(ref);
    if (!ref.startsWith(SESSIONS_PREFIX)) return name;
    let len = displaySessionName(name, this.sessions).length;
    while (len < name.length && /^[0-9a-f]{4,}$/.test(name.slice(0, len)) && (await this.dir(name.slice(0, 2))).some((id) => id.startsWith(name.slice(0, len)))) len++;
    return name.slice(0, len);
  }

  private async conflicts(id: string, prefix: string): Promise<boolean> {
    for (const r of [`refs/${prefix}`, `${SESSIONS_PREFIX}${prefix}`, `refs/tags/${prefix}`, `refs/remotes/${prefix}`]) {
      if (this.refNames.has(r)) return true;
    }
    const list = this.sortedSessions;
    for (let i = lowerBound(list, prefix); i < list.length && list[i]!.startsWith(prefix); i++) {
      if ((await this.refs.resolve(`${SESSIONS_PREFIX}${list[i]!}`)) !== id) return true;
    }
    return false;
  }
}

/** The first position of a sorted list whose item is not below `key`. */
function lowerBound(list: readonly string[], key: string): number {
  let lo = 0;
  for (let hi = list.length; lo < hi; ) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
