// Shared pieces of the import tests: corpus locations, fresh archives that
// are removed when their test ends, and small readers of an archive's state
// (object files, refs, reflogs, records) through the CLI.
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, promises as fs, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RefUpdateResult } from '../../src/refs/index.js';
import { NotFoundError } from '../../src/errors/index.js';
import { encodeObject, type ObjectType, type TapesObject } from '../../src/object/index.js';
import type { BatchWriteTarget, EncodedObject } from '../../src/odb/index.js';
import { sha256Hex } from '../../src/hash/index.js';
import { binPath, corpusDir, tapes, type RunResult } from '../helpers/cli.js';

export { binPath, corpusDir, tapes };

/** The folders of a corpus laid out as the shared one (the fixtures, or the whole corpus for the long suite). */
export function corpusFolders(root: string) {
  const claude = join(root, 'claude-code');
  return {
    claudeCodeDir: claude,
    claudeProjects: join(claude, 'projects'),
    notClaudeFile: join(claude, 'not-claude', '12_cbfeaa512b_0_full.jsonl'),
    edgeCasesDir: join(root, 'edge-cases'),
    codexSessions: join(root, 'codex', 'sessions'),
  };
}

export const { claudeCodeDir, claudeProjects, notClaudeFile, edgeCasesDir, codexSessions } = corpusFolders(corpusDir);
export const showcaseDir = join(edgeCasesDir, 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
export const workflowDir = join(edgeCasesDir, 'daaain__claude-code-log', 'test', 'test_data', 'workflow_scriptpath');

/** A small real transcript (9 lines, no final newline): queue-operation, snapshot, user, thinking, tool_use, tool_result. */
export const smallClaude = join(claudeProjects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');

interface Owner {
  teardown(fn: () => void | Promise<void>): void;
}

/** A fresh temporary directory, removed when `owner` ends. */
export function tempDir(owner: Owner, prefix = 'tapes-import-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  owner.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A directory holding a fresh archive (its .tapes/ inside). */
export async function newArchive(owner: Owner): Promise<string> {
  const cwd = tempDir(owner);
  const r = await tapes(['init', '-q'], { cwd });
  if (r.code !== 0) throw new Error(`tapes init failed: ${r.stderr}`);
  // These tests look at the loose objects an import writes, which the
  // automatic gc after a large import would pack (tapes-gc(1)).
  await fs.appendFile(join(cwd, '.tapes', 'config'), '[gc]\n\tauto = 0\n');
  return cwd;
}

export interface FileEntry {
  path: string;
  format: string | null;
  session: string | null;
  status: 'new' | 'updated' | 'unchanged' | 'kept-separately' | 'refused';
  records: number;
  records_added: number;
  problems: string[];
  reason?: string;
}

export interface Summary {
  dry_run: boolean;
  sessions: { new: number; updated: number; unchanged: number; kept_separately: number };
  files_refused: number;
  records_added: number;
  objects_written: number;
  bytes_stored: number;
  bytes_read: number;
  problems: number;
  files: FileEntry[];
}

export interface ImportRun extends RunResult {
  summary: Summary;
}

/** `tapes import --json …`, in-process; the summary parsed. */
export async function importJson(cwd: string, args: string[], env: Record<string, string> = {}): Promise<ImportRun> {
  const r = await tapes(['import', '--json', ...args], { cwd, env });
  let summary: Summary;
  try {
    summary = JSON.parse(r.stdout) as Summary;
  } catch {
    throw new Error(`tapes import ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  return { ...r, summary };
}

/** Every *.jsonl file under `dir`, sorted. */
export async function jsonlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of a file, read as a stream (never whole in memory). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Every loose object file of the archive in `cwd`: id → file size. */
export async function objectFiles(cwd: string): Promise<Map<string, number>> {
  const dir = join(cwd, '.tapes', 'objects');
  const out = new Map<string, number>();
  for (const fan of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue;
    for (const name of await fs.readdir(join(dir, fan))) {
      if (!/^[0-9a-f]{62}$/.test(name)) continue;
      out.set(fan + name, (await fs.stat(join(dir, fan, name))).size);
    }
  }
  return out;
}

export async function showRef(cwd: string): Promise<string> {
  const r = await tapes(['show-ref'], { cwd });
  // 2: no refs at all, which is a state too.
  if (r.code !== 0 && r.code !== 2) throw new Error(`show-ref failed: ${r.stderr}`);
  return r.stdout;
}

/** Every reflog file under .tapes/logs: relative path → number of lines. */
export async function reflogCounts(cwd: string): Promise<Record<string, number>> {
  const base = join(cwd, '.tapes', 'logs');
  const out: Record<string, number> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p, r);
      else out[r] = (await fs.readFile(p, 'utf8')).split('\n').filter((l) => l !== '').length;
    }
  };
  await walk(base, '');
  return out;
}

export async function reflogLines(cwd: string, ref: string): Promise<string[]> {
  const text = await fs.readFile(join(cwd, '.tapes', 'logs', ref), 'utf8');
  return text.split('\n').filter((l) => l !== '');
}

/** Record ids of a session, oldest first. */
export async function revList(cwd: string, rev: string): Promise<string[]> {
  const r = await tapes(['rev-list', '--reverse', rev], { cwd });
  if (r.code !== 0) throw new Error(`rev-list ${rev} failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A record as `tapes cat-object -p` prints it. */
export async function catRecord(cwd: string, id: string): Promise<{ [k: string]: Json }> {
  const r = await tapes(['cat-object', '-p', id], { cwd });
  if (r.code !== 0) throw new Error(`cat-object -p ${id} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { [k: string]: Json };
}

/** The content of a blob, as `tapes cat-object <id>` prints it. */
export async function catBlob(cwd: string, id: string): Promise<Buffer> {
  const r = await tapes(['cat-object', id], { cwd });
  if (r.code !== 0) throw new Error(`cat-object ${id} failed: ${r.stderr}`);
  return r.stdoutBytes;
}

/** A record value with every {"$blob": id} replaced by the blob's text. */
export async function withBlobs(cwd: string, v: Json): Promise<Json> {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return Promise.all(v.map((x) => withBlobs(cwd, x)));
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === '$blob' && typeof v.$blob === 'string') return (await catBlob(cwd, v.$blob)).toString('utf8');
  const out: { [k: string]: Json } = {};
  for (const k of keys) out[k] = await withBlobs(cwd, v[k]!);
  return out;
}

/** The records of a session (oldest first), blobs resolved, keyed by source line number. */
export async function recordsByLine(cwd: string, session: string): Promise<Map<number, { [k: string]: Json }>> {
  const out = new Map<number, { [k: string]: Json }>();
  for (const id of await revList(cwd, session)) {
    const rec = (await withBlobs(cwd, await catRecord(cwd, id))) as { [k: string]: Json };
    const source = rec.source as { line: number };
    out.set(source.line, rec);
  }
  return out;
}

/**
 * The record of source line `line` of a session, blobs resolved. A transcript
 * gives one record per line, so it is looked for at that position first (and
 * checked); only otherwise is the whole session read.
 */
export async function recordAtLine(cwd: string, session: string, line: number): Promise<{ [k: string]: Json }> {
  const ids = await revList(cwd, session);
  const at = ids[line - 1];
  if (at) {
    const rec = await catRecord(cwd, at);
    if ((rec.source as { line?: number } | null)?.line === line) return (await withBlobs(cwd, rec)) as { [k: string]: Json };
  }
  const rec = (await recordsByLine(cwd, session)).get(line);
  if (!rec) throw new Error(`${session} has no record of line ${line}`);
  return rec;
}

export async function fsck(cwd: string): Promise<RunResult> {
  return tapes(['fsck'], { cwd });
}

/** The exported bytes of a session (export --format original to stdout, in-process). */
export async function exportBytes(cwd: string, session: string): Promise<RunResult> {
  return tapes(['export', '--format', 'original', session], { cwd });
}

/** The lines of a file, each with its newline (the last may have none). */
export function linesWithEol(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl + 1;
    out.push(bytes.subarray(start, end));
    start = end;
  }
  return out;
}

/** A Claude Code user line of the real shape (copied from a 2.1.x transcript), with the given content. */
export function claudeUserLine(sessionId: string, uuid: string, parentUuid: string | null, content: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    parentUuid,
    isSidechain: false,
    userType: 'external',
    cwd: '/Users/dev/project',
    sessionId,
    version: '2.1.30',
    gitBranch: 'main',
    type: 'user',
    message: { role: 'user', content },
    uuid,
    timestamp: '2026-01-19T03:15:09.400Z',
    ...extra,
  };
}

/** A Claude Code assistant line of the real shape. */
export function claudeAssistantLine(sessionId: string, uuid: string, parentUuid: string | null, content: unknown[]): Record<string, unknown> {
  return {
    parentUuid,
    isSidechain: false,
    userType: 'external',
    cwd: '/Users/dev/project',
    sessionId,
    version: '2.1.30',
    gitBranch: 'main',
    message: {
      model: 'claude-opus-4-5-20251101',
      id: `msg_${uuid}`,
      type: 'message',
      role: 'assistant',
      content,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 34788, output_tokens: 8, service_tier: 'standard' },
    },
    requestId: `req_${uuid}`,
    type: 'assistant',
    uuid,
    timestamp: '2026-01-19T03:15:16.846Z',
  };
}

/** JSON lines joined with newlines (and a final one). */
export function jsonl(lines: unknown[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** Refs in memory, for tests that call importFile without an archive's ref store. */
export class MemoryRefs {
  readonly refs = new Map<string, string>();
  async resolve(name: string): Promise<string | undefined> {
    return this.refs.get(name);
  }
  async update(name: string, id: string): Promise<RefUpdateResult> {
    const old = this.refs.get(name) ?? null;
    this.refs.set(name, id);
    return { name, old, new: id };
  }
}

/**
 * Objects in memory, for tests that compare what two imports store (the ids
 * are those a store on disk gives: the hash of the encoded object), not how
 * a store keeps it: no file created, compressed and fsynced per object.
 */
export class MemoryObjectStore implements BatchWriteTarget {
  readonly objects = new Map<string, TapesObject>();
  async has(id: string): Promise<boolean> {
    return this.objects.has(id);
  }
  async read(id: string): Promise<TapesObject> {
    const o = this.objects.get(id);
    if (!o) throw new NotFoundError(`object ${id} not found`, { id });
    return { type: o.type, body: Uint8Array.from(o.body) };
  }
  async write(type: ObjectType, body: Uint8Array): Promise<string> {
    return (await this.writeReporting(type, body)).id;
  }
  async writeReporting(type: ObjectType, body: Uint8Array, _checked?: boolean, encoded?: EncodedObject): Promise<{ id: string; written: number }> {
    const bytes = encoded?.bytes ?? encodeObject(type, body);
    const id = encoded?.id ?? sha256Hex(bytes);
    if (this.objects.has(id)) return { id, written: 0 };
    this.objects.set(id, { type, body: Uint8Array.from(body) });
    return { id, written: bytes.length };
  }
  async *ids(): AsyncIterable<string> {
    yield* [...this.objects.keys()];
  }
  async findByPrefix(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((id) => id.startsWith(prefix));
  }
}
