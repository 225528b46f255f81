// What `tapes log`, `tapes show` and export read: a session's records in
// captured order with its subagents' chains placed where they were spawned
// (under the tool call that started them, else where their first record's
// time falls), and records that cannot be read kept as errors.
import type { ObjectStore } from '../../odb/index.js';
import { SESSIONS_PREFIX, AGENTS_PREFIX } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { str, toolUseIds } from '../event/index.js';
import { LostLinkFinder, readChain, type ChainItem } from './chain.js';
import type { TimelineRow } from './timeline-cache.js';

export interface LogRecord {
  type: 'record';
  item: ChainItem;
  /** Subagent chains this record's tool calls spawned. */
  agents: LogAgent[];
  /** Shown only because records below it were selected. */
  context?: boolean;
  /** The record's timeline line, when known without its view (a kept timeline, timeline-cache.ts). */
  row?: TimelineRow;
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
