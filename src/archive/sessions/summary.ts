// Session summaries (start, duration, records, models, tokens, tools, project,
// title) and the derived index that keeps them: .tapes/index/sessions.json.
// The index is never the source of truth: an entry is trusted only while its
// ref still points at the tip it was computed from, and is recomputed from the
// objects otherwise; a missing, damaged or older-version index is rebuilt.
// Also here: choosing sessions (time, project, model and harness filters),
// ordering them, and the short names `tapes sessions` shows.
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../errors/index.js';
import type { JsonValue } from '../hash/index.js';
import type { ObjectStore } from '../odb/index.js';
import { readEvent, sourceObject, textOf, type EventView } from '../record/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, parseRefContent, shortRefName } from '../refs/index.js';
import { cleanPrompt, oneLine } from '../view/index.js';
import type { Archive } from './archive.js';
import { BUILTIN_PRICES, costOf, type PriceTable, type TokenCounts } from './pricing.js';

/** Bumped whenever a summary would come out differently, so older indexes are rebuilt. */
export const SESSION_INDEX_VERSION = 2;
const INDEX_MAGIC = 'tapes-session-index';

export interface ToolCount {
  calls: number;
  errors: number;
}

export interface SessionSummary {
  ref: string;
  /** Short name (what log, show and export accept). */
  name: string;
  tip: string;
  records: number;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  /** Models in the order they first answer. */
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
  /** Records by kind (user, assistant, tool_result, …). */
  records_by_kind: Record<string, number>;
  /** Tool calls by tool name; errors are the failed results answering them. */
  tools: Record<string, ToolCount>;
  /** Set for refs/agents/<session>/<agent>: the session's name. */
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

/** Every token a model read (uncached, cache reads and cache writes). */
export function inputTokens(t: TokenCounts): number {
  return t.input + t.cache_read + t.cache_write;
}

/**
 * Adds up the tokens of a chain's records. Claude Code writes one line per
 * content block of a message, each repeating the message's usage as it stood
 * then (the last line has the final output count), so a message counts once,
 * with its last usage. Codex reports each model call in a token_count event
 * (its input_tokens include the cached ones) and re-emits the same event when
 * nothing was called (rate-limit refreshes, resumed threads): an event whose
 * cumulative total_token_usage did not move is not a call and counts nothing.
 */
export class UsageCounter {
  private readonly byMessage = new Map<string, { model: string; tokens: TokenCounts }>();
  private readonly loose: Array<{ model: string; tokens: TokenCounts }> = [];
  private codexTotal: { input: number; cached: number; output: number } | undefined;

  /** `codexTotal`: a Codex token_count event's info.total_token_usage, when it has one. */
  add(ev: EventView, model: string, codexTotal?: JsonValue): TokenCounts | undefined {
    const u = ev.meta.usage;
    if (!isObj(u)) return undefined;
    if (ev.meta.harness === 'codex') return this.addCodex(u, model, isObj(codexTotal) ? codexTotal : isObj(u.total_token_usage) ? u.total_token_usage : undefined);
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

  private addCodex(u: Obj, model: string, total: Obj | undefined): TokenCounts | undefined {
    let input = num(u.input_tokens);
    let cached = num(u.cached_input_tokens);
    let output = num(u.output_tokens);
    if (total) {
      const now = { input: num(total.input_tokens), cached: num(total.cached_input_tokens), output: num(total.output_tokens) };
      const before = this.codexTotal;
      if (before && now.input === before.input && now.cached === before.cached && now.output === before.output) return undefined;
      this.codexTotal = now;
      // info without last_token_usage: the call is the step of the cumulative count.
      if (u === total || !('input_tokens' in u)) {
        const grew = before && now.input >= before.input && now.output >= before.output;
        input = grew ? now.input - before.input : now.input;
        cached = grew ? Math.max(0, now.cached - before.cached) : now.cached;
        output = grew ? now.output - before.output : now.output;
      }
    }
    const tokens = { input: Math.max(0, input - cached), output, cache_read: cached, cache_write: 0 };
    this.loose.push({ model, tokens });
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

// ---------------------------------------------------------------------------
// Titles: the first prompt a person typed.

// What the harness puts into a user turn around (or instead of) the prompt.
const WRAPPERS = /<(system-reminder|ide_opened_file|ide_selection|ide_diagnostics|local-command-caveat|user-prompt-submit-hook)>[\s\S]*?<\/\1>/g;
const NOT_A_PROMPT = [
  /^Caveat: The messages below were generated by the user while running local commands/,
  /^\[Request interrupted/,
  /^This session is being continued from a previous conversation/,
  /^Operation stopped by hook:/,
  /^# AGENTS\.md instructions for /,
  /^<(environment_context|user_instructions|permissions instructions|INSTRUCTIONS)>/,
];

/** The prompt in a user turn's text, or '' when the turn is not one a person typed. */
export function promptTitle(raw: string): string {
  if (/<local-command-std(out|err)>/.test(raw)) return '';
  const command = /<command-name>([\s\S]*?)<\/command-name>/.exec(raw);
  if (command) {
    // A slash command: worth a title only with arguments (/review 102, not /clear).
    const args = /<command-args>([\s\S]*?)<\/command-args>/.exec(raw)?.[1]?.trim() ?? '';
    return args ? oneLine(`${command[1]!.trim()} ${args}`, 120) : '';
  }
  const trimmed = raw.trim();
  if (NOT_A_PROMPT.some((re) => re.test(trimmed))) return '';
  // The Codex desktop app puts the files it attached before the request.
  const request = /(?:^|\n)## My request for Codex:\s*\n([\s\S]*)$/.exec(trimmed);
  const text = cleanPrompt((request ? request[1]! : trimmed).replace(WRAPPERS, ' '));
  if (!text || NOT_A_PROMPT.some((re) => re.test(text))) return '';
  return oneLine(text, 120);
}

async function firstText(store: ObjectStore, ev: EventView): Promise<string> {
  for (const b of ev.content) if (isObj(b) && b.type === 'text') return textOf(store, b.text, 4000);
  return '';
}

// ---------------------------------------------------------------------------
// One chain's summary.

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
    records_by_kind: {},
    tools: {},
    parent_session: ref.startsWith(AGENTS_PREFIX) ? (ref.slice(AGENTS_PREFIX.length).split('/')[0] ?? null) : null,
  };
  const usage = new UsageCounter();
  const toolOf = new Map<string, string>();
  let model: string | undefined;
  // Codex logs each typed prompt as a user_message event; its user messages
  // also carry instructions and environment blocks, so they are a fallback.
  let fallbackTitle: string | null = null;
  s.records = await forEachEvent(store, tip, async (ev) => {
    if (ev.time) {
      if (!s.start || ev.time < s.start) s.start = ev.time;
      if (!s.end || ev.time > s.end) s.end = ev.time;
    }
    s.records_by_kind[ev.kind] = (s.records_by_kind[ev.kind] ?? 0) + 1;
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
      if (b.type === 'tool_use' || b.type === 'server_tool_use') {
        const name = typeof b.name === 'string' && b.name ? b.name : '(unnamed)';
        s.tool_calls++;
        (s.tools[name] ??= { calls: 0, errors: 0 }).calls++;
        if (typeof b.id === 'string') toolOf.set(b.id, name);
      } else if (b.type === 'tool_result' && b.is_error === true) {
        s.tool_errors++;
        const name = (typeof b.tool_use_id === 'string' && toolOf.get(b.tool_use_id)) || '(unknown)';
        (s.tools[name] ??= { calls: 0, errors: 0 }).errors++;
      }
    }
    let codexTotal: JsonValue | undefined;
    if (m.harness === 'codex' && m.event_type === 'token_count' && isObj(m.usage) && ev.source) {
      const line = (await sourceObject(store, ev.source)) as { payload?: { info?: { total_token_usage?: JsonValue } } } | undefined;
      codexTotal = line?.payload?.info?.total_token_usage;
    }
    // Claude Code's own messages (model "<synthetic>": API errors, "No response requested.") used no model.
    if (m.model !== '<synthetic>') usage.add(ev, typeof m.model === 'string' ? m.model : (model ?? 'unknown'), codexTotal);
    if (s.title) return;
    if (m.harness === 'codex') {
      if (ev.kind === 'progress' && m.event_type === 'user_message') s.title = promptTitle(await firstText(store, ev)) || null;
      else if (ev.kind === 'user' && !fallbackTitle) fallbackTitle = promptTitle(await firstText(store, ev)) || null;
    } else if (ev.kind === 'user' && m.is_meta !== true && m.is_compact_summary !== true) {
      s.title = promptTitle(await firstText(store, ev)) || null;
    }
  });
  s.title ??= fallbackTitle;
  const totals = usage.totals();
  s.tokens = totals.tokens;
  s.tokens_by_model = totals.byModel;
  if (s.start && s.end) s.duration_ms = Date.parse(s.end) - Date.parse(s.start);
  return s;
}

export interface Cost {
  /** US dollars for the models the table prices; null when it prices none of them. */
  cost_usd: number | null;
  /** Models with tokens that the table has no price for. */
  unpriced_models: string[];
}

export function sessionCostDetail(s: Pick<SessionSummary, 'tokens_by_model'>, table: PriceTable = BUILTIN_PRICES): Cost {
  let total = 0;
  let priced = false;
  const unpriced: string[] = [];
  for (const [model, t] of Object.entries(s.tokens_by_model)) {
    const c = costOf(table, model, t);
    if (c !== undefined) {
      total += c;
      priced = true;
    } else if (inputTokens(t) + t.output > 0) unpriced.push(model);
  }
  return { cost_usd: priced ? roundUsd(total) : null, unpriced_models: unpriced };
}

/** Dollars to the micro-dollar, so sums print without floating-point noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

export function sessionCost(s: Pick<SessionSummary, 'tokens_by_model'>, table: PriceTable = BUILTIN_PRICES): number | null {
  return sessionCostDetail(s, table).cost_usd;
}

/** Models by the tokens they used, most first (ties: the order they answered in). */
export function modelsByUse(s: Pick<SessionSummary, 'models' | 'tokens_by_model'>): string[] {
  const used = (m: string) => {
    const t = s.tokens_by_model[m];
    return t ? inputTokens(t) + t.output : 0;
  };
  return [...s.models].map((m, i) => ({ m, i, n: used(m) })).sort((a, b) => b.n - a.n || a.i - b.i).map((x) => x.m);
}

// ---------------------------------------------------------------------------
// The index.

function indexPath(archive: Archive): string {
  return join(archive.dir, 'index', 'sessions.json');
}

/** The index's entries, or an empty map when it is missing, damaged or from another version. */
function readIndex(path: string): Map<string, SessionSummary> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  // First line: magic, version and the SHA-256 of the rest, so a torn or
  // edited file is noticed and rebuilt rather than believed.
  const nl = text.indexOf('\n');
  const head = /^(\S+) (\d+) ([0-9a-f]{64})$/.exec(nl < 0 ? '' : text.slice(0, nl));
  if (!head || head[1] !== INDEX_MAGIC || Number(head[2]) !== SESSION_INDEX_VERSION) return new Map();
  const body = text.slice(nl + 1);
  if (createHash('sha256').update(body).digest('hex') !== head[3]) return new Map();
  try {
    const parsed = JSON.parse(body) as unknown;
    if (!Array.isArray(parsed)) return new Map();
    return new Map(parsed.filter(isSummary).map((s) => [s.ref, s]));
  } catch {
    return new Map();
  }
}

function isSummary(x: unknown): x is SessionSummary {
  const s = x as SessionSummary;
  const str = (v: unknown) => typeof v === 'string';
  const strOrNull = (v: unknown) => v === null || typeof v === 'string';
  const tokens = (t: unknown) => t !== null && typeof t === 'object' && ['input', 'output', 'cache_read', 'cache_write'].every((k) => typeof (t as Record<string, unknown>)[k] === 'number');
  const map = (v: unknown, ok: (e: unknown) => boolean) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every(ok);
  return (
    x !== null &&
    typeof x === 'object' &&
    str(s.ref) &&
    str(s.name) &&
    str(s.tip) &&
    typeof s.records === 'number' &&
    strOrNull(s.start) &&
    strOrNull(s.end) &&
    (s.duration_ms === null || typeof s.duration_ms === 'number') &&
    Array.isArray(s.models) &&
    s.models.every(str) &&
    [s.harness, s.harness_version, s.cwd, s.git_branch, s.title, s.parent_session].every(strOrNull) &&
    tokens(s.tokens) &&
    map(s.tokens_by_model, tokens) &&
    typeof s.tool_calls === 'number' &&
    typeof s.tool_errors === 'number' &&
    map(s.records_by_kind, (n) => typeof n === 'number') &&
    map(s.tools, (t) => t !== null && typeof t === 'object' && typeof (t as ToolCount).calls === 'number' && typeof (t as ToolCount).errors === 'number')
  );
}

async function writeIndex(archive: Archive, path: string, sessions: SessionSummary[]): Promise<void> {
  const body = JSON.stringify(sessions);
  const text = `${INDEX_MAGIC} ${SESSION_INDEX_VERSION} ${createHash('sha256').update(body).digest('hex')}\n${body}`;
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await fs.mkdir(join(archive.dir, 'index'), { recursive: true });
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, path);
  } catch {
    // A cache that cannot be written (a read-only archive) costs time, not correctness.
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/**
 * The refs holding chains (sessions, then subagents), read synchronously: a
 * ref file is a few bytes, and thousands of them read through the thread pool
 * one await at a time cost ten times as much.
 */
export async function chainRefs(archive: Archive): Promise<Array<{ name: string; id: string }>> {
  const out: Array<{ name: string; id: string }> = [];
  for (const prefix of [SESSIONS_PREFIX, AGENTS_PREFIX]) {
    for (const name of await archive.refs.listNames(prefix)) {
      let text: string;
      try {
        text = readFileSync(archive.refs.pathOf(name), 'utf8');
      } catch {
        continue; // deleted since it was listed
      }
      const v = parseRefContent(name, text);
      if (v.kind === 'id') out.push({ name, id: v.id });
    }
  }
  return out;
}

/** How many chains are summarised at once when the index is cold (their reads overlap). */
const SUMMARY_CONCURRENCY = 8;

export interface ListOptions {
  /**
   * Called for a chain that cannot be summarised (a record missing or
   * damaged); the chain is left out of the result and of the index, so it is
   * tried again next time. Without it such chains are left out silently, so
   * that import, which refreshes the index, never fails on another session.
   */
  onError?: (ref: string, err: unknown) => void;
}

/** Every session and subagent chain with its summary, from the index where it is current. */
export async function listSessions(archive: Archive, opts: ListOptions = {}): Promise<SessionSummary[]> {
  const path = indexPath(archive);
  const index = readIndex(path);
  const refs = await chainRefs(archive);
  const byTip = new Map<string, SessionSummary>();
  for (const s of index.values()) byTip.set(s.tip, s);
  const out: Array<SessionSummary | undefined> = new Array(refs.length);
  const stale: number[] = [];
  let changed = index.size !== refs.length || !existsSync(path);
  for (const [i, r] of refs.entries()) {
    const cached = index.get(r.name);
    if (cached && cached.tip === r.id) {
      out[i] = cached;
      continue;
    }
    changed = true;
    // A ref renamed (or copied) keeps its chain: the summary is the same but for its name.
    const same = byTip.get(r.id);
    if (same) {
      out[i] = {
        ...same,
        ref: r.name,
        name: shortRefName(r.name),
        parent_session: r.name.startsWith(AGENTS_PREFIX) ? (r.name.slice(AGENTS_PREFIX.length).split('/')[0] ?? null) : null,
      };
    } else stale.push(i);
  }
  if (stale.length) {
    const store = await archive.objects();
    let next = 0;
    const worker = async () => {
      while (next < stale.length) {
        const i = stale[next++]!;
        try {
          out[i] = await summariseSession(store, refs[i]!.name, refs[i]!.id);
        } catch (err) {
          opts.onError?.(refs[i]!.name, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SUMMARY_CONCURRENCY, stale.length) }, worker));
  }
  const listed = out.filter((s): s is SessionSummary => s !== undefined);
  if (changed) await writeIndex(archive, path, listed);
  return listed;
}

// ---------------------------------------------------------------------------
// Choosing and ordering sessions.

export interface SessionFilter {
  /** Epoch ms: sessions still active at or after this instant. */
  since?: number;
  /** Epoch ms: sessions that had started at or before this instant. */
  until?: number;
  /** Substring of the working directory (case-insensitive). */
  project?: string;
  /** Substring of any model's name (case-insensitive). */
  model?: string;
  harness?: string;
}

export function matchesFilter(s: SessionSummary, f: SessionFilter): boolean {
  if (f.since !== undefined || f.until !== undefined) {
    if (!s.start || !s.end) return false;
    if (f.since !== undefined && Date.parse(s.end) < f.since) return false;
    if (f.until !== undefined && Date.parse(s.start) > f.until) return false;
  }
  if (f.project !== undefined && !(s.cwd ?? '').toLowerCase().includes(f.project.toLowerCase())) return false;
  if (f.model !== undefined && !s.models.some((m) => m.toLowerCase().includes(f.model!.toLowerCase()))) return false;
  if (f.harness !== undefined && s.harness !== f.harness) return false;
  return true;
}

export type SessionSortKey = 'date' | 'duration' | 'tokens' | 'cost';

/** Largest (or newest) first; sessions without the value last; ties by name. */
export function sortSessions(list: SessionSummary[], key: SessionSortKey, table: PriceTable = BUILTIN_PRICES): SessionSummary[] {
  const value = (s: SessionSummary): number | null => {
    switch (key) {
      case 'date':
        return s.start ? Date.parse(s.start) : null;
      case 'duration':
        return s.duration_ms;
      case 'tokens':
        return inputTokens(s.tokens) + s.tokens.output;
      case 'cost':
        return sessionCost(s, table);
    }
  };
  const keyed = list.map((s) => ({ s, v: value(s) }));
  keyed.sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? cmp(a.s.ref, b.s.ref) : a.v === null ? 1 : -1;
    return b.v - a.v || cmp(a.s.ref, b.s.ref);
  });
  return keyed.map((k) => k.s);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The session a subagent chain belongs to: refs/sessions/<its parent_session>. */
export function parentRef(s: Pick<SessionSummary, 'parent_session'>): string | null {
  return s.parent_session === null ? null : SESSIONS_PREFIX + s.parent_session;
}

const MIN_SHORT = 8;

/**
 * Short names for sessions that the revision resolver takes back: the
 * shortest prefix of at least 8 characters that begins no other session's
 * name (or the whole name), lengthened while it is also an object id prefix.
 * Subagent chains are named `agents/<session>/<agent>`, in full.
 */
export async function shortSessionNames(archive: Archive, all: SessionSummary[], shown: SessionSummary[]): Promise<Map<string, string>> {
  const names = all.filter((s) => s.ref.startsWith(SESSIONS_PREFIX)).map((s) => s.name).sort(cmp);
  const need = new Map<string, number>();
  const lcp = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
  };
  for (const [i, n] of names.entries()) {
    const common = Math.max(i > 0 ? lcp(n, names[i - 1]!) : 0, i + 1 < names.length ? lcp(n, names[i + 1]!) : 0);
    need.set(n, Math.min(n.length, Math.max(MIN_SHORT, common + 1)));
  }
  const out = new Map<string, string>();
  let store: ObjectStore | undefined;
  const fanout = new Map<string, string[]>();
  for (const s of shown) {
    if (!s.ref.startsWith(SESSIONS_PREFIX)) {
      out.set(s.ref, s.ref.slice('refs/'.length));
      continue;
    }
    let len = need.get(s.name) ?? s.name.length;
    // A hex prefix of 4 or more digits also names objects: keep going until none does.
    if (/^[0-9a-f]+$/.test(s.name.slice(0, len)) && len < s.name.length) {
      store ??= await archive.objects();
      const dir = s.name.slice(0, 2);
      if (!fanout.has(dir)) fanout.set(dir, await store.findByPrefix(dir));
      const ids = fanout.get(dir)!;
      while (len < s.name.length && /^[0-9a-f]+$/.test(s.name.slice(0, len)) && ids.some((id) => id.startsWith(s.name.slice(0, len)))) len++;
    }
    out.set(s.ref, s.name.slice(0, len));
  }
  return out;
}

// ---------------------------------------------------------------------------
// --since / --until.

/**
 * Reads a point in time: `now`, `today`, `yesterday`; a relative age
 * `<n>s|m|h|d|w` (seconds, minutes, hours, days, weeks; "ago" optional); an
 * ISO date `YYYY-MM-DD` (local midnight, or with `end`, the end of that day);
 * an ISO date-time, local unless it ends in Z or an offset. Undefined when the
 * text is none of these.
 */
export function parseTimeSpec(text: string, now: Date, timeZone?: string, end = false): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now.getTime();
  const rel = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)(?:\s+ago)?$/.exec(t);
  if (rel) {
    const unit = rel[2]![0] === 'm' ? 60e3 : rel[2]![0] === 'h' ? 3600e3 : rel[2]![0] === 'd' ? 86400e3 : rel[2]![0] === 'w' ? 7 * 86400e3 : 1e3;
    return now.getTime() - Number(rel[1]) * unit;
  }
  const day = (offsetDays: number): number => {
    const [y, mo, d] = wallClock(now.getTime(), timeZone);
    return localToEpoch(y, mo, d + offsetDays + (end ? 1 : 0), 0, 0, 0, 0, timeZone) - (end ? 1 : 0);
  };
  if (t === 'today') return day(0);
  if (t === 'yesterday') return day(-1);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!validDate(y, mo, d)) return undefined;
    return localToEpoch(y, mo, d + (end ? 1 : 0), 0, 0, 0, 0, timeZone) - (end ? 1 : 0);
  }
  const dt = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (dt) {
    const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(dt[i] ?? 0)) as [number, number, number, number, number, number];
    const ms = Number((dt[7] ?? '0').padEnd(3, '0'));
    if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return undefined;
    const zone = dt[8];
    if (zone === undefined) return localToEpoch(y, mo, d, h, mi, sec, ms, timeZone);
    const utc = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    if (zone === 'z') return utc;
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    return utc - (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60e3;
  }
  return undefined;
}

/** Like parseTimeSpec, throwing a usage error (exit 129) naming the option. */
export function timeOption(option: string, text: string, now: Date, timeZone?: string, end = false): number {
  const t = parseTimeSpec(text, now, timeZone, end);
  if (t === undefined) {
    throw new UsageError(
      `bad ${option} value ${JSON.stringify(text)}: expected a date (2026-01-05), a date and time (2026-01-05T14:30), or an age (90m, 2h, 3d, 1w)`,
      { option, value: text },
    );
  }
  return t;
}

function validDate(y: number, mo: number, d: number): boolean {
  const x = new Date(Date.UTC(y, mo - 1, d));
  return x.getUTCFullYear() === y && x.getUTCMonth() === mo - 1 && x.getUTCDate() === d;
}

/** A usable IANA time zone name, or undefined for the system's. */
export function validTimeZone(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz.startsWith(':') ? tz.slice(1) : tz });
    return tz.startsWith(':') ? tz.slice(1) : tz;
  } catch {
    return undefined;
  }
}

/** Year, month, day, hour, minute, second of an instant on the wall clock of `timeZone`. */
function wallClock(ms: number, timeZone?: string): [number, number, number, number, number, number] {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

/** The instant a wall-clock time in `timeZone` names (the earlier one in a repeated hour). */
function localToEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, timeZone?: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const offset = (at: number) => {
    const [yy, mm, dd, hh, mn, ss] = wallClock(at, timeZone);
    return Date.UTC(yy, mm - 1, dd, hh, mn, ss) - Math.floor(at / 1000) * 1000;
  };
  let guess = asUtc - offset(asUtc);
  guess = asUtc - offset(guess);
  return guess;
}
