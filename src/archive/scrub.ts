// `tapes scrub`: rewrite history so that a secret stored in the archive is
// really gone (docs/secrets.md, man/tapes-scrub.md).
//
// Every record of the chosen chains is scanned as push scans it (its strings,
// keys and the text of every blob it names, src/record/secrets.ts); each
// finding is replaced by `[REDACTED:<rule>]`, a blob holding one is written
// again with the replacements, and every record from the first changed one to
// the tip gets a new id (its parent changed). The rewrite is a pure function
// of the old record and the detector, memoised by id, so chains that share
// records (a resumed or rerun session, a capture view) are rewritten the same
// way, and a scrub interrupted and run again produces the same ids.
//
// Order, for kill -9 at any point: every new object is written first; then
// the audit record (refs/audit/scrub); then the derived data that holds text
// (the search index, the session summaries) is removed; then each ref moves by
// compare-and-swap; then the reflogs are rewritten through the old→new map (so
// no reflog entry keeps a superseded record reachable); then, with --prune, gc
// removes what is unreachable. A ref never points at a missing object, and a
// rerun finds the moved chains clean and finishes the rest.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidInputError, NotFoundError, UsageError, isTapesError } from '../errors/index.js';
import type { JsonValue } from '../hash/index.js';
import { HashingStore, entryKind, readContent, writeContent, type ObjectStore } from '../odb/index.js';
import { canonicalRecordBytes, readRecord, redactStoredValue, scanStoredValue, type SecretDetector, type SecretFinding, type StoredRecord, type ValueFinding } from '../record/index.js';
import { AGENTS_PREFIX, CAPTURES_PREFIX, REMOTES_PREFIX, SESSIONS_PREFIX, TAGS_PREFIX, ZERO_ID } from '../refs/index.js';
import type { Archive } from './archive.js';
import { derivedPath } from './derived-file.js';
import { sessionChains } from './session-chains.js';
import { ImportStatCache } from './import-stat.js';
import { chainIndexPath } from './log/chain-index.js';
import { timelineCachePath } from './log/timeline-cache.js';
import { AbbrevMemo } from './log/abbrev-memo.js';
import { gc, type GcResult } from './maintenance/index.js';
import { archiveSecretDetector } from './secrets.js';

/** The chain of audit records a scrub appends to (docs/secrets.md, "The audit trail"). */
export const SCRUB_AUDIT_REF = 'refs/audit/scrub';
export const AUDIT_PREFIX = 'refs/audit/';
/** Replacements per audit record: keeps each one far below the 1 MiB object bound. */
const AUDIT_PART = 2000;

export interface ScrubOptions {
  /** Sessions (names, unique prefixes or full refs) to scrub, with their subagents and capture views. */
  sessions?: string[];
  /** Every chain of the archive, and every reflog. */
  all?: boolean;
  /** List what would change; write and move nothing. */
  dryRun?: boolean;
  /** Then remove what is no longer reachable (gc --prune=now). */
  prune?: boolean;
  /** The salt of the audit's hashes (tests); 32 random bytes otherwise. */
  salt?: Uint8Array;
  /** Told what the scrub is doing: records scanned so far, then each step of the write. */
  onProgress?: (phase: ScrubPhase, done: number, total?: number) => void;
}

export type ScrubPhase = 'scanning' | 'audit' | 'refs' | 'reflogs' | 'index' | 'pruning';

export interface ScrubFinding {
  /** The first ref (in scope order) whose chain holds the record. */
  ref: string;
  record: string;
  /** Its id after the scrub (in a dry run, the id it would get). */
  new_record: string;
  rule: string;
  /** JSON path of the string in the record. */
  path: string;
  /** The blob holding it, when it is in one. */
  blob?: string;
  /** UTF-16 offsets in the string (or the blob's text). */
  start: number;
  end: number;
  /** The value masked: its first characters (at most a quarter of it, at most 4), then its length. */
  preview: string;
  /** sha256 of the value (what an allow-list entry names). */
  digest: string;
}

export interface ScrubRefMove {
  ref: string;
  old: string;
  new: string;
  /** Named (or in --all), or moved because its chain shares a rewritten record or blob. */
  why: 'scrubbed' | 'shares history';
}

export interface ScrubResult {
  dry_run: boolean;
  /** Records read and scanned. */
  scanned: number;
  findings: ScrubFinding[];
  /** Replacements made: in records' own strings, plus in each rewritten blob once. */
  secrets: number;
  rules: string[];
  /** Records that got a new id (their own text changed, or a record before them did). */
  rewritten: number;
  /** Blobs written again with replacements. */
  blobs: number;
  refs: ScrubRefMove[];
  /** Reflog lines whose ids were rewritten. */
  reflog_lines: number;
  /** The audit record written (the tip of refs/audit/scrub), or null. */
  audit: string | null;
  /** False when the findings are only in history that refs a scrub does not move hold (then nothing was written). */
  effective: boolean;
  /** Refs a scrub does not move (remote-tracking refs) that still hold rewritten history, keeping it stored. */
  kept: Array<{ ref: string; id: string }>;
  /** Derived files removed because they held text of rewritten records. */
  index_removed: string[];
  /** What --prune's gc did. */
  prune?: GcResult;
}

/** The value shown for a finding: never more than a quarter of it, and its length. */
export function maskedPreview(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}${'*'.repeat(Math.min(8, value.length - shown))} (${value.length} chars)`;
}

/** The audit's hash of a removed value: sha256 of the salt (hex) followed by the value, as `printf '%s' "$salt$value" | sha256sum` computes it. */
export function saltedHash(saltHex: string, value: string): string {
  return createHash('sha256').update(saltHex + value, 'utf8').digest('hex');
}

interface RecordRewrite {
  id: string;
  /** Replacements in this record (its strings and the blobs first rewritten for it). */
  found: ValueFinding[];
}

/** The memoised rewrite of records and blobs (old id → new id), writing through `out`. */
class Rewriter {
  readonly records = new Map<string, string>();
  readonly blobs = new Map<string, { id: string; found: ValueFinding[] }>();
  private readonly scanMemo = new Map<string, SecretFinding[]>();
  readonly changed: Array<{ old: string; rewrite: RecordRewrite }> = [];
  scanned = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly out: ObjectStore,
    private readonly detector: SecretDetector,
    private readonly progress: (n: number) => void,
  ) {}

  private get = (id: string) => readContent(this.store, id);
  private put = async (bytes: Uint8Array) => (await writeContent(this.out, bytes)).id;

  /** The new id of the chain (or object) at `tip`; the whole chain behind it is rewritten first. */
  async tip(tip: string, named: string): Promise<string> {
    const stack: StoredRecord[] = [];
    let id: string | null = tip;
    let referrer = named;
    while (id !== null && !this.records.has(id)) {
      let rec: StoredRecord;
      try {
        rec = await readRecord(this.store, id);
      } catch (err) {
        if (err instanceof InvalidInputError && stack.length === 0 && /is a blob/.test(err.message)) {
          // A tag may name a blob: it is not a chain, and is left as it is.
          this.records.set(id, id);
          break;
        }
        if (err instanceof NotFoundError) {
          throw new InvalidInputError(`scrub: object ${id}, ${referrer}, is missing; nothing was changed (run tapes fsck)`, { id });
        }
        throw err;
      }
      stack.push(rec);
      referrer = `the parent of record ${id}`;
      id = rec.parent;
    }
    for (let i = stack.length - 1; i >= 0; i--) await this.one(stack[i]!);
    return this.records.get(tip)!;
  }

  private async one(rec: StoredRecord): Promise<void> {
    this.scanned++;
    if (this.scanned % 1000 === 0) this.progress(this.scanned);
    const parent = rec.parent === null ? null : this.records.get(rec.parent)!;
    // Most records hold nothing: the fast scan push uses tells, and only a
    // record with findings goes through the (slower) rewriting walk.
    const clean = (await scanStoredValue(this.detector, rec.value, this.get, '$', this.scanMemo)).length === 0;
    const r = clean ? { value: rec.value as JsonValue, found: [], reused: [] } : await redactStoredValue(this.detector, rec.value, this.get, this.put, this.blobs);
    if (r.value === rec.value && parent === rec.parent) {
      this.records.set(rec.id, rec.id);
      return;
    }
    const value: { [k: string]: JsonValue } = { ...(r.value as { [k: string]: JsonValue }), parent };
    if (r.value !== rec.value) {
      // The record says it was scrubbed and how often (over every scrub), so
      // that an export of its source can say its bytes are not the original's.
      let count = r.found.length + r.reused.length;
      const rules = new Set([...r.found, ...r.reused].map((f) => f.rule));
      const prev = rec.value.scrubbed as { replacements?: unknown; rules?: unknown } | undefined;
      if (prev && typeof prev.replacements === 'number') count += prev.replacements;
      if (prev && Array.isArray(prev.rules)) for (const x of prev.rules) if (typeof x === 'string') rules.add(x);
      value.scrubbed = { replacements: count, rules: [...rules].sort() };
    }
    let body: Uint8Array;
    try {
      body = canonicalRecordBytes(value);
    } catch (err) {
      throw new InvalidInputError(`scrub: record ${rec.id} cannot be rewritten: ${(err as Error).message}`, { id: rec.id });
    }
    const id = await this.out.write('record', body);
    this.records.set(rec.id, id);
    this.changed.push({ old: rec.id, rewrite: { id, found: r.found } });
  }

  /** Old ids of records and blobs that were given new ones. */
  superseded(): { records: Set<string>; blobs: Set<string> } {
    const records = new Set<string>();
    for (const [o, n] of this.records) if (o !== n) records.add(o);
    const blobs = new Set<string>();
    for (const [o, b] of this.blobs) if (o !== b.id) blobs.add(o);
    return { records, blobs };
  }
}

/** Whether a chain reaches a superseded record, or names a superseded blob; memoised by record id. */
class Reach {
  private readonly memo = new Map<string, boolean>();
  constructor(
    private readonly store: ObjectStore,
    private readonly gone: { records: Set<string>; blobs: Set<string> },
  ) {}

  async reaches(tip: string): Promise<boolean> {
    const path: string[] = [];
    let id: string | null = tip;
    let answer = false;
    while (id !== null) {
      const known = this.memo.get(id);
      if (known !== undefined) {
        answer = known;
        break;
      }
      if (this.gone.records.has(id)) {
        answer = true;
        break;
      }
      let rec: StoredRecord;
      try {
        rec = await readRecord(this.store, id);
      } catch (err) {
        if (isTapesError(err)) break; // a blob (a tag), or damage gc and fsck name
        throw err;
      }
      path.push(id);
      if (rec.blobs.some((b) => this.gone.blobs.has(b))) {
        answer = true;
        break;
      }
      id = rec.parent;
    }
    for (const p of path) this.memo.set(p, answer);
    return answer;
  }
}

/** The refs a scrub of `names` starts from: each session (or agent chain) with its subagents and capture views. */
async function namedScope(archive: Archive, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of names) {
    const r = await archive.resolve(arg);
    const ref = r.ref;
    if (!ref || !(ref.startsWith(SESSIONS_PREFIX) || ref.startsWith(AGENTS_PREFIX) || ref.startsWith(CAPTURES_PREFIX) || ref.startsWith(TAGS_PREFIX))) {
      throw new UsageError(`scrub: ${arg} is not a session (it names ${r.id}); give session names, or --all`, { rev: arg });
    }
    const chains = (await sessionChains(archive, ref, r.id)).map((c) => c.name);
    for (const c of chains) if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** Every ref a scrub may read: all of refs/ but the audit, then HEAD. Symbolic refs are skipped. */
async function everyRef(archive: Archive): Promise<Array<{ name: string; id: string }>> {
  const refs = (await archive.refs.list('refs/')).filter((r) => !r.name.startsWith(AUDIT_PREFIX));
  const head = await archive.refs.read('HEAD');
  if (head?.kind === 'id') refs.push({ name: 'HEAD', id: head.id });
  return refs;
}

async function reflogIdsOf(archive: Archive, name: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const l of await archive.refs.readReflog(name)) {
    if (!l.ok) continue;
    for (const id of [l.entry.new, l.entry.old]) if (id !== ZERO_ID) ids.add(id);
  }
  return [...ids];
}

export async function scrub(archive: Archive, opts: ScrubOptions): Promise<ScrubResult> {
  const names = opts.sessions ?? [];
  if (opts.all && names.length) throw new UsageError('scrub: give session names or --all, not both');
  if (!opts.all && names.length === 0) throw new UsageError('scrub: name the sessions to scrub, or --all');
  // Read first: a bad custom rule stops the scrub before anything is read or written.
  const detector = await archiveSecretDetector(archive.dir);
  const dry = Boolean(opts.dryRun);
  const store = await archive.objects();
  const out: ObjectStore = dry ? new HashingStore() : await archive.objectWriter();
  const progress = opts.onProgress ?? (() => undefined);
  const rw = new Rewriter(store, out, detector, (n) => progress('scanning', n));

  const refs = await everyRef(archive);
  // Every reflog's ids, read once (the audit's left out): scope, reach and the final check all use them.
  const reflogs = new Map<string, string[]>();
  for (const name of archive.refs.reflogNames()) if (!name.startsWith(AUDIT_PREFIX)) reflogs.set(name, await reflogIdsOf(archive, name));
  const scope = opts.all ? refs.map((r) => r.name) : await namedScope(archive, names);
  const inScope = new Set(scope);
  const valueOf = new Map(refs.map((r) => [r.name, r.id]));
  const why = new Map<string, ScrubRefMove['why']>();
  // Which ref a finding is reported under: the first one (in scope order) whose rewrite met the record.
  const firstRef = new Map<string, string>();
  const rewriteTip = async (ref: string, id: string) => {
    const before = rw.changed.length;
    await rw.tip(id, `named by ${ref}`);
    for (let i = before; i < rw.changed.length; i++) firstRef.set(rw.changed[i]!.old, ref);
  };

  for (const name of scope) {
    const id = valueOf.get(name);
    if (id !== undefined) await rewriteTip(name, id);
    for (const r of reflogs.get(name) ?? []) await rewriteTip(name, r);
    why.set(name, 'scrubbed');
  }
  if (opts.all) {
    // Every reflog, including those of refs that no longer exist and of remote-tracking refs.
    for (const [name, ids] of reflogs) for (const r of ids) await rewriteTip(name, r);
  } else {
    // Chains outside the scope that share rewritten history (a resumed or
    // rerun session, a tag, a reflog entry, another session holding the same
    // blob) are rewritten too, or what they reach would keep the secret
    // stored. Rewriting one may supersede more blobs: repeat until nothing moves.
    const others: Array<{ ref: string; id: string }> = [];
    for (const r of refs) if (!inScope.has(r.name)) others.push({ ref: r.name, id: r.id });
    for (const [name, ids] of reflogs) for (const id of ids) others.push({ ref: name, id });
    for (let size = 0; rw.changed.length !== size; ) {
      size = rw.changed.length;
      const reach = new Reach(store, rw.superseded());
      for (const o of others) {
        if (rw.records.has(o.id)) continue;
        if (await reach.reaches(o.id)) {
          await rewriteTip(o.ref, o.id);
          if (valueOf.get(o.ref) === o.id && !why.has(o.ref)) why.set(o.ref, 'shares history');
        }
      }
    }
  }

  const newIdOf = (id: string) => rw.records.get(id) ?? id;
  const findings: ScrubFinding[] = [];
  const rules = new Set<string>();
  let secrets = 0;
  for (const c of rw.changed) {
    for (const f of c.rewrite.found) {
      secrets++;
      rules.add(f.rule);
      findings.push({
        ref: firstRef.get(c.old) ?? '',
        record: c.old,
        new_record: c.rewrite.id,
        rule: f.rule,
        path: f.path,
        ...(f.blob ? { blob: f.blob } : {}),
        start: f.start,
        end: f.end,
        preview: maskedPreview(f.value),
        digest: f.digest,
      });
    }
  }
  const moves: ScrubRefMove[] = [];
  const kept: ScrubResult['kept'] = [];
  for (const r of refs) {
    const n = newIdOf(r.id);
    if (n === r.id) continue;
    if (r.name.startsWith(REMOTES_PREFIX)) kept.push({ ref: r.name, id: r.id });
    else moves.push({ ref: r.name, old: r.id, new: n, why: why.get(r.name) ?? 'shares history' });
  }
  const blobsRewritten = [...rw.blobs].filter(([o, b]) => o !== b.id).length;
  const result: ScrubResult = {
    dry_run: dry,
    scanned: rw.scanned,
    findings,
    secrets,
    rules: [...rules].sort(),
    rewritten: rw.changed.length,
    blobs: blobsRewritten,
    refs: moves,
    reflog_lines: 0,
    effective: moves.length > 0,
    audit: null,
    kept,
    index_removed: [],
  };
  if (dry) return result;

  const reason = `scrub: ${secrets} secret${secrets === 1 ? '' : 's'}${rules.size ? `, rules ${[...rules].sort().join(', ')}` : ''}`;
  progress('scanning', rw.scanned);
  // Something to do here: a ref to move, or a reflog (of a ref not kept)
  // naming a superseded record. Findings only in history a remote-tracking
  // ref holds (until push --force replaces the remote's sessions) are
  // reported, but nothing is written for them: moving no ref, the scrub
  // would unpin nothing.
  const keptNames = new Set(kept.map((k) => k.ref));
  let effective = moves.length > 0;
  if (!effective) for (const [name, ids] of reflogs) if (!keptNames.has(name) && ids.some((id) => newIdOf(id) !== id)) effective = true;
  result.effective = effective;
  if (!effective) {
    if (opts.prune) {
      progress('pruning', 0);
      result.prune = await gc(archive, { prune: new Date() });
    }
    return result;
  }
  if (rw.changed.length > 0) {
    progress('audit', 0);
    result.audit = await writeAudit(archive, out, opts.salt ?? randomBytes(32), rw, moves, [...rules].sort(), reason);
  }
  // The derived data that holds text goes before any ref moves (and again at
  // the end, in case a reader rebuilt some meanwhile): a scrub killed after
  // its moves finds nothing left to rewrite when run again, so this could not
  // wait for it. The import stat cache's tips are mapped now too; until the
  // refs move they differ from the refs, and an import then reads the file and
  // finds its chain already stored.
  if (rw.changed.length > 0) {
    progress('index', 0);
    result.index_removed = await dropDerived(archive, moves.map((m) => m.ref), newIdOf);
  }
  for (const [i, m] of moves.entries()) {
    progress('refs', i, moves.length);
    await archive.refs.update(m.ref, m.new, { expectedOld: m.old, reason, deref: false });
  }
  // No reflog entry may keep a superseded record: each id is replaced by its
  // rewrite, times and reasons kept (the scrub's own line becomes new → new).
  if (rw.changed.length > 0) {
    // Listed again: a ref moved above may have had no reflog before its move wrote one.
    const logs = archive.refs.reflogNames().filter((n) => !n.startsWith(AUDIT_PREFIX));
    for (const [i, name] of logs.entries()) {
      progress('reflogs', i, logs.length);
      result.reflog_lines += await archive.refs.rewriteReflog(name, newIdOf);
    }
    for (const f of await dropDerived(archive, moves.map((m) => m.ref), newIdOf)) if (!result.index_removed.includes(f)) result.index_removed.push(f);
  }
  if (opts.prune) progress('pruning', 0);
  if (opts.prune) result.prune = await gc(archive, { prune: new Date() });
  return result;
}

/** The audit record(s): per replacement, where it was and a salted hash of what was removed (never the value). */
async function writeAudit(
  archive: Archive,
  out: ObjectStore,
  salt: Uint8Array,
  rw: Rewriter,
  moves: ScrubRefMove[],
  rules: string[],
  reason: string,
): Promise<string> {
  const saltHex = Buffer.from(salt).toString('hex');
  const replacements: JsonValue[] = [];
  for (const c of rw.changed) {
    for (const f of c.rewrite.found) {
      replacements.push({
        old: c.old,
        new: c.rewrite.id,
        rule: f.rule,
        path: f.path,
        ...(f.blob ? { blob: f.blob, new_blob: rw.blobs.get(f.blob)!.id } : {}),
        start: f.start,
        end: f.end,
        hash: saltedHash(saltHex, f.value),
      });
    }
  }
  const parts = Math.max(1, Math.ceil(replacements.length / AUDIT_PART));
  const old = (await archive.refs.resolve(SCRUB_AUDIT_REF)) ?? null;
  let parent = old;
  const time = archive.now().toISOString();
  for (let i = 0; i < parts; i++) {
    const value = {
      parent,
      scrub: {
        version: 1,
        time,
        reason,
        salt: saltHex,
        rules,
        rewritten: rw.changed.length,
        refs: moves.map((m) => ({ ref: m.ref, old: m.old, new: m.new })),
        part: i + 1,
        parts,
        replacements: replacements.slice(i * AUDIT_PART, (i + 1) * AUDIT_PART),
      },
    };
    parent = await out.write('record', canonicalRecordBytes(value));
  }
  await archive.refs.update(SCRUB_AUDIT_REF, parent!, { expectedOld: old, reason, deref: false });
  return parent!;
}

/**
 * Removes the derived data that holds the text of rewritten records: the
 * search index (its FTS terms; SQLite keeps deleted text in free pages, so
 * the file goes, and the next search builds it again), the session summaries
 * (titles are prompt text) and the per-ref caches of the moved refs. The
 * import stat cache's tips are rewritten, so that an unchanged transcript is
 * not read (and its secret stored) again. Returns what was removed.
 */
async function dropDerived(archive: Archive, moved: string[], newIdOf: (id: string) => string): Promise<string[]> {
  const removed: string[] = [];
  const rm = async (path: string, shown: string) => {
    // Nothing through a link (docs/security.md): index/ and the folder must be real ones.
    if (entryKind(derivedPath(archive.dir, '')) !== 'dir' || entryKind(dirname(path)) !== 'dir') return;
    try {
      const st = await fs.lstat(path);
      if (!st.isFile()) return;
      await fs.unlink(path);
      removed.push(shown);
    } catch {
      // Not there: nothing to remove.
    }
  };
  for (const f of ['search.sqlite', 'search.sqlite-wal', 'search.sqlite-shm', 'search.sqlite-journal', 'sessions.json']) {
    await rm(derivedPath(archive.dir, f), `index/${f}`);
  }
  for (const ref of moved) {
    for (const path of [chainIndexPath(archive, ref), timelineCachePath(archive, ref), AbbrevMemo.path(archive, ref)]) {
      await rm(path, path.slice(archive.dir.length + 1));
    }
  }
  const stat = ImportStatCache.open(archive.dir);
  if (stat.retip(newIdOf)) await stat.save();
  return removed;
}
