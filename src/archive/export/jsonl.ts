// `tapes export --format jsonl`: one JSON object per record, the normalised
// records with every blob read back (docs/export-jsonl.md).
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import type { ExportOptions } from './export.js';
import { loadTranscript, type TranscriptEntry, type TranscriptThread } from './transcript.js';

/** One JSON object per record (docs/export-jsonl.md): the session's chain, each subagent's records after the record that spawned it. */
export async function exportJsonl(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>, opts: ExportOptions = {}): Promise<number> {
  const t = await loadTranscript(archive, rev, opts);
  const session = t.ref?.startsWith(SESSIONS_PREFIX) ? t.ref.slice(SESSIONS_PREFIX.length) : t.ref?.startsWith(AGENTS_PREFIX) ? t.ref.slice(AGENTS_PREFIX.length).split('/')[0]! : null;
  let bytes = 0;
  let pending = '';
  const flush = async () => {
    const b = Buffer.from(pending);
    pending = '';
    bytes += b.length;
    await sink(b);
  };
  const walk = async (entries: TranscriptEntry[], chain: string | null, agent: TranscriptThread | null, depth: number, parent: { seq: number }) => {
    for (const e of entries) {
      if (e.type === 'thread') {
        await walk(e.thread.entries, e.thread.ref, e.thread, depth + 1, { seq: 0 });
        continue;
      }
      const r = e.record;
      parent.seq++;
      const line = {
        v: JSONL_VERSION,
        id: r.id,
        session,
        chain: chain === null ? null : shortRefName(chain),
        agent: agent ? { name: agent.name, type: agent.agentType, description: agent.description } : null,
        depth,
        seq: parent.seq,
        ...(r.damaged !== null
          ? { error: r.damaged }
          : { kind: r.kind, label: r.label, role: r.role, time: r.time, is_error: r.error, content: r.content, meta: r.meta, source: r.source, tokens: r.tokens, ...(r.raw !== null && r.kind === 'unparsed' ? { line: r.raw } : {}) }),
      };
      pending += JSON.stringify(line) + '\n';
      if (pending.length > 1 << 16) await flush();
      for (const th of e.threads) await walk(th.entries, th.ref, th, depth + 1, { seq: 0 });
    }
  };
  await walk(t.entries, t.ref, null, 0, { seq: 0 });
  if (pending) await flush();
  return bytes;
}

/** The version of the JSONL line schema (`v`), bumped when a member changes meaning or goes away. */
export const JSONL_VERSION = 1;
