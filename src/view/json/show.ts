// The --json shapes of `tapes show` (one object per revision shown, NDJSON,
// docs/json.md): a record with its blobs read back, or a blob's text.
import type { EventJson } from '../record-render.js';

/** A blob: its id, size and content as text. */
export function blobJson(id: string, bytes: Uint8Array) {
  return { id, type: 'blob', size: bytes.length, text: Buffer.from(bytes).toString('utf8') };
}

/** A record as `eventJson` gives it; a session's first record carries the session's summary. */
export function shownRecordJson(record: EventJson, sessionSummary: object | null) {
  return sessionSummary ? { ...record, session_summary: sessionSummary } : { ...record };
}
