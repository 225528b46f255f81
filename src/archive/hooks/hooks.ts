// `tapes hooks`: automatic import after each agent session. Install adds a
// hook to the agent's own configuration (Claude Code and Gemini CLI: their
// settings.json hooks; Codex: its notify program) that runs
// `tapes hooks run <agent>`; that command imports the one transcript the
// agent names into the archive, never fails the agent, and logs each result
// under the archive (hooks/log), which `tapes hooks status` reads.
//
// Settings are edited as text (settings-edit.ts): every byte not ours is
// kept, the write is atomic, a second install changes nothing, and uninstall
// gives back the file as it was before install when nothing else changed it
// since (else it takes out exactly our entries). What install did is kept in
// hooks/<agent>.json under the archive.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidInputError, TapesError } from '../../errors/index.js';
import type { Archive } from '../archive.js';
import { importTranscripts, type ImportKind } from '../import.js';
import { addJsonHooks, addNotify, jsonHookEvents, notifyLine, removeJsonHooks, removeNotify, isOurCommand } from './settings-edit.js';

export const HOOK_AGENTS = ['claude', 'codex', 'gemini'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

type Env = Record<string, string | undefined>;

interface AgentSpec {
  /** How people name it. */
  title: string;
  settings(env: Env): string;
  /** The events the hook is added to (JSON settings); Codex has its one notify program. */
  events: readonly string[];
}

const home = (env: Env) => env.HOME || env.USERPROFILE || '';

export const AGENTS: Record<HookAgent, AgentSpec> = {
  // SessionEnd when a session ends; Stop after each answer, so that a session never ended cleanly is kept too.
  claude: { title: 'Claude Code', settings: (env) => join(env.CLAUDE_CONFIG_DIR || join(home(env), '.claude'), 'settings.json'), events: ['SessionEnd', 'Stop'] },
  // SessionEnd is best effort (the CLI does not wait for it); AfterAgent runs after each turn.
  gemini: { title: 'Gemini CLI', settings: (env) => join(env.GEMINI_CLI_HOME || home(env), '.gemini', 'settings.json'), events: ['SessionEnd', 'AfterAgent'] },
  // Codex runs its notify program after each turn, with a JSON argument.
  codex: { title: 'Codex', settings: (env) => join(env.CODEX_HOME || join(home(env), '.codex'), 'config.toml'), events: ['notify'] },
};

/** A word for a POSIX shell, quoted only when it must be. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The hook's command: the program (argv words) and `hooks run <agent>`. */
export function hookArgv(program: readonly string[], agent: HookAgent): string[] {
  return [...program, 'hooks', 'run', agent];
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes through a temporary file in the same folder, fsynced, then renamed over `path` (its mode kept). */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const mode = await fs.stat(path).then((s) => s.mode & 0o7777, () => 0o644);
  const tmp = join(dirname(path), `.${basename(path)}.tapes-${randomBytes(4).toString('hex')}`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.chmod(tmp, mode);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface InstallState {
  settings: string;
  /** The file before install (base64), or null when install created it. */
  before: string | null;
  /** sha256 of the file as install left it. */
  after: string;
  created: string[];
}

const stateFile = (archiveDir: string, agent: HookAgent) => join(archiveDir, 'hooks', `${agent}.json`);

export interface InstallResult {
  agent: HookAgent;
  settings: string;
  /** The events (or `notify`) that now run the hook. */
  events: string[];
  changed: boolean;
  command: string;
}

export async function installHook(archive: Archive, agent: HookAgent, env: Env, program: readonly string[]): Promise<InstallResult> {
  const spec = AGENTS[agent];
  const settings = spec.settings(env);
  const argv = hookArgv(program, agent);
  const command = argv.map(shellWord).join(' ');
  const before = await readIfExists(settings);
  const text = before?.toString('utf8') ?? '';
  if (before && Buffer.from(text, 'utf8').compare(before) !== 0) throw new InvalidInputError(`${settings} is not valid UTF-8; nothing was changed`, { path: settings });
  let after: string;
  let created: string[] = [];
  let events: string[];
  if (agent === 'codex') {
    const r = addNotify(text, settings, argv);
    after = r.text;
    events = ['notify'];
  } else {
    const group = agent === 'gemini'
      ? { hooks: [{ name: 'tapes', type: 'command', command, description: 'Import this session into the tapes archive' }] }
      : { hooks: [{ type: 'command', command }] };
    const r = addJsonHooks(text, settings, spec.events, group, agent);
    after = r.text;
    created = before ? r.created : ['(file)'];
    events = jsonHookEvents(after, settings, agent);
  }
  const changed = after !== text || before === undefined;
  if (changed) {
    const bytes = Buffer.from(after, 'utf8');
    await writeAtomic(settings, bytes);
    const state: InstallState = { settings, before: before ? before.toString('base64') : null, after: sha(bytes), created };
    await writeAtomic(stateFile(archive.dir, agent), Buffer.from(JSON.stringify(state, null, 2) + '\n'));
  }
  return { agent, settings, events, changed, command };
}

export interface UninstallResult {
  agent: HookAgent;
  settings: string;
  changed: boolean;
  /** The file is again byte for byte what it was before install. */
  restored: boolean;
}

export async function uninstallHook(archive: Archive, agent: HookAgent, env: Env): Promise<UninstallResult> {
  const settings = AGENTS[agent].settings(env);
  const current = await readIfExists(settings);
  const statePath = stateFile(archive.dir, agent);
  const state = await readIfExists(statePath).then((b) => (b ? (JSON.parse(b.toString('utf8')) as InstallState) : undefined)).catch(() => undefined);
  const done = async (r: UninstallResult) => {
    await fs.rm(statePath, { force: true });
    return r;
  };
  if (!current) return done({ agent, settings, changed: false, restored: false });
  // Nothing touched the file since install: give back its bytes before install.
  if (state && state.settings === settings && sha(current) === state.after) {
    if (state.before === null) await fs.rm(settings);
    else await writeAtomic(settings, Buffer.from(state.before, 'base64'));
    return done({ agent, settings, changed: true, restored: true });
  }
  const text = current.toString('utf8');
  const after = agent === 'codex' ? removeNotify(text).text : removeJsonHooks(text, settings, agent, (state?.created ?? []).filter((c) => c !== '(file)')).text;
  if (after === text) return done({ agent, settings, changed: false, restored: false });
  await writeAtomic(settings, Buffer.from(after, 'utf8'));
  return done({ agent, settings, changed: true, restored: false });
}

// ---- the log of hook runs

export interface HookLogEntry {
  time: string;
  agent: HookAgent;
  event: string | null;
  session_id: string | null;
  transcript: string | null;
  ok: boolean;
  /** What the import did: new, updated, unchanged, kept-separately, refused. */
  status: string | null;
  session: string | null;
  records_added: number;
  error: string | null;
}

const LOG_MAX = 256 * 1024;

export const hookLogPath = (archiveDir: string) => join(archiveDir, 'hooks', 'log');

/** Appends one line; a log grown past 256 KiB keeps its newer half. */
export async function appendHookLog(archiveDir: string, entry: HookLogEntry): Promise<void> {
  const path = hookLogPath(archiveDir);
  await fs.mkdir(dirname(path), { recursive: true });
  await fs.appendFile(path, JSON.stringify(entry) + '\n');
  const size = (await fs.stat(path)).size;
  if (size > LOG_MAX) {
    const text = await fs.readFile(path, 'utf8');
    const keep = text.slice(text.indexOf('\n', text.length - LOG_MAX / 2) + 1);
    await writeAtomic(path, Buffer.from(keep));
  }
}

export async function lastHookRun(archiveDir: string, agent: HookAgent): Promise<HookLogEntry | null> {
  const text = await fs.readFile(hookLogPath(archiveDir), 'utf8').catch(() => '');
  const lines = text.split('\n').filter(Boolean).reverse();
  for (const l of lines) {
    try {
      const e = JSON.parse(l) as HookLogEntry;
      if (e.agent === agent) return e;
    } catch {
      continue;
    }
  }
  return null;
}

export interface HookStatus {
  agent: HookAgent;
  title: string;
  settings: string;
  installed: boolean;
  events: string[];
  /** Set when the settings file could not be read as the agent's configuration. */
  problem: string | null;
  last: HookLogEntry | null;
}

export async function hookStatus(archiveDir: string | undefined, agent: HookAgent, env: Env): Promise<HookStatus> {
  const settings = AGENTS[agent].settings(env);
  let events: string[] = [];
  let problem: string | null = null;
  const text = (await readIfExists(settings))?.toString('utf8');
  if (text !== undefined) {
    try {
      events = agent === 'codex' ? (isOurCommand(notifyLine(text)?.line, 'codex') ? ['notify'] : []) : jsonHookEvents(text, settings, agent);
    } catch (err) {
      if (!(err instanceof TapesError)) throw err;
      problem = err.message;
    }
  }
  return { agent, title: AGENTS[agent].title, settings, installed: events.length > 0, events, problem, last: archiveDir ? await lastHookRun(archiveDir, agent) : null };
}

// ---- running the hook

/** What the agent handed the hook: Claude Code and Gemini CLI on stdin, Codex as its last argument. */
export interface HookInput {
  stdin: string;
  args: readonly string[];
}

function parsePayload(agent: HookAgent, input: HookInput): Record<string, unknown> {
  const raw = agent === 'codex' ? input.args[input.args.length - 1] : input.stdin;
  if (raw === undefined || raw.trim() === '') throw new InvalidInputError(`no hook input: ${agent === 'codex' ? 'Codex passes a JSON argument' : 'expected a JSON object on standard input'}`);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new InvalidInputError(`the hook input is not JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidInputError('the hook input is not a JSON object');
  return v as Record<string, unknown>;
}

/** Codex's rollout of a thread: rollout-<time>-<thread id>.jsonl, looked for in the newest day folders first. */
async function findRollout(sessions: string, threadId: string): Promise<string | undefined> {
  const walk = async (dir: string, depth: number): Promise<string | undefined> => {
    const names = (await fs.readdir(dir).catch(() => [] as string[])).sort().reverse();
    for (const n of names) {
      const p = join(dir, n);
      if (depth === 3) {
        if (n.startsWith('rollout-') && n.endsWith(`${threadId}.jsonl`)) return p;
      } else if (/^\d+$/.test(n)) {
        const found = await walk(p, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(sessions, 0);
}

/** The files one hook run imports: the transcript, with its subagents' files when the agent keeps them beside it. */
async function hookPaths(agent: HookAgent, payload: Record<string, unknown>, env: Env): Promise<string[]> {
  if (agent === 'codex') {
    const thread = payload['thread-id'];
    if (typeof thread !== 'string' || !/^[A-Za-z0-9-]+$/.test(thread)) throw new InvalidInputError('the notify input has no thread-id');
    const sessions = join(env.CODEX_HOME || join(home(env), '.codex'), 'sessions');
    const file = await findRollout(sessions, thread);
    if (!file) throw new InvalidInputError(`no rollout of thread ${thread} under ${sessions}`);
    return [file];
  }
  const transcript = payload.transcript_path;
  if (typeof transcript !== 'string' || transcript === '') throw new InvalidInputError('the hook input names no transcript_path');
  const paths = [transcript];
  // Claude Code: <session>/subagents/ beside <session>.jsonl; Gemini CLI: chats/<session id>/ for its subagents.
  const side = agent === 'claude' ? join(dirname(transcript), basename(transcript, '.jsonl'), 'subagents') : typeof payload.session_id === 'string' ? join(dirname(transcript), payload.session_id) : undefined;
  if (side && (await fs.stat(side).then((s) => s.isDirectory(), () => false))) paths.push(side);
  return paths;
}

const KIND: Record<HookAgent, ImportKind> = { claude: 'claude', codex: 'codex', gemini: 'gemini' };

/**
 * One hook run: imports what the agent names. Returns the log entry (the
 * caller writes it); throws nothing a caller must handle but the failure to
 * open the archive, which it logs where it can.
 */
export async function runHook(archive: Archive, agent: HookAgent, input: HookInput, env: Env, now: Date): Promise<HookLogEntry> {
  const entry: HookLogEntry = { time: now.toISOString(), agent, event: null, session_id: null, transcript: null, ok: false, status: null, session: null, records_added: 0, error: null };
  try {
    const payload = parsePayload(agent, input);
    entry.event = typeof payload.hook_event_name === 'string' ? payload.hook_event_name : typeof payload.type === 'string' ? payload.type : null;
    const sid = payload.session_id ?? payload['thread-id'];
    entry.session_id = typeof sid === 'string' ? sid : null;
    const paths = await hookPaths(agent, payload, env);
    entry.transcript = paths[0]!;
    const summary = await importTranscripts(archive, { kind: KIND[agent], paths, cwd: dirname(paths[0]!), env });
    const main = summary.files[0];
    entry.status = main?.status ?? null;
    entry.session = main?.session ?? null;
    entry.records_added = summary.records_added;
    const refused = summary.files.filter((f) => f.status === 'refused');
    entry.ok = refused.length === 0;
    if (refused.length) entry.error = refused.map((f) => `${f.path}: ${f.reason}`).join('; ');
  } catch (err) {
    entry.error = err instanceof Error ? err.message : String(err);
  }
  return entry;
}
