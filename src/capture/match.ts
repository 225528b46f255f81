// Matching a request's messages against the records already in a session's
// chain (docs/capture.md, "Matching"). Agents re-send the whole conversation
// every turn, and not always as it was: Claude Code drops `caller` from tool
// calls, fills in tool-input defaults (Edit's replace_all: false), moves
// cache_control markers, empties or drops thinking, and other clients strip
// signatures or system-reminder text. The *match digest* is the content
// digest (src/record/content-digest.ts, docs/format.md §6.3) of a projection
// that keeps only what a client re-sends faithfully:
//
//   text          the text without <system-reminder>…</system-reminder>
//                 sections, trimmed; dropped when nothing is left
//   thinking, redacted_thinking   dropped
//   tool_use, server_tool_use     {type: "call", id, name}; input only when
//                 there is no id (the id names the call, the input may be
//                 rewritten)
//   tool_result   {type: "call_result", id: tool_use_id, is_error when true,
//                 content: a string as one text block, then projected so}
//   anything else as projectContent leaves it (cache_control and citations
//                 dropped everywhere)
//
// A message whose projection is empty is matched by its full content instead.
import { contentDigestOf } from '../record/index.js';
import { isObj } from './wire-api.js';

export const MATCH_PROJECTION_VERSION = 1;

const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

/** A text without its <system-reminder> sections, trimmed: what the user or model said in it. */
export function projectText(text: string): string {
  return text.replace(REMINDER, '').trim();
}

export function matchProjection(content: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const b of content) {
    if (!isObj(b)) {
      if (typeof b === 'string') {
        const t = projectText(b);
        if (t) out.push({ type: 'text', text: t });
      } else out.push(b);
      continue;
    }
    switch (b.type) {
      case 'text': {
        const t = typeof b.text === 'string' ? projectText(b.text) : '';
        if (t) out.push({ type: 'text', text: t });
        break;
      }
      case 'thinking':
      case 'redacted_thinking':
        break;
      case 'tool_use':
      case 'server_tool_use': {
        const id = b.id ?? null;
        out.push(id === null ? { type: 'call', kind: b.type, id, name: b.name ?? null, input: b.input ?? null } : { type: 'call', kind: b.type, id, name: b.name ?? null });
        break;
      }
      case 'tool_result': {
        const c = b.content;
        const list = typeof c === 'string' ? [{ type: 'text', text: c }] : Array.isArray(c) ? c : c === undefined || c === null ? [] : [c];
        out.push({ type: 'call_result', id: b.tool_use_id ?? null, ...(b.is_error === true ? { is_error: true } : {}), content: matchProjection(list) });
        break;
      }
      default:
        out.push(b);
    }
  }
  return out;
}

/** The match digest of a message (role and normalised content blocks). */
export function matchDigest(role: string | null, content: unknown[]): string {
  const projected = matchProjection(content);
  return contentDigestOf(role, projected.length > 0 ? projected : content);
}

/**
 * How many of the request's messages continue the chain: the longest prefix
 * of `request` that occurs in `chain` as a subsequence, in order (each match
 * after the previous one). Side requests that share the session (a title
 * query, a compaction) leave records between a conversation's messages;
 * matching in order, never backwards, keeps a repeated message ("continue")
 * from matching an older one. Returns the count and, when it is not 0, the
 * chain index of the last matched message.
 */
export function alignRequest(chain: readonly string[], request: readonly string[]): { matched: number; last: number } {
  const positions = new Map<string, number[]>();
  chain.forEach((d, i) => {
    const list = positions.get(d);
    if (list) list.push(i);
    else positions.set(d, [i]);
  });
  let from = 0;
  let last = -1;
  let matched = 0;
  for (const d of request) {
    const list = positions.get(d);
    if (!list) break;
    // First position >= from (binary search).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    if (lo === list.length) break;
    last = list[lo]!;
    from = last + 1;
    matched++;
  }
  return { matched, last };
}
