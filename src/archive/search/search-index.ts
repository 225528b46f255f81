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
import { existsSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { JsonValue } from '../../hash/index.js';
import { entryKind, type ObjectStore } from '../../odb/index.js';
import { isObj, readEvent, resolveValue, sourceBytes, type EventView, type Obj } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { labelOf } from '../event/index.js';
import { chainRefs } from '../sessions/index.js';

/** Bumped whenever what is indexed, or how, changes: an index of another version is rebuilt. */
export const SEARCH_INDEX_VERSION = 3;
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

/** What a record contributes to the index, with every blob read back. */
export async function indexedText(store: ObjectStore, ev: EventView): Promise<IndexedText> {
  const text: string[] = [];
  const input: string[] = [];
  const output: string[] = [];
  if (ev.kind === 'unparsed' && ev.source) {
    text.push((await sourceBytes(store, ev.source)).toString('utf8'));
    return { text: text.join('\n'), input: '', output: '' };
  }
  const content = (await resolveValue(store, ev.content as JsonValue)) as unknown[];
  for (const b of content) {
    if (typeof b === 'string') text.push(b);
    else if (!isObj(b)) flatten(b, text);
    else if (b.type === 'text') text.push(String(b.text ?? ''));
    else if (b.type === 'thinking') text.push(String(b.thinking ?? ''));
    else if (b.type === 'redacted_thinking') continue;
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      if (b.name !== null && b.name !== undefined) input.push(String(b.name));
      flatten(b.input, input);
    } else if (b.type === 'tool_result') flatten(b.content, output);
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

// Kept small (docs/search.md): a record's chain is a number (the chain's
// row), its id 32 bytes, its working directory a number (the directory's
// row); the text itself is not kept at all (a contentless FTS5 table).
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
CREATE TABLE records (
  rowid INTEGER PRIMARY KEY,
  chain INTEGER NOT NULL,
  id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  role TEXT,
  time INTEGER,
  tools TEXT NOT NULL,
  error INTEGER NOT NULL,
  dir INTEGER
);
CREATE INDEX records_chain ON records (chain, seq);
CREATE TABLE calls (
  chain INTEGER NOT NULL,
  use_id TEXT NOT NULL,
  row INTEGER NOT NULL,
  tool TEXT NOT NULL,
  PRIMARY KEY (chain, use_id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(text, input, output, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
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

/** Opens the archive's search index (in memory when it cannot be written). Call `syncSearchIndex` before reading it. */
export function openSearchIndex(archive: Archive): SearchIndex {
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
  ev: EventView;
  text: IndexedText;
}

/** Reads the records of `tip`'s chain newer than `stop` (all, when `stop` is not on it). */
async function newRecords(store: ObjectStore, tip: string, stop: string | null): Promise<{ events: EventView[]; fastForward: boolean }> {
  const events: EventView[] = [];
  for (let id: string | null = tip; id !== null; ) {
    if (id === stop) return { events: events.reverse(), fastForward: true };
    const ev = await readEvent(store, id);
    events.push(ev);
    id = ev.parent;
  }
  return { events: events.reverse(), fastForward: stop === null };
}

/** How many records' blobs are read at once while indexing (their reads overlap). */
const TEXT_CONCURRENCY = 16;

async function textsOf(store: ObjectStore, events: EventView[]): Promise<PendingRecord[]> {
  const out: PendingRecord[] = new Array(events.length);
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const i = next++;
      out[i] = { ev: events[i]!, text: await indexedText(store, events[i]!) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(TEXT_CONCURRENCY, events.length) }, worker));
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The row number an insert-or-keep statement (… RETURNING id) gives for `key`. */
function rowOf(statement: BetterSqlite3.Statement, key: string): number {
  return (statement.get(key) as { id: number }).id;
}

function deleteChain(db: Database, chain: string): void {
  const row = db.prepare('SELECT id FROM chains WHERE name = ?').get(chain) as { id: number } | undefined;
  if (!row) return;
  db.prepare('DELETE FROM fts WHERE rowid IN (SELECT rowid FROM records WHERE chain = ?)').run(row.id);
  db.prepare('DELETE FROM records WHERE chain = ?').run(row.id);
  db.prepare('DELETE FROM calls WHERE chain = ?').run(row.id);
  db.prepare('DELETE FROM chains WHERE id = ?').run(row.id);
}

/** Writes a chain's new records (synchronously, inside the caller's transaction). */
function writeRecords(db: Database, chain: string, tip: string, base: { records: number; cwd: string | null }, pending: PendingRecord[]): number {
  // The chain's row first (kept across updates: its number is what records hold).
  const chainRow = rowOf(db.prepare("INSERT INTO chains (name, tip, records, cwd) VALUES (?, '', 0, NULL) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id"), chain);
  const insertRecord = db.prepare(
    'INSERT INTO records (chain, id, seq, kind, label, role, time, tools, error, dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const dirRow = db.prepare('INSERT INTO dirs (path) VALUES (?) ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id');
  const dirs = new Map<string, number>();
  const dirOf = (path: string | null): number | null => {
    if (path === null) return null;
    let id = dirs.get(path);
    if (id === undefined) dirs.set(path, (id = rowOf(dirRow, path)));
    return id;
  };
  const insertText = db.prepare('INSERT INTO fts (rowid, text, input, output) VALUES (?, ?, ?, ?)');
  const insertCall = db.prepare('INSERT OR REPLACE INTO calls (chain, use_id, row, tool) VALUES (?, ?, ?, ?)');
  const findCall = db.prepare('SELECT row, tool FROM calls WHERE chain = ? AND use_id = ?');
  const markError = db.prepare('UPDATE records SET error = 1 WHERE rowid = ?');
  let seq = base.records;
  let cwd = base.cwd;
  let indexed = 0;
  for (const { ev, text } of pending) {
    seq++;
    cwd = str(ev.meta.cwd) ?? cwd;
    const blocks = ev.content.filter(isObj) as Obj[];
    const tools = new Set<string>();
    const calls: Array<{ id: string; tool: string }> = [];
    let error = ev.meta.is_api_error === true || ev.meta.level === 'error';
    const failedCalls: number[] = [];
    for (const b of blocks) {
      if ((b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.name === 'string') {
        tools.add(b.name.toLowerCase());
        if (typeof b.id === 'string') calls.push({ id: b.id, tool: b.name.toLowerCase() });
      } else if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
        const call = findCall.get(chainRow, b.tool_use_id) as { row: number; tool: string } | undefined;
        if (call) tools.add(call.tool);
        if (b.is_error === true) {
          error = true;
          if (call) failedCalls.push(call.row);
        }
      } else if (b.type === 'tool_result' && b.is_error === true) error = true;
    }
    if (!text.text && !text.input && !text.output) continue;
    const t = ev.time ? Date.parse(ev.time) : NaN;
    const info = insertRecord.run(chainRow, Buffer.from(ev.id, 'hex'), seq, ev.kind, labelOf(ev), ev.role, Number.isFinite(t) ? t : null, [...tools].join(','), error ? 1 : 0, dirOf(cwd));
    const row = Number(info.lastInsertRowid);
    insertText.run(row, text.text, text.input, text.output);
    for (const c of calls) insertCall.run(chainRow, c.id, row, c.tool);
    for (const r of failedCalls) markError.run(r);
    indexed++;
  }
  db.prepare('UPDATE chains SET tip = ?, records = ?, cwd = ? WHERE id = ?').run(tip, seq, cwd, chainRow);
  return indexed;
}

/**
 * Brings the index level with the refs: chains whose tip moved forward get
 * their new records, chains that moved otherwise are indexed again, chains
 * whose ref is gone are dropped. Objects are read outside any transaction;
 * each chain is then written in one transaction that first checks nobody
 * indexed it meanwhile, so concurrent searches and imports never index a
 * record twice, and an interrupted update leaves the index as it was.
 */
export async function syncSearchIndex(archive: Archive, index: SearchIndex): Promise<SyncStats> {
  const db = index.db;
  const stats: SyncStats = { chains_updated: 0, chains_removed: 0, records_indexed: 0, failed: [] };
  const refs = await chainRefs(archive);
  const stored = new Map(
    (db.prepare('SELECT name, tip, records, cwd FROM chains').all() as Array<{ name: string; tip: string; records: number; cwd: string | null }>).map((c) => [c.name, c]),
  );
  const live = new Set(refs.map((r) => r.name));
  for (const name of stored.keys()) {
    if (live.has(name)) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      deleteChain(db, name);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    stats.chains_removed++;
  }
  const moved = refs.filter((r) => stored.get(r.name)?.tip !== r.id);
  if (moved.length === 0) return stats;
  const store = await archive.objects();
  const readStored = db.prepare('SELECT tip, records, cwd FROM chains WHERE name = ?');
  for (const r of moved) {
    // Another process may index the same chain meanwhile: then start over from what it wrote.
    for (let attempt = 0; ; attempt++) {
      const before = readStored.get(r.name) as { tip: string; records: number; cwd: string | null } | undefined;
      if (before?.tip === r.id) break;
      let events: EventView[];
      let fastForward: boolean;
      let pending: PendingRecord[];
      try {
        ({ events, fastForward } = await newRecords(store, r.id, before?.tip ?? null));
        pending = await textsOf(store, events);
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
        if (before && !fastForward) deleteChain(db, r.name);
        const base = fastForward && before ? { records: before.records, cwd: before.cwd } : { records: 0, cwd: null };
        stats.records_indexed += writeRecords(db, r.name, r.id, base, pending);
        db.exec('COMMIT');
        stats.chains_updated++;
        break;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    }
  }
  return stats;
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
