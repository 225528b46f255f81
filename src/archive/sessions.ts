// Session summaries (start, duration, records, models, tokens, cost, project,
// title) and the derived index that keeps them: .tapes/index/sessions.json.
// The index is never the source of truth: an entry is trusted only while its
// ref still points at the tip it was computed from, and is recomputed from the
// objects otherwise; a missing or unreadable index is rebuilt.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../hash/index.js';
import type { ObjectStore } from '../odb/index.js';
import { readEvent, textOf, type EventView } from '../record/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../refs/index.js';
import { cleanPrompt, oneLine } from '../view/index.js';
import type { Archive } from './archive.js';
import { BUILTIN_PRICES, costOf, type PriceTable, type TokenCounts } from './pricing.js';

export const SESSION_INDEX_VERSION = 1;

export interface SessionSummary {
  ref: string;
  /** Short name (what log, show and export accept). */
  name: string;
  tip: string;
  records: number;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  models: string[];
  harness: string | null;
  harness_version: string | null;
  cwd: string | null;
  git_branch: string | null;
  title: string | null;
  tokens: TokenCounts;
  /** Tokens by model, for cost. */
  tokens_by_model: Record<string, TokenCounts>;
  tool_calls: number;
  tool_errors: number;
  /** Set for refs/agents/<session>/<agent>. */
  parent_session: string | null;
}

type Obj = { [k: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: JsonValue | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function emptyTokens(): TokenCounts {
  return { input: 0, output: 0, cache_read: 0, cache_write: 0 };
}

export function addTokens(a: TokenCounts, b: TokenCounts): void {
  a.input += b.input;
  a.output += b.output;
  a.cache_read += b.cache_read;
  a.cache_write += b.cache_write;
}

/**
 * Adds up the tokens of a chain's records. Claude Code writes one line per
 * content block of a message, each repeating the message's usage as it stood
 * then (the last line has the final output count), so a message counts once,
 * with its last usage. Codex reports each turn's usage in a token_count
 * event; its input_tokens include the cached ones.
 */
export class UsageCounter {
  private readonly byMessage = new Map<string, { model: string; tokens: TokenCounts }>();
  private readonly loose: Array<{ model: string; tokens: TokenCounts }> = [];

  add(ev: EventView, model: string): TokenCounts | undefined {
    const u = ev.meta.usage;
    if (!isObj(u)) return undefined;
    if (ev.meta.harness === 'codex') {
      const cached = num(u.cached_input_tokens);
      const tokens = { input: Math.max(0, num(u.input_tokens) - cached), output: num(u.output_tokens), cache_read: cached, cache_write: 0 };
      this.loose.push({ model, tokens });
      return tokens;
    }
    const tokens = {
      input: num(u.input_tokens),
      output: num(u.output_tokens),
      cache_read: num(u.cache_read_input_tokens),
      cache_write: num(u.cache_creation_input_tokens),
    };
    const key = typeof ev.meta.message_id === 'string' ? ev.meta.message_id : typeof ev.meta.request_id === 'string' ? ev.meta.request_id : undefined;
    if (key === undefined) this.loose.push({ model, tokens });
    else this.byMessage.set(key, { model, tokens });
    return tokens;
  }

  /** Totals, and totals by model. */
  totals(): { tokens: TokenCounts; byModel: Record<string, TokenCounts> } {
    const tokens = emptyTokens();
    const byModel: Record<string, TokenCounts> = {};
    for (const { model, tokens: t } of [...this.byMessage.values(), ...this.loose]) {
      addTokens(tokens, t);
      byModel[model] ??= emptyTokens();
      addTokens(byModel[model]!, t);
    }
    return { tokens, byModel };
  }
}

/** Walks a chain oldest first, calling `visit` for each record (ids first, then records). */
export async function forEachEvent(store: ObjectStore, tip: string, visit: (ev: EventView, index: number) => void | Promise<void>): Promise<number> {
  const events: EventView[] = [];
  for (let id: string | null = tip; id !== null; ) {
    const ev = await readEvent(store, id);
    events.push(ev);
    id = ev.parent;
  }
  events.reverse();
  for (const [i, ev] of events.entries()) await visit(ev, i);
  return events.length;
}

export async function summariseSession(store: ObjectStore, ref: string, tip: string): Promise<SessionSummary> {
  const s: SessionSummary = {
    ref,
    name: shortRefName(ref),
    tip,
    records: 0,
    start: null,
    end: null,
    duration_ms: null,
    models: [],
    harness: null,
    harness_version: null,
    cwd: null,
    git_branch: null,
    title: null,
    tokens: emptyTokens(),
    tokens_by_model: {},
    tool_calls: 0,
    tool_errors: 0,
    parent_session: ref.startsWith(AGENTS_PREFIX) ? (ref.slice(AGENTS_PREFIX.length).split('/')[0] ?? null) : null,
  };
  const usage = new UsageCounter();
  let model: string | undefined;
  s.records = await forEachEvent(store, tip, async (ev) => {
    if (ev.time) {
      if (!s.start || ev.time < s.start) s.start = ev.time;
      if (!s.end || ev.time > s.end) s.end = ev.time;
    }
    const m = ev.meta;
    if (typeof m.model === 'string' && m.model !== '<synthetic>') {
      model = m.model;
      if (!s.models.includes(m.model)) s.models.push(m.model);
    }
    if (!s.harness && typeof m.harness === 'string') s.harness = m.harness;
    if (!s.harness_version && typeof m.harness_version === 'string') s.harness_version = m.harness_version;
    if (!s.cwd && typeof m.cwd === 'string') s.cwd = m.cwd;
    if (!s.git_branch && typeof m.git_branch === 'string' && m.git_branch) s.git_branch = m.git_branch;
    for (const b of ev.content) {
      if (!isObj(b)) continue;
      if (b.type === 'tool_use' || b.type === 'server_tool_use') s.tool_calls++;
      if (b.type === 'tool_result' && b.is_error === true) s.tool_errors++;
    }
    usage.add(ev, typeof m.model === 'string' && m.model !== '<synthetic>' ? m.model : (model ?? 'unknown'));
    if (!s.title && ev.kind === 'user' && m.is_meta !== true && m.is_compact_summary !== true) {
      const raw = await firstText(store, ev);
      // Slash commands and their output are not what the session was about.
      const text = /<command-name>|<local-command-std(out|err)>/.test(raw) ? '' : cleanPrompt(raw);
      if (text && !text.startsWith('Caveat:') && !/^\[Request interrupted/.test(text)) s.title = oneLine(text, 120);
    }
  });
  const totals = usage.totals();
  s.tokens = totals.tokens;
  s.tokens_by_model = totals.byModel;
  if (s.start && s.end) s.duration_ms = Date.parse(s.end) - Date.parse(s.start);
  return s;
}

async function firstText(store: ObjectStore, ev: EventView): Promise<string> {
  for (const b of ev.content) if (isObj(b) && b.type === 'text') return textOf(store, b.text, 2000);
  return '';
}

export function sessionCost(s: Pick<SessionSummary, 'tokens_by_model'>, table: PriceTable = BUILTIN_PRICES): number | null {
  let total = 0;
  let priced = false;
  for (const [model, t] of Object.entries(s.tokens_by_model)) {
    const c = costOf(table, model, t);
    if (c !== undefined) {
      total += c;
      priced = true;
    }
  }
  return priced ? total : null;
}

interface IndexFile {
  version: number;
  sessions: Record<string, SessionSummary>;
}

/** Every session and subagent chain with its summary, from the index where it is current. */
export async function listSessions(archive: Archive): Promise<SessionSummary[]> {
  const path = join(archive.dir, 'index', 'sessions.json');
  let index: IndexFile = { version: SESSION_INDEX_VERSION, sessions: {} };
  try {
    const parsed = JSON.parse(await fs.readFile(path, 'utf8')) as IndexFile;
    if (parsed.version === SESSION_INDEX_VERSION && parsed.sessions && typeof parsed.sessions === 'object') index = parsed;
  } catch {
    // Missing or damaged: rebuilt below from the objects.
  }
  const refs = [...(await archive.refs.list(SESSIONS_PREFIX)), ...(await archive.refs.list(AGENTS_PREFIX))];
  const store = await archive.objects();
  const next: Record<string, SessionSummary> = {};
  let changed = Object.keys(index.sessions).length !== refs.length;
  for (const r of refs) {
    const cached = index.sessions[r.name];
    if (cached && cached.tip === r.id) {
      next[r.name] = cached;
      continue;
    }
    next[r.name] = await summariseSession(store, r.name, r.id);
    changed = true;
  }
  if (changed) await writeIndex(archive.dir, path, { version: SESSION_INDEX_VERSION, sessions: next });
  return Object.values(next);
}

async function writeIndex(dir: string, path: string, data: IndexFile): Promise<void> {
  await fs.mkdir(join(dir, 'index'), { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, JSON.stringify(data));
  await fs.rename(tmp, path);
}
