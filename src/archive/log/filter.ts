// The selection options of `tapes log`: kinds, tools, errors and times, and
// the order and count of what is shown (--reverse, -n), applied to the tree
// so that a selected subagent record keeps the record that spawned it.
import type { EventView } from '../../record/index.js';
import { blocksOf, labelOf, toolNames, toolResults, toolUseIds } from '../event/index.js';
import { allItems, type LogAgent, type LogEntry } from './tree.js';

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
      const answers = toolResults(ev).some((r) => typeof r.tool_use_id === 'string' && toolCalls.has(r.tool_use_id));
      if (!calls && !answers) return false;
    }
    if (f.errors) {
      const failed = toolResults(ev).some((r) => r.is_error === true);
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
