// What `tapes rerun` reads of the session a checkpoint belongs to: the
// session's chain, the checkpoint's place in it, the first model turn after
// it (the turn that is asked again), and the original's turns from there on,
// each with the tool calls the model made and the records that came back
// before the next turn (the recorded tool results the rerun feeds back).
//
// Records are read by their own kind: a capture record (the proxy's, or an
// earlier rerun's) by its `capture` member, an imported line by its format.
// A capture chain has one record per answer; Claude Code writes an answer as
// one line per content block (grouped here by message id) and Codex as one
// line per output item (grouped while they follow each other).
import { InvalidInputError, NotFoundError } from '../../errors/index.js';
import type { JsonValue } from '../../hash/index.js';
import { readContent, type ObjectStore } from '../../odb/index.js';
import { callDigestOf, decodeValue, readRecord, toEventView, type EventView } from '../../record/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import { toolCalls, type ToolCall } from '../../capture/index.js';
import type { Archive } from '../archive.js';
import { isObj, str } from '../event/index.js';
import { sessionsContaining } from '../log/index.js';

/** Where the turn asked again was recorded from. */
export type RerunSource = 'capture' | 'claude-code' | 'codex';

export interface ChainRecord {
  id: string;
  ev: EventView;
  value: { [key: string]: JsonValue };
}

export interface Call extends ToolCall {
  /** Content digest of the tool name and input (record/content-digest.ts). */
  digest: string;
}

export interface OriginalTurn {
  /** The answer's records (one, or a Claude Code message's lines, or a Codex response's items). */
  answer: ChainRecord[];
  /** Its content blocks, blobs read back. */
  content: unknown[];
  calls: Call[];
  model: string | null;
  /** The usage the provider reported for it, when recorded. */
  usage: Record<string, unknown> | null;
  /** Records that came back before the next answer: tool results, a prompt. */
  after: ChainRecord[];
}

export interface Original {
  /** The session (or agent) ref that holds the checkpoint, and its short name. */
  ref: string;
  name: string;
  checkpoint: ChainRecord;
  /** The session's records, oldest first. */
  chain: ChainRecord[];
  /** Index of the checkpoint in `chain`, and of the first record of the turn asked again. */
  at: number;
  first: number;
  source: RerunSource;
  /** Conversation records between the checkpoint and that turn (they are part of its request). */
  before: ChainRecord[];
  /** The original's turns from the one asked again on, up to a change of conversation. */
  turns: OriginalTurn[];
  /** Codex prompts are user_message events (see partOfRecord). */
  promptEvents: boolean;
}

type Part = 'answer' | 'input' | 'boundary' | 'skip';

const isCapture = (c: ChainRecord): boolean => isObj(c.value.capture);
const formatOf = (c: ChainRecord): string | null => (isCapture(c) ? 'capture' : (c.ev.source?.format ?? null));

/**
 * What a record is to the conversation: an answer of the model, an input to
 * it, the start of another conversation, or nothing. `codexPromptEvents`:
 * the rollout keeps its prompts only as user_message events (Codex Desktop
 * writes no user message items), so those are the prompts.
 */
export function partOfRecord(c: ChainRecord, codexPromptEvents = false): Part {
  const { ev } = c;
  const meta = ev.meta;
  if (isCapture(c)) {
    const cap = c.value.capture as { [k: string]: JsonValue };
    if (cap.continues !== undefined) return 'boundary';
    if (typeof cap.status === 'number') return ev.kind === 'assistant' && meta.is_api_error !== true && meta.unreduced !== true ? 'answer' : 'skip';
    return typeof cap.request_index === 'number' ? 'input' : 'skip';
  }
  const format = ev.source?.format;
  if (format === 'claude-code') {
    if (meta.is_sidechain === true || meta.is_visible_in_transcript_only === true) return 'skip';
    if (ev.kind === 'system' && meta.subtype === 'compact_boundary') return 'boundary';
    if (ev.kind === 'assistant') return meta.is_api_error === true || meta.model === '<synthetic>' ? 'skip' : 'answer';
    return ev.kind === 'user' || ev.kind === 'tool_result' ? 'input' : 'skip';
  }
  if (format === 'codex') {
    if (meta.source_type === 'compacted') return 'boundary';
    if (codexPromptEvents && meta.source_type === 'event_msg' && meta.event_type === 'user_message') return 'input';
    if (meta.source_type !== 'response_item') return 'skip';
    if (ev.kind === 'assistant') return 'answer';
    return ev.kind === 'user' || ev.kind === 'tool_result' || ev.kind === 'system' ? 'input' : 'skip';
  }
  return 'skip';
}

/** Whether two answer records belong to one answer (a Claude Code message's lines, a Codex response's items). */
function sameAnswer(a: ChainRecord, b: ChainRecord): boolean {
  const fa = formatOf(a);
  if (fa !== formatOf(b) || fa === 'capture') return false;
  if (fa === 'codex') return true;
  const ma = str(a.ev.meta.message_id);
  return ma !== null && ma === str(b.ev.meta.message_id);
}

/** The ref whose session holds the checkpoint: the one the revision names (`demo~3`: demo), else one whose chain holds it. */
async function sessionRef(archive: Archive, rev: string, ev: EventView): Promise<string> {
  const base = /^(.*?)(?:[~^]\d*)*$/.exec(rev)![1]!;
  if (base !== '' && !base.includes('@{')) {
    const r = await archive.resolve(base).catch(() => undefined);
    let ref = r?.ref;
    if (ref === 'HEAD') ref = (await archive.refs.follow('HEAD')).name;
    if (ref && (ref.startsWith(SESSIONS_PREFIX) || ref.startsWith(AGENTS_PREFIX))) return ref;
  }
  let holders = await sessionsContaining(archive, ev);
  // A record that names no session (a snapshot line, a capture without session headers): every chain is looked through.
  if (holders.length === 0) holders = await chainsHolding(archive, ev.id);
  if (holders.length === 0) {
    throw new NotFoundError(`record ${ev.id} is in no session, so nothing follows it to ask again`, { id: ev.id }, 'Name a record of a session (tapes log <session> lists them).');
  }
  // A session of its own before a rerun's branch of it, sessions before subagent chains.
  const store = await archive.objects();
  const rank = async (ref: string): Promise<number> => {
    const tip = await archive.refs.resolve(ref);
    const tipEv = tip ? await readRecord(store, tip).then((r) => toEventView(r.id, r.value)).catch(() => undefined) : undefined;
    return (tipEv?.meta.harness === RERUN_HARNESS ? 2 : 0) + (ref.startsWith(SESSIONS_PREFIX) ? 0 : 1);
  };
  const ranked = await Promise.all(holders.map(async (ref) => ({ ref, rank: await rank(ref) })));
  ranked.sort((a, b) => a.rank - b.rank || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  return ranked[0]!.ref;
}

/** Every session and agent ref whose chain holds record `id` (a walk of each chain: the fallback when the record names no session). */
async function chainsHolding(archive: Archive, id: string): Promise<string[]> {
  const store = await archive.objects();
  const out: string[] = [];
  const refs = [...(await archive.refs.list(SESSIONS_PREFIX)), ...(await archive.refs.list(AGENTS_PREFIX))];
  for (const r of refs) {
    for (let at: string | null = r.id; at !== null; ) {
      if (at === id) {
        out.push(r.name);
        break;
      }
      at = (await readRecord(store, at).catch(() => undefined))?.parent ?? null;
    }
  }
  return out;
}

/** The harness name of the records a rerun writes (meta.harness). */
export const RERUN_HARNESS = 'tapes-rerun';

async function readChainOf(store: ObjectStore, tip: string): Promise<ChainRecord[]> {
  const out: ChainRecord[] = [];
  for (let id: string | null = tip; id !== null; ) {
    const rec = await readRecord(store, id);
    out.push({ id, ev: toEventView(id, rec.value), value: rec.value });
    id = rec.parent;
  }
  return out.reverse();
}

export async function decodedContent(store: ObjectStore, records: ChainRecord[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const r of records) {
    const c = await decodeValue(r.ev.content, (id) => readContent(store, id));
    if (Array.isArray(c)) out.push(...c);
  }
  return out;
}

/** Reads the session around the checkpoint `rev`. */
export async function readOriginal(archive: Archive, rev: string): Promise<Original> {
  const { id } = await archive.resolve(rev);
  const store = await archive.objects();
  const obj = await store.read(id);
  if (obj.type !== 'record') {
    throw new InvalidInputError(`cannot rerun from '${rev}': it names a ${obj.type} (${id}), not a record of a session`, { rev, id, type: obj.type });
  }
  const rec = await readRecord(store, id);
  const ev = toEventView(id, rec.value);
  const ref = await sessionRef(archive, rev, ev);
  const tip = await archive.refs.resolve(ref);
  const chain = tip ? await readChainOf(store, tip) : [];
  const at = chain.findIndex((c) => c.id === id);
  const name = shortRefName(ref);
  if (at < 0) throw new NotFoundError(`record ${id} is not in ${name}`, { rev, id, session: name });
  const checkpoint = chain[at]!;
  const promptEvents = !chain.some((c) => c.ev.source?.format === 'codex' && c.ev.meta.source_type === 'response_item' && c.ev.kind === 'user');
  const partOf = (c: ChainRecord): Part => partOfRecord(c, promptEvents);

  // The turn asked again: the first answer after the checkpoint (an answer the checkpoint is part of is behind it).
  let first = -1;
  for (let i = at + 1; i < chain.length; i++) {
    const part = partOf(chain[i]!);
    if (part === 'boundary') break;
    if (part !== 'answer') continue;
    let j = i - 1;
    while (j >= 0 && partOf(chain[j]!) === 'skip') j--;
    if (j >= 0 && partOf(chain[j]!) === 'answer' && sameAnswer(chain[j]!, chain[i]!)) continue;
    first = i;
    break;
  }
  if (first < 0) {
    const hint = at > 0 ? `Name an earlier record: ${name}~N, or a record id from "tapes log ${name}".` : undefined;
    throw new NotFoundError(`nothing to ask again: no model turn follows record ${id.slice(0, 12)} in ${name}`, { rev, id, session: name }, hint);
  }
  const m = chain[first]!;
  const format = formatOf(m);
  const source: RerunSource = format === 'capture' ? 'capture' : format === 'codex' ? 'codex' : 'claude-code';
  const before = chain.slice(at + 1, first).filter((c) => partOf(c) === 'input' || partOf(c) === 'answer');

  // The original's turns from there on: each answer, and what came back before the next.
  const turns: OriginalTurn[] = [];
  let current: OriginalTurn | undefined;
  for (let i = first; i < chain.length; i++) {
    const c = chain[i]!;
    const part = partOf(c);
    if (part === 'boundary') break;
    if (part === 'skip') continue;
    if (part === 'answer') {
      if (current && current.after.length === 0 && sameAnswer(current.answer[current.answer.length - 1]!, c)) {
        current.answer.push(c);
        continue;
      }
      current = { answer: [c], content: [], calls: [], model: null, usage: null, after: [] };
      turns.push(current);
    } else current!.after.push(c);
  }
  for (const t of turns) {
    t.content = await decodedContent(store, t.answer);
    t.calls = toolCalls(t.content).map((c) => ({ ...c, digest: callDigestOf(c.name, c.input) }));
    const last = t.answer[t.answer.length - 1]!.ev.meta;
    t.model = str(t.answer[0]!.ev.meta.model);
    // A Claude Code message's last line carries its final usage.
    const usage = isObj(last.usage) ? last.usage : isObj(t.answer[0]!.ev.meta.usage) ? t.answer[0]!.ev.meta.usage : null;
    t.usage = usage as Record<string, unknown> | null;
  }
  return { ref, name, checkpoint, chain, at, first, source, before, turns, promptEvents };
}
