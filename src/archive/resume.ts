// `tapes checkout <rev> --resume claude|codex`: the session up to and
// including a record, written back out as a new transcript of the agent that
// recorded it, so that the agent itself can carry on from that point.
//
// The lines are the source's own lines (rebuilt exactly from each record's
// line template), so their shapes are what the agent wrote. Only the ids that
// make a transcript a session are rewritten, as literal JSON text, so every
// other byte stays as it was:
//   - Claude Code: every `sessionId` becomes the new session id; every line's
//     `uuid` gets a fresh id, and each reference to it (`parentUuid`,
//     `logicalParentUuid`, `leafUuid`, `sourceToolAssistantUUID`,
//     `messageId`) follows; a `parentUuid` naming no line of the file (the
//     file was a slice of a longer session) becomes null, so every parent
//     resolves inside the file.
//   - Codex: the `session_meta` payload's `id` becomes the new id.
// The file is created exclusively under a new name: nothing existing is
// opened for writing.
import { promises as fs } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { AlreadyExistsError, InvalidInputError } from '../errors/index.js';
import { readRecord, sourceBytes, sourceOf, stringLiterals, toEventView, type RecordSource } from '../record/index.js';
import type { Archive } from './archive.js';

export type ResumeAgent = 'claude' | 'codex';

const FORMAT: Record<ResumeAgent, string> = { claude: 'claude-code', codex: 'codex' };

export interface ResumeOptions {
  /** Claude Code's configuration folder (holding projects/), or Codex's home (holding sessions/). */
  dir: string;
  now: () => Date;
  /** The new session id (tests); default a fresh random one. */
  sessionId?: string;
  /** Fresh line ids (tests); default random UUIDs. */
  newUuid?: () => string;
}

export interface ResumeResult {
  agent: ResumeAgent;
  session_id: string;
  /** The session id the source lines carried. */
  source_session_id: string | null;
  path: string;
  lines: number;
  /** The record the transcript ends with. */
  record: string;
  /** The working directory the session ran in (where to start the agent). */
  cwd: string | null;
  command: string;
  /** Lines left out (not JSON) and other things worth knowing. */
  warnings: string[];
}

/** Claude Code's configuration folder or Codex's home, as the agents find them. */
export function defaultAgentDir(agent: ResumeAgent, env: Record<string, string | undefined>): string {
  const home = env.HOME ?? env.USERPROFILE ?? '';
  if (agent === 'claude') return env.CLAUDE_CONFIG_DIR || join(home, '.claude');
  return env.CODEX_HOME || join(home, '.codex');
}

/** The folder name Claude Code keeps a working directory's sessions under: every character but [A-Za-z0-9] becomes "-". */
export function claudeProjectSlug(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}

/** A UUID version 7 (time-ordered, as Codex names its sessions). */
export function uuidV7(now: Date): string {
  const b = randomBytes(16);
  const ms = BigInt(now.getTime());
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface SourceLine {
  id: string;
  kind: string;
  text: string;
  value: Record<string, unknown> | undefined;
}

/** The source lines of the chain ending at `tip`, oldest first. */
async function sourceLines(archive: Archive, rev: string, agent: ResumeAgent): Promise<{ tip: string; lines: SourceLine[]; skipped: number }> {
  const store = await archive.objects();
  const { id: tip } = await archive.resolve(rev);
  const obj = await store.read(tip);
  if (obj.type !== 'record') throw new InvalidInputError(`cannot resume '${rev}': it names a ${obj.type}, not a record`, { rev, id: tip });
  const records: Array<{ id: string; kind: string; source: RecordSource }> = [];
  for (let id: string | null = tip; id !== null; ) {
    const rec = await readRecord(store, id);
    const ev = toEventView(id, rec.value);
    const source = sourceOf(rec.value);
    if (!source) {
      throw new InvalidInputError(`cannot resume '${rev}': record ${id} was not imported from a transcript, so there is no ${agent} line to write for it`, { rev, id });
    }
    if (source.format !== FORMAT[agent]) {
      const other = source.format === 'codex' ? 'codex' : source.format === 'claude-code' ? 'claude' : null;
      throw new InvalidInputError(
        `cannot resume '${rev}' in ${agent === 'claude' ? 'Claude Code' : 'Codex'}: the session was recorded by ${source.format}`,
        { rev, id, format: source.format },
        other ? `Use --resume ${other}.` : undefined,
      );
    }
    records.push({ id, kind: ev.kind, source });
    id = rec.parent;
  }
  records.reverse();
  const lines: SourceLine[] = [];
  let skipped = 0;
  for (const r of records) {
    if (r.kind === 'unparsed') {
      skipped++;
      continue;
    }
    const text = (await sourceBytes(store, r.source)).toString('utf8');
    let value: Record<string, unknown> | undefined;
    try {
      const v: unknown = JSON.parse(text);
      value = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      value = undefined;
    }
    lines.push({ id: r.id, kind: r.kind, text, value });
  }
  return { tip, lines, skipped };
}

/**
 * Rewrites the string values of `keys` in a line of JSON text: a value found
 * in `map` becomes the mapped string, or `null` when mapped to null. Every
 * other byte of the line is kept.
 */
export function rewriteIds(text: string, keys: ReadonlySet<string>, map: ReadonlyMap<string, string | null>): string {
  const colon = /\s*:/y;
  const between = /^\s*:\s*$/;
  let out = '';
  let last = 0;
  let key: string | null = null;
  let keyEnd = -1;
  for (const [s, e] of stringLiterals(text)) {
    colon.lastIndex = e;
    if (colon.test(text)) {
      key = JSON.parse(text.slice(s, e)) as string;
      keyEnd = e;
      continue;
    }
    const k = key !== null && between.test(text.slice(keyEnd, s)) ? key : null;
    if (k === null || !keys.has(k)) continue;
    const value = JSON.parse(text.slice(s, e)) as string;
    if (!map.has(value)) continue;
    const to = map.get(value)!;
    out += text.slice(last, s) + (to === null ? 'null' : JSON.stringify(to));
    last = e;
  }
  return out + text.slice(last);
}

const CLAUDE_SESSION_KEYS = new Set(['sessionId']);
const CLAUDE_UUID_KEYS = new Set(['uuid', 'parentUuid', 'logicalParentUuid', 'leafUuid', 'sourceToolAssistantUUID', 'messageId']);

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A warning when the transcript ends with tool calls that have no result yet. */
function openCalls(lines: SourceLine[], agent: ResumeAgent): string | null {
  const open = new Set<string>();
  for (const l of lines) {
    const v = l.value;
    if (!v) continue;
    if (agent === 'claude') {
      const msg = v.message as { content?: unknown } | undefined;
      if (!msg || !Array.isArray(msg.content)) continue;
      for (const b of msg.content as Array<Record<string, unknown>>) {
        if (b?.type === 'tool_use' && typeof b.id === 'string') open.add(b.id);
        if (b?.type === 'tool_result' && typeof b.tool_use_id === 'string') open.delete(b.tool_use_id);
      }
    } else {
      const p = v.payload as Record<string, unknown> | undefined;
      if (!p || v.type !== 'response_item') continue;
      if (typeof p.type === 'string' && p.type.endsWith('_call') && typeof p.call_id === 'string') open.add(p.call_id);
      if (typeof p.type === 'string' && p.type.endsWith('_call_output') && typeof p.call_id === 'string') open.delete(p.call_id);
    }
  }
  return open.size ? `the transcript ends with ${open.size} tool call${open.size === 1 ? '' : 's'} that had no result yet; the agent will see ${open.size === 1 ? 'it' : 'them'} as interrupted` : null;
}

export async function resumeTranscript(archive: Archive, rev: string, agent: ResumeAgent, opts: ResumeOptions): Promise<ResumeResult> {
  const { tip, lines, skipped } = await sourceLines(archive, rev, agent);
  const warnings: string[] = [];
  if (skipped) warnings.push(`${skipped} line${skipped === 1 ? ' that is' : 's that are'} not JSON left out`);
  const open = openCalls(lines, agent);
  if (open) warnings.push(open);
  const now = opts.now();
  let out: string[];
  let sessionId: string;
  let sourceSession: string | null = null;
  let cwd: string | null = null;
  let path: string;

  if (agent === 'claude') {
    sessionId = opts.sessionId ?? randomUUID();
    const fresh = opts.newUuid ?? randomUUID;
    const sessions = new Map<string, string | null>();
    const uuids = new Map<string, string | null>();
    for (const l of lines) {
      const v = l.value ?? {};
      const sid = str(v.sessionId);
      if (sid !== null) {
        sourceSession ??= sid;
        sessions.set(sid, sessionId);
      }
      const u = str(v.uuid);
      if (u !== null && !uuids.has(u)) uuids.set(u, fresh());
      cwd = str(v.cwd) ?? cwd;
    }
    // Parents outside the file (it was a slice of a longer session) become null.
    const dangling = new Map<string, string | null>();
    for (const l of lines) {
      const p = str(l.value?.parentUuid);
      if (p !== null && !uuids.has(p)) dangling.set(p, null);
    }
    out = lines.map((l) => {
      let text = rewriteIds(l.text, CLAUDE_SESSION_KEYS, sessions);
      text = rewriteIds(text, CLAUDE_UUID_KEYS, uuids);
      if (dangling.size) text = rewriteIds(text, new Set(['parentUuid']), dangling);
      return text;
    });
    if (cwd === null) {
      throw new InvalidInputError(`cannot resume '${rev}' in Claude Code: no line of the session names its working directory (cwd), which decides the projects folder`, { rev });
    }
    path = join(opts.dir, 'projects', claudeProjectSlug(cwd), `${sessionId}.jsonl`);
  } else {
    sessionId = opts.sessionId ?? uuidV7(now);
    const meta = lines.find((l) => l.value?.type === 'session_meta');
    const payload = meta?.value?.payload as Record<string, unknown> | undefined;
    sourceSession = str(payload?.id);
    if (!meta || sourceSession === null) {
      throw new InvalidInputError(`cannot resume '${rev}' in Codex: the rollout has no session_meta line with an id`, { rev });
    }
    for (const l of lines) {
      const p = l.value?.payload as Record<string, unknown> | undefined;
      cwd = str(p?.cwd) ?? cwd;
    }
    const ids = new Map<string, string | null>([[sourceSession, sessionId]]);
    out = lines.map((l) => (l === meta ? rewriteIds(l.text, new Set(['id']), ids) : l.text));
    const iso = now.toISOString();
    const [date, time] = [iso.slice(0, 10), iso.slice(11, 19).replace(/:/g, '-')];
    path = join(opts.dir, 'sessions', ...date.split('-'), `rollout-${date}T${time}-${sessionId}.jsonl`);
  }

  if (out.length === 0) throw new InvalidInputError(`cannot resume '${rev}': the session has no lines to write up to that record`, { rev });
  await fs.mkdir(dirname(path), { recursive: true });
  try {
    await fs.writeFile(path, out.join('\n') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(`${path} already exists; nothing was written`, { path });
    throw err;
  }
  const command = agent === 'claude' ? `claude --resume ${sessionId}` : `codex resume ${sessionId}`;
  return { agent, session_id: sessionId, source_session_id: sourceSession, path, lines: out.length, record: tip, cwd, command, warnings };
}
