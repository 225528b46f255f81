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
import { canonicalJson, type JsonValue } from '../hash/index.js';
import { maxBodySize } from '../object/index.js';
import { encodeValue, type PutContent } from './value-codec.js';

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
const THRESHOLDS = [1024, 128, 16];
const MAX_RECORD_BODY = maxBodySize('record');

/** The canonical body of an event record, its large values stored through `put`. */
export async function encodeEventRecord(
  parent: string | null,
  fields: EventFields,
  source: (threshold: number) => Promise<EventSource>,
  put: PutContent,
): Promise<Uint8Array> {
  for (const threshold of THRESHOLDS) {
    const value = {
      parent,
      kind: fields.kind,
      role: fields.role,
      time: fields.time,
      content: await encodeValue(fields.content, put, threshold),
      meta: await encodeValue(fields.meta, put, threshold),
      source: await source(threshold),
    };
    const body = Buffer.from(canonicalJson(value), 'utf8');
    if (body.length <= MAX_RECORD_BODY) return body;
  }
  throw new ObjectTooLargeError(`line ${(await source(THRESHOLDS[THRESHOLDS.length - 1]!)).line}: record does not fit in one object even with every string in a blob`, {});
}

/** Normalises a timestamp to UTC ISO-8601, or null when it is not one. */
export function isoTime(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const d = new Date(value > 1e12 ? value : value * 1000);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof value !== 'string' || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
