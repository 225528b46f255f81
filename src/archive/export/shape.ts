// A session's shape, for the strip at the top of its HTML page: its turns
// (a prompt and everything up to the next one) with the tokens each used and
// the cost so far, where its tool calls and failed results are, and each
// subagent thread as a lane of its own. Tokens are counted as `tapes stats`
// counts them (sessions/usage.ts: a message Claude Code wrote as several
// lines counts once, a repeated Codex event not at all), so the turns of the
// session add up to its figures in `stats --json`.
import type { JsonValue } from '../../hash/index.js';
import { isBookkeeping, readEvent, sourceObject, type EventView } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { isObj } from '../event/index.js';
import { BUILTIN_PRICES, costOf, type PriceTable, type TokenCounts } from '../pricing.js';
import { addTokens, emptyTokens, roundUsd, UsageCounter } from '../sessions/index.js';
import { type Transcript, type TranscriptEntry, type TranscriptRecord } from './transcript.js';

export interface ShapeTurn {
  /** 1, 2, …; 0 for records before the first prompt. */
  n: number;
  /** The turn's first record (its prompt): where the strip jumps to. */
  first: string;
  prompt: string | null;
  start: string | null;
  end: string | null;
  records: number;
  /** Display positions (0, 1, …, subagents' records included) of the turn's first and last records: the strip's axis when no record has a time. */
  from: number;
  to: number;
  tokens: TokenCounts;
  /** Null when no model of the turn has a price (or it used none). */
  cost_usd: number | null;
  /** The session's cost up to the end of this turn. */
  cost_so_far: number | null;
  tool_calls: number;
  tool_errors: number;
}

/** A tool call or a failed result, on the main line (lane 0) or a subagent's lane. */
export interface ShapeMark {
  id: string;
  type: 'call' | 'error';
  /** The tool's name. */
  name: string;
  time: string | null;
  /** Display position of the record. */
  seq: number;
  lane: number;
}

export interface ShapeLane {
  /** 1, 2, … in the order the threads appear. */
  lane: number;
  ref: string;
  name: string;
  description: string | null;
  first: string | null;
  start: string | null;
  end: string | null;
  from: number;
  to: number;
  records: number;
  tokens: TokenCounts;
  tool_calls: number;
  tool_errors: number;
}

export interface SessionShape {
  start: string | null;
  end: string | null;
  turns: ShapeTurn[];
  marks: ShapeMark[];
  lanes: ShapeLane[];
  /** Record ids the views fold by default (record/bookkeeping.ts). */
  bookkeeping: string[];
  tokens: TokenCounts;
  cost_usd: number | null;
}

/** Counts a chain's tokens record by record, as summariseSession does, and says which record's tokens they are. */
class ChainUsage {
  private readonly counter = new UsageCounter();
  private model: string | undefined;
  /** A Claude Code message's usage belongs to the turn of its first line, with the value of its last. */
  private readonly keyed = new Map<string, { at: number; model: string; tokens: TokenCounts }>();
  private readonly direct: Array<{ at: number; model: string; tokens: TokenCounts }> = [];

  constructor(private readonly archive: Archive) {}

  async add(ev: EventView, at: number): Promise<void> {
    const m = ev.meta;
    if (typeof m.model === 'string' && m.model !== '<synthetic>') this.model = m.model;
    if (m.model === '<synthetic>' || !isObj(m.usage)) return;
    let codexTotal: JsonValue | undefined;
    if (m.harness === 'codex' && m.event_type === 'token_count' && ev.source) {
      const line = (await sourceObject(await this.archive.objects(), ev.source)) as { payload?: { info?: { total_token_usage?: JsonValue } } } | undefined;
      codexTotal = line?.payload?.info?.total_token_usage;
    }
    const model = typeof m.model === 'string' ? m.model : (this.model ?? 'unknown');
    const tokens = this.counter.add(ev, model, codexTotal);
    if (!tokens) return;
    const key = m.harness === 'codex' ? undefined : typeof m.message_id === 'string' ? m.message_id : typeof m.request_id === 'string' ? m.request_id : undefined;
    if (key === undefined) this.direct.push({ at, model, tokens });
    else {
      const had = this.keyed.get(key);
      this.keyed.set(key, { at: had ? had.at : at, model, tokens });
    }
  }

  /** Tokens by model for each position `at` (a turn or a lane). */
  byPosition(): Map<number, Record<string, TokenCounts>> {
    const out = new Map<number, Record<string, TokenCounts>>();
    for (const { at, model, tokens } of [...this.keyed.values(), ...this.direct]) {
      let m = out.get(at);
      if (!m) out.set(at, (m = {}));
      addTokens((m[model] ??= emptyTokens()), tokens);
    }
    return out;
  }
}

function sumTokens(byModel: Record<string, TokenCounts> | undefined): TokenCounts {
  const t = emptyTokens();
  for (const v of Object.values(byModel ?? {})) addTokens(t, v);
  return t;
}

function costOfModels(byModel: Record<string, TokenCounts> | undefined, table: PriceTable): number | null {
  let priced = false;
  let total = 0;
  for (const [model, t] of Object.entries(byModel ?? {})) {
    const c = costOf(table, model, t);
    if (c !== undefined) {
      total += c;
      priced = true;
    }
  }
  return priced ? total : null;
}

const isPrompt = (r: TranscriptRecord) => r.label === 'user' && r.meta.is_meta !== true && r.meta.is_compact_summary !== true;

/** The session's shape: turns of the main chain, subagent threads as lanes, tool calls and failures on each. */
export async function sessionShape(archive: Archive, t: Transcript, table: PriceTable = BUILTIN_PRICES): Promise<SessionShape> {
  const store = await archive.objects();
  const turns: ShapeTurn[] = [];
  const marks: ShapeMark[] = [];
  const lanes: ShapeLane[] = [];
  const bookkeeping: string[] = [];
  const main = new ChainUsage(archive);
  const laneUsage: ChainUsage[] = [];
  let seq = -1;
  let start: string | null = null;
  let end: string | null = null;
  const seeTime = (time: string | null) => {
    if (!time) return;
    if (!start || time < start) start = time;
    if (!end || time > end) end = time;
  };
  const toolNames = new Map<string, string>();
  const markRecord = (r: TranscriptRecord, lane: number): { calls: number; errors: number } => {
    seq++;
    let calls = 0;
    let errors = 0;
    for (const b of r.content) {
      if (!isObj(b)) continue;
      if (b.type === 'tool_use' || b.type === 'server_tool_use') {
        const name = typeof b.name === 'string' && b.name ? b.name : '(unnamed)';
        if (typeof b.id === 'string') toolNames.set(b.id, name);
        marks.push({ id: r.id, type: 'call', name, time: r.time, seq, lane });
        calls++;
      } else if (b.type === 'tool_result' && b.is_error === true) {
        const name = (typeof b.tool_use_id === 'string' && toolNames.get(b.tool_use_id)) || '(unknown)';
        marks.push({ id: r.id, type: 'error', name, time: r.time, seq, lane });
        errors++;
      }
    }
    return { calls, errors };
  };
  const readOk = async (r: TranscriptRecord): Promise<EventView | undefined> => (r.damaged === null ? readEvent(store, r.id).catch(() => undefined) : undefined);

  const walkLane = async (entries: TranscriptEntry[], lane: ShapeLane, usage: ChainUsage): Promise<void> => {
    for (const e of entries) {
      if (e.type === 'thread') {
        await thread(e.thread);
        continue;
      }
      const r = e.record;
      if (isBookkeeping(r as Pick<EventView, 'kind' | 'meta'>)) bookkeeping.push(r.id);
      lane.records++;
      lane.first ??= r.id;
      if (r.time) {
        if (!lane.start || r.time < lane.start) lane.start = r.time;
        if (!lane.end || r.time > lane.end) lane.end = r.time;
      }
      seeTime(r.time);
      const n = markRecord(r, lane.lane);
      if (lane.records === 1) lane.from = seq;
      lane.to = seq;
      lane.tool_calls += n.calls;
      lane.tool_errors += n.errors;
      const ev = await readOk(r);
      if (ev) await usage.add(ev, 0);
      for (const th of e.threads) await thread(th);
    }
  };
  const thread = async (th: { ref: string; name: string; description: string | null; entries: TranscriptEntry[] }): Promise<void> => {
    const lane: ShapeLane = { lane: lanes.length + 1, ref: th.ref, name: th.name, description: th.description, first: null, start: null, end: null, from: 0, to: 0, records: 0, tokens: emptyTokens(), tool_calls: 0, tool_errors: 0 };
    lanes.push(lane);
    const usage = new ChainUsage(archive);
    laneUsage[lane.lane] = usage;
    await walkLane(th.entries, lane, usage);
  };

  for (const e of t.entries) {
    if (e.type === 'thread') {
      await thread(e.thread);
      continue;
    }
    const r = e.record;
    if (isBookkeeping(r as Pick<EventView, 'kind' | 'meta'>)) bookkeeping.push(r.id);
    seeTime(r.time);
    if (isPrompt(r) || turns.length === 0) {
      turns.push({ n: isPrompt(r) ? turns.filter((x) => x.n > 0).length + 1 : 0, first: r.id, prompt: isPrompt(r) ? r.summary : null, start: null, end: null, records: 0, from: seq + 1, to: seq + 1, tokens: emptyTokens(), cost_usd: null, cost_so_far: null, tool_calls: 0, tool_errors: 0 });
    }
    const turn = turns[turns.length - 1]!;
    turn.records++;
    if (r.time) {
      if (!turn.start || r.time < turn.start) turn.start = r.time;
      if (!turn.end || r.time > turn.end) turn.end = r.time;
    }
    const n = markRecord(r, 0);
    turn.to = seq;
    turn.tool_calls += n.calls;
    turn.tool_errors += n.errors;
    const ev = await readOk(r);
    if (ev) await main.add(ev, turns.length - 1);
    for (const th of e.threads) await thread(th);
  }

  const byTurn = main.byPosition();
  let soFar: number | null = null;
  const all: Record<string, TokenCounts> = {};
  for (const [i, turn] of turns.entries()) {
    const models = byTurn.get(i);
    turn.tokens = sumTokens(models);
    for (const [m, v] of Object.entries(models ?? {})) addTokens((all[m] ??= emptyTokens()), v);
    const c = costOfModels(models, table);
    turn.cost_usd = c === null ? null : roundUsd(c);
    if (c !== null) soFar = (soFar ?? 0) + c;
    turn.cost_so_far = soFar === null ? null : roundUsd(soFar);
  }
  for (const lane of lanes) lane.tokens = sumTokens(laneUsage[lane.lane]?.byPosition().get(0));
  const total = costOfModels(all, table);
  return { start, end, turns, marks, lanes, bookkeeping, tokens: sumTokens(all), cost_usd: total === null ? null : roundUsd(total) };
}
