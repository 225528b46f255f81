// The --json shapes of `tapes show` (one object per revision shown, NDJSON,
// docs/json.md): a record with its blobs read back, or a blob's text.
import { createHash } from 'node:crypto';
import type { WireExchange } from '../../archive/views.js';
import type { RequestContext } from '../../archive/request-context.js';
import type { EventJson } from '../record-render.js';

/** A blob: its id, size and content as text. */
export function blobJson(id: string, bytes: Uint8Array) {
  return { id, type: 'blob', size: bytes.length, text: Buffer.from(bytes).toString('utf8') };
}

/** A record as `eventJson` gives it; a session's first record carries the session's summary. */
export function shownRecordJson(record: EventJson, sessionSummary: object | null) {
  return sessionSummary ? { ...record, session_summary: sessionSummary } : { ...record };
}

/** A body as JSON carries it: its text when it is UTF-8, else base64; and its sha256, to check it byte for byte. */
function bodyJson(b: Buffer) {
  const text = b.toString('utf8');
  const exact = Buffer.from(text, 'utf8').equals(b);
  return { ...(exact ? { body: text } : { body_base64: b.toString('base64') }), bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') };
}

/** `show --wire`: the exact exchange of the model turn behind a record. */
export function wireJson(w: WireExchange) {
  return {
    record: w.record,
    turn: w.turn,
    ref: w.ref,
    api: w.api,
    request: { method: w.request.method, path: w.request.path, headers: w.request.headers, ...bodyJson(w.request.body) },
    response: {
      status: w.response.status,
      headers: w.response.headers,
      content_encoding: w.response.content_encoding,
      raw_bytes: w.response.raw_bytes,
      ...(w.response.decode_problem ? { decode_problem: w.response.decode_problem } : {}),
      ...bodyJson(w.response.body),
    },
  };
}

/** `show --context`: the system prompt, tools (names, count, definitions) and model of a model turn. */
export function contextJson(c: RequestContext) {
  return {
    record: c.record,
    source: c.source,
    model: c.model,
    system: c.system,
    tool_count: c.tools === null ? null : c.tools.length,
    tools: c.tools,
  };
}
