// Failed tool calls across sessions, newest first, from the search index:
// each failed tool result with the call it answers and the record that came
// next (what the agent did about it). What `tapes mcp`'s `errors` tool
// answers ("what did we try last time this failed?"); the index's error flag
// is the one `tapes search --errors` and `tapes log --errors` use.
import { isTapesError } from '../../errors/index.js';
import { readEvent } from '../../record/index.js';
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
    const kinds = db.prepare('SELECT id, label FROM kinds').all() as Array<{ id: number; label: string }>;
    const labelOf = new Map(kinds.map((k) => [k.id, k.label]));
    const ofLabels = (labels: string[]) => kinds.filter((k) => labels.includes(k.label)).map((k) => k.id).join(', ') || 'NULL';
    const where = ['r.error = 1', `o.kind IN (${ofLabels(['tool_result'])})`, ...scope.where];
    const params = scope.params;
    const rows = db
      .prepare(
        `SELECT lower(hex(o.id)) AS id, c.id AS chainRow, c.name AS chain, r.seq, o.time, t.names AS tools, d.path AS cwd, r.call
         FROM records r JOIN docs o ON o.rowid = coalesce(r.doc, r.text) JOIN chains c ON c.id = r.chain LEFT JOIN dirs d ON d.id = r.dir LEFT JOIN tools t ON t.id = r.tools
         WHERE ${where.join(' AND ')} ORDER BY o.time DESC, c.name, r.seq LIMIT ? OFFSET ?`,
      )
      .all(...params, opts.limit + 1, opts.offset) as Array<{ id: string; chainRow: number; chain: string; seq: number; time: number | null; tools: string | null; cwd: string | null; call: number | null }>;
    const shown = rows.slice(0, opts.limit);
    const docAt = db.prepare('SELECT lower(hex(id)) AS id, kind FROM docs WHERE rowid = ?');
    const stepRow = (doc: number | null) => {
      const d = doc === null ? undefined : (docAt.get(doc) as { id: string; kind: number } | undefined);
      return d && { id: d.id, label: labelOf.get(d.kind) ?? 'other' };
    };
    // What the agent did next: the first record of the same chain after the failure that it wrote
    // (or the user's answer). `records` is in text order: one pass over the failures' chains finds all.
    const next = new Map<string, { id: string; label: string }>();
    const chainsShown = [...new Set(shown.map((r) => r.chainRow))];
    if (chainsShown.length > 0) {
      const after = db
        .prepare(
          `SELECT r.chain, r.seq, lower(hex(o.id)) AS id, o.kind FROM records r JOIN docs o ON o.rowid = coalesce(r.doc, r.text)
           WHERE r.chain IN (${chainsShown.join(', ')}) AND o.kind IN (${ofLabels(['assistant', 'tool', 'thinking', 'user'])})`,
        )
        .all() as Array<{ chain: number; seq: number; id: string; kind: number }>;
      const byChain = new Map<number, typeof after>();
      for (const a of after) {
        const list = byChain.get(a.chain);
        if (list) list.push(a);
        else byChain.set(a.chain, [a]);
      }
      for (const r of shown) {
        let best: (typeof after)[number] | undefined;
        for (const a of byChain.get(r.chainRow) ?? []) if (a.seq > r.seq && (!best || a.seq < best.seq)) best = a;
        if (best) next.set(`${r.chainRow} ${r.seq}`, { id: best.id, label: labelOf.get(best.kind) ?? 'other' });
      }
    }
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
    for (const r of shown) {
      let error: string;
      try {
        error = cut((await indexedText(store, await readEvent(store, r.id))).output, opts.chars);
      } catch (err) {
        if (!isTapesError(err)) throw err;
        error = `(record unreadable: ${err.message})`;
      }
      items.push({
        id: r.id,
        ...chainParts(r.chain),
        seq: r.seq,
        time: r.time === null ? null : new Date(r.time).toISOString(),
        tool: r.tools?.split(',').filter(Boolean)[0] ?? null,
        cwd: r.cwd,
        error,
        call: await step(stepRow(r.call)),
        next: await step(next.get(`${r.chainRow} ${r.seq}`)),
      });
    }
    return { items, more: rows.length > opts.limit };
  } finally {
    index.close();
  }
}
