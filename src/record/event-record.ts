// The record of one captured event (docs/format.md, "Event records"):
//
//   { "parent":  <id of the previous record of the chain> | null,
//     "kind":    "user" | "assistant" | "tool_result" | "system" | "summary" |
//                "progress" | "other" | "unparsed",
//     "role":    "user" | "assistant" | "system" | "developer" | "tool" | null,
//     "time":    "<UTC ISO-8601>" | null,
//     "content": [ content blocks ],
//     "meta":    { model, usage, stop_reason, request_id, cwd, git_branch,
//                  harness, harness_version, session_id, uuid, parent_uuid, … },
//     "source":  { "format": "claude-code" | "codex" | …, "line": <n>,
//                  "eol": "\n" | "", "text": <line template> } }
//
// Every value from the source goes through encodeValue (long strings become
// blobs); `source.text` is the line template that rebuilds the original bytes.
import { ObjectTooLargeError } from '../errors/index.js';
import { canonicalJson, hasLoneSurrogate, type JsonValue } from '../hash/index.js';
import { maxBodySize } from '../object/index.js';
import { encodeValue, type PutContent, type StandIns } from './value-codec.js';

export const RECORD_KINDS = ['user', 'assistant', 'tool_result', 'system', 'summary', 'progress', 'other', 'unparsed'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface EventFields {
  kind: RecordKind;
  role: string | null;
  time: string | null;
  content: unknown[];
  meta: Record<string, unknown>;
}

export interface EventSource {
  format: string;
  line: number;
  eol: '\n' | '';
  /** The line template (built by the importer, see import/line-template.ts). */
  text: JsonValue[];
}

export interface EventRecord extends EventFields {
  parent: string | null;
  source: EventSource;
}

// Thresholds tried in turn until the record fits in one object: most records
// fit at the first, a line of thousands of mid-sized strings needs a lower one.
// Past the last, the line is stored whole as one blob (source threshold 0) and
// the record keeps only its kind, role and time: a reader gets the rest from
// the source (meta.oversized says so).
const THRESHOLDS = [1024, 128, 16];
export const WHOLE_LINE = 0;
export const MAX_RECORD_BODY = maxBodySize('record');

/** The canonical body of an event record, its large values stored through `put` (and strings that stand for text not in memory, through `standIns`). */
export async function encodeEventRecord(
  parent: string | null,
  fields: EventFields,
  source: (threshold: number) => Promise<EventSource>,
  put: PutContent,
  standIns?: StandIns,
  /** The caller knows the record fits at no threshold (its line template alone is too large: templateSizeAtLeast). */
  noneFits = false,
): Promise<Uint8Array> {
  const role = typeof fields.role === 'string' && fields.role.length <= 64 && !hasLoneSurrogate(fields.role) ? fields.role : null;
  for (const threshold of noneFits ? [] : THRESHOLDS) {
    // Stored in this order (content, meta, then the source's blobs); the members in key order (as the
    // value codec's and the importer's source are), so that canonicalJson writes the body with one
    // JSON.stringify (canonical-json.ts).
    const content = await encodeValue(fields.content, put, threshold, standIns);
    const meta = await encodeValue(fields.meta, put, threshold, standIns);
    const src = await source(threshold);
    const value = { content, kind: fields.kind, meta, parent, role, source: src, time: fields.time };
    const body = Buffer.from(canonicalJson(value), 'utf8');
    if (body.length <= MAX_RECORD_BODY) return body;
  }
  const harness = typeof fields.meta.harness === 'string' ? fields.meta.harness : null;
  const src = await source(WHOLE_LINE);
  const value = { content: [], kind: fields.kind, meta: { harness, oversized: true }, parent, role, source: src, time: fields.time };
  const body = Buffer.from(canonicalJson(value), 'utf8');
  if (body.length <= MAX_RECORD_BODY) return body;
  throw new ObjectTooLargeError(`line ${src.line}: record does not fit in one object`, { line: src.line });
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number of `len` decimal digits at `at`, or -1. */
function digitsAt(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Is `s` (24 characters, T at 10, Z at 23) a time toISOString writes,
 * YYYY-MM-DDTHH:mm:ss.sssZ with every field in range (the day within its
 * month, proleptic Gregorian as Date's)? Then it is its own normal form, and
 * the Date round trip, a quarter of normalising a Claude Code line, is not
 * needed; anything else (24:00, 30 February, 60 seconds) goes the long way.
 */
function writtenByToISOString(s: string): boolean {
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a || s.charCodeAt(19) !== 0x2e) return false;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || digitsAt(s, 20, 3) < 0) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** Normalises a timestamp to UTC ISO-8601, or null when it is not one. */
export function isoTime(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const d = new Date(value > 1e12 ? value : value * 1000);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof value !== 'string') return null;
  // Most times are already in the form toISOString writes (Claude Code's are):
  // one that comes back unchanged needs none of the parsing below.
  if (value.length === 24 && value.charCodeAt(23) === 0x5a && value.charCodeAt(10) === 0x54) {
    if (writtenByToISOString(value)) return value;
    const t = new Date(value).getTime();
    if (!Number.isNaN(t)) {
      const iso = new Date(t).toISOString();
      if (iso === value) return iso;
    }
  }
  // Only ISO-8601 is read, and a time without an offset is UTC: Date's own
  // parsing of other forms, and of zone-less times, depends on the machine.
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?))?(Z|[+-]\d\d:?\d\d)?$/i.exec(value.trim());
  if (!m) return null;
  const zone = m[3] ? (m[3].toUpperCase() === 'Z' ? 'Z' : m[3].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')) : 'Z';
  const d = new Date(`${m[1]}T${m[2] ?? '00:00'}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
