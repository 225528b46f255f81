// What the tests of the derived indexes (derived-update*.test.ts) compare and
// count: the search index's contents, the records a store reads, and an
// archive's index/ kept and put back.
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Archive } from '../../src/archive/index.js';
import type { ObjectStore } from '../../src/odb/index.js';
import { scratchDir } from './imported-archive.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

/**
 * The archive's derived files (index/) as they are now, put back by the
 * function returned: with index/ put back, a second pass starts from the
 * archive the first started from, one copy of the archive per test, not two.
 */
export function keepIndex(owner: { teardown(fn: () => void): void }, dir: string): () => void {
  const index = join(dir, '.tapes', 'index');
  const kept = scratchDir(owner, 'tapes-kept-index-');
  cpSync(index, kept, { recursive: true });
  return () => {
    rmSync(index, { recursive: true, force: true });
    cpSync(kept, index, { recursive: true });
  };
}

/** An archive with no session index, tips file or search index (the import made them). */
export async function underived(dir: string): Promise<Archive> {
  const index = join(dir, '.tapes', 'index');
  for (const f of ['sessions.json', 'session-tips.json', 'search.sqlite', 'search.sqlite-wal', 'search.sqlite-shm']) rmSync(join(index, f), { force: true });
  return Archive.openAt(join(dir, '.tapes'));
}

/** Counts the records the archive's store reads, by id. */
export async function countReads(archive: Archive): Promise<Map<string, number>> {
  const store: ObjectStore = await archive.objects();
  const read = store.read.bind(store);
  const reads = new Map<string, number>();
  store.read = async (id: string) => {
    const obj = await read(id);
    if (obj.type === 'record') reads.set(id, (reads.get(id) ?? 0) + 1);
    return obj;
  };
  return reads;
}

/** Everything the search index holds, table by table, and what a few searches find. */
export function searchContents(dir: string): Record<string, unknown[]> {
  const db = new Sqlite(join(dir, '.tapes', 'index', 'search.sqlite'), { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of ['chains', 'dirs', 'kinds', 'tools', 'docs', 'records', 'texts', 'calls']) out[table] = (db.prepare(`SELECT * FROM ${table}`).raw().all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    for (const q of ['error', 'test', 'gemini', 'output:ok', 'input:go']) out[`match ${q}`] = db.prepare('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid').pluck().all(q);
    return out;
  } finally {
    db.close();
  }
}
