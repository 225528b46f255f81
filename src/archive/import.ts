// `tapes import`: find transcript files (default locations, files, folders
// searched recursively), import each into its session, and summarise.
import { hash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { WriteQueue, type PackingTarget } from '../odb/index.js';
import {
  PlannedRefs,
  refusedFile,
  detectFormat,
  formatVerdict,
  importFile,
  LineMemo,
  isGeminiDocument,
  splitGeminiDocument,
  parseLine,
  splitLines,
  type FileResult,
  type ParsedLine,
  type TranscriptFormat,
} from '../import/index.js';
// Lines read in pieces (docs/import-memory.md, "A line of any length").
import { isGeminiDocumentLines, LongTextStore, NeedsWholeFile, readableText, readTranscript, type ReadLimits, type TranscriptRead } from '../import/index.js';
import { TapesError, systemError } from '../errors/index.js';
import { CAPTURES_PREFIX, shortRefName, type RefStore, type RefUpdateOptions, type RefUpdateResult } from '../refs/index.js';
import type { Archive } from './archive.js';
import { listSessions } from './sessions/index.js';
import { BackgroundIndex, updateSearchIndexQuietly } from './search/index.js';
import { autoGc, configInt, type AutoGcOutcome } from './maintenance/index.js';
import { ImportStatCache, type StatEntry } from './import-stat.js';
import { relinkViews, type Relinked } from './views.js';
import { claudeGroup, firstLines, memoSharers, readingOrder, type ReadingCandidate } from './reading-order.js';

export type ImportKind = 'claude' | 'codex' | 'gemini' | 'auto';

export interface ImportOptions {
  kind: ImportKind;
  paths: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  dryRun?: boolean;
  /** Called after each file, for a progress display. */
  onProgress?: (p: ImportProgress) => void;
  /** Told what the automatic gc after the import did (or why it failed); see autoGc. */
  onAutoGc?: (outcome: AutoGcOutcome) => void;
  /** The records built so far, by line (tests pass their own to count what it saved); a new one by default. */
  lineMemo?: LineMemo;
}

export interface ImportProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  records: number;
}

export interface ImportSummary {
  dry_run: boolean;
  sessions: { new: number; updated: number; unchanged: number; kept_separately: number };
  files_refused: number;
  records_added: number;
  objects_written: number;
  bytes_stored: number;
  bytes_read: number;
  problems: number;
  files: Array<Omit<FileResult, 'tip' | 'records' | 'ref' | 'format'> & { format: TranscriptFormat | null; records: number }>;
  /** Sessions of the old two-session layout whose views this import linked first (see relinkViews); only when there were some. */
  relinked?: Relinked[];
}

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Where each agent keeps its sessions, from the caller's environment (never the process's). */
export function agentFolders(env: Record<string, string | undefined>): { claude: string; codex: string; gemini: string } {
  const home = env.HOME ?? env.USERPROFILE ?? '';
  return {
    claude: env.CLAUDE_CONFIG_DIR ? join(env.CLAUDE_CONFIG_DIR, 'projects') : join(home, '.claude', 'projects'),
    codex: env.CODEX_HOME ? join(env.CODEX_HOME, 'sessions') : join(home, '.codex', 'sessions'),
    // The Gemini CLI puts .gemini under $GEMINI_CLI_HOME when set, else the home directory.
    gemini: join(env.GEMINI_CLI_HOME || home, '.gemini', 'tmp'),
  };
}

export function defaultImportPaths(kind: ImportKind, env: Record<string, string | undefined>): string[] {
  const f = agentFolders(env);
  return kind === 'claude' ? [f.claude] : kind === 'codex' ? [f.codex] : kind === 'gemini' ? [f.gemini] : [f.claude, f.codex, f.gemini];
}

interface Candidate {
  path: string;
  /** Set when the path could not be read or holds no transcripts. */
  refused?: string;
  /** Found by walking a folder given by the user (missing default folders are not errors). */
}

/** A Gemini CLI session file: session-*.json(l), or a subagent's *.jsonl in a folder under chats/. */
function isGeminiSessionPath(p: string): boolean {
  const parts = p.split(sep);
  const name = parts[parts.length - 1]!;
  if (/^session-.*\.jsonl?$/.test(name)) return true;
  return parts[parts.length - 3] === 'chats' && name.endsWith('.jsonl');
}

/**
 * Transcript files under a folder: *.jsonl (under subagents/ only
 * agent-*.jsonl), and the Gemini CLI's session-*.json documents; for
 * `gemini`, only the session files of its chats/ folders.
 */
async function walk(dir: string, kind: ImportKind, out: string[], root = dir): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, kind, out, root);
    else if (kind === 'gemini') {
      if (e.isFile() && isGeminiSessionPath(p)) out.push(p);
    } else if (e.isFile() && kind === 'auto' && /^session-.*\.json$/.test(e.name)) {
      out.push(p);
    } else if (e.isFile() && e.name.endsWith('.jsonl')) {
      const inSubagents = relative(dirname(root), p).split(sep).slice(0, -1).includes('subagents');
      if (inSubagents && !e.name.startsWith('agent-')) continue; // journals and other side files
      if (kind === 'codex' && !e.name.startsWith('rollout-')) continue;
      out.push(p);
    }
  }
}

async function candidates(opts: ImportOptions): Promise<Candidate[]> {
  const given = opts.paths.length > 0;
  const folders = agentFolders(opts.env);
  const roots = given ? opts.paths.map((p) => resolve(opts.cwd, p)) : defaultImportPaths(opts.kind, opts.env);
  const out: Candidate[] = [];
  for (const root of roots) {
    // The Gemini CLI's folder holds more than sessions: only its chats/ are read.
    const kind = !given && root === folders.gemini ? 'gemini' : opts.kind;
    const st = await fs.stat(root).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      if (given) out.push({ path: root, refused: st.code === 'ENOENT' ? 'no such file or directory' : st.message });
      continue;
    }
    if (st.isFile()) {
      out.push({ path: root });
    } else if (st.isDirectory()) {
      const files: string[] = [];
      await walk(root, kind, files);
      if (files.length === 0 && given) out.push({ path: root, refused: 'no transcripts (*.jsonl) in this folder' });
      for (const f of files) out.push({ path: f });
    } else if (given) {
      out.push({ path: root, refused: 'not a regular file or folder' });
    }
  }
  // The same file named twice is imported once.
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.path) ? false : (seen.add(c.path), true)));
}

/** A Gemini CLI document up to this size is read whole to find the session it names (reading order); a larger one is read where it was found. */
const GEMINI_DOCUMENT_PEEK = 4 * 1024 * 1024;

/**
 * What the reading order needs to know of a file found: its group (a
 * Claude Code first line: reading-order.ts) and what names the refs it may
 * move. Before it is read, a file's format is not known, so its refs are
 * those `placedRef` gives it read in any format: by its path, or, read as a
 * Gemini CLI session, by the session id of its first four lines (or of its
 * document's head). When that ref holds another chain, the file goes to one
 * named after it (`<name>-<first record>`: import-file.ts), so each ref is
 * named here by what comes before any '-': files named alike, or one named
 * as the other's such ref, are read in the order found. A file refused
 * moves none; one the stat cache vouches for is read only when its ref
 * moved meanwhile. When the first lines do not say (too long, unreadable),
 * the file may move any ref.
 */
function readingCandidate(c: Candidate, vouched: StatEntry | undefined, size: number): ReadingCandidate {
  if (c.refused) return { refs: [], begins: null };
  const keys = (refs: string[]) => [...new Set(refs.map((r) => r.replace(/-.*$/s, '')))];
  const byPath = [placedRef(c.path, { format: 'claude' }).refName, placedRef(c.path, { format: 'codex' }).refName];
  const asAny = (sessionId: string | undefined) =>
    keys([
      ...byPath,
      placedRef(c.path, { format: 'gemini', sessionId }).refName,
      placedRef(c.path, { format: 'gemini', sessionId, kind: 'subagent' }).refName,
    ]);
  if (vouched) return vouched.format.startsWith('gemini') ? {} : { refs: keys([vouched.ref, ...byPath]) };
  const head = firstLines(c.path, 4);
  if (!head) return {};
  // Its first line, when the first 64 KiB hold it whole (the line memo: reading-order.ts, memoSharers).
  const begins = head.lines.length > 0 ? hash('sha256', head.lines[0]!, 'hex') : undefined;
  const known = (r: ReadingCandidate): ReadingCandidate => (begins === undefined ? r : { ...r, begins });
  const values = head.lines.map((l, i): unknown => {
    try {
      return JSON.parse(i === 0 ? l.toString('utf8').replace(/^\uFEFF/, '') : l.toString('utf8'));
    } catch {
      return undefined;
    }
  });
  let session: { id?: string } | undefined;
  try {
    if (values[0] === undefined && head.lines.length > 0) {
      // Perhaps a Gemini CLI document, its head pretty-printed: read whole to know, unless too large.
      if (size > GEMINI_DOCUMENT_PEEK) return known({});
      const bytes = readFileSync(c.path);
      if (isGeminiDocument(bytes)) return known({ refs: asAny(geminiSession(splitGeminiDocument(bytes)).id) });
    }
    session = geminiSession(values.map((value) => ({ value }) as ParsedLine));
  } catch {
    return known({});
  }
  // Lines that did not say, with more of the first four unread: any.
  if (session.id === undefined && head.lines.length < 4 && !head.whole) return known({});
  const refs = asAny(session.id);
  const group = values[0] === undefined ? undefined : claudeGroup(head.lines[0]!, values[0], begins);
  return known(group === undefined ? { refs } : { group, refs });
}

/** Turns a file name into a valid ref component. */
function refComponent(name: string): string {
  const cleaned = name
    .replace(/[\x00-\x20\x7f~^:?*[\\]+/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/@\{/g, '@-')
    .replace(/^\.+/, '')
    .replace(/(\.lock|\.)+$/g, '');
  return cleaned === '' || cleaned === '@' ? 'session' : cleaned;
}

interface Placement {
  refName: string;
  firstMeta?: Record<string, unknown>;
}

/** The session id and kind a Gemini session's first line (or its document's head) gives. */
function geminiSession(lines: ParsedLine[]): { id?: string; kind?: string } {
  for (const l of lines.slice(0, 4)) {
    const v = l.value as Record<string, unknown> | undefined;
    if (v && typeof v === 'object' && typeof v.sessionId === 'string') {
      return { id: readableText(v.sessionId, 'a session id'), kind: typeof v.kind === 'string' ? v.kind : undefined };
    }
  }
  return {};
}

/** How a file is read, as far as where it is placed goes: a Gemini CLI session by the id (and kind) its first lines give. */
type PlacedAs = { format: 'claude' } | { format: 'codex' } | { format: 'gemini'; sessionId?: string; kind?: string };

/**
 * The ref a file at `path` is placed at, read as `as` (before any
 * `-<first record>` when that ref holds another chain: import-file.ts),
 * and the session it is an agent of. The one place a file's ref is named:
 * `placement` names the ref a file read goes to, and `readingCandidate`
 * every ref a file not yet read may go to, so the reading order keeps in
 * the order found any two files that may move the same ref.
 */
function placedRef(path: string, as: PlacedAs): { refName: string; parentSession?: string } {
  const name = basename(path).replace(/\.jsonl?$/, '');
  const parts = path.split(sep);
  if (as.format === 'gemini') {
    // Named by the session id inside (the file name holds only 8 of its characters).
    const id = refComponent(as.sessionId ?? name);
    // A subagent's file, chats/<parent session id>/<its id>.jsonl: an agent of that session.
    if (as.kind === 'subagent' && parts[parts.length - 3] === 'chats') {
      const parent = parts[parts.length - 2]!;
      return { refName: `refs/agents/${refComponent(parent)}/${id}`, parentSession: parent };
    }
    return { refName: `refs/sessions/${id}` };
  }
  if (as.format === 'codex') {
    const uuid = UUID_RE.exec(name)?.[0];
    return { refName: `refs/sessions/${refComponent(uuid ?? name)}` };
  }
  const sub = parts.lastIndexOf('subagents');
  if (sub > 0 && name.startsWith('agent-')) {
    const session = parts[sub - 1]!;
    return { refName: `refs/agents/${refComponent(session)}/${refComponent(name)}`, parentSession: session };
  }
  return { refName: `refs/sessions/${refComponent(name)}` };
}

/** Where a file's session goes, and what links it to its parent session. */
async function placement(path: string, format: TranscriptFormat, lines: ParsedLine[]): Promise<Placement> {
  if (format === 'gemini' || format === 'gemini-json') {
    const s = geminiSession(lines);
    const placed = placedRef(path, { format: 'gemini', sessionId: s.id, kind: s.kind });
    return placed.parentSession === undefined ? { refName: placed.refName } : { refName: placed.refName, firstMeta: { parent_session: placed.parentSession } };
  }
  if (format === 'codex') return { refName: placedRef(path, { format: 'codex' }).refName };
  const placed = placedRef(path, { format: 'claude' });
  if (placed.parentSession === undefined) return { refName: placed.refName };
  // A Claude Code subagent's file: its .meta.json beside it says what spawned it.
  const firstMeta: Record<string, unknown> = { parent_session: placed.parentSession };
  try {
    const name = basename(path).replace(/\.jsonl?$/, '');
    const meta = JSON.parse(await fs.readFile(join(dirname(path), `${name}.meta.json`), 'utf8')) as Record<string, unknown>;
    if (typeof meta.toolUseId === 'string') firstMeta.spawned_by_tool_use_id = meta.toolUseId;
    if (typeof meta.agentType === 'string') firstMeta.agent_type = meta.agentType;
    if (typeof meta.description === 'string') firstMeta.agent_description = meta.description;
  } catch {
    // No (or unreadable) .meta.json: the link to the session still holds.
  }
  return { refName: placed.refName, firstMeta };
}

/** Bytes of transcripts to read above which an import writes one pack rather than loose objects (import.packAbove; 0: never). */
export const DEFAULT_IMPORT_PACK_ABOVE = 32 * 1024 * 1024;
/** Lines longer than this many bytes are read in pieces, their long strings never held whole (import.streamLinesAbove). */
export const DEFAULT_STREAM_LINES_ABOVE = 4 * 1024 * 1024;
/** In such a line, string values whose literal is longer than this many characters are not held (import.streamStringsAbove). */
export const DEFAULT_STREAM_STRINGS_ABOVE = 64 * 1024;

function readLimits(archive: Archive): ReadLimits {
  // Never below 1 KiB: a line read in pieces is then longer than any blob threshold (docs/format.md 6.1.8).
  const inPiecesAbove = Math.max(1024, configInt(archive, 'import.streamlinesabove', DEFAULT_STREAM_LINES_ABOVE));
  return {
    inPiecesAbove,
    longTextAbove: Math.max(2, configInt(archive, 'import.streamstringsabove', DEFAULT_STREAM_STRINGS_ABOVE)),
    // Such a line holds at most twice what an ordinary line may be; one that is more structure than that is read whole.
    heldAbove: 2 * inPiecesAbove,
  };
}

/** Bytes of transcripts read between the checkpoints of a packed import (each finishes a pack and moves its refs). */
const PACK_CHECKPOINT_BYTES = 128 * 1024 * 1024;
/**
 * The smallest stretch between checkpoints of a packed import. The second
 * thread indexes each stretch while this one reads the next: so the
 * stretches start small and grow (each at least what was read before it), or
 * the second thread would wait idle for the first 128 MiB; and they shrink
 * towards the end (each at least what is then left to read), because the
 * last one is indexed only after everything is read, while the import waits.
 */
const LAST_CHECKPOINT_BYTES = 16 * 1024 * 1024;

/**
 * The stretch after which a packed import takes a checkpoint when the
 * second thread waits for work. Measured on the scale corpus, interleaved:
 * 8 MiB took less time than 16 MiB in three pairs of four (the second
 * thread waits for a stretch half as long; each checkpoint costs it some
 * 30 ms of opening the archive and the index, when it would be idle).
 */
const IDLE_CHECKPOINT_BYTES = 8 * 1024 * 1024;

/**
 * Whether a packed import takes a checkpoint after a stretch of `since`
 * bytes, `before` bytes read before it and `left` still to read.
 * `secondIdle`: the second thread has indexed every stretch so far, and
 * waits. It is then given the next as soon as that is 8 MiB: growing
 * stretches alone left it waiting for the next one for 3-4 s of the first
 * 10 on the scale corpus, and then behind the importing thread at the end,
 * which waited for it (docs/import-speed.md).
 */
export function checkpointDue(since: number, left: number, before: number, secondIdle = false): boolean {
  if (left <= 0) return false;
  return since >= (secondIdle ? IDLE_CHECKPOINT_BYTES : Math.max(LAST_CHECKPOINT_BYTES, Math.min(PACK_CHECKPOINT_BYTES, left, before)));
}

/**
 * Ref moves of a packed import, held until the pack holding their objects
 * is finished (a ref never points at an object not yet on disk). Asked for
 * a ref it holds a move for, it has the pack finished and the moves made
 * first (a later file of the same session reads what an earlier one wrote).
 */
class DeferredRefs implements Pick<RefStore, 'resolve' | 'update'> {
  private readonly planned: Array<{ name: string; id: string; opts: RefUpdateOptions }> = [];

  constructor(
    private readonly refs: RefStore,
    private readonly target: PackingTarget,
    private readonly failed: (name: string, err: unknown) => void,
  ) {}

  async resolve(name: string): Promise<string | undefined> {
    if (this.planned.some((p) => p.name === name)) await this.flush();
    return this.refs.resolve(name);
  }

  async update(name: string, id: string, opts: RefUpdateOptions = {}): Promise<RefUpdateResult> {
    // A capture view is given a chain already stored (the capture's): it moves now,
    // before the session ref that it frees, so the capture is never without a ref.
    if (name.startsWith(CAPTURES_PREFIX)) return this.refs.update(name, id, opts);
    this.planned.push({ name, id, opts });
    return { name, old: opts.expectedOld ?? null, new: id };
  }

  /**
   * Finishes the pack, then makes the moves, several at once (those of one
   * ref in the order they were asked for: RefStore.updateAll). A system
   * error (a full disk) is thrown once every move has been tried.
   */
  async flush(): Promise<void> {
    await this.target.finish();
    const moves = this.planned.splice(0);
    const outcomes = await this.refs.updateAll(moves);
    let stop: { err: unknown } | undefined;
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') return;
      // Another writer moved the ref since this import looked: the file is
      // reported as refused (its objects are stored; importing it again places it).
      if (o.reason instanceof TapesError) this.failed(moves[i]!.name, o.reason);
      else stop ??= { err: o.reason };
    });
    if (stop) throw stop.err;
  }
}

export async function importTranscripts(archive: Archive, opts: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = {
    dry_run: Boolean(opts.dryRun),
    sessions: { new: 0, updated: 0, unchanged: 0, kept_separately: 0 },
    files_refused: 0,
    records_added: 0,
    objects_written: 0,
    bytes_stored: 0,
    bytes_read: 0,
    problems: 0,
    files: [],
  };
  // Runs stored before captures and transcripts were linked are linked first,
  // so that this import finds the layout it writes (docs/capture.md).
  const relinked = opts.dryRun ? [] : await relinkViews(archive);
  if (relinked.length) summary.relinked = relinked;
  const found = await candidates(opts);
  const stats = await Promise.all(found.map((c) => (c.refused ? undefined : fs.stat(c.path).catch(() => undefined))));
  const sizes = stats.map((s) => s?.size ?? 0);
  const progress: ImportProgress = { filesDone: 0, filesTotal: found.length, bytesDone: 0, bytesTotal: sizes.reduce((a, b) => a + b, 0), records: 0 };
  const statCache = ImportStatCache.open(archive.dir);
  // A large import (the bytes of the files the stat cache does not vouch for
  // by their stats) writes one pack; a small one, loose objects (as git keeps
  // a small push loose).
  const packAbove = configInt(archive, 'import.packabove', DEFAULT_IMPORT_PACK_ABOVE);
  const limits = readLimits(archive);
  // What the stat cache says of each file, looked up once (here and in the import below).
  const vouchedFor = found.map((c, i) => (c.refused || !stats[i] ? undefined : statCache.lookup(c.path, stats[i]!, opts.kind)));
  let toRead = 0;
  for (const [i, c] of found.entries()) if (!c.refused && !vouchedFor[i]) toRead += sizes[i]!;
  const packing = !opts.dryRun && packAbove > 0 && toRead >= packAbove ? await archive.packingWriter() : undefined;
  const queue = new WriteQueue(packing ?? (await archive.objectWriter()), Boolean(opts.dryRun));
  // Files whose ref move could not be made once the pack was finished (see DeferredRefs).
  const fileOfRef = new Map<string, number>();
  const deferred = packing
    ? new DeferredRefs(archive.refs, packing, (name, err) => {
        const i = fileOfRef.get(name);
        const f = i === undefined ? undefined : summary.files[i];
        if (!f || f.status === 'refused') return;
        if (f.status === 'kept-separately') summary.sessions.kept_separately--;
        else summary.sessions[f.status]--;
        summary.files_refused++;
        f.status = 'refused';
        f.reason = `${(err as Error).message} (its records are stored: import it again)`;
        f.problems = [`${f.path}: ${f.reason}`];
        const path = found[i!]?.path;
        if (path) statCache.forget(path);
      })
    : undefined;
  const refs = opts.dryRun ? new PlannedRefs(archive.refs) : (deferred ?? archive.refs);
  const display = (p: string) => {
    const rel = relative(opts.cwd, p);
    return rel && !rel.startsWith('..') ? rel : p;
  };
  // The records built so far, by line: a resumed session's lines repeat its parent's (import/line-memo.ts).
  const lineMemo = opts.lineMemo ?? new LineMemo();
  let sinceCheckpoint = 0;
  let toReadLeft = toRead;
  let readBefore = 0;
  // The order the files are read in: for a large import, the files of one
  // session one after another, so that the second thread reads what they
  // share once (reading-order.ts).
  const reading = packing ? found.map((c, i) => readingCandidate(c, vouchedFor[i], sizes[i]!)) : undefined;
  const order = reading ? readingOrder(reading) : found.map((_, i) => i);
  // The files the line memo can serve: those another file may begin as (all, for a small import).
  const sharers = reading ? memoSharers(reading) : undefined;
  // A packed import is a large one: the summaries and the search index are
  // kept current from a second thread at each checkpoint (search/background-index.ts).
  const background = packing ? BackgroundIndex.start(archive) : undefined;
  try {
    await importAll();
  } catch (err) {
    // Nothing of an unfinished pack is referred to: it goes.
    await packing?.abort();
    await background?.stop();
    throw err;
  }
  async function importAll(): Promise<void> {
    for (const i of order) {
      const c = found[i]!;
      let result: FileResult;
      let vouched = false;
      const st = stats[i];
      const known = vouchedFor[i];
      if (c.refused) {
        result = refusedFile(display(c.path), c.refused);
      } else if (known && (await refs.resolve(known.ref)) === known.tip) {
        // Unchanged since it was imported, and its session still ends where that import left it.
        result = unchangedFile(known, display(c.path));
        sizes[i] = 0;
        vouched = true;
      } else {
        try {
          result = await importOne(queue, refs, opts, c.path, display(c.path), st?.size ?? 0, limits, lineMemo, sharers === undefined || sharers[i] === 1);
        } catch (err) {
          // A file we cannot import (a typed error names what is wrong) is
          // refused; the other files still import. A system error (a full
          // disk) stops the import, naming the file it was importing.
          if (!(err instanceof TapesError)) throw systemError(err, `importing ${display(c.path)}`, { path: c.path });
          result = refusedFile(display(c.path), err.message);
        }
      }
      // Reported in the order found, whatever the order read.
      summary.files[i] = {
        path: result.path,
        format: result.format ?? null,
        session: result.session,
        status: result.status,
        records: result.records,
        records_added: result.records_added,
        problems: result.status === 'refused' ? [`${result.path}: ${result.reason}`] : result.problems,
        ...(result.reason ? { reason: result.reason } : {}),
        ...(result.capture ? { capture: result.capture } : {}),
      };
      if (result.ref && result.status !== 'refused' && result.status !== 'unchanged') fileOfRef.set(result.ref, i);
      if (result.status === 'refused') statCache.forget(c.path);
      else if (st && result.ref && result.tip && !vouched) {
        // File times come from the system clock, so the racy check uses it too.
        statCache.record(c.path, st, Date.now(), {
          kind: opts.kind,
          format: result.format ?? '',
          ref: result.ref,
          tip: result.tip,
          records: result.records,
          display: result.path,
          problems: result.problems,
        });
      }
      if (result.status === 'refused') summary.files_refused++;
      else if (result.status === 'kept-separately') summary.sessions.kept_separately++;
      else summary.sessions[result.status]++;
      summary.records_added += result.records_added;
      summary.problems += result.problems.length;
      progress.filesDone++;
      progress.bytesDone += sizes[i]!;
      progress.records += result.records;
      opts.onProgress?.(progress);
      // A checkpoint, as fast-import has: what is packed so far is stored and its refs moved,
      // so an interrupted import of a whole history loses at most the last stretch.
      // (sizes[i] is 0 for a file the stat cache vouched for: nothing read.)
      if (!c.refused && !known) toReadLeft -= sizes[i]!;
      if (deferred && checkpointDue((sinceCheckpoint += sizes[i]!), toReadLeft, readBefore, background?.idle)) {
        readBefore += sinceCheckpoint;
        sinceCheckpoint = 0;
        await queue.flush();
        await deferred.flush();
        // Its pack is in place: the store answers for those ids from here on.
        queue.forgetStored();
        background?.update();
      }
    }
  }
  if (deferred) {
    try {
      await queue.flush();
      await deferred.flush();
      queue.forgetStored();
    } catch (err) {
      await packing!.abort();
      await background?.stop();
      throw err;
    }
  }
  try {
    if (!opts.dryRun) await statCache.save();
    // Keep the derived session index current (only sessions whose tip moved are summarised again).
    const moved = summary.sessions.new + summary.sessions.updated + summary.sessions.kept_separately + relinked.length;
    // And the search index (only the records the moved refs gained are read),
    // by the second thread when there is one, meanwhile.
    if (background) {
      // The last stretch's summaries are the second thread's too: this thread
      // only waits for it, and summarising here (a chain's records held at a
      // time, and their garbage) was the import's peak of memory, for no
      // time saved (measured: docs/import-memory.md).
      background.update(moved > 0);
      // Meanwhile the checkpoints' packs become one (odb/pack-merge.ts):
      // every lookup probes each pack in turn. Only a help to later reads:
      // the packs as they are hold everything, so a merge that fails (a full
      // disk) leaves them, and gc merges them later.
      await packing?.mergeFinished().catch(() => undefined);
      await background.finish();
      // A second thread that failed made neither; finish() has made the search index.
      if (!background.running && moved > 0) await listSessions(archive);
    } else if (!opts.dryRun && moved > 0) {
      await listSessions(archive);
      await updateSearchIndexQuietly(archive);
    }
  } finally {
    // Whatever failed here, the second thread ends with the import (an idle worker would keep the process alive).
    await background?.stop();
  }
  summary.bytes_read = progress.bytesDone;
  summary.objects_written = queue.stats.objectsWritten;
  // A pack's objects are counted as they were added; its bytes once it was written.
  summary.bytes_stored = packing ? packing.packs.reduce((n, p) => n + p.bytes, 0) : queue.stats.bytesWritten;
  if (!opts.dryRun && summary.objects_written > 0) {
    const outcome = await autoGc(archive);
    opts.onAutoGc?.(outcome);
  }
  return summary;
}

/** The result of a file the stat cache vouches for: as its last import left it, nothing read or added. */
function unchangedFile(e: StatEntry, shown: string): FileResult {
  const problems = e.display === shown ? e.problems : e.problems.map((p) => (p.startsWith(e.display) ? shown + p.slice(e.display.length) : p));
  return { path: shown, format: e.format as TranscriptFormat, session: shortRefName(e.ref), ref: e.ref, status: 'unchanged', records: e.records, records_added: 0, problems, tip: e.tip };
}

async function importOne(
  queue: WriteQueue,
  refs: Pick<RefStore, 'resolve' | 'update'>,
  opts: ImportOptions,
  path: string,
  shown: string,
  size: number,
  limits: ReadLimits,
  memo?: LineMemo,
  memoShared = true,
): Promise<FileResult> {
  const refused = (reason: string): FileResult => refusedFile(shown, reason);
  const geminiDocuments = opts.kind === 'auto' || opts.kind === 'gemini';
  if (size > limits.inPiecesAbove) {
    // It may hold a line too long to read whole (docs/import-memory.md): read
    // in pieces. When the import needs more of such a line than that way
    // holds (the rare shapes NeedsWholeFile names), the file is read whole.
    let read: TranscriptRead | undefined;
    try {
      read = await readTranscript(path, limits);
    } catch (err) {
      if (!(err instanceof NeedsWholeFile)) return refused(`cannot read: ${(err as Error).message}`);
    }
    if (read && !(geminiDocuments && isGeminiDocumentLines(read.head, read.lines))) {
      // Only a file with such a line has its strings looked at for placeholders.
      const huge = read.lines.filter((l) => l.huge);
      const longTexts = huge.length > 0 ? new LongTextStore(queue) : undefined;
      for (const l of huge) longTexts!.add(l.huge!);
      try {
        return await importLines(queue, refs, opts, path, shown, read.lines, memo, memoShared, undefined, longTexts);
      } catch (err) {
        if (!(err instanceof NeedsWholeFile)) throw err;
      }
    }
  }
  let bytes: Buffer;
  try {
    // Read at once, not awaited: on two busy cores each awaited read of a
    // file waited for a thread of the pool (docs/import-speed.md).
    bytes = readFileSync(path);
  } catch (err) {
    return refused(`cannot read: ${(err as Error).message}`);
  }
  if (isGeminiDocument(bytes) && geminiDocuments) {
    return importLines(queue, refs, opts, path, shown, splitGeminiDocument(bytes), memo, memoShared, 'gemini-json');
  }
  return importLines(queue, refs, opts, path, shown, splitLines(bytes).map(parseLine), memo, memoShared);
}

/** Imports a file's lines (or a Gemini document's pieces, `format` then given). */
async function importLines(
  queue: WriteQueue,
  refs: Pick<RefStore, 'resolve' | 'update'>,
  opts: ImportOptions,
  path: string,
  shown: string,
  lines: ParsedLine[],
  memo?: LineMemo,
  memoShared = true,
  given?: TranscriptFormat,
  longTexts?: LongTextStore,
): Promise<FileResult> {
  let format = given;
  // A resumed session's first lines, if this import built them already: of
  // Claude Code's shape without being parsed to find out (line-memo.ts).
  const known = memo && !given && (opts.kind === 'auto' || opts.kind === 'claude') ? memo.prefix(lines) : undefined;
  if (!format) {
    if (opts.kind === 'auto') {
      format = detectFormat(lines, known?.ids.length);
      if (!format) {
        // The Claude verdict names empty and binary files; otherwise say every kind was tried.
        const why = formatVerdict(lines, 'claude-code', known?.ids.length).reason ?? '';
        return refusedFile(shown, /^the file is/.test(why) ? why : 'not a Claude Code transcript, a Codex rollout or a Gemini CLI session');
      }
    } else {
      format = opts.kind === 'claude' ? 'claude-code' : opts.kind;
    }
  }
  const where = await placement(path, format, lines);
  return importFile({
    path: shown,
    display: shown,
    lines,
    longTexts,
    format,
    refName: where.refName,
    firstMeta: where.firstMeta,
    queue,
    refs,
    reason: `import ${format}: ${basename(path)}`,
    memo,
    ...(memoShared ? {} : { memoShared }),
    ...(known && format === 'claude-code' ? { known } : {}),
  });
}
