// `tapes export`: a session written out. `original` gives the source bytes of
// an imported session (original.ts); `jsonl` the normalised records with
// every blob read back (jsonl.ts); `markdown` and `html` a transcript to read,
// which the model loads (transcript.ts) and src/view/export.ts renders.
// `--redact` masks secrets in any of them (redact.ts); `--all` writes every
// session into a folder, here, with an index page that the view renders.
import type { ScrubMarks } from './original.js';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidInputError, isTapesError, systemError } from '../../errors/index.js';
import { SESSIONS_PREFIX } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { listSessions, sortSessions } from '../sessions/index.js';
import type { Redactor } from './redact.js';

export type ExportFormat = 'original' | 'jsonl' | 'markdown' | 'html';

export interface ExportOptions {
  /** Masks what looks like a secret (redact.ts) and counts it. */
  redactor?: Redactor;
  /** IANA zone for the times Markdown and HTML show (the process's when undefined). */
  timeZone?: string;
  /** Tool output over this many lines is folded (Markdown: <details>). */
  foldLines?: number;
  /** Markdown: keep the agent's bookkeeping records instead of folding them into a count (original and jsonl keep every record). */
  allRecords?: boolean;
  /** `original`: told what earlier scrubs replaced in the records written (the `scrubbed` marks), as they are read. */
  scrubMarks?: ScrubMarks;
}

/** Writes one session in one format to `sink`, returning the bytes written. */
export type ExportRunner = (archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts?: ExportOptions) => Promise<number>;

export const EXTENSION: Record<ExportFormat, string> = { original: 'jsonl', jsonl: 'jsonl', markdown: 'md', html: 'html' };

export interface ExportAllResult {
  files: Array<{ session: string; file: string; bytes: number }>;
  index: string | null;
  failed: Array<{ session: string; message: string }>;
}

/** A line of the index page `--all` writes for markdown and html. */
export interface IndexRow {
  name: string;
  file: string;
  title: string | null;
  start: string | null;
  records: number;
  cwd: string | null;
}

/**
 * Every session (subagents inside their session's file) into `dir` with
 * `run`, one file each named after the session, newest first. Each file is
 * written to a temporary name and renamed, so a failed export never leaves
 * half a file. Returns what was written and, for the index page, one row per
 * session written (titles masked with the redactor).
 */
export async function exportSessions(archive: Archive, dir: string, format: ExportFormat, run: ExportRunner, opts: ExportOptions = {}): Promise<{ result: ExportAllResult; rows: IndexRow[] }> {
  await fs.mkdir(dir, { recursive: true });
  const sessions = sortSessions((await listSessions(archive)).filter((s) => s.ref.startsWith(SESSIONS_PREFIX)), 'date');
  const result: ExportAllResult = { files: [], index: null, failed: [] };
  // A Gemini CLI session document comes back as the .json it was.
  const fileOf = (s: { name: string; tip_format: string | null }) => `${s.name}.${format === 'original' && s.tip_format === 'gemini-json' ? 'json' : EXTENSION[format]}`;
  for (const s of sessions) {
    const file = fileOf(s);
    try {
      const bytes = await writeFileAtomic(join(dir, file), (sink) => run(archive, s.ref, sink, opts));
      result.files.push({ session: s.name, file, bytes });
    } catch (err) {
      if (!isTapesError(err)) throw err;
      result.failed.push({ session: s.name, message: err.message });
    }
  }
  const written = new Set(result.files.map((f) => f.session));
  const rows = sessions.filter((s) => written.has(s.name)).map((s) => ({ ...s, file: fileOf(s), title: opts.redactor && s.title ? opts.redactor.redact(s.title) : s.title }));
  return { result, rows };
}

/** Writes through `<path>.tmp-<hex>`, renamed over `path` when complete. */
export async function writeFileAtomic(path: string, fill: (sink: (b: Uint8Array) => Promise<void>) => Promise<number>): Promise<number> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  // Errors name the file the user asked for, never the temp file beside it.
  const handle = await fs.open(tmp, 'w').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new InvalidInputError(`cannot write ${path}: no such directory ${dirname(path)}`, { path });
    throw systemError(err, `cannot write ${path}`, { path });
  });
  try {
    const n = await fill(async (b) => {
      await handle.write(b);
    });
    await handle.close();
    await fs.rename(tmp, path);
    return n;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw systemError(err, `cannot write ${path}`, { path });
  }
}
