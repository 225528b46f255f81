// What `tapes log` and `tapes show` read: a session's records in captured
// order with its subagents' chains placed where they were spawned, records
// that cannot be read kept as errors (the walk goes on past them), the
// session that holds a record, ids abbreviated so that they stay unique, and
// the selection options of log (kinds, tools, errors, times, -n, --reverse).
import { NotFoundError, isTapesError } from '../errors/index.js';
import type { JsonValue } from '../hash/index.js';
import type { ObjectStore } from '../odb/index.js';
import { parseRecordBody, readEvent, toEventView, type EventView } from '../record/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../refs/index.js';
import { displaySessionName } from '../view/timeline.js';
import type { Archive } from './archive.js';
import { listSessions } from './sessions.js';

type Obj = { [k: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);

// ---------------------------------------------------------------- chains

/** One record of a chain as read: its view, or why it could not be read. */
export interface ChainItem {
  id: string;
  ev: EventView | null;
  /** Set when the record could not be read (missing, damaged, not a record). */
  error: { code: string; message: string } | null;
}

/**
 * The records of the chain ending at `tip`, oldest first. A record that
 * cannot be read is kept as an item with its error, and the walk goes on
 * from its parent when `finder` can tell which record that was.
 */
export async function readChain(store: ObjectStore, tip: string, finder?: LostLinkFinder): Promise<ChainItem[]> {
  const items: ChainItem[] = [];
  const seen = new Set<string>();
  let child: EventView | null = null;
  for (let next: string | null = tip; next !== null && !seen.has(next); ) {
    const id: string = next;
    seen.add(id);
    try {
      const ev: EventView = await readEvent(store, id);
      items.push({ id, ev, error: null });
      child = ev;
      next = ev.parent;
    } catch (err) {
      if (!isTapesError(err)) throw err;
      const error = { code: err.code, message: err.message };
      items.push({ id, ev: null, error });
      // The lost record's parent: none when the record after it is line 2 of its file.
      const parent = child?.source?.line === 2 ? null : child && finder ? await finder.parentOfLost(child, seen) : undefined;
      if (parent === undefined) {
        error.message += '; the records before it cannot be found';
        break;
      }
      next = parent;
    }
  }
  return items.reverse();
}

/**
 * Finds the parent of a record that cannot be read, from the record after it
 * (its child): the parent held the line two before the child's, in the same
 * source format and session, and no readable record names it as parent (its
 * one child is the lost record). Scans every object once, on first use.
 */
export class LostLinkFinder {
  private scanned?: Promise<{ byLine: Map<string, string[]>; parents: Set<string> }>;

  constructor(private readonly store: ObjectStore) {}

  /** The parent id, null when the lost record was the first of its chain, undefined when unknown. */
  async parentOfLost(child: EventView, seen: Set<string>): Promise<string | null | undefined> {
    const src = child.source;
    if (!src) return undefined;
    if (src.line === 2) return null;
    const { byLine, parents } = await (this.scanned ??= this.scan());
    const candidates = (byLine.get(lineKey(src.format, src.line - 2, sessionIdOf(child))) ?? []).filter((id) => !parents.has(id) && !seen.has(id));
    return candidates.length === 1 ? candidates[0]! : undefined;
  }

  private async scan(): Promise<{ byLine: Map<string, string[]>; parents: Set<string> }> {
    const byLine = new Map<string, string[]>();
    const parents = new Set<string>();
    for await (const id of this.store.ids()) {
      let obj;
      try {
        obj = await this.store.read(id);
      } catch {
        continue;
      }
      if (obj.type !== 'record') continue;
      try {
        const ev = toEventView(id, parseRecordBody(obj.body, id).value);
        if (ev.parent) parents.add(ev.parent);
        if (!ev.source) continue;
        const key = lineKey(ev.source.format, ev.source.line, sessionIdOf(ev));
        byLine.set(key, [...(byLine.get(key) ?? []), id]);
      } catch {
        continue;
      }
    }
    return { byLine, parents };
  }
}

function lineKey(format: string, line: number, session: string | null): string {
  return JSON.stringify([format, line, session]);
}

function sessionIdOf(ev: EventView): string | null {
  return str(ev.meta.session_id);
}

// ---------------------------------------------------------------- the tree

export interface LogRecord {
  type: 'record';
  item: ChainItem;
  /** Subagent chains this record's tool calls spawned. */
  agents: LogAgent[];
  /** Shown only because records below it were selected. */
  context?: boolean;
}

export interface LogAgent {
  type: 'agent';
  /** Full ref name: refs/agents/<session>/<agent>. */
  ref: string;
  /** The agent part of the ref name (`agent-<id>`). */
  name: string;
  agentType: string | null;
  description: string | null;
  /** The tool_use id that started it, when known. */
  spawnedBy: string | null;
  entries: LogEntry[];
}

export type LogEntry = LogRecord | LogAgent;

export interface SessionLog {
  /** The session ref shown (refs/sessions/… or refs/agents/…), when one is known to hold the chain. */
  ref: string | null;
  tip: string;
  /** Records oldest first; subagents under the record that spawned them, or where they started. */
  entries: LogEntry[];
  /** ISO time of the earliest record (elapsed times count from it). */
  start: string | null;
  model: string | null;
  cwd: string | null;
  /** Records that could not be read. */
  damaged: ChainItem[];
}

export interface LoadOptions {
  /** Place the session's subagent chains (refs/agents/<session>/…) in the tree. */
  subagents?: boolean;
}

/** Reads the chain ending at `tip` and, for a session, its subagents. */
export async function loadSessionLog(archive: Archive, tip: string, ref: string | null, opts: LoadOptions = {}): Promise<SessionLog> {
  const store = await archive.objects();
  const finder = new LostLinkFinder(store);
  const items = await readChain(store, tip, finder);
  const entries: LogEntry[] = items.map((item) => ({ type: 'record', item, agents: [] }));
  const log: SessionLog = { ref, tip, entries, start: null, model: null, cwd: null, damaged: [] };
  if (opts.subagents !== false && ref?.startsWith(SESSIONS_PREFIX)) {
    await placeSubagents(archive, store, finder, log, ref.slice(SESSIONS_PREFIX.length));
  }
  for (const item of allItems(log.entries)) {
    if (item.error) log.damaged.push(item);
    const ev = item.ev;
    if (!ev) continue;
    if (ev.time && (!log.start || ev.time < log.start)) log.start = ev.time;
  }
  for (const { ev } of items) {
    if (!ev) continue;
    log.model ??= str(ev.meta.model) === '<synthetic>' ? null : str(ev.meta.model);
    log.cwd ??= str(ev.meta.cwd);
  }
  return log;
}

async function placeSubagents(archive: Archive, store: ObjectStore, finder: LostLinkFinder, log: SessionLog, session: string): Promise<void> {
  const agents: LogAgent[] = [];
  for (const r of await archive.refs.list(`${AGENTS_PREFIX}${session}/`)) {
    const items = await readChain(store, r.id, finder);
    const first = items[0]?.ev ?? null;
    const m = first?.meta ?? {};
    agents.push({
      type: 'agent',
      ref: r.name,
      name: r.name.slice(`${AGENTS_PREFIX}${session}/`.length),
      agentType: str(m.agent_type),
      description: str(m.agent_description),
      spawnedBy: str(m.spawned_by_tool_use_id),
      entries: items.map((item) => ({ type: 'record', item, agents: [] })),
    });
  }
  if (agents.length === 0) return;
  // Every tool call of the session and of its agents, so an agent started by another agent nests under it.
  const calls = new Map<string, LogRecord>();
  const index = (entries: LogEntry[]) => {
    for (const e of entries) {
      if (e.type !== 'record' || !e.item.ev) continue;
      for (const id of toolUseIds(e.item.ev)) if (!calls.has(id)) calls.set(id, e);
    }
  };
  index(log.entries);
  for (const a of agents) index(a.entries);
  const floating: LogAgent[] = [];
  for (const a of agents) {
    const caller = a.spawnedBy ? calls.get(a.spawnedBy) : undefined;
    if (caller && !a.entries.includes(caller)) caller.agents.push(a);
    else floating.push(a);
  }
  // The others start where their first record's time falls in the session (the end when it has none).
  for (const a of floating) {
    const t = firstTime(a.entries);
    let at = log.entries.length;
    if (t !== null) {
      at = 0;
      log.entries.forEach((e, i) => {
        const et = e.type === 'record' ? e.item.ev?.time : null;
        if (et && et <= t) at = i + 1;
      });
    }
    log.entries.splice(at, 0, a);
  }
}

function firstTime(entries: LogEntry[]): string | null {
  for (const e of entries) if (e.type === 'record' && e.item.ev?.time) return e.item.ev.time;
  return null;
}

/** Every chain item of a tree, in display order. */
export function* allItems(entries: LogEntry[]): Generator<ChainItem> {
  for (const e of entries) {
    if (e.type === 'agent') yield* allItems(e.entries);
    else {
      yield e.item;
      for (const a of e.agents) yield* allItems(a.entries);
    }
  }
}

function blocksOf(ev: EventView): Obj[] {
  return ev.content.filter(isObj);
}

/** The tool_use ids a record's tool calls carry. */
export function toolUseIds(ev: EventView): string[] {
  return blocksOf(ev).flatMap((b) => ((b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.id === 'string' ? [b.id] : []));
}

function toolNames(ev: EventView): string[] {
  return blocksOf(ev).flatMap((b) => ((b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.name === 'string' ? [b.name] : []));
}

function results(ev: EventView): Obj[] {
  return blocksOf(ev).filter((b) => b.type === 'tool_result');
}

/**
 * The label `summariseEvent` gives a record, decided without reading blobs:
 * `tool` for tool calls, `tool_result`, `thinking` for an assistant record
 * that only thinks, else the record's kind.
 */
export function labelOf(ev: EventView): string {
  if (ev.kind === 'unparsed') return 'unparsed';
  const blocks = blocksOf(ev);
  if (blocks.some((b) => b.type === 'tool_use' || b.type === 'server_tool_use')) return 'tool';
  if (blocks.some((b) => b.type === 'tool_result')) return 'tool_result';
  if (ev.kind === 'assistant' && blocks.some((b) => b.type === 'thinking')) {
    const speaks = blocks.some((b) => (b.type === 'text' && b.text !== '') || b.type === 'image') || ev.content.some((b) => typeof b === 'string');
    if (!speaks) return 'thinking';
  }
  return ev.kind;
}

// ---------------------------------------------------------------- selection

export interface LogFilter {
  /** Labels to keep, as log lines show them (`labelOf`): user, assistant, tool, tool_result, thinking, system … */
  kinds?: string[];
  /** Tool names: keep their calls and the results of those calls. */
  tools?: string[];
  /** Keep only failed tool results and the calls that caused them. */
  errors?: boolean;
  /** Epoch ms bounds on the record's time (records without a time are dropped when set). */
  since?: number;
  until?: number;
}

/** True when the filter selects everything. */
export function isEmptyFilter(f: LogFilter): boolean {
  return !f.kinds?.length && !f.tools?.length && !f.errors && f.since === undefined && f.until === undefined;
}

/**
 * The records a filter selects. Unreadable records are always kept (they are
 * errors to report). A record that spawned subagents stays, marked as context,
 * when records of its subagents are selected and it is not.
 */
export function selectLog(entries: LogEntry[], f: LogFilter): LogEntry[] {
  if (isEmptyFilter(f)) return entries;
  const tools = new Set((f.tools ?? []).map((t) => t.toLowerCase()));
  const toolCalls = new Set<string>(); // tool_use ids of the wanted tools
  const failedCalls = new Set<string>(); // tool_use ids answered by a failed result
  for (const item of allItems(entries)) {
    if (!item.ev) continue;
    for (const b of blocksOf(item.ev)) {
      if ((b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.id === 'string' && typeof b.name === 'string' && tools.has(b.name.toLowerCase())) {
        toolCalls.add(b.id);
      }
      if (b.type === 'tool_result' && b.is_error === true && typeof b.tool_use_id === 'string') failedCalls.add(b.tool_use_id);
    }
  }
  const kinds = new Set(f.kinds ?? []);
  const keep = (ev: EventView): boolean => {
    if (kinds.size && !kinds.has(labelOf(ev))) return false;
    if (tools.size) {
      const calls = toolNames(ev).some((n) => tools.has(n.toLowerCase()));
      const answers = results(ev).some((r) => typeof r.tool_use_id === 'string' && toolCalls.has(r.tool_use_id));
      if (!calls && !answers) return false;
    }
    if (f.errors) {
      const failed = results(ev).some((r) => r.is_error === true);
      const caused = toolUseIds(ev).some((id) => failedCalls.has(id));
      if (!failed && !caused) return false;
    }
    if (f.since !== undefined || f.until !== undefined) {
      const t = ev.time ? Date.parse(ev.time) : NaN;
      if (!Number.isFinite(t)) return false;
      if (f.since !== undefined && t < f.since) return false;
      if (f.until !== undefined && t > f.until) return false;
    }
    return true;
  };
  const walk = (list: LogEntry[]): LogEntry[] => {
    const out: LogEntry[] = [];
    for (const e of list) {
      if (e.type === 'agent') {
        const inner = walk(e.entries);
        if (inner.length) out.push({ ...e, entries: inner });
        continue;
      }
      const agents = e.agents.map((a) => ({ ...a, entries: walk(a.entries) })).filter((a) => a.entries.length > 0);
      const selected = !e.item.ev || keep(e.item.ev);
      if (selected || agents.length) out.push({ ...e, agents, context: !selected });
    }
    return out;
  };
  return walk(entries);
}

/** The tree in the opposite order (newest first), at every level. */
export function reverseLog(entries: LogEntry[]): LogEntry[] {
  return [...entries].reverse().map((e) =>
    e.type === 'agent' ? { ...e, entries: reverseLog(e.entries) } : { ...e, agents: [...e.agents].reverse().map((a) => ({ ...a, entries: reverseLog(a.entries) })) },
  );
}

/** The first `n` records in display order (context records do not count, and stay only above kept records). */
export function limitLog(entries: LogEntry[], n: number): LogEntry[] {
  let left = Math.max(0, n);
  const walk = (list: LogEntry[]): LogEntry[] => {
    const out: LogEntry[] = [];
    for (const e of list) {
      if (left <= 0) break;
      if (e.type === 'agent') {
        const inner = walk(e.entries);
        if (inner.length) out.push({ ...e, entries: inner });
        continue;
      }
      if (!e.context) left--;
      const agents: LogAgent[] = [];
      for (const a of e.agents) {
        const inner = walk(a.entries);
        if (inner.length) agents.push({ ...a, entries: inner });
      }
      if (!e.context || agents.length) out.push({ ...e, agents });
    }
    return out;
  };
  return walk(entries);
}

// ---------------------------------------------------------------- revisions

export interface LogTarget {
  /** What the user asked for (or what was chosen for them). */
  rev: string;
  id: string;
  /** The session or agent ref that holds the chain, when known. */
  ref: string | null;
}

/**
 * Where `tapes log` with no revision starts: HEAD, or, when HEAD does not
 * resolve (a new archive, or HEAD on a session not imported yet), the session
 * that was active last (by the time of its newest record).
 */
export async function defaultTarget(archive: Archive): Promise<LogTarget> {
  const head = await archive.refs.follow('HEAD');
  if (head.value?.kind === 'id') {
    return { rev: 'HEAD', id: head.value.id, ref: head.name === 'HEAD' ? null : head.name };
  }
  const sessions = (await listSessions(archive)).filter((s) => s.ref.startsWith(SESSIONS_PREFIX));
  if (sessions.length === 0) {
    throw new NotFoundError('there are no sessions in the archive', {}, 'Run "tapes import" to bring sessions in.');
  }
  sessions.sort((a, b) => (b.end ?? '').localeCompare(a.end ?? '') || (a.ref < b.ref ? -1 : 1));
  const s = sessions[0]!;
  return { rev: s.name, id: s.tip, ref: s.ref };
}

/** Resolves a revision for log: the ref a session name or HEAD stands for is kept. */
export async function resolveTarget(archive: Archive, rev: string): Promise<LogTarget> {
  const r = await archive.resolve(rev);
  let ref = r.ref ?? null;
  if (ref === 'HEAD') {
    const name = (await archive.refs.follow('HEAD')).name;
    ref = name === 'HEAD' ? null : name;
  }
  if (ref && !ref.startsWith(SESSIONS_PREFIX) && !ref.startsWith(AGENTS_PREFIX)) ref = null;
  return { rev, id: r.id, ref };
}

/**
 * The session and agent refs whose chains hold record `ev`. Cheap: only refs
 * the record points to are walked (its session id names them, or their tip
 * carries the same session id), and each walk stops once it is below the
 * record's line. Refs whose tip is the record count without a walk.
 */
export async function sessionsContaining(archive: Archive, ev: EventView): Promise<string[]> {
  const store = await archive.objects();
  const refs = [...(await archive.refs.list(SESSIONS_PREFIX)), ...(await archive.refs.list(AGENTS_PREFIX))];
  const sid = str(ev.meta.session_id)?.split('#')[0] ?? null;
  const agent = str(ev.meta.agent_id);
  const parentSession = str(ev.meta.parent_session);
  const format = ev.source?.format ?? null;
  const candidates: Array<{ name: string; id: string }> = [];
  for (const r of refs) {
    if (r.id === ev.id) {
      candidates.push(r);
      continue;
    }
    const short = shortRefName(r.name);
    const named =
      sid !== null &&
      ((r.name.startsWith(SESSIONS_PREFIX) && !agent && short.startsWith(sid)) ||
        (agent !== null && (r.name === `${AGENTS_PREFIX}${sid}/agent-${agent}` || r.name === `${AGENTS_PREFIX}${parentSession}/agent-${agent}`)));
    if (named) {
      candidates.push(r);
      continue;
    }
    // Files named otherwise: the tip tells which session (and format) it holds.
    const tipEv = await readEvent(store, r.id).catch(() => undefined);
    if (!tipEv || (format !== null && tipEv.source?.format !== format)) continue;
    const tipSid = str(tipEv.meta.session_id)?.split('#')[0] ?? null;
    if (sid !== null ? tipSid === sid : tipSid === null) candidates.push(r);
  }
  const out: string[] = [];
  for (const c of candidates) if (await chainHolds(store, c.id, ev)) out.push(c.name);
  return [...new Set(out)];
}

async function chainHolds(store: ObjectStore, tip: string, ev: EventView): Promise<boolean> {
  const line = ev.source?.line;
  for (let id: string | null = tip; id !== null; ) {
    if (id === ev.id) return true;
    let cur: EventView;
    try {
      cur = await readEvent(store, id);
    } catch {
      return false;
    }
    if (line !== undefined && cur.source && cur.source.line < line) return false;
    id = cur.parent;
  }
  return false;
}

// ---------------------------------------------------------------- abbreviations

/**
 * Abbreviated ids that name one object, as git's: at least `min` hex digits,
 * more while another object shares the prefix, a session name starts with it
 * (revisions take unique session-name prefixes too), or a ref is named so.
 */
export class Abbreviator {
  private readonly dirs = new Map<string, Promise<string[]>>();

  private constructor(
    private readonly store: ObjectStore,
    private readonly refNames: Set<string>,
    private readonly sessions: Array<{ name: string; id: string }>,
  ) {}

  static async create(archive: Archive): Promise<Abbreviator> {
    const all = await archive.refs.list('refs/');
    const sessions = all.filter((r) => r.name.startsWith(SESSIONS_PREFIX)).map((r) => ({ name: shortRefName(r.name), id: r.id }));
    return new Abbreviator(await archive.objects(), new Set(all.map((r) => r.name)), sessions);
  }

  /** Lists the fan-out directories of these ids at once (in parallel). */
  async prepare(ids: Iterable<string>): Promise<void> {
    const wanted = new Set<string>();
    for (const id of ids) wanted.add(id.slice(0, 2));
    await Promise.all([...wanted].map((d) => this.dir(d)));
  }

  private dir(prefix: string): Promise<string[]> {
    let p = this.dirs.get(prefix);
    if (!p) {
      p = this.store.findByPrefix(prefix);
      this.dirs.set(prefix, p);
    }
    return p;
  }

  async abbrev(id: string, min = 7): Promise<string> {
    let n = min;
    for (const other of await this.dir(id.slice(0, 2))) {
      if (other === id) continue;
      let k = 0;
      while (k < id.length && other[k] === id[k]) k++;
      n = Math.max(n, k + 1);
    }
    while (n < id.length && this.conflicts(id, id.slice(0, n))) n++;
    return id.slice(0, n);
  }

  /**
   * A session's name as headers show it, the way `tapes sessions` shortens
   * it: the shortest prefix of at least 8 characters that begins no other
   * session's name (else the whole name), longer while it is also a prefix
   * of an object id. Other refs by their short name.
   */
  async sessionName(ref: string): Promise<string> {
    const name = shortRefName(ref);
    if (!ref.startsWith(SESSIONS_PREFIX)) return name;
    let len = displaySessionName(name, this.sessions.map((s) => s.name)).length;
    while (len < name.length && /^[0-9a-f]{4,}$/.test(name.slice(0, len)) && (await this.dir(name.slice(0, 2))).some((id) => id.startsWith(name.slice(0, len)))) len++;
    return name.slice(0, len);
  }

  private conflicts(id: string, prefix: string): boolean {
    for (const r of [`refs/${prefix}`, `${SESSIONS_PREFIX}${prefix}`, `refs/tags/${prefix}`, `refs/remotes/${prefix}`]) {
      if (this.refNames.has(r)) return true;
    }
    return this.sessions.some((s) => s.id !== id && s.name.startsWith(prefix));
  }
}
