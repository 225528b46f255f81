// Failed tool calls across sessions, newest first, from the search index:
// each failed tool result with the call it answers and the record that came
// next (what the agent did about it). What `tapes mcp`'s `errors` tool
// answers ("what did we try last time this failed?"); the index's error flag
// is the one `tapes search --errors` and `tapes log --errors` use.
import { isTapesError } from '../../errors/index.js';
import { readEvent, type EventView } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { indexedText, openSearchIndex, syncSearchIndex } from './search-index.js';
import { chainParts, scopeConditions } from './search.js';

export interface FailureOptions {
  /** Chain refs to look in (a session includes its subagents). */
  chains?: string[];
  since?: number;
  until?: number;
  /** Substring of the working directory (case-insensitive). */
  project?: string;
  offset: number;
  limit: number;
  /** Characters kept of each text. */
  chars: number;
}

export interface FailureStep {
  id: string;
  label: string;
  text: string;
}

export interface Failure {
  /** The failed tool result. */
  id: string;
  session: string;
  agent: string | null;
  seq: number;
  time: string | null;
  tool: string | null;
  cwd: string | null;
  /** What the tool answered. */
  error: string;
  /** The call it answers, when the chain holds it. */
  call: FailureStep | null;
  /** The next record the agent wrote after it (its reply or next call), when there is one. */
  next: FailureStep | null;
}

function cut(text: string, chars: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > chars ? `${one.slice(0, chars)}…` : one;
}

/** The newest failed tool results from `offset` on (at most `limit`), and whether more follow. */
export async function failedCalls(archive: Archive, opts: FailureOptions): Promise<{ items: Failure[]; more: boolean }> {
  const index = openSearchIndex(archive);
  try {
    await syncSearchIndex(archive, index);
    const db = index.db;
    const scope = scopeConditions(opts);
    const where = ["r.error = 1", "o.label = 'tool_result'", ...scope.where];
    const params = scope.params;
    const rows = db
      .prepare(
        `SELECT lower(hex(o.id)) AS id, c.id AS chainRow, c.name AS chain, r.seq, o.time, r.tools, d.path AS cwd
         FROM records r JOIN docs o ON o.rowid = r.doc JOIN chains c ON c.id = r.chain LEFT JOIN dirs d ON d.id = r.dir
         WHERE ${where.join(' AND ')} ORDER BY o.time DESC, c.name, r.seq LIMIT ? OFFSET ?`,
      )
      .all(...params, opts.limit + 1, opts.offset) as Array<{ id: string; chainRow: number; chain: string; seq: number; time: number | null; tools: string; cwd: string | null }>;
    const callSeq = db.prepare('SELECT seq FROM calls WHERE chain = ? AND use_id = ?').pluck();
    const at = db.prepare('SELECT lower(hex(o.id)) AS id, o.label FROM records r JOIN docs o ON o.rowid = r.doc WHERE r.chain = ? AND r.seq = ?');
    const after = db.prepare(
      "SELECT lower(hex(o.id)) AS id, o.label FROM records r JOIN docs o ON o.rowid = r.doc WHERE r.chain = ? AND r.seq > ? AND o.label IN ('assistant', 'tool', 'thinking', 'user') ORDER BY r.seq LIMIT 1",
    );
    const store = await archive.objects();
    const step = async (row: { id: string; label: string } | undefined): Promise<FailureStep | null> => {
      if (!row) return null;
      try {
        const t = await indexedText(store, await readEvent(store, row.id));
        return { id: row.id, label: row.label, text: cut([t.text, t.input, t.output].filter(Boolean).join(' '), opts.chars) };
      } catch (err) {
        if (!isTapesError(err)) throw err;
        return { id: row.id, label: row.label, text: `(record unreadable: ${err.message})` };
      }
    };
    const items: Failure[] = [];
    for (const r of rows.slice(0, opts.limit)) {
      let ev: EventView | undefined;
      let error: string;
      try {
        ev = await readEvent(store, r.id);
        error = cut((await indexedText(store, ev)).output, opts.chars);
      } catch (err) {
        if (!isTapesError(err)) throw err;
        error = `(record unreadable: ${err.message})`;
      }
      const useId = ev?.content.map((b) => (b && typeof b === 'object' && (b as { type?: unknown }).type === 'tool_result' ? (b as { tool_use_id?: unknown }).tool_use_id : undefined)).find((x): x is string => typeof x === 'string');
      const seq = useId === undefined ? undefined : (callSeq.get(r.chainRow, useId) as number | undefined);
      items.push({
        id: r.id,
        ...chainParts(r.chain),
        seq: r.seq,
        time: r.time === null ? null : new Date(r.time).toISOString(),
        tool: r.tools.split(',').filter(Boolean)[0] ?? null,
        cwd: r.cwd,
        error,
        call: seq === undefined ? null : await step(at.get(r.chainRow, seq) as { id: string; label: string } | undefined),
        next: await step(after.get(r.chainRow, r.seq) as { id: string; label: string } | undefined),
      });
    }
    return { items, more: rows.length > opts.limit };
  } finally {
    index.close();
  }
}
