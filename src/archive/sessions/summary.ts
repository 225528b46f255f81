// One chain's summary: start, end, duration, records by kind, models, tokens
// by model, tool calls and errors by tool, harness, project, branch and
// title. Computed from the records alone; sessions/cache.ts keeps the
// summaries so that they are computed once per tip.
import type { JsonValue } from '../../hash/index.js';
import type { ObjectStore } from '../../odb/index.js';
import { eventSource, readEventHead, sourceObject, type EventHead, type HeadCache } from '../../record/index.js';
import { AGENTS_PREFIX, shortRefName } from '../../refs/index.js';
import { isObj } from '../event/index.js';
import type { TokenCounts } from '../pricing.js';
import { firstText, promptTitle } from './title.js';
import { UsageCounter, emptyTokens } from './usage.js';

export interface ToolCount {
  calls: number;
  errors: number;
}

/**
 * How long a tool's calls took: the wall time from the record holding a call
 * to the record holding its result, over the results whose call is in the
 * same chain and both records carry a time.
 */
export interface ToolTime {
  /** Results timed. */
  timed: number;
  /** Their time in all, in milliseconds. */
  ms: number;
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
  /** Time from call to result by tool name (only tools with a timed result). */
  tool_time: Record<string, ToolTime>;
  /** Set for refs/agents/<session>/<agent>: the session's name. */
  parent_session: string | null;
  /**
   * The tip record's session id (meta.session_id, up to any '#') and source
   * format: which session the chain holds, kept so that finding the chains
   * that hold a record need not read every tip (log/target.ts).
   */
  tip_session_id: string | null;
  tip_format: string | null;
}

/**
 * A chain's records, oldest first, without their line templates
 * (readEventHead; the whole chain is held: a summary needs every record).
 * With `heads`, records it holds are not read again, and those read are
 * kept there (chains that share a prefix: record/head-cache.ts).
 */
export async function readChainEvents(store: ObjectStore, tip: string, heads?: HeadCache): Promise<EventHead[]> {
  const events: EventHead[] = [];
  for (let id: string | null = tip; id !== null; ) {
    const ev: EventHead = heads ? await heads.read(store, id) : await readEventHead(store, id);
    events.push(ev);
    id = ev.parent;
  }
  return events.reverse();
}

/** Reads `tip`'s chain and summarises it. */
export async function summariseSession(store: ObjectStore, ref: string, tip: string): Promise<SessionSummary> {
  return summariseEvents(store, ref, tip, await readChainEvents(store, tip));
}

/**
 * What summariseEvents folds without reading anything more: everything but
 * a Codex token count's totals and the title. Kept out of the async loop,
 * whose every deoptimisation (records parsed from JSON come in many shapes)
 * had V8 compile the whole of it again, some 120 ms each time.
 */
class SummaryFold {
  readonly s: SessionSummary;
  readonly usage = new UsageCounter();
  private readonly toolOf = new Map<string, string>();
  private readonly calledAt = new Map<string, number>();
  /** The model of the latest record that named one. */
  model: string | undefined;
  // Codex logs each typed prompt as a user_message event; its user messages
  // also carry instructions and environment blocks, so they are a fallback.
  fallbackTitle: string | null = null;

  constructor(
    ref: string,
    private readonly tip: string,
  ) {
    this.s = {
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
      tool_time: {},
      parent_session: ref.startsWith(AGENTS_PREFIX) ? (ref.slice(AGENTS_PREFIX.length).split('/')[0] ?? null) : null,
      tip_session_id: null,
      tip_format: null,
    };
  }

  add(ev: EventHead): void {
    const s = this.s;
    if (ev.id === this.tip) {
      s.tip_session_id = typeof ev.meta.session_id === 'string' ? (ev.meta.session_id.split('#')[0] ?? null) : null;
      s.tip_format = ev.source?.format ?? null;
    }
    if (ev.time) {
      if (!s.start || ev.time < s.start) s.start = ev.time;
      if (!s.end || ev.time > s.end) s.end = ev.time;
    }
    s.records_by_kind[ev.kind] = (s.records_by_kind[ev.kind] ?? 0) + 1;
    const m = ev.meta;
    if (typeof m.model === 'string' && m.model !== '<synthetic>') {
      this.model = m.model;
      if (!s.models.includes(m.model)) s.models.push(m.model);
    }
    if (!s.harness && typeof m.harness === 'string') s.harness = m.harness;
    if (!s.harness_version && typeof m.harness_version === 'string') s.harness_version = m.harness_version;
    if (!s.cwd && typeof m.cwd === 'string') s.cwd = m.cwd;
    if (!s.git_branch && typeof m.git_branch === 'string' && m.git_branch) s.git_branch = m.git_branch;
    for (const b of ev.content) if (isObj(b)) this.block(b, ev.time);
  }

  private block(b: { [key: string]: JsonValue }, time: string | null): void {
    const s = this.s;
    if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      const name = typeof b.name === 'string' && b.name ? b.name : '(unnamed)';
      s.tool_calls++;
      (s.tools[name] ??= { calls: 0, errors: 0 }).calls++;
      if (typeof b.id === 'string') {
        this.toolOf.set(b.id, name);
        const at = time ? Date.parse(time) : NaN;
        if (Number.isFinite(at)) this.calledAt.set(b.id, at);
      }
    } else if (b.type === 'tool_result') {
      const id = typeof b.tool_use_id === 'string' ? b.tool_use_id : undefined;
      const known = id === undefined ? undefined : this.toolOf.get(id);
      if (b.is_error === true) {
        s.tool_errors++;
        (s.tools[known || '(unknown)'] ??= { calls: 0, errors: 0 }).errors++;
      }
      const from = id === undefined ? undefined : this.calledAt.get(id);
      const to = time ? Date.parse(time) : NaN;
      if (known && from !== undefined && Number.isFinite(to)) {
        // Timed once: a result repeated (a resumed session re-sends it) adds nothing.
        this.calledAt.delete(id!);
        const t = (s.tool_time[known] ??= { timed: 0, ms: 0 });
        t.timed++;
        t.ms += Math.max(0, to - from);
      }
    }
  }
}

/**
 * The summary of a chain whose records (oldest first, as readChainEvents gives
 * them) the caller has read: the import's second thread reads each chain
 * once for the summary and the search index (search/derived-update.ts).
 * Only the blobs a summary shows (a title's text, a Codex event's line)
 * are read here.
 */
export async function summariseEvents(store: ObjectStore, ref: string, tip: string, events: readonly EventHead[]): Promise<SessionSummary> {
  const f = new SummaryFold(ref, tip);
  const s = f.s;
  s.records = events.length;
  for (const ev of events) {
    f.add(ev);
    const m = ev.meta;
    let codexTotal: JsonValue | undefined;
    const source = m.harness === 'codex' && m.event_type === 'token_count' && isObj(m.usage) ? await eventSource(store, ev) : undefined;
    if (source) {
      const line = (await sourceObject(store, source)) as { payload?: { info?: { total_token_usage?: JsonValue } } } | undefined;
      codexTotal = line?.payload?.info?.total_token_usage;
    }
    // Claude Code's own messages (model "<synthetic>": API errors, "No response requested.") used no model.
    if (m.model !== '<synthetic>') f.usage.add(ev, typeof m.model === 'string' ? m.model : (f.model ?? 'unknown'), codexTotal);
    if (s.title) continue;
    if (m.harness === 'codex') {
      if (ev.kind === 'progress' && m.event_type === 'user_message') s.title = promptTitle(await firstText(store, ev)) || null;
      else if (ev.kind === 'user' && !f.fallbackTitle) f.fallbackTitle = promptTitle(await firstText(store, ev)) || null;
    } else if (ev.kind === 'user' && m.is_meta !== true && m.is_compact_summary !== true) {
      s.title = promptTitle(await firstText(store, ev)) || null;
    }
  }
  s.title ??= f.fallbackTitle;
  const totals = f.usage.totals();
  s.tokens = totals.tokens;
  s.tokens_by_model = totals.byModel;
  if (s.start && s.end) s.duration_ms = Date.parse(s.end) - Date.parse(s.start);
  return s;
}
