// `tapes diff <a> <b>`: where two sessions (or two records' histories) part,
// and how their continuations line up.
//
// The unit compared is the *step*: one content block of a conversation
// record (user, assistant, tool_result). A Claude Code transcript writes one
// line per block of an assistant message while a proxy capture keeps one
// record per response; counted per block, both give the same steps. Each
// step has a digest (the block digest of docs/format.md §6.3, of the block
// with its role normalised, see stepDigest) and an alignment key (its label,
// tool name and key argument).
//
// 1. The shared part: the leading records with the same ids (one stored
//    history), then the leading steps with the same digests (two runs, or
//    two captures, of the same conversation).
// 2. The continuations are aligned by align() (align.ts): pairs
//    score 4 with equal digests (same), 3 with equal keys and 1 with the same
//    label and tool (changed); anything else stays unpaired (only in a / b).
import { InvalidInputError } from '../../errors/index.js';
import type { JsonValue } from '../../hash/index.js';
import type { TapesObject } from '../../object/index.js';
import type { ObjectStore } from '../../odb/index.js';
import { blockDigestOf, readEvent, resolveValue, type EventView } from '../../record/index.js';
import { projectText } from '../../capture/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } from '../../refs/index.js';
import type { Archive } from '../archive.js';
import { elapsedOf, isObj, summariseEvent } from '../event/index.js';
import { UsageCounter, emptyTokens } from '../sessions/index.js';
import { Interner, align, unifiedDiff } from './align.js';
import type { DiffPair, DiffResult, DiffSide, DiffStep, SideAfter } from './types.js';

export interface DiffOptions {
  /** Attach a content diff to each changed pair (-p). */
  patch?: boolean;
  /** Bound on one alignment table (tests use small ones). */
  maxCells?: number;
}

const STEP_KINDS = new Set(['user', 'assistant', 'tool_result']);
const SUMMARY_WIDTH = 300;

interface Side {
  rev: string;
  id: string;
  session: string | null;
  events: EventView[];
  start: string | null;
}

/** A step while the diff is made: the shown fields, and where it came from. */
interface WorkStep extends DiffStep {
  recordIndex: number;
  ev: EventView;
  raw: JsonValue;
  /** The tool_use id of a call, or the one a result answers. */
  callId: string | null;
}

/**
 * The archive's store with the blobs read kept for the length of one diff
 * (up to a budget): a step's summary and its digest read the same blobs, and
 * a long session repeats the same large values (tool definitions, files read
 * again).
 */
function cachingStore(store: ObjectStore, budget = 64 * 1024 * 1024): ObjectStore {
  const cache = new Map<string, Promise<TapesObject>>();
  let used = 0;
  return {
    has: (id) => store.has(id),
    write: (type, body) => store.write(type, body),
    ids: () => store.ids(),
    findByPrefix: (prefix) => store.findByPrefix(prefix),
    read(id) {
      const hit = cache.get(id);
      if (hit) return hit;
      const p = store.read(id);
      if (used < budget) {
        cache.set(id, p);
        p.then(
          (o) => {
            if (o.type === 'blob') used += o.body.length;
            else cache.delete(id); // records are read once
          },
          () => cache.delete(id),
        );
      }
      return p;
    },
  };
}

/**
 * Reads the chain ending at `rev`. With `known` (the other side's records by
 * id), the walk stops at the first record the other side holds and takes the
 * records before it from there: a shared history is read once.
 */
async function loadSide(archive: Archive, store: ObjectStore, rev: string, known?: Side): Promise<Side> {
  const r = await archive.resolve(rev);
  const obj = await store.read(r.id);
  if (obj.type !== 'record') throw new InvalidInputError(`'${rev}' names a ${obj.type} (${r.id}), not a record or session`, { rev, id: r.id });
  let ref = r.ref ?? null;
  if (ref === 'HEAD') {
    const followed = (await archive.refs.follow('HEAD')).name;
    ref = followed === 'HEAD' ? null : followed;
  }
  const session = ref && (ref.startsWith(SESSIONS_PREFIX) || ref.startsWith(AGENTS_PREFIX)) ? shortRefName(ref) : null;
  const index = new Map<string, number>();
  known?.events.forEach((ev, i) => index.set(ev.id, i));
  const own: EventView[] = [];
  let shared: EventView[] = [];
  for (let id: string | null = r.id; id !== null; ) {
    const at = index.get(id);
    if (at !== undefined) {
      shared = known!.events.slice(0, at + 1);
      break;
    }
    const ev = await readEvent(store, id);
    own.push(ev);
    id = ev.parent;
  }
  const events = shared.concat(own.reverse());
  // Elapsed times count from the first record that has a time, in chain order.
  const start = events.find((ev) => ev.time)?.time ?? null;
  return { rev, id: r.id, session, events, start };
}

function blockLabel(ev: EventView, block: JsonValue): string {
  const type = isObj(block) && typeof block.type === 'string' ? block.type : '';
  if (type === 'tool_use' || type === 'server_tool_use') return 'tool';
  if (type === 'tool_result') return 'tool_result';
  if (type === 'thinking' || type === 'redacted_thinking') return 'thinking';
  return ev.kind === 'assistant' ? 'assistant' : 'user';
}

/** The role a step is digested with: the same for every harness (Claude's tool results are "user", Codex's "tool"). */
function stepRole(label: string): string {
  return label === 'user' ? 'user' : label === 'tool_result' ? 'tool' : 'assistant';
}

/**
 * The digest of a step: blockDigestOf (docs/format.md §6.3) of the decoded
 * block with its role normalised, and a tool result's content given as a list
 * of text blocks when it is a string, as the Messages API may send it either
 * way.
 */
export function stepDigest(label: string, decoded: unknown): string {
  let block = decoded;
  if (isObj(block) && block.type === 'tool_result' && typeof block.content === 'string') {
    block = { ...block, content: block.content === '' ? [] : [{ type: 'text', text: block.content }] };
  }
  return blockDigestOf(stepRole(label), block);
}

/** The steps of a side's records from `from` on; `calls` collects tool calls (for their results' keys). */
async function stepsOf(
  store: ObjectStore,
  side: Side,
  calls: Map<string, { tool: string; key: string }>,
  from: number,
  firstStep: number,
): Promise<WorkStep[]> {
  const out: WorkStep[] = [];
  for (let r = 0; r < side.events.length; r++) {
    const ev = side.events[r]!;
    if (!STEP_KINDS.has(ev.kind)) continue;
    for (let b = 0; b < ev.content.length; b++) {
      let raw = ev.content[b]!;
      const label = blockLabel(ev, raw);
      // Text the harness injects (<system-reminder> sections) is not a step: a
      // transcript keeps it apart (attachments), the wire sends it inside messages.
      if ((label === 'user' || label === 'assistant') && isObj(raw) && raw.type === 'text' && raw.text !== undefined) {
        const text = await resolveValue(store, raw.text);
        if (typeof text === 'string' && text.includes('<system-reminder>')) {
          const said = projectText(text);
          if (said === '') continue;
          raw = { ...raw, text: said };
        }
      }
      const callId = isObj(raw) && typeof raw.id === 'string' && label === 'tool' ? raw.id : isObj(raw) && typeof raw.tool_use_id === 'string' ? raw.tool_use_id : null;
      const full = r >= from;
      if (!full && label !== 'tool') {
        out.push(placeholder(r, b, ev, raw, label, callId));
        continue;
      }
      const summary = await summariseEvent(store, { ...ev, content: [raw] }, SUMMARY_WIDTH);
      let tool: string | null = null;
      let key = '';
      if (label === 'tool') {
        tool = summary.tools[0] ?? null;
        key = summary.text;
        if (callId) calls.set(callId, { tool: tool ?? '', key });
      } else if (label === 'tool_result' && callId) {
        const call = calls.get(callId);
        tool = call?.tool ?? null;
        key = call?.key ?? '';
      }
      out.push({
        step: 0,
        record: ev.id,
        block: b,
        label: summary.label === 'thinking' || summary.label === 'tool' || summary.label === 'tool_result' ? summary.label : label,
        tool,
        key,
        text: summary.text,
        time: ev.time,
        elapsed_ms: elapsedOf(ev, side.start),
        is_error: summary.isError,
        digest: full ? stepDigest(label, await resolveValue(store, raw)) : '',
        recordIndex: r,
        ev,
        raw,
        callId,
      });
    }
  }
  out.forEach((s, i) => (s.step = firstStep + i));
  return out;
}

function placeholder(r: number, b: number, ev: EventView, raw: JsonValue, label: string, callId: string | null): WorkStep {
  const isError = isObj(raw) && raw.type === 'tool_result' && raw.is_error === true;
  return { step: 0, record: ev.id, block: b, label, tool: null, key: '', text: '', time: ev.time, elapsed_ms: null, is_error: isError || ev.meta.is_api_error === true, digest: '', recordIndex: r, ev, raw, callId };
}

/** Fills in a placeholder step (the last shared one is shown). */
async function complete(store: ObjectStore, side: Side, s: WorkStep): Promise<WorkStep> {
  if (s.digest) return s;
  const summary = await summariseEvent(store, { ...s.ev, content: [s.raw] }, SUMMARY_WIDTH);
  return { ...s, text: summary.text, label: summary.label, is_error: summary.isError, elapsed_ms: elapsedOf(s.ev, side.start), digest: stepDigest(s.label, await resolveValue(store, s.raw)) };
}

/** The text a -p diff compares: what was said, the call's input, the result's output. */
async function contentText(store: ObjectStore, s: WorkStep): Promise<string> {
  const block = await resolveValue(store, s.raw);
  if (!isObj(block)) return typeof block === 'string' ? block : JSON.stringify(block, null, 2);
  const b = block as Record<string, unknown>;
  const text = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map((x) => (isObj(x) && typeof x.text === 'string' ? x.text : isObj(x) && x.type === 'image' ? '[image]' : JSON.stringify(x))).join('\n');
    return v === undefined || v === null ? '' : JSON.stringify(v, null, 2);
  };
  switch (b.type) {
    case 'text':
      return text(b.text);
    case 'thinking':
      return text(b.thinking);
    case 'tool_use':
    case 'server_tool_use':
      return `${String(b.name)}\n${JSON.stringify(b.input, null, 2)}`;
    case 'tool_result':
      return text(b.content) + (b.is_error === true ? '\n[error]' : '');
    default:
      return JSON.stringify(b, null, 2);
  }
}

function toolCounts(steps: WorkStep[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of steps) if (s.label === 'tool' && s.tool) out[s.tool] = (out[s.tool] ?? 0) + 1;
  return out;
}

function tokensOf(events: EventView[]) {
  const counter = new UsageCounter();
  let model = 'unknown';
  for (const ev of events) {
    if (typeof ev.meta.model === 'string') model = ev.meta.model;
    counter.add(ev, model);
  }
  return events.length ? counter.totals().tokens : emptyTokens();
}

function span(from: string | null, events: EventView[]): number | null {
  let end: string | null = null;
  for (const ev of events) if (ev.time && (!end || ev.time > end)) end = ev.time;
  if (!from || !end) return null;
  return Date.parse(end) - Date.parse(from);
}

function lastTime(events: EventView[]): string | null {
  let t: string | null = null;
  for (const ev of events) if (ev.time && (!t || ev.time > t)) t = ev.time;
  return t;
}

function describeSide(side: Side, steps: WorkStep[], sharedSteps: number, lastShared: WorkStep | null): DiffSide {
  const afterFrom = lastShared ? lastShared.recordIndex + 1 : 0;
  const afterEvents = side.events.slice(afterFrom);
  const afterSteps = steps.slice(sharedSteps);
  const from = lastShared?.time ?? side.start;
  const after: SideAfter = {
    steps: afterSteps.length,
    records: afterEvents.length,
    tools: toolCounts(afterSteps),
    tokens: tokensOf(afterEvents),
    duration_ms: span(from, afterEvents),
    errors: afterSteps.filter((s) => s.is_error).length,
  };
  const end = lastTime(side.events);
  return {
    rev: side.rev,
    id: side.id,
    session: side.session,
    name: side.session ?? side.rev,
    records: side.events.length,
    steps: steps.length,
    start: side.start,
    end,
    duration_ms: side.start && end ? Date.parse(end) - Date.parse(side.start) : null,
    tokens: tokensOf(side.events),
    tools: toolCounts(steps),
    errors: steps.filter((s) => s.is_error).length,
    ended_with_error: steps.length > 0 && steps[steps.length - 1]!.is_error,
    after,
  };
}

function publicStep(s: WorkStep): DiffStep {
  return { step: s.step, record: s.record, block: s.block, label: s.label, tool: s.tool, key: s.key, text: s.text, time: s.time, elapsed_ms: s.elapsed_ms, is_error: s.is_error, digest: s.digest };
}

export async function diffSessions(archive: Archive, revA: string, revB: string, opts: DiffOptions = {}): Promise<DiffResult> {
  const store = cachingStore(await archive.objects());
  // Both revisions resolve before anything is read.
  await archive.resolve(revA);
  await archive.resolve(revB);
  const a = await loadSide(archive, store, revA);
  const b = await loadSide(archive, store, revB, a);

  let byId = 0;
  while (byId < a.events.length && byId < b.events.length && a.events[byId]!.id === b.events[byId]!.id) byId++;

  const callsA = new Map<string, { tool: string; key: string }>();
  const callsB = new Map<string, { tool: string; key: string }>();
  const stepsA = await stepsOf(store, a, callsA, byId, 1);
  const stepsB = await stepsOf(store, b, callsB, byId, 1);
  let sharedById = 0;
  while (sharedById < stepsA.length && stepsA[sharedById]!.recordIndex < byId) sharedById++;

  let shared = sharedById;
  while (shared < stepsA.length && shared < stepsB.length && stepsA[shared]!.digest === stepsB[shared]!.digest) shared++;

  const lastA = shared > 0 ? await complete(store, a, stepsA[shared - 1]!) : null;
  const lastB = shared > 0 ? await complete(store, b, stepsB[shared - 1]!) : null;

  const restA = stepsA.slice(shared);
  const restB = stepsB.slice(shared);
  const digests = new Interner();
  const keys = new Interner();
  const kinds = new Interner();
  const ids = (steps: WorkStep[]) => ({
    d: Int32Array.from(steps, (s) => digests.id(s.digest)),
    k: Int32Array.from(steps, (s) => keys.id(`${s.label}\u0000${s.tool ?? ''}\u0000${s.key}`)),
    w: Int32Array.from(steps, (s) => kinds.id(`${s.label}\u0000${s.tool ?? ''}`)),
  });
  const A = ids(restA);
  const B = ids(restB);
  const aligned = align(
    {
      a: A.d,
      b: B.d,
      score: (i, j) => (A.d[i] === B.d[j] ? 4 : A.k[i] === B.k[j] ? 3 : A.w[i] === B.w[j] ? 1 : 0),
    },
    opts.maxCells,
  );
  const pairs: DiffPair[] = [];
  const counts = { same: 0, changed: 0, only_a: 0, only_b: 0 };
  for (const [i, j] of aligned) {
    const sa = i >= 0 ? restA[i]! : null;
    const sb = j >= 0 ? restB[j]! : null;
    if (sa && sb) {
      const same = sa.digest === sb.digest;
      const pair: DiffPair = { mark: same ? 'same' : 'changed', a: publicStep(sa), b: publicStep(sb) };
      if (!same && opts.patch) {
        const hunks = unifiedDiff(await contentText(store, sa), await contentText(store, sb));
        pair.patch = hunks.flatMap((h) => [`@@ -${h.aStart},${h.aLines} +${h.bStart},${h.bLines} @@`, ...h.lines]);
      }
      pairs.push(pair);
      if (same) counts.same++;
      else counts.changed++;
    } else if (sa) {
      pairs.push({ mark: 'only-a', a: publicStep(sa), b: null });
      counts.only_a++;
    } else {
      pairs.push({ mark: 'only-b', a: null, b: publicStep(sb!) });
      counts.only_b++;
    }
  }
  return {
    equal: restA.length === 0 && restB.length === 0,
    a: describeSide(a, stepsA, shared, lastA),
    b: describeSide(b, stepsB, shared, lastB),
    shared: {
      steps: shared,
      records_by_id: byId,
      steps_by_content: shared - sharedById,
      a: lastA ? publicStep(lastA) : null,
      b: lastB ? publicStep(lastB) : null,
    },
    counts,
    pairs,
  };
}
