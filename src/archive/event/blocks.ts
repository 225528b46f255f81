// What a record's content blocks say without reading any blob: the tool calls
// it makes, the results it carries, and the label log, search and export give
// it. The readers that select records (log's filters, the search index) and
// the ones that describe them (event-summary.ts) share these, so a record is
// labelled the same way everywhere.
import type { JsonValue } from '../../hash/index.js';
import type { EventHead, EventView } from '../../record/index.js';

export type Obj = { [k: string]: JsonValue };
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A non-empty string, or null. */
export const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function blocksOf(ev: EventHead): Obj[] {
  return ev.content.filter(isObj);
}

function isToolCall(b: Obj): boolean {
  return b.type === 'tool_use' || b.type === 'server_tool_use';
}

/** The tool_use ids a record's tool calls carry. */
export function toolUseIds(ev: EventView): string[] {
  return blocksOf(ev).flatMap((b) => (isToolCall(b) && typeof b.id === 'string' ? [b.id] : []));
}

/** The names of the tools a record calls. */
export function toolNames(ev: EventView): string[] {
  return blocksOf(ev).flatMap((b) => (isToolCall(b) && typeof b.name === 'string' ? [b.name] : []));
}

/** The tool_result blocks of a record. */
export function toolResults(ev: EventView): Obj[] {
  return blocksOf(ev).filter((b) => b.type === 'tool_result');
}

/**
 * The label `summariseEvent` gives a record, decided without reading blobs:
 * `tool` for tool calls, `tool_result`, `thinking` for an assistant record
 * that only thinks, else the record's kind.
 */
export function labelOf(ev: EventHead): string {
  if (ev.kind === 'unparsed') return 'unparsed';
  const blocks = blocksOf(ev);
  if (blocks.some(isToolCall)) return 'tool';
  if (blocks.some((b) => b.type === 'tool_result')) return 'tool_result';
  if (ev.kind === 'assistant' && blocks.some((b) => b.type === 'thinking')) {
    const speaks = blocks.some((b) => (b.type === 'text' && b.text !== '') || b.type === 'image') || ev.content.some((b) => typeof b === 'string');
    if (!speaks) return 'thinking';
  }
  return ev.kind;
}
