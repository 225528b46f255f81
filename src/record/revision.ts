// Revision expressions (DESIGN.md §5): a full id, a unique id prefix (>= 4
// hex), a ref name or unique session-name prefix, HEAD, <rev>~N, <rev>^,
// <ref>@{N}. Ambiguity lists the candidates; nothing is guessed.
import { AmbiguousRevisionError, BadRevisionError, NotFoundError } from '../errors/index.js';
import { MIN_PREFIX_LENGTH, ZERO_ID, isIdPrefix, isObjectId } from '../hash/index.js';
import type { ObjectStore } from '../odb/index.js';
import { type RefStore, SESSIONS_PREFIX, refNameProblem, shortRefName } from '../refs/index.js';
import { readRecord } from './chain.js';

export interface ResolvedRevision {
  /** The expression as given. */
  rev: string;
  id: string;
  /** The full ref name, when the expression is exactly a ref (no ~, ^ or @{N}). */
  ref?: string;
}

/** A revision as messages show it: cut short when long (the error's data keeps it whole). */
function shown(rev: string): string {
  return rev.length > 80 ? `${rev.slice(0, 72)}… (${rev.length} characters)` : rev;
}

interface Step {
  op: '~';
  n: number;
}

function parseExpression(rev: string): { base: string; reflog?: number; steps: Step[] } {
  const m = /^(.*?)((?:[~^]\d*)*)$/.exec(rev)!;
  let base = m[1]!;
  const suffix = m[2]!;
  if (base === '' && suffix !== '') throw new BadRevisionError(`bad revision '${shown(rev)}': nothing before "${suffix}"`, { rev });
  let reflog: number | undefined;
  const at = /^(.*)@\{(\d+)\}$/.exec(base);
  if (at) {
    // As in git, a bare @{N} is the reflog of the session HEAD is on.
    base = at[1] === '' ? '@' : at[1]!;
    reflog = Number(at[2]);
  } else if (base.includes('@{')) {
    throw new BadRevisionError(`bad revision '${shown(rev)}': only <ref>@{<n>} is understood`, { rev });
  }
  const steps: Step[] = [];
  for (const s of suffix.matchAll(/([~^])(\d*)/g)) {
    const n = s[2] === '' ? 1 : Number(s[2]);
    if (s[1] === '^' && n > 1) {
      throw new BadRevisionError(`bad revision '${shown(rev)}': records have one parent, so ^${n} does not exist`, { rev });
    }
    steps.push({ op: '~', n });
  }
  return { base, reflog, steps };
}

const REF_SEARCH = (name: string) => [
  ...(name.startsWith('refs/') ? [name] : []),
  `refs/${name}`,
  `refs/sessions/${name}`,
  `refs/tags/${name}`,
  `refs/remotes/${name}`,
];

/**
 * The ids of the chain `ref` points at (`tip`), tip first, when a derived
 * index knows them (the archive's chain index); null when it does not. Lets
 * `<ref>~N` skip reading N records.
 */
export type ChainIdsLookup = (ref: string, tip: string) => Promise<ChainIds | null>;

/** A chain's ids, tip first (an array of them will do). */
export interface ChainIds {
  readonly length: number;
  at(index: number): string | undefined;
}

export async function resolveRevision(store: ObjectStore, refs: RefStore, rev: string, chainIds?: ChainIdsLookup): Promise<ResolvedRevision> {
  if (rev === '') throw new BadRevisionError('an empty string is not a revision', { rev });
  const parsed = parseExpression(rev);
  let base = parsed.base;
  const { reflog, steps } = parsed;
  if (base === '@') base = (await refs.follow('HEAD')).name;
  let { id, ref } = await resolveBase(store, refs, base, rev);
  if (reflog !== undefined) {
    if (!ref) throw new BadRevisionError(`bad revision '${shown(rev)}': @{${reflog}} needs a ref, and ${shown(base)} is not one`, { rev });
    id = await reflogValue(refs, ref, reflog, rev);
  }
  const back = steps.reduce((n, s) => n + s.n, 0);
  const known = back > 0 && ref && reflog === undefined && chainIds ? await chainIds(ref === 'HEAD' ? (await refs.follow('HEAD')).name : ref, id) : null;
  if (known) {
    if (back >= known.length) {
      const first = known.at(known.length - 1)!;
      throw new NotFoundError(`revision '${shown(rev)}' goes past the first record of its chain (${first} has no parent)`, { rev, id: first });
    }
    return { rev, id: known.at(back)! };
  }
  for (const step of steps) {
    for (let i = 0; i < step.n; i++) {
      const rec = await readRecord(store, id);
      if (rec.parent === null) {
        throw new NotFoundError(`revision '${shown(rev)}' goes past the first record of its chain (${id} has no parent)`, {
          rev,
          id,
        });
      }
      id = rec.parent;
    }
  }
  // Like git's --symbolic-full-name, only an expression that is the ref itself names it.
  return ref && reflog === undefined && steps.length === 0 ? { rev, id, ref } : { rev, id };
}

async function reflogValue(refs: RefStore, ref: string, n: number, rev: string): Promise<string> {
  const lines = await refs.readReflog(ref);
  const entries = lines.flatMap((l) => (l.ok ? [l.entry] : []));
  if (n >= entries.length) {
    throw new NotFoundError(`revision '${shown(rev)}': the reflog of ${ref} has only ${entries.length} entries`, { rev, ref });
  }
  const value = entries[entries.length - 1 - n]!.new;
  if (value === ZERO_ID) throw new NotFoundError(`revision '${shown(rev)}': ${ref} was deleted at that point`, { rev, ref });
  return value;
}

async function resolveBase(
  store: ObjectStore,
  refs: RefStore,
  base: string,
  rev: string,
): Promise<{ id: string; ref?: string }> {
  if (base === 'HEAD') {
    const followed = await refs.follow('HEAD');
    if (followed.value?.kind !== 'id') {
      throw new NotFoundError(
        followed.name === 'HEAD'
          ? `revision '${shown(rev)}': HEAD does not exist yet`
          : `revision '${shown(rev)}': HEAD points at ${followed.name}, which does not exist yet`,
        { rev },
      );
    }
    return { id: followed.value.id, ref: 'HEAD' };
  }
  if (isObjectId(base)) {
    if (await store.has(base)) return { id: base };
    throw new NotFoundError(`unknown revision '${shown(rev)}': no object ${shown(base)}`, { rev });
  }
  if (refNameProblem(base) === undefined) {
    for (const name of REF_SEARCH(base)) {
      if (refNameProblem(name) !== undefined || name.split('/').length < 3) continue;
      const value = await refs.read(name);
      if (!value) continue;
      const id = await refs.resolve(name);
      if (id) return { id, ref: name };
    }
  }
  // Unique prefixes: of object ids, and of session names.
  const candidates = new Map<string, string>(); // description -> id
  if (isIdPrefix(base) && base.length >= MIN_PREFIX_LENGTH) {
    for (const id of await store.findByPrefix(base)) candidates.set(`object ${id}`, id);
  }
  const sessionHits: Array<{ name: string; id: string }> = [];
  // Names first: only the refs whose name matches are read (an archive holds hundreds).
  for (const name of await refs.listNames(SESSIONS_PREFIX)) {
    if (!shortRefName(name).startsWith(base)) continue;
    const v = await refs.read(name).catch(() => undefined);
    if (v?.kind === 'id') sessionHits.push({ name, id: v.id });
  }
  for (const s of sessionHits) candidates.set(`session ${s.name}`, s.id);
  const distinct = new Set(candidates.values());
  if (distinct.size === 1) {
    const id = [...distinct][0]!;
    const only = sessionHits.length === 1 ? sessionHits[0]!.name : undefined;
    return only ? { id, ref: only } : { id };
  }
  if (distinct.size > 1) {
    const list = [...candidates.keys()];
    throw new AmbiguousRevisionError(
      `revision '${shown(rev)}' is ambiguous: ${list.length} candidates`,
      { rev, candidates: list },
      'The candidates are:\n' + list.map((c) => '  ' + c).join('\n'),
    );
  }
  if (/^[0-9a-f]+$/.test(base) && base.length < MIN_PREFIX_LENGTH) {
    throw new BadRevisionError(`revision '${shown(rev)}': an id prefix needs at least ${MIN_PREFIX_LENGTH} hex digits`, { rev });
  }
  throw new NotFoundError(`unknown revision '${shown(rev)}': no ref, session or object matches`, { rev });
}
