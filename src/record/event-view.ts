// Reading an event record for display: the normalised view as stored (large
// values still blob references, so a summary reads only what it shows), and
// helpers that fetch the blobs a reader asks for.
import type { JsonValue } from '../hash/index.js';
import { readContent, readContentPrefix, type ObjectStore } from '../odb/index.js';
import { readRecord, readRecordHead } from './chain.js';
import { BLOB_REF_KEY } from './record.js';
import { isObj } from './content-blocks.js';
import { sourceHeadOf, sourceOf, type RecordSource, type SourceHead } from './source-value.js';
import { WTF16_KEY, decodeValue } from './value-codec.js';

export interface EventView {
  id: string;
  parent: string | null;
  kind: string;
  role: string | null;
  time: string | null;
  /** Content blocks as stored: long strings are {"$blob": id}. */
  content: JsonValue[];
  meta: { [key: string]: JsonValue };
  source?: RecordSource;
}

/**
 * An event as readEventHead reads it: its source may lack the line
 * template, which eventSource reads when a reader needs the original line.
 * Every EventView is one.
 */
export interface EventHead extends Omit<EventView, 'source'> {
  source?: SourceHead;
}

export async function readEvent(store: ObjectStore, id: string): Promise<EventView> {
  const rec = await readRecord(store, id);
  return toEventView(rec.id, rec.value);
}

/**
 * The event without its line template, for readers that fold whole chains
 * and rarely need the original line (record-head.ts says what it saves).
 * The record is verified and checked as readEvent does.
 */
export async function readEventHead(store: ObjectStore, id: string): Promise<EventHead> {
  const rec = await readRecordHead(store, id);
  // A template left out was a list (record-head.ts checked it), as sourceOf asks.
  return rec.template ? toEventView(rec.id, rec.value) : eventOf(rec.id, rec.value, sourceHeadOf(rec.value));
}

/** The event's whole source, its line template included: read again when the event was read without it. */
export async function eventSource(store: ObjectStore, ev: EventHead): Promise<RecordSource | undefined> {
  if (!ev.source) return undefined;
  if (Array.isArray(ev.source.text)) return ev.source as RecordSource;
  return sourceOf((await readRecord(store, ev.id)).value);
}

export function toEventView(id: string, v: { [key: string]: JsonValue }): EventView {
  return eventOf(id, v, sourceOf(v));
}

function eventOf<S extends SourceHead>(id: string, v: { [key: string]: JsonValue }, source: S | undefined): Omit<EventView, 'source'> & { source?: S } {
  return {
    id,
    parent: typeof v.parent === 'string' ? v.parent : null,
    kind: typeof v.kind === 'string' ? v.kind : 'other',
    role: typeof v.role === 'string' ? v.role : null,
    time: typeof v.time === 'string' ? v.time : null,
    content: Array.isArray(v.content) ? v.content : [],
    meta: isObj(v.meta) ? v.meta : {},
    source,
  };
}

/**
 * A value with every blob read back and every marker undone; with
 * `maxBlob`, only each blob's first `maxBlob` bytes (a text may then end
 * with a cut character, read as U+FFFD).
 */
export function resolveValue(store: ObjectStore, v: JsonValue, maxBlob?: number): Promise<unknown> {
  return decodeValue(v, (id) => (maxBlob === undefined ? readContent(store, id) : readContentPrefix(store, id, maxBlob)));
}

/** The blob id a stored value stands for, when it is a long string kept as a blob. */
export function blobOf(v: JsonValue | undefined): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === BLOB_REF_KEY && typeof v[BLOB_REF_KEY] === 'string' ? v[BLOB_REF_KEY] : undefined;
}

/**
 * A stored string value as text: inline strings as they are, blobs read (only
 * the first `limit` bytes are kept when a limit is given), markers undone.
 */
export async function textOf(store: ObjectStore, v: JsonValue | undefined, limit?: number): Promise<string> {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || Array.isArray(v)) return typeof v === 'object' ? JSON.stringify(v) : String(v);
  const blob = blobOf(v);
  if (blob) {
    const bytes = limit === undefined ? await readContent(store, blob) : await readContentPrefix(store, blob, limit);
    return Buffer.from(bytes).toString('utf8');
  }
  if (WTF16_KEY in v) return String(await resolveValue(store, v));
  return JSON.stringify(await resolveValue(store, v));
}
