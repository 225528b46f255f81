// The deterministic mapping between tapes objects and git objects used by the
// git-http transport (docs/remote-git.md). A record becomes one git commit
// whose tree holds the record's canonical body (`record`) and every blob it
// reaches (`blobs/<tapes id>`, chunk lists expanded), whose parent is the
// parent record's commit, and whose author, date and message are functions of
// the record alone: the same record gives the same commit on every machine.
// Decoding rebuilds the tapes objects from git objects alone and recomputes
// every SHA-256 id; a git server is untrusted, so anything that does not match
// is refused. A tapes ref refs/<kind>/x is refs/tapes/<kind>/x on the server.
import { createHash } from 'node:crypto';
import { CorruptObjectError, HashMismatchError, InvalidInputError } from '../errors/index.js';
import { isObjectId, type JsonValue } from '../hash/index.js';
import { decodeChunkList, objectId, startsWithChunkMagic, type ObjectType, type TapesObject } from '../object/index.js';
import type { ObjectStore } from '../odb/index.js';
import { isCanonicalRecordBody, parseRecordBody } from '../record/index.js';
import { refNameProblem } from '../refs/index.js';

export type GitObjectType = 'blob' | 'tree' | 'commit';

/** Where encoded git objects go (the local git directory, or a hasher). */
export interface GitObjectSink {
  write(type: GitObjectType, content: Uint8Array): Promise<string>;
}

/** Where git objects are read from when decoding. */
export interface GitObjectSource {
  read(oid: string): Promise<{ type: string; content: Uint8Array }>;
}

/** Where the mirror's refs live on the server. */
export const SERVER_PREFIX = 'refs/tapes/';

/** refs/sessions/x ↔ refs/tapes/sessions/x on the server. */
export function serverRefName(name: string): string {
  return SERVER_PREFIX + name.slice('refs/'.length);
}

export function tapesRefName(serverRef: string): string | undefined {
  if (!serverRef.startsWith(SERVER_PREFIX)) return undefined;
  const name = 'refs/' + serverRef.slice(SERVER_PREFIX.length);
  // A name the server sends could try to leave the archive: only valid names pass.
  return /^refs\/(sessions|agents|captures|tags)\/./.test(name) && refNameProblem(name) === undefined ? name : undefined;
}

export const MIRROR_AUTHOR = 'tapes <tapes@localhost>';
export const TAPES_ID_TRAILER = 'Tapes-Id';
const SUMMARY_WIDTH = 72;

/** A git object id (SHA-1 of `<type> <len>\0<content>`), as git computes it. */
export function gitObjectId(type: GitObjectType, content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.length}\0`, 'latin1').update(content).digest('hex');
}

/** A sink that only computes ids (to predict commit ids without a git directory). */
export const hashingGitSink: GitObjectSink = {
  async write(type, content) {
    return gitObjectId(type, content);
  },
};

export interface GitTreeEntry {
  mode: '100644' | '40000';
  name: string;
  oid: string;
}

/** A tree's bytes, entries sorted as git sorts them (a tree's name compares with a trailing "/"). */
export function encodeTree(entries: GitTreeEntry[]): Uint8Array {
  const key = (e: GitTreeEntry): string => (e.mode === '40000' ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const parts: Buffer[] = [];
  for (const e of sorted) {
    parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export function parseTree(content: Uint8Array): GitTreeEntry[] {
  const buf = Buffer.from(content);
  const out: GitTreeEntry[] = [];
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    const nul = buf.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 21 > buf.length) throw new CorruptObjectError('git tree is malformed', { reason: 'badGitTree' });
    const mode = buf.toString('latin1', i, sp);
    const name = buf.toString('utf8', sp + 1, nul);
    const oid = buf.toString('hex', nul + 1, nul + 21);
    out.push({ mode: mode as GitTreeEntry['mode'], name, oid });
    i = nul + 21;
  }
  return out;
}

export interface GitCommitFields {
  tree: string;
  parents: string[];
  /** Seconds since the epoch. */
  time: number;
  message: string;
}

export function encodeCommit(c: GitCommitFields): Uint8Array {
  const lines = [`tree ${c.tree}`];
  for (const p of c.parents) lines.push(`parent ${p}`);
  lines.push(`author ${MIRROR_AUTHOR} ${c.time} +0000`, `committer ${MIRROR_AUTHOR} ${c.time} +0000`, '', c.message);
  return Buffer.from(lines.join('\n'), 'utf8');
}

export function parseCommit(content: Uint8Array): { tree: string; parents: string[]; message: string } {
  const text = Buffer.from(content).toString('utf8');
  const end = text.indexOf('\n\n');
  if (end < 0) throw new CorruptObjectError('git commit has no message', { reason: 'badGitCommit' });
  let tree: string | undefined;
  const parents: string[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    const m = /^(tree|parent) ([0-9a-f]{40})$/.exec(line);
    if (m?.[1] === 'tree') tree = m[2];
    else if (m?.[1] === 'parent') parents.push(m[2]!);
  }
  if (!tree) throw new CorruptObjectError('git commit has no tree', { reason: 'badGitCommit' });
  return { tree, parents, message: text.slice(end + 2) };
}

/** The tapes id a mirror commit claims (its last Tapes-Id trailer); unverified. */
export function claimedTapesId(message: string): string | undefined {
  const all = [...message.matchAll(/^Tapes-Id: ([0-9a-f]{64})$/gm)];
  return all.length ? all[all.length - 1]![1] : undefined;
}

/** Seconds since the epoch of a record's `time`, or 0 when it has none. */
export function commitTime(value: { [k: string]: JsonValue }): number {
  const t = typeof value.time === 'string' ? Date.parse(value.time) : NaN;
  return Number.isFinite(t) && t >= 0 ? Math.floor(t / 1000) : 0;
}

type Obj = { [k: string]: JsonValue };

/** The first text of a record's content (docs/remote-git.md, "Message"). */
async function firstText(store: ObjectStore, v: JsonValue | undefined, depth = 0): Promise<string> {
  if (v === undefined || v === null || depth > 4) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    for (const x of v) {
      const t = await firstText(store, x, depth + 1);
      if (t.trim()) return t;
    }
    return '';
  }
  if (typeof v !== 'object') return '';
  const blob = v.$blob;
  if (typeof blob === 'string' && Object.keys(v).length === 1) {
    let body = (await store.read(blob)).body;
    if (startsWithChunkMagic(body)) {
      const first = decodeChunkList(body).entries[0];
      body = first ? (await store.read(first.id)).body : new Uint8Array();
      if (startsWithChunkMagic(body)) return '';
    }
    return Buffer.from(body.subarray(0, 1024)).toString('utf8').replace(/\uFFFD+$/, '');
  }
  if (v.type === 'tool_use' && typeof v.name === 'string') return v.name;
  for (const k of ['text', 'thinking', 'content']) {
    const t = await firstText(store, v[k], depth + 1);
    if (t.trim()) return t;
  }
  return '';
}

/** One line: the record's kind and its first text, whitespace folded, cut to 72 characters. */
export async function recordSummary(store: ObjectStore, value: Obj): Promise<string> {
  const kind = typeof value.kind === 'string' && /^[a-z_]{1,32}$/.test(value.kind) ? value.kind : 'record';
  // eslint-disable-next-line no-control-regex
  const text = (await firstText(store, value.content)).replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  const line = text ? `${kind}: ${text}` : kind;
  const chars = [...line];
  return chars.length > SUMMARY_WIDTH ? `${chars.slice(0, SUMMARY_WIDTH - 1).join('')}…` : line;
}

/** Every blob a set of content roots reaches (chunk lists expanded), each once, in first-seen order. */
export async function blobClosure(store: ObjectStore, roots: string[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const visit = async (id: string, asContent: boolean): Promise<void> => {
    if (out.has(id)) return;
    const obj = await store.read(id);
    if (obj.type !== 'blob') throw new InvalidInputError(`object ${id} is a ${obj.type}, not a blob`, { id });
    out.set(id, obj.body);
    if (asContent && startsWithChunkMagic(obj.body)) {
      for (const e of decodeChunkList(obj.body).entries) await visit(e.id, e.kind === 'l');
    }
  };
  for (const r of roots) await visit(r, true);
  return out;
}

async function writeBlobsTree(sink: GitObjectSink, blobs: Map<string, Uint8Array>): Promise<GitTreeEntry | undefined> {
  if (blobs.size === 0) return undefined;
  const entries: GitTreeEntry[] = [];
  for (const [id, body] of blobs) entries.push({ mode: '100644', name: id, oid: await sink.write('blob', body) });
  return { mode: '40000', name: 'blobs', oid: await sink.write('tree', encodeTree(entries)) };
}

/**
 * Writes the commit for record `id` whose parent record's commit is
 * `parentCommit` (null for a first record) and returns its oid.
 */
export async function encodeRecordCommit(
  store: ObjectStore,
  sink: GitObjectSink,
  id: string,
  parentCommit: string | null,
): Promise<{ commit: string; parent: string | null }> {
  const obj = await store.read(id);
  if (obj.type !== 'record') throw new InvalidInputError(`object ${id} is a ${obj.type}, not a record`, { id });
  const rec = parseRecordBody(obj.body, id);
  if ((rec.parent === null) !== (parentCommit === null)) {
    throw new InvalidInputError(`record ${id}: parent commit given for a ${rec.parent ? 'non-first' : 'first'} record`, { id });
  }
  const entries: GitTreeEntry[] = [{ mode: '100644', name: 'record', oid: await sink.write('blob', obj.body) }];
  const blobs = await writeBlobsTree(sink, await blobClosure(store, rec.blobs));
  if (blobs) entries.push(blobs);
  const tree = await sink.write('tree', encodeTree(entries));
  const message = `${await recordSummary(store, rec.value)}\n\n${TAPES_ID_TRAILER}: ${id}\n`;
  const commit = await sink.write('commit', encodeCommit({ tree, parents: parentCommit ? [parentCommit] : [], time: commitTime(rec.value), message }));
  return { commit, parent: rec.parent };
}

/** Writes the commit that stands for a blob (a tag may name content rather than a record). */
export async function encodeBlobCommit(store: ObjectStore, sink: GitObjectSink, id: string): Promise<string> {
  const blobs = (await writeBlobsTree(sink, await blobClosure(store, [id])))!;
  const tree = await sink.write('tree', encodeTree([blobs]));
  const message = `blob ${id.slice(0, 12)}\n\n${TAPES_ID_TRAILER}: ${id}\n`;
  return sink.write('commit', encodeCommit({ tree, parents: [], time: 0, message }));
}

/** The tapes objects one mirror commit carries, every id recomputed and checked. */
export interface DecodedCommit {
  /** The tapes id the commit stands for (a record, or a blob for a blob commit). */
  id: string;
  type: ObjectType;
  /** The record's parent record id (null for a first record or a blob commit). */
  parent: string | null;
  /** The parent commit's oid, when there is one. */
  parentCommit: string | null;
  /** Blobs first, then the record: the order they can be stored in. */
  objects: { id: string; type: ObjectType; body: Uint8Array }[];
}

async function readTyped(source: GitObjectSource, oid: string, type: GitObjectType): Promise<Uint8Array> {
  const o = await source.read(oid);
  if (o.type !== type) throw new CorruptObjectError(`git object ${oid} is a ${o.type}, not a ${type}`, { oid, reason: 'badGitObject' });
  return o.content;
}

/**
 * Rebuilds and verifies the tapes objects of mirror commit `oid`. `have` says
 * which blobs the local archive already holds, so a commit may omit nothing
 * but what is known locally; every blob the record reaches must be present.
 */
export async function decodeMirrorCommit(source: GitObjectSource, oid: string, have: (id: string) => Promise<boolean>): Promise<DecodedCommit> {
  const commit = parseCommit(await readTyped(source, oid, 'commit'));
  const id = claimedTapesId(commit.message);
  if (!id) throw new CorruptObjectError(`git commit ${oid} has no ${TAPES_ID_TRAILER} trailer`, { oid, reason: 'notAMirrorCommit' });
  if (commit.parents.length > 1) throw new CorruptObjectError(`git commit ${oid} has ${commit.parents.length} parents`, { oid, reason: 'badGitCommit' });
  const entries = parseTree(await readTyped(source, commit.tree, 'tree'));
  const blobs = new Map<string, Uint8Array>();
  let recordBody: Uint8Array | undefined;
  for (const e of entries) {
    if (e.name === 'record' && e.mode === '100644') recordBody = await readTyped(source, e.oid, 'blob');
    else if (e.name === 'blobs' && e.mode === '40000') {
      for (const b of parseTree(await readTyped(source, e.oid, 'tree'))) {
        if (!isObjectId(b.name) || b.mode !== '100644') {
          throw new CorruptObjectError(`git commit ${oid}: "blobs/${b.name}" is not a tapes blob`, { oid, reason: 'badGitTree' });
        }
        const body = await readTyped(source, b.oid, 'blob');
        const actual = objectId('blob', body);
        if (actual !== b.name) throw new HashMismatchError(`git commit ${oid}: blob ${b.name} hashes to ${actual}`, { id: b.name, actual, oid });
        blobs.set(b.name, body);
      }
    } else throw new CorruptObjectError(`git commit ${oid}: unexpected tree entry "${e.name}"`, { oid, reason: 'badGitTree' });
  }
  const blobObjects = [...blobs].map(([bid, body]) => ({ id: bid, type: 'blob' as const, body }));
  // Every blob the object reaches must arrive with it or be here already.
  const closure = async (roots: string[]): Promise<void> => {
    const seen = new Set<string>();
    const visit = async (bid: string, asContent: boolean): Promise<void> => {
      if (seen.has(bid)) return;
      seen.add(bid);
      const body = blobs.get(bid);
      if (!body) {
        if (await have(bid)) return;
        throw new CorruptObjectError(`git commit ${oid}: blob ${bid} is missing`, { oid, id: bid, reason: 'missingBlob' });
      }
      if (asContent && startsWithChunkMagic(body)) {
        let list;
        try {
          list = decodeChunkList(body);
        } catch (err) {
          throw new CorruptObjectError(`chunk list ${bid}: ${(err as Error).message}`, { id: bid, reason: 'badChunkList' });
        }
        for (const e of list.entries) await visit(e.id, e.kind === 'l');
      }
    };
    for (const r of roots) await visit(r, true);
  };
  if (recordBody === undefined) {
    if (!blobs.has(id) || commit.parents.length) {
      throw new CorruptObjectError(`git commit ${oid} holds neither record nor blob ${id}`, { oid, id, reason: 'notAMirrorCommit' });
    }
    await closure([id]);
    return { id, type: 'blob', parent: null, parentCommit: null, objects: blobObjects };
  }
  const actual = objectId('record', recordBody);
  if (actual !== id) throw new HashMismatchError(`git commit ${oid}: record ${id} hashes to ${actual}`, { id, actual, oid });
  const rec = parseRecordBody(recordBody, id);
  if (!isCanonicalRecordBody(recordBody, rec)) throw new CorruptObjectError(`record ${id} is not canonical JSON`, { id, reason: 'notCanonical' });
  if ((rec.parent === null) !== (commit.parents.length === 0)) {
    throw new CorruptObjectError(`git commit ${oid}: its parents do not match record ${id}'s parent`, { oid, id, reason: 'badGitParent' });
  }
  await closure(rec.blobs);
  return {
    id,
    type: 'record',
    parent: rec.parent,
    parentCommit: commit.parents[0] ?? null,
    objects: [...blobObjects, { id, type: 'record', body: recordBody }],
  };
}

/**
 * Writes the commits for every record of the chain ending at `tip` that
 * `known` cannot name yet (walking back until it can), oldest first; a blob
 * tip gets its blob commit. Calls `learned` with each new pair and returns the
 * tip's commit.
 */
export async function mirrorTip(
  store: ObjectStore,
  sink: GitObjectSink,
  tip: string,
  known: (id: string) => Promise<string | undefined>,
  learned: (id: string, commit: string) => Promise<void>,
): Promise<string> {
  const done = await known(tip);
  if (done) return done;
  const tipObj = await store.read(tip);
  if (tipObj.type === 'blob') {
    const commit = await encodeBlobCommit(store, sink, tip);
    await learned(tip, commit);
    return commit;
  }
  const todo: string[] = [];
  let base: string | null = null;
  for (let id: string | null = tip; id !== null; ) {
    const c = await known(id);
    if (c) {
      base = c;
      break;
    }
    todo.push(id);
    const obj: TapesObject = id === tip ? tipObj : await store.read(id);
    if (obj.type !== 'record') throw new InvalidInputError(`object ${id} is a ${obj.type}, not a record`, { id });
    id = parseRecordBody(obj.body, id).parent;
  }
  let parent = base;
  for (const id of todo.reverse()) {
    parent = (await encodeRecordCommit(store, sink, id, parent)).commit;
    await learned(id, parent);
  }
  return parent!;
}
