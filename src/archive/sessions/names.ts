// Short session names that the revision resolver takes back: what `tapes
// sessions` prints, and what log, show and replay headers show.
import type { ObjectStore } from '../../odb/index.js';
import { SESSIONS_PREFIX } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import type { SessionListing } from './cache.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const MIN_SHORT = 8;

/**
 * Short names for sessions that the revision resolver takes back: the
 * shortest prefix of at least 8 characters that begins no other session's
 * name (or the whole name), lengthened while it is also an object id prefix.
 * Subagent chains are named `agents/<session>/<agent>`, in full.
 */
export async function shortSessionNames(archive: Archive, all: readonly SessionListing[], shown: readonly SessionListing[]): Promise<Map<string, string>> {
  const names = all.filter((s) => s.ref.startsWith(SESSIONS_PREFIX)).map((s) => s.name).sort(cmp);
  const need = new Map<string, number>();
  const lcp = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
  };
  for (const [i, n] of names.entries()) {
    const common = Math.max(i > 0 ? lcp(n, names[i - 1]!) : 0, i + 1 < names.length ? lcp(n, names[i + 1]!) : 0);
    need.set(n, Math.min(n.length, Math.max(MIN_SHORT, common + 1)));
  }
  const out = new Map<string, string>();
  let store: ObjectStore | undefined;
  for (const s of shown) {
    if (!s.ref.startsWith(SESSIONS_PREFIX)) {
      out.set(s.ref, s.ref.slice('refs/'.length));
      continue;
    }
    let len = need.get(s.name) ?? s.name.length;
    // A hex prefix of 4 or more digits also names objects: keep going until none does.
    if (/^[0-9a-f]+$/.test(s.name.slice(0, len)) && len < s.name.length) {
      store ??= await archive.objects();
      // Only the ids that start with the shortest candidate (a binary search
      // in each pack index), not every id under its first two digits.
      const ids = await store.findByPrefix(s.name.slice(0, len));
      while (len < s.name.length && /^[0-9a-f]+$/.test(s.name.slice(0, len)) && ids.some((id) => id.startsWith(s.name.slice(0, len)))) len++;
    }
    out.set(s.ref, s.name.slice(0, len));
  }
  return out;
}

/**
 * A session's name as headers show it, the way `tapes sessions` shortens it:
 * the shortest prefix of at least 8 characters that begins no other session's
 * name in `allNames` (else the whole name). Abbreviator.sessionName
 * (log/abbreviator.ts) also lengthens it while it is an object id prefix.
 */
export function displaySessionName(name: string, allNames: readonly string[] = []): string {
  let len = Math.min(name.length, MIN_SHORT);
  for (const other of allNames) {
    if (other === name) continue;
    let k = 0;
    while (k < name.length && other[k] === name[k]) k++;
    len = Math.max(len, Math.min(name.length, k + 1));
  }
  return name.slice(0, len);
}
