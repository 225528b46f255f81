// Which records are the agent's bookkeeping rather than the conversation:
// progress ticks, hook progress, file-history snapshots and the like. Views
// fold them by default (with a count and a way to show them); nothing is
// dropped from the archive, and `--json` output is unchanged.
//
// This is a reading of records already stored, not part of the on-disk
// format: adding a line type here changes no record id.
import type { EventView } from './event-view.js';

/** Line types (meta.source_type) that are bookkeeping whatever their kind. */
export const BOOKKEEPING_SOURCE_TYPES: ReadonlySet<string> = new Set([
  'file-history-snapshot',
  'queue-operation',
  // Claude Code 2.1.x: request context, attachments (environment, model,
  // skill and agent listings, dates, the system prompt snapshot …), costs.
  'attachment',
  'api-request-shape',
  'api-request-blob',
  'api-request',
  'tools-used',
  'cost-state',
  'last-prompt',
  'atis-latch',
  // Codex 0.169 rollouts (its event_msg lines are progress already).
  'world_state',
  'token_usage_record',
]);

export function isBookkeeping(ev: Pick<EventView, 'kind' | 'meta'>): boolean {
  if (ev.kind === 'progress') return true;
  const type = ev.meta.source_type;
  return typeof type === 'string' && BOOKKEEPING_SOURCE_TYPES.has(type);
}
