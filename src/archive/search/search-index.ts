// The search index: .tapes/index/search.sqlite, an SQLite database with an
// FTS5 table over the text of every record of every session and subagent
// chain (prompts, answers, thinking, tool inputs, tool outputs), and a plain
// table of what the filters need (chain, kind, role, time, tools, errors,
// working directory). It is derived data: it records the tip each chain was
// indexed up to, and every search first compares those with the refs (a few
// small files), indexing only what a ref gained since (a fast-forward) and
// re-indexing a chain whose ref moved any other way. A missing, damaged or
// older-version index is rebuilt from the objects; one that cannot be written
// (a read-only archive) is built in memory for the one run. Why SQLite FTS5,
// with measurements: docs/search.md.
import { createHash } from 'node:crypto';
import { existsSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { JsonValue } from '../../hash/index.js';
import { entryKind, readBounded, type ObjectStore } from '../../odb/index.js';
import { eventSource, isObj, readEventHead, resolveValue, sourceBytes, type EventHead } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { labelOf } from '../event/index.js';
import { chainRefs } from '../sessions/index.js';

/** Bumped whenever what is indexed, or how, changes: an index of another version is rebuilt. */
export const SEARCH_INDEX_VERSION = 5;
export const SEARCH_INDEX_FILE = 'search.sqlite';

type Database = BetterSqlite3.Database;

/** The three indexed columns of a record. */
export interface IndexedText {
  /** Prompts, answers, thinking, summaries, system and progress text, unparsed lines. */
  text: string;
  /** Tool calls: the tool's name and every string and number of its input. */
  input: string;
  /** Tool results: their text (and the strings of any structured output). */
  output: string;
}

/** Every string and number inside a value, one per line; base64 image data is left out. */
function flatten(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else if (isObj(v)) {
    if (v.type === 'image') {
      if (typeof v.media_type === 'string') out.push(v.media_type);
      if (v.source_type !== 'base64' && typeof v.data === 'string') out.push(v.data);
      return;
    }
    for (const x of Object.values(v)) flatten(x, out);
  }
}

function flat(v: unknown): string {
  const out: string[] = [];
  flatten(v, out);
  return out.join('\n');
}

/**
 * The numbers a file listing puts before each line (Claude Code's Read
 * tool: `     1→package main`): not the file's text, and 8% of the tokens
 * of the scale corpus, each a posting of its own (docs/search.md).
 */
const LINE_NUMBERS = /^ *\d+\u2192/gm;

/** A tool result's strings, without the line numbers of a file listing. */
function resultText(v: unknown, out: string[]): void {
  const strings: string[] = [];
  flatten(v, strings);
  for (const s of strings) out.push(s.includes('\u2192') ? s.replace(LINE_NUMBERS, '') : s);
}

/**
 * Bytes of each blob (and of an unparsed line) that are indexed: a 100 MB
 * tool output is indexed by its first 1 MiB, as the index of a record must
 * be built in memory (docs/import-memory.md).
 */
export const INDEXED_BLOB_BYTES = 1024 * 1024;

/** What a record contributes to the index, with every blob read back (its first INDEXED_BLOB_BYTES). */
export async function indexedText(store: ObjectStore, ev: EventHead): Promise<IndexedText> {
  const text: string[] = [];
  const input: string[] = [];
  const output: string[] = [];
  const source = ev.kind === 'unparsed' ? await eventSource(store, ev) : undefined;
  if (source) {
    text.push((await sourceBytes(store, source, INDEXED_BLOB_BYTES)).toString('utf8'));
    return { text: text.join('\n'), input: '', output: '' };
  }
  const content = (await resolveValue(store, ev.content as JsonValue, INDEXED_BLOB_BYTES)) as unknown[];
  for (const b of content) {
    if (typeof b === 'string') text.push(b);
    else if (!isObj(b)) flatten(b, text);
    else if (b.type === 'text') text.push(String(b.text ?? ''));
    else if (b.type === 'thinking') text.push(String(b.thinking ?? ''));
    else if (b.type === 'redacted_thinking') continue;
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      if (b.name !== null && b.name !== undefined) input.push(String(b.name));
      flatten(b.input, input);
    } else if (b.type === 'tool_result') resultText(b.content, output);
    else if (b.type === 'image') flatten(b, text);
    else {
      // Other blocks (web search results, documents): their strings, by where they come from.
      const { type, ...rest } = b;
      (/result/.test(String(type)) ? output : text).push(flat(rest));
    }
  }
  return { text: text.join('\n'), input: input.join('\n'), output: output.join('\n') };
}

// ---------------------------------------------------------------- opening

let sqlite: typeof BetterSqlite3 | undefined;

/** better-sqlite3, loaded on first use (a native module: only search and import's index update need it). */
function loadSqlite(): typeof BetterSqlite3 {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return sqlite;
}

// Kept small (docs/search.md). The text of a record is indexed once, however
// many chains hold it (a resumed or forked session repeats its parent's
// records, and half the rows of a real archive were such repeats): `docs`
// has one row per distinct record, with what belongs to the record itself
// (id, kind, time), and its text is the FTS5 row of the same number. A long
// text that another record has already (the same tool output, file or
// pasted log in records of other ids) is not indexed again: the record's
// `docs.text` names the FTS5 row that holds it, found by the text's SHA-256
// in `texts`. `records` has one row per record of each chain, with what
// depends on the chain (the tools a result answers, the error flag, the
// working directory), keyed by the FTS5 row first (`doc` is null when the
// record's doc is that row's own): a search goes from the FTS5 rows to the
// records, and nothing needs an index in chain order (dropping a chain
// reads the table through). A chain, a working directory, a kind (with its
// label and role) and a set of tool names are each a number, a row of a
// small table; an id is 32 bytes; the text itself is not kept at all (a
// contentless FTS5 table). `calls` holds only the calls not answered yet: a
// result looks its call up, then the row goes (a failed result keeps its
// call's doc). FTS5's columns put `output` first: column 0's positions need
// no column marker, and tool output holds most (term, record) pairs.
const SCHEMA = `
CREATE TABLE chains (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  tip TEXT NOT NULL,
  records INTEGER NOT NULL,
  cwd TEXT
);
CREATE TABLE dirs (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE
);
CREATE TABLE kinds (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  role TEXT
);
CREATE TABLE tools (
  id INTEGER PRIMARY KEY,
  names TEXT NOT NULL UNIQUE
);
CREATE TABLE docs (
  rowid INTEGER PRIMARY KEY AUTOINCREMENT,
  id BLOB NOT NULL,
  kind INTEGER NOT NULL,
  time INTEGER,
  text INTEGER
);
CREATE TABLE records (
  text INTEGER NOT NULL,
  chain INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  doc INTEGER,
  tools INTEGER,
  error INTEGER NOT NULL,
  dir INTEGER,
  call INTEGER,
  PRIMARY KEY (text, chain, seq)
) WITHOUT ROWID;
CREATE TABLE texts (
  hash BLOB PRIMARY KEY,
  row INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE calls (
  chain INTEGER NOT NULL,
  use_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  text INTEGER NOT NULL,
  doc INTEGER NOT NULL,
  tool INTEGER NOT NULL,
  PRIMARY KEY (chain, use_id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(output, text, input, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
`;

export interface SearchIndex {
  db: Database;
  /** Where it lives; null when it is held in memory (the archive could not be written). */
  path: string | null;
  close(): void;
}

export function searchIndexPath(archive: Archive): string {
  return join(archive.dir, 'index', SEARCH_INDEX_FILE);
}

function removeIndexFiles(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(p, { force: true });
}

function initialise(db: Database): void {
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SEARCH_INDEX_VERSION}`);
}

/** Opens the index as it is on disk, creating (or recreating, when unusable) it; null when it cannot be written. */
function openOnDisk(path: string): Database | null {
  const Sqlite = loadSqlite();
  for (let attempt = 0; attempt < 2; attempt++) {
    let db: Database | undefined;
    try {
      mkdirSync(join(path, '..'), { recursive: true });
      db = new Sqlite(path, { timeout: 30_000 });
      // Pages that FTS5's merges free are given back (compact), not kept in the
      // file. Only a new, empty file takes it, and only before WAL mode writes
      // its header; on a file that has it, the pragma would write (and so wait
      // for any writer) at every open.
      if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === SEARCH_INDEX_VERSION) {
        // A cheap look at the tables, so a torn or foreign file is rebuilt rather than believed.
        db.prepare('SELECT count(*) FROM chains').get();
        return db;
      }
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
      if (version === 0 && tables.n === 0) {
        db.exec('BEGIN IMMEDIATE');
        // Another process may have created it between the two reads.
        if ((db.pragma('user_version', { simple: true }) as number) === 0) initialise(db);
        db.exec('COMMIT');
        return db;
      }
      throw new Error(`search index version ${version}, want ${SEARCH_INDEX_VERSION}`);
    } catch (err) {
      db?.close();
      const code = (err as { code?: string }).code ?? '';
      if (/^(EACCES|EROFS|EPERM|SQLITE_READONLY|SQLITE_CANTOPEN)/.test(code)) return null;
      if (attempt === 0) {
        // Damaged or of another version: it is derived data, so it is rebuilt.
        try {
          removeIndexFiles(path);
        } catch {
          return null;
        }
        continue;
      }
      return null;
    }
  }
  return null;
}

/** index/ or one of the index's files being a link: never followed (docs/security.md), so the index lives in memory. */
function linked(path: string): boolean {
  return [join(path, '..'), path, `${path}-wal`, `${path}-shm`, `${path}-journal`].some((p) => entryKind(p) === 'symlink');
}

/** The in-memory copies of read-only archives' indexes, one per opened Archive (see readOnlyIndex). */
const snapshots = new WeakMap<Archive, Database>();

/** SQLite's header bytes 18 and 19: the file format versions, 2 in WAL mode, 1 in rollback mode. */
const WAL_FORMAT = 2;
const ROLLBACK_FORMAT = 1;

/**
 * The index of a read-only archive (`tapes mcp`): a copy in memory, made on
 * first use and kept with the Archive, so a long-running server copies it
 * once and then only brings the copy level with the refs (syncSearchIndex),
 * never touching the file. The file is read as bytes, not opened by SQLite:
 * even a read-only SQLite connection to a WAL database creates its -shm and
 * -wal files. While a writer's -wal file holds transactions not yet in the
 * file, the file alone is not a consistent state, so the copy starts empty
 * and is built from the objects (as a missing or damaged index is).
 */
function readOnlyIndex(archive: Archive): SearchIndex {
  let db = snapshots.get(archive);
  if (!db) {
    db = snapshotOf(searchIndexPath(archive)) ?? new (loadSqlite())(':memory:');
    if ((db.pragma('user_version', { simple: true }) as number) === 0) initialise(db);
    snapshots.set(archive, db);
  }
  return { db, path: null, close: () => undefined };
}

function snapshotOf(path: string): Database | null {
  if (linked(path)) return null;
  if (entryKind(`${path}-wal`) !== 'missing' && (readBounded(`${path}-wal`, 0).ok === false)) return null;
  const read = readBounded(path, MAX_SNAPSHOT_BYTES);
  if (!read.ok) return null;
  const bytes = read.bytes;
  if (bytes.length < 100) return null;
  if (bytes[18] === WAL_FORMAT) bytes[18] = ROLLBACK_FORMAT;
  if (bytes[19] === WAL_FORMAT) bytes[19] = ROLLBACK_FORMAT;
  let db: Database | undefined;
  try {
    db = new (loadSqlite())(bytes);
    if ((db.pragma('user_version', { simple: true }) as number) !== SEARCH_INDEX_VERSION) throw new Error('another version');
    db.prepare('SELECT count(*) FROM chains').get();
    return db;
  } catch {
    db?.close();
    return null;
  }
}

/** The largest index file copied into memory whole (beyond it a read-only search builds its own). */
const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;

/** Opens the archive's search index (in memory when it cannot be written). Call `syncSearchIndex` before reading it. */
export function openSearchIndex(archive: Archive): SearchIndex {
  if (archive.readOnly) return readOnlyIndex(archive);
  const path = searchIndexPath(archive);
  const onDisk = linked(path) ? null : openOnDisk(path);
  if (onDisk) return { db: onDisk, path, close: () => onDisk.close() };
  const db = new (loadSqlite())(':memory:');
  initialise(db);
  return { db, path: null, close: () => db.close() };
}

/** Deletes the index so that the next use builds it afresh. */
export function removeSearchIndex(archive: Archive): void {
  if (!linked(searchIndexPath(archive))) removeIndexFiles(searchIndexPath(archive));
}

// ---------------------------------------------------------------- keeping it current

export interface SyncStats {
  /** Chains whose records were (re)indexed, in part or whole. */
  chains_updated: number;
  /** Chains dropped because their ref is gone. */
  chains_removed: number;
  records_indexed: number;
  /** Chains that could not be read (a record missing or damaged); they are tried again next time. */
  failed: Array<{ chain: string; message: string }>;
}

interface PendingRecord {
  ev: EventHead;
  /** Null when the record is indexed already (a row of docs holds its text). */
  text: IndexedText | null;
  /** For a text of SHARED_TEXT_CHARS or more, its SHA-256 (what `texts` is keyed by). */
  hash: Buffer | null;
}

/**
 * A text this long or longer is looked up among those indexed already, by
 * its SHA-256, and shared rather than indexed again. On the scale corpus,
 * 2,563 distinct texts are this long, and 288 records share one of them
 * (3.8 million characters); below it, a row of `texts` costs more than the
 * repeats it would save (docs/search.md).
 */
export const SHARED_TEXT_CHARS = 4096;

function textHash(t: IndexedText): Buffer | null {
  if (t.text.length + t.input.length + t.output.length < SHARED_TEXT_CHARS) return null;
  // Each column's length before it, so that no two different triples hash the same bytes.
  const h = createHash('sha256');
  for (const column of [t.output, t.text, t.input]) h.update(`${column.length}\n`).update(column);
  return h.digest();
}

/** Reads the records of `tip`'s chain newer than `stop` (all, when `stop` is not on it). */
async function newRecords(store: ObjectStore, tip: string, stop: string | null): Promise<{ events: EventHead[]; fastForward: boolean }> {
  const events: EventHead[] = [];
  for (let id: string | null = tip; id !== null; ) {
    if (id === stop) return { events: events.reverse(), fastForward: true };
    const ev = await readEventHead(store, id);
    events.push(ev);
    id = ev.parent;
  }
  return { events: events.reverse(), fastForward: stop === null };
}

/** Of a chain's records (oldest first), those newer than `stop`, as newRecords reads them. */
function recordsAfter(chain: readonly EventHead[], stop: string | null): { events: EventHead[]; fastForward: boolean } {
  if (stop !== null) {
    for (let i = chain.length - 1; i >= 0; i--) if (chain[i]!.id === stop) return { events: chain.slice(i + 1), fastForward: true };
  }
  return { events: chain.slice(), fastForward: stop === null };
}

/** How many records' blobs are read at once while indexing (their reads overlap). */
const TEXT_CONCURRENCY = 16;

/** The text of each record not indexed yet (`known`: the records that are, by id). */
async function textsOf(store: ObjectStore, events: EventHead[], known: DocLookup): Promise<PendingRecord[]> {
  const job: TextsJob = { store, events, known, out: new Array(events.length), next: 0 };
  await Promise.all(Array.from({ length: Math.min(TEXT_CONCURRENCY, events.length) }, () => textsWorker(job)));
  return job.out;
}

interface TextsJob {
  store: ObjectStore;
  events: EventHead[];
  known: DocLookup;
  out: PendingRecord[];
  /** The next event to take. */
  next: number;
}

/**
 * One of textsOf's concurrent readers: takes the next event until none is
 * left. A function of its own, not a closure made per call: V8 compiled
 * each call's closure again (38 times in an import of the scale corpus).
 */
async function textsWorker(job: TextsJob): Promise<void> {
  const { store, events, known, out } = job;
  while (job.next < events.length) {
    const i = job.next++;
    const ev = events[i]!;
    const text = known.has(ev.id) ? null : await indexedText(store, ev);
    out[i] = { ev, text, hash: text && textHash(text) };
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The row number an insert-or-keep statement (… RETURNING id) gives for `key`. */
function rowOf(statement: BetterSqlite3.Statement, key: string): number {
  return (statement.get(key) as { id: number }).id;
}

/**
 * Record ids to their rows of docs. Keyed by the id's 32 bytes as a
 * one-byte string rather than its 64 hex digits: on the scale corpus
 * (62,735 docs) the map is 4.9 MB instead of 6.8 MB of the index worker's
 * heap, where it lives beside the chain being indexed and the summaries
 * (derived-update.ts); the ids are converted at each look-up (some 0.1 s
 * for a whole update).
 */
class DocRows {
  private readonly rows = new Map<string, number>();

  private static key(id: string): string {
    return Buffer.from(id, 'hex').toString('latin1');
  }

  has(id: string): boolean {
    return this.rows.has(DocRows.key(id));
  }

  get(id: string): number | undefined {
    return this.rows.get(DocRows.key(id));
  }

  set(id: string, row: number): void {
    this.rows.set(DocRows.key(id), row);
  }

  /** `id` as the 32 bytes of docs.id. */
  setBytes(id: Buffer, row: number): void {
    this.rows.set(id.toString('latin1'), row);
  }

  delete(id: string): void {
    this.rows.delete(DocRows.key(id));
  }

  get size(): number {
    return this.rows.size;
  }
}

/** Which records the index holds, by id: each one's row of docs. */
interface DocLookup {
  has(id: string): boolean;
  get(id: string): number | undefined;
}

/** Looked up in docs and its index by id, one record at a time, and counted. */
class IndexedDocs implements DocLookup {
  /** Look-ups made (docsLoads.lookups counts them across updates). */
  count = 0;

  private readonly byId: BetterSqlite3.Statement;

  constructor(
    db: Database,
    /** Look-ups after which reading every row (knownDocs) costs less. */
    readonly budget: number,
  ) {
    this.byId = statement(db, 'SELECT rowid FROM docs WHERE id = ?').pluck();
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  get(id: string): number | undefined {
    this.count++;
    docsLoads.lookups++;
    return this.byId.get(Buffer.from(id, 'hex')) as number | undefined;
  }
}

/**
 * Whether docs has its index by id (`docs_by_id`), made here when missing.
 * It is made on first need rather than with the tables: an import of a
 * whole history, whose second thread reads every row at once from its
 * first update, never needs it, and an index made before it is made on
 * the first update that does (some 50 ms for the scale archive's 62,735
 * docs, once; 2.8 MB). False when it cannot be made now (another writer
 * holds the file past the timeout).
 */
function docsById(db: Database): boolean {
  if (statement(db, "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'docs_by_id'").pluck().get() !== undefined) return true;
  try {
    db.exec('CREATE INDEX IF NOT EXISTS docs_by_id ON docs (id)');
    return true;
  } catch {
    return false;
  }
}

/**
 * Below how many docs an update reads every row at once (knownDocs), and
 * beyond that how many look-ups of one record at a time it makes first, as
 * a share of the docs (tests lower `fullLoadBelow`). Reading every row was
 * 90 ms of the import of one more session into the scale archive's index
 * (62,735 docs), whatever the session held; a look-up by the index on docs'
 * ids is some 3 µs, a row read at once some 1.6 µs.
 */
export const docsPolicy = { fullLoadBelow: 4096, lookupShare: 1 / 4 };

/**
 * Every indexed record, by id: its row of docs (and of fts). Rows are
 * never reused (AUTOINCREMENT), so `since` (the highest row read before)
 * lets a refresh read only the rows written since.
 */
export interface KnownDocs {
  ids: DocRows;
  since: number;
  /** The docs whose text is another doc's FTS5 row (docs.text), by doc row: that row. */
  texts: Map<number, number>;
}

/**
 * What one update knew of the docs table, handed to the next update of the
 * same index: the import's second thread updates it at every checkpoint,
 * and reading every row of docs again each time (62,735 on the scale
 * corpus, some 130 ms at the end) grew with the index.
 */
export interface DocsMemo {
  known?: KnownDocs;
}

/** SQLite's data_version: it changes when another connection commits to the file (never for this one's own commits). */
function dataVersion(db: Database): number {
  return db.pragma('data_version', { simple: true }) as number;
}

/**
 * `sql` prepared once per connection. An update writes each chain in a
 * transaction of its own, and preparing the same statements for each was
 * 0.15 s of the import's second thread on the scale corpus (522 chains, some
 * twenty statements each). Statements hold no rows: a rolled-back
 * transaction leaves nothing in them.
 */
const statements = new WeakMap<Database, Map<string, BetterSqlite3.Statement>>();

function statement(db: Database, sql: string): BetterSqlite3.Statement {
  let held = statements.get(db);
  if (!held) statements.set(db, (held = new Map()));
  let st = held.get(sql);
  if (!st) held.set(sql, (st = db.prepare(sql)));
  return st;
}

/**
 * How many times every row of docs was read, how many records were looked
 * up one at a time, and how many held docs were read back to check them
 * (tests count them).
 */
export const docsLoads = { full: 0, lookups: 0, checked: 0 };

function knownDocs(db: Database, known?: KnownDocs): KnownDocs {
  if (!known) docsLoads.full++;
  known ??= { ids: new DocRows(), since: 0, texts: new Map() };
  for (const d of statement(db, 'SELECT rowid AS row, id, text FROM docs WHERE rowid > ? ORDER BY rowid').iterate(known.since) as Iterable<{ row: number; id: Buffer; text: number | null }>) {
    known.ids.setBytes(d.id, d.row);
    if (d.text !== null) known.texts.set(d.row, d.text);
    known.since = d.row;
  }
  return known;
}

/**
 * Whether `known`, from an earlier update, still describes this file's docs
 * up to its row `since`: as many rows, and the same record at `since` (a
 * file deleted and built again numbers its rows from 1; rows another
 * process dropped meanwhile change the count). Rows added since are read
 * by the next refresh; a row dropped after this check is found when used
 * (DocGone), as within one update.
 */
function stillKnown(db: Database, known: KnownDocs): boolean {
  if (known.since === 0) return known.ids.size === 0;
  if (db.prepare('SELECT count(*) FROM docs WHERE rowid <= ?').pluck().get(known.since) !== known.ids.size) return false;
  const at = db.prepare('SELECT id FROM docs WHERE rowid = ?').pluck().get(known.since) as Buffer | undefined;
  return at !== undefined && known.ids.get(at.toString('hex')) === known.since;
}

/**
 * Drops a chain's rows; returns the docs it held, which may now be held by
 * no chain (dropOrphans). `records` is in text order, so this reads it
 * through (some 2 MB for the scale corpus's 113,000 rows, a few ms).
 */
function dropChain(db: Database, chain: string): number[] {
  const row = db.prepare('SELECT id FROM chains WHERE name = ?').get(chain) as { id: number } | undefined;
  if (!row) return [];
  const docs = [...new Set(db.prepare('DELETE FROM records WHERE chain = ? RETURNING coalesce(doc, text)').pluck().all(row.id) as number[])];
  db.prepare('DELETE FROM calls WHERE chain = ?').run(row.id);
  db.prepare('DELETE FROM chains WHERE id = ?').run(row.id);
  return docs;
}

/**
 * Removes, of `docs`, those no chain holds any more, and then the texts no
 * record holds any more (out of FTS5 and `texts`); returns the docs' ids.
 */
function dropOrphans(db: Database, docs: number[]): string[] {
  if (docs.length === 0) return [];
  const docRow = db.prepare('SELECT id, text FROM docs WHERE rowid = ?');
  const heldOwn = db.prepare('SELECT 1 FROM records WHERE text = ? AND doc IS NULL LIMIT 1').pluck();
  const heldShared = db.prepare('SELECT 1 FROM records WHERE text = ? AND doc = ? LIMIT 1').pluck();
  const textHeld = db.prepare('SELECT 1 FROM records WHERE text = ? LIMIT 1').pluck();
  const dropDoc = db.prepare('DELETE FROM docs WHERE rowid = ?');
  const dropText = db.prepare('DELETE FROM fts WHERE rowid = ?');
  const dropped: string[] = [];
  const texts = new Set<number>();
  for (const d of docs) {
    const row = docRow.get(d) as { id: Buffer; text: number | null } | undefined;
    if (!row) continue;
    if ((row.text === null ? heldOwn.get(d) : heldShared.get(row.text, d)) !== undefined) continue;
    dropDoc.run(d);
    dropped.push(row.id.toString('hex'));
    texts.add(row.text ?? d);
  }
  const gone = [...texts].filter((t) => textHeld.get(t) === undefined);
  for (const t of gone) dropText.run(t);
  // `texts` is keyed by hash: one pass over it (a few thousand rows) for all.
  if (gone.length > 0) db.prepare(`DELETE FROM texts WHERE row IN (${gone.join(', ')})`).run();
  return dropped;
}

/** A doc this run meant to share was dropped meanwhile by another process: the chain is read again. */
class DocGone extends Error {}

/**
 * The rows of the small tables of names (kinds, tool sets, working
 * directories), by their text, for one transaction. Looked up, then
 * inserted when missing, never upserted: an upsert opens a statement
 * savepoint, at which FTS5 writes out the rows it holds in memory as a
 * segment of their own (an upsert per tool set and chain cost 1.5 s of a
 * rebuild of the scale corpus, and more segments to merge).
 */
class Names {
  private readonly cache = new Map<string, number>();
  private readonly statements: Record<'dir' | 'tools' | 'kind', { find: BetterSqlite3.Statement; insert: BetterSqlite3.Statement }>;
  private readonly toolNames: BetterSqlite3.Statement;
  private readonly names = new Map<number, string>();

  constructor(db: Database) {
    this.statements = {
      dir: { find: statement(db, 'SELECT id FROM dirs WHERE path = ?').pluck(), insert: statement(db, 'INSERT INTO dirs (path) VALUES (?)') },
      tools: { find: statement(db, 'SELECT id FROM tools WHERE names = ?').pluck(), insert: statement(db, 'INSERT INTO tools (names) VALUES (?)') },
      kind: { find: statement(db, 'SELECT id FROM kinds WHERE kind = ? AND label = ? AND role IS ?').pluck(), insert: statement(db, 'INSERT INTO kinds (kind, label, role) VALUES (?, ?, ?)') },
    };
    this.toolNames = statement(db, 'SELECT names FROM tools WHERE id = ?').pluck();
  }

  private row(table: 'dir' | 'tools' | 'kind', ...key: Array<string | null>): number {
    const cacheKey = JSON.stringify([table, ...key]);
    let id = this.cache.get(cacheKey);
    if (id === undefined) {
      const { find, insert } = this.statements[table];
      id = (find.get(...key) as number | undefined) ?? Number(insert.run(...key).lastInsertRowid);
      this.cache.set(cacheKey, id);
    }
    return id;
  }

  dir(path: string | null): number | null {
    return path === null ? null : this.row('dir', path);
  }

  /** A set of tool names (comma-joined), null for none. */
  tools(names: string): number | null {
    return names === '' ? null : this.row('tools', names);
  }

  toolName(id: number): string {
    let name = this.names.get(id);
    if (name === undefined) this.names.set(id, (name = (this.toolNames.get(id) as string | undefined) ?? ''));
    return name;
  }

  kind(kind: string, label: string, role: string | null): number {
    return this.row('kind', kind, label, role);
  }
}

/**
 * Writes a chain's new records (synchronously, inside the caller's
 * transaction); returns how many were indexed and the docs it added (for
 * `known`, once committed).
 */
function writeRecords(
  db: Database,
  chain: string,
  tip: string,
  base: { records: number; cwd: string | null },
  pending: PendingRecord[],
  known: DocLookup,
  /** The docs known exactly as they are (no other writer since they were read), with their shared texts: held docs are not read back. */
  exact?: KnownDocs,
): { indexed: number; added: Array<[string, number, number | null]> } {
  const rows = new ChainRows(db, chain, base, known, exact);
  for (const p of pending) rows.write(p);
  statement(db, 'UPDATE chains SET tip = ?, records = ?, cwd = ? WHERE id = ?').run(tip, rows.seq, rows.cwd, rows.chainRow);
  return { indexed: rows.indexed, added: rows.added };
}

/**
 * One chain's rows as writeRecords writes them, a record at a time (a
 * method of its own: V8 compiled writeRecords whole again at each of its
 * deoptimisations, some 130 ms each time).
 */
class ChainRows {
  /** The chain's row (kept across updates: its number is what records hold). */
  readonly chainRow: number;
  readonly added: Array<[string, number, number | null]> = [];
  private readonly addedNow = new Map<string, { doc: number; text: number }>();
  private readonly names: Names;
  seq: number;
  cwd: string | null;
  indexed = 0;
  private readonly insertDoc: BetterSqlite3.Statement;
  private readonly docRow: BetterSqlite3.Statement;
  private readonly insertRecord: BetterSqlite3.Statement;
  private readonly insertText: BetterSqlite3.Statement;
  private readonly sharedText: BetterSqlite3.Statement;
  private readonly insertHash: BetterSqlite3.Statement;
  private readonly insertCall: BetterSqlite3.Statement;
  private readonly findCall: BetterSqlite3.Statement;
  private readonly dropCall: BetterSqlite3.Statement;
  private readonly markError: BetterSqlite3.Statement;

  constructor(
    db: Database,
    chain: string,
    base: { records: number; cwd: string | null },
    private readonly known: DocLookup,
    private readonly exact: KnownDocs | undefined,
  ) {
    this.chainRow = rowOf(statement(db, "INSERT INTO chains (name, tip, records, cwd) VALUES (?, '', 0, NULL) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id"), chain);
    this.names = new Names(db);
    this.insertDoc = statement(db, 'INSERT INTO docs (id, kind, time, text) VALUES (?, ?, ?, ?)');
    this.docRow = statement(db, 'SELECT id, text FROM docs WHERE rowid = ?');
    this.insertRecord = statement(db, 'INSERT INTO records (text, chain, seq, doc, tools, error, dir, call) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertText = statement(db, 'INSERT INTO fts (rowid, output, text, input) VALUES (?, ?, ?, ?)');
    this.sharedText = statement(db, 'SELECT row FROM texts WHERE hash = ?').pluck();
    this.insertHash = statement(db, 'INSERT INTO texts (hash, row) VALUES (?, ?)');
    this.insertCall = statement(db, 'INSERT OR REPLACE INTO calls (chain, use_id, seq, text, doc, tool) VALUES (?, ?, ?, ?, ?, ?)');
    this.findCall = statement(db, 'SELECT seq, text, doc, tool FROM calls WHERE chain = ? AND use_id = ?');
    this.dropCall = statement(db, 'DELETE FROM calls WHERE chain = ? AND use_id = ?');
    this.markError = statement(db, 'UPDATE records SET error = 1 WHERE text = ? AND chain = ? AND seq = ?');
    this.seq = base.records;
    this.cwd = base.cwd;
  }

  write({ ev, text, hash: pendingHash }: PendingRecord): void {
    const { chainRow, names } = this;
    this.seq++;
    const seq = this.seq;
    this.cwd = str(ev.meta.cwd) ?? this.cwd;
    const tools = new Set<string>();
    const calls: Array<{ id: string; tool: string }> = [];
    let error = ev.meta.is_api_error === true || ev.meta.level === 'error';
    const answered: string[] = [];
    const failedCalls: Array<{ seq: number; text: number; doc: number }> = [];
    for (const b of ev.content) {
      if (!isObj(b)) continue;
      if ((b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.name === 'string') {
        tools.add(b.name.toLowerCase());
        if (typeof b.id === 'string') calls.push({ id: b.id, tool: b.name.toLowerCase() });
      } else if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
        const call = this.findCall.get(chainRow, b.tool_use_id) as { seq: number; text: number; doc: number; tool: number } | undefined;
        if (call) {
          tools.add(names.toolName(call.tool));
          answered.push(b.tool_use_id);
        }
        if (b.is_error === true) {
          error = true;
          if (call) failedCalls.push(call);
        }
      } else if (b.type === 'tool_result' && b.is_error === true) error = true;
    }
    // The record's doc, and the FTS5 row holding its text (the doc's own, or a shared one).
    let doc: number;
    let textRow: number;
    const held = this.known.get(ev.id);
    if (held !== undefined && this.exact) {
      doc = held;
      textRow = this.exact.texts.get(held) ?? held;
    } else if (held !== undefined) {
      docsLoads.checked++;
      const row = this.docRow.get(held) as { id: Buffer; text: number | null } | undefined;
      if (!row || row.id.toString('hex') !== ev.id) throw new DocGone();
      doc = held;
      textRow = row.text ?? held;
    } else if (text === null) {
      throw new DocGone();
    } else {
      if (!text.text && !text.input && !text.output) return;
      const now = this.addedNow.get(ev.id);
      if (now !== undefined) ({ doc, text: textRow } = now);
      else {
        const t = ev.time ? Date.parse(ev.time) : NaN;
        const shared = pendingHash === null ? undefined : (this.sharedText.get(pendingHash) as number | undefined);
        doc = Number(this.insertDoc.run(Buffer.from(ev.id, 'hex'), names.kind(ev.kind, labelOf(ev), ev.role), Number.isFinite(t) ? t : null, shared ?? null).lastInsertRowid);
        textRow = shared ?? doc;
        if (shared === undefined) {
          this.insertText.run(doc, text.output, text.text, text.input);
          if (pendingHash !== null) this.insertHash.run(pendingHash, doc);
        }
        this.addedNow.set(ev.id, { doc, text: textRow });
        this.added.push([ev.id, doc, shared ?? null]);
      }
    }
    this.insertRecord.run(textRow, chainRow, seq, doc === textRow ? null : doc, names.tools([...tools].join(',')), error ? 1 : 0, names.dir(this.cwd), failedCalls[0]?.doc ?? null);
    for (const id of answered) this.dropCall.run(chainRow, id);
    for (const c of calls) this.insertCall.run(chainRow, c.id, seq, textRow, doc, names.tools(c.tool) ?? 0);
    for (const c of failedCalls) this.markError.run(c.text, chainRow, c.seq);
    this.indexed++;
  }
}

/**
 * Brings the index level with the refs: chains whose tip moved forward get
 * their new records, chains that moved otherwise are indexed again, chains
 * whose ref is gone are dropped (and with them the text no other chain
 * holds). A record already indexed for another chain has its blobs read
 * no more. Objects are read outside any transaction; each chain is then
 * written in one transaction that first checks nobody indexed it
 * meanwhile, so concurrent searches and imports never index a record
 * twice, and an interrupted update leaves the index as it was.
 */
export async function syncSearchIndex(archive: Archive, index: SearchIndex): Promise<SyncStats> {
  const sync = await SearchIndexSync.start(archive, index, await chainRefs(archive));
  for (const r of sync.moved) await sync.chain(r);
  return sync.finish();
}

/**
 * One update of the index (syncSearchIndex): `start` drops the chains
 * whose ref is gone and finds those that moved, `chain` indexes one of
 * them, `finish` gives freed pages back. The import's second thread
 * drives it chain by chain, handing each chain's records it read for the
 * session summaries too (derived-update.ts).
 */
export class SearchIndexSync {
  private readonly stats: SyncStats = { chains_updated: 0, chains_removed: 0, records_indexed: 0, failed: [] };
  private readonly readStored: BetterSqlite3.Statement;
  private readonly movedNames: Set<string>;
  /** Set while the records held are looked up one at a time (docs()). */
  private lookup: IndexedDocs | undefined;
  /**
   * The connection's data_version when `known` was last exactly the docs
   * table (read whole, or carried and checked); unset once another
   * connection has written since. While it holds, no other writer has
   * committed, so a doc `known` names still exists and needs no reading
   * back (writeRecords' `exact`).
   */
  private exactAt: number | undefined;

  private constructor(
    private readonly db: Database,
    private readonly store: ObjectStore | undefined,
    /** The chains whose ref is not at the tip they were indexed up to, in the refs' order. */
    readonly moved: Array<{ name: string; id: string }>,
    /** Where the docs known at the end go, for the next update (DocsMemo). */
    private readonly memo: DocsMemo | undefined,
    /** The docs known so far (read when first needed, unless an earlier update's still hold). */
    private known: KnownDocs | undefined,
  ) {
    this.readStored = db.prepare('SELECT tip, records, cwd FROM chains WHERE name = ?');
    this.movedNames = new Set(moved.map((r) => r.name));
  }

  /** Drops the chains whose ref is gone, and finds those that moved (`refs`: the chain refs, chainRefs). */
  static async start(archive: Archive, index: SearchIndex, refs: Array<{ name: string; id: string }>, memo?: DocsMemo): Promise<SearchIndexSync> {
    const db = index.db;
    const version = dataVersion(db);
    const carried = memo?.known && stillKnown(db, memo.known) ? memo.known : undefined;
    if (memo) memo.known = undefined;
    const stored = new Map(
      (db.prepare('SELECT name, tip, records, cwd FROM chains').all() as Array<{ name: string; tip: string; records: number; cwd: string | null }>).map((c) => [c.name, c]),
    );
    const live = new Set(refs.map((r) => r.name));
    let removed = 0;
    for (const name of stored.keys()) {
      if (live.has(name)) continue;
      db.exec('BEGIN IMMEDIATE');
      let dropped: string[];
      try {
        dropped = dropOrphans(db, dropChain(db, name));
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
      for (const id of dropped) carried?.ids.delete(id);
      removed++;
    }
    const moved = refs.filter((r) => stored.get(r.name)?.tip !== r.id);
    const sync = new SearchIndexSync(db, moved.length > 0 ? await archive.objects() : undefined, moved, memo, carried);
    sync.stats.chains_removed = removed;
    // The docs this connection dropped above are out of `carried` already.
    if (carried) sync.exactAt = version;
    return sync;
  }

  /**
   * How this update finds the records the index holds: the docs known
   * (every row, read once: what an earlier update carried, or a small
   * index), or else one look-up at a time until they cost more than
   * reading every row would (docsPolicy).
   */
  private docs(): DocLookup {
    if (this.known) return this.known.ids;
    if (!this.lookup) {
      const top = (statement(this.db, 'SELECT max(rowid) FROM docs').pluck().get() as number | null) ?? 0;
      if (top >= docsPolicy.fullLoadBelow && docsById(this.db)) this.lookup = new IndexedDocs(this.db, top * docsPolicy.lookupShare);
    }
    if (this.lookup && this.lookup.count <= this.lookup.budget) return this.lookup;
    this.lookup = undefined;
    return this.loadKnown().ids;
  }

  /** Reads every row of docs (knownDocs), as exactly the table. */
  private loadKnown(): KnownDocs {
    const version = dataVersion(this.db);
    this.known = knownDocs(this.db);
    this.exactAt = version;
    return this.known;
  }

  /** True when `ref` is one of `moved` not indexed yet by this update. */
  needs(ref: string): boolean {
    return this.movedNames.has(ref);
  }

  /**
   * Indexes the chain of `r` (one of `moved`) up to its tip. `chain`: its
   * records, oldest first, when the caller has read them all already
   * (readChainEvents); otherwise only the records newer than those indexed
   * are read here. A chain that cannot be read is counted in `failed`.
   */
  async chain(r: { name: string; id: string }, chain?: readonly EventHead[]): Promise<void> {
    this.movedNames.delete(r.name);
    const { db, stats, readStored } = this;
    const store = this.store!;
    // Another process may index the same chain meanwhile: then start over from what it wrote.
    for (let attempt = 0; ; attempt++) {
      const docs = this.docs();
      const known = this.known;
      const before = readStored.get(r.name) as { tip: string; records: number; cwd: string | null } | undefined;
      if (before?.tip === r.id) break;
      let events: EventHead[];
      let fastForward: boolean;
      let pending: PendingRecord[];
      try {
        ({ events, fastForward } = chain ? recordsAfter(chain, before?.tip ?? null) : await newRecords(store, r.id, before?.tip ?? null));
        pending = await textsOf(store, events, docs);
      } catch (err) {
        stats.failed.push({ chain: r.name, message: (err as Error).message });
        break;
      }
      db.exec('BEGIN IMMEDIATE');
      try {
        const now = readStored.get(r.name) as { tip: string } | undefined;
        if (now?.tip !== before?.tip) {
          db.exec('ROLLBACK');
          if (attempt < 3) continue;
          stats.failed.push({ chain: r.name, message: 'indexed concurrently by another process; tried again on the next search' });
          break;
        }
        // Another connection wrote since the docs were last known exactly: they
        // are checked as they are used from now on (DocGone).
        if (this.exactAt !== undefined && dataVersion(db) !== this.exactAt) this.exactAt = undefined;
        const exact = this.exactAt !== undefined ? known : undefined;
        // What other processes indexed meanwhile is shared, not indexed twice
        // (a look-up finds it anyway).
        if (known) knownDocs(db, known);
        // A chain that moved other than forward is indexed again; the text it
        // held goes only when its new records do not hold it too.
        const replaced = before && !fastForward ? dropChain(db, r.name) : [];
        const base = fastForward && before ? { records: before.records, cwd: before.cwd } : { records: 0, cwd: null };
        const written = writeRecords(db, r.name, r.id, base, pending, docs, exact);
        const dropped = dropOrphans(db, replaced);
        db.exec('COMMIT');
        if (known) {
          for (const id of dropped) known.ids.delete(id);
          for (const [id, doc, text] of written.added) {
            known.ids.set(id, doc);
            if (text !== null) known.texts.set(doc, text);
            known.since = Math.max(known.since, doc);
          }
        }
        stats.records_indexed += written.indexed;
        stats.chains_updated++;
        break;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        if (err instanceof DocGone && attempt < 3) {
          if (known) this.loadKnown();
          continue;
        }
        if (err instanceof DocGone) {
          stats.failed.push({ chain: r.name, message: 'its records were dropped from the index by another process meanwhile; tried again on the next search' });
          break;
        }
        throw err;
      }
    }
  }

  /** Gives the pages freed back; what this update did. */
  finish(): SyncStats {
    if (this.stats.chains_updated + this.stats.chains_removed > 0) compact(this.db);
    if (this.memo) this.memo.known = this.known;
    return this.stats;
  }
}

/**
 * Gives the file's free pages back: FTS5 merges its segments as it grows,
 * and a dropped chain frees rows; with `auto_vacuum = INCREMENTAL` the
 * pages stay in the file until this (on the scale corpus, 1.1 MB after a
 * rebuild). An in-memory index, or a file made without it, has nothing to do.
 */
function compact(db: Database): void {
  try {
    if ((db.pragma('freelist_count', { simple: true }) as number) > 0) db.pragma('incremental_vacuum');
  } catch {
    // Only space: another writer holding the file longer than the timeout leaves it for the next update.
  }
}

/** True when an index file exists (whatever its state). */
export function searchIndexExists(archive: Archive): boolean {
  return existsSync(searchIndexPath(archive));
}

/** Updates the index after an import; a failure is left for the next search to repair. */
export async function updateSearchIndexQuietly(archive: Archive): Promise<void> {
  let index: SearchIndex | undefined;
  try {
    index = openSearchIndex(archive);
    if (index.path === null) return; // read-only: nothing to keep current
    await syncSearchIndex(archive, index);
  } catch {
    // Derived data: the next search compares it with the refs and repairs it.
  } finally {
    index?.close();
  }
}
