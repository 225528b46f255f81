// `tapes rerun --send`: the prepared request sent, the answer recorded, and
// the conversation continued while the model makes the calls the original
// made — never running a tool: each matching call gets the result the
// original recorded, and the first call that differs ends the rerun there,
// recorded as proposed, unexecuted. Each model's answers become a new
// session branched at the checkpoint (its first record's parent is the
// checkpoint record); the ref is made only once the rerun has ended, so a
// rerun that fails leaves no branch (its objects are unreachable, and gc
// takes them).
import { InvalidInputError, RefConflictError, UpstreamError, isTapesError, type TapesError } from '../../errors/index.js';
import { WriteQueue, type BatchWriteTarget, type ObjectStore } from '../../odb/index.js';
import { SESSIONS_PREFIX, checkFullRefName, shortRefName, type RefStore } from '../../refs/index.js';
import {
  appendItems,
  callModel,
  decodeBody,
  encodeCaptureRecord,
  headerValue,
  listItems,
  parseRequest,
  reduceResponse,
  refComponent,
  toolCalls,
  turnCapture,
  type CapturedTurn,
  type RecordFields,
} from '../../capture/index.js';
import { callDigestOf, type RecordKind } from '../../record/index.js';
import type { Archive } from '../archive.js';
import type { Provider } from '../capture.js';
import { diffSessions, type DiffStep } from '../diff/index.js';
import { isObj } from '../event/index.js';
import type { TokenCounts } from '../pricing.js';
import { addTokens, emptyTokens, roundUsd } from '../sessions/index.js';
import { RERUN_HARNESS, type Call, type Original } from './original.js';
import { copyOf, costUsd, estimate, outputTokensOf, type PendingRecord, type PreparedRequest, type RerunPlan } from './plan.js';
import { recordedInputs } from './request.js';

/** Where each provider's key is read from: the environment only. */
export const KEY_ENV: Record<Provider, string> = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY', gemini: 'GEMINI_API_KEY' };

export const DEFAULT_MAX_TURNS = 20;

export interface SendOptions {
  env: Record<string, string | undefined>;
  /** `-b NAME`: the branch's name (with several models, NAME-<model>). */
  branch?: string;
  maxTurns?: number;
  maxCost?: number;
  /** Milliseconds the upstream may stay silent. */
  timeoutMs?: number;
  /** Told after each turn, and when a model's rerun fails. */
  onTurn?: (t: TurnReport) => void;
}

export type StopReason = 'answered' | 'diverged' | 'no-recorded-result' | 'max-turns' | 'max-cost';

export interface Stop {
  reason: StopReason;
  /** Says why, in a sentence. */
  message: string;
  /** The turn it stopped after (1-based). */
  turn: number;
  /** The call the model proposed where it diverged: recorded, never run. */
  call?: { name: string; input: unknown };
}

export interface TurnReport {
  model: string;
  turn: number;
  /** Tool names the answer called, in order. */
  calls: string[];
  /** The calls were the original's at this step (their recorded results are fed back), or null when it called none. */
  matched: boolean | null;
  tokens: TokenCounts;
  cost_usd: number | null;
  stop?: Stop;
}

export interface Divergence {
  /** Steps (content blocks) both sessions share from the start. */
  shared_steps: number;
  /** The first step after the shared part on each side; null on a side that has none (both null: the same steps). */
  original: DiffStep | null;
  rerun: DiffStep | null;
}

export interface BranchResult {
  model: string;
  /** The branch's short name and ref, or null when the rerun failed (no branch is made). */
  name: string | null;
  ref: string | null;
  tip: string | null;
  records: number;
  turns: number;
  /** Models the answers came from, as the provider named them. */
  answered_by: string[];
  tokens: TokenCounts;
  cost_usd: number | null;
  stop: Stop | null;
  divergence: Divergence | null;
  error: TapesError | null;
}

/** The key for a provider, from the environment; a missing key stops before anything is sent. */
export function apiKey(provider: Provider, env: Record<string, string | undefined>): string {
  const name = KEY_ENV[provider];
  const key = env[name];
  if (!key) {
    throw new InvalidInputError(`--send needs ${name} in the environment: the key is read from there only, and never stored`, { variable: name });
  }
  return key;
}

/** The branch names the rerun will make, one per request, checked before anything is sent. */
export async function branchNames(archive: Archive, plan: RerunPlan, branch: string | undefined): Promise<string[]> {
  const names: string[] = [];
  const models = plan.requests.map((r) => r.model ?? 'model');
  if (branch !== undefined) {
    for (const m of models) {
      const name = models.length === 1 ? branch : `${branch}-${refComponent(m)}`;
      const ref = checkFullRefName(`${SESSIONS_PREFIX}${name}`);
      const existing = await archive.refs.resolve(ref);
      if (existing !== undefined) {
        throw new RefConflictError(`a session named '${name}' already exists (at ${existing})`, { name: ref, existing }, 'Choose another name with -b, or leave -b out for <session>-rerun-<n>.');
      }
      names.push(name);
    }
    return names;
  }
  const stem = shortRefName(plan.original.ref).replace(/\//g, '-');
  for (let n = 1; names.length < models.length; n++) {
    const name = `${stem}-rerun-${n}`;
    if ((await archive.refs.resolve(checkFullRefName(`${SESSIONS_PREFIX}${name}`))) === undefined) names.push(name);
  }
  return names;
}

function usageTokens(usage: unknown): TokenCounts {
  const t = emptyTokens();
  if (!isObj(usage)) return t;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  // Anthropic reports cache reads and writes apart; OpenAI counts cached input inside input_tokens.
  const details = isObj(usage.input_tokens_details) ? usage.input_tokens_details : isObj(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const cached = n(details.cached_tokens);
  t.input = Math.max(0, n(usage.input_tokens ?? usage.prompt_tokens) - cached);
  t.output = n(usage.output_tokens ?? usage.completion_tokens);
  t.cache_read = n(usage.cache_read_input_tokens) + cached;
  t.cache_write = n(usage.cache_creation_input_tokens);
  return t;
}

/** Pairs the answer's calls with the original's at this step, each to one of equal digest; the first difference otherwise. */
function matchCalls(calls: Call[], original: Call[]): { ids: Map<string, string>; unmatched?: Call; missing?: Call } {
  const used = new Set<number>();
  const ids = new Map<string, string>();
  for (const c of calls) {
    const i = original.findIndex((o, k) => !used.has(k) && o.digest === c.digest);
    if (i < 0) return { ids, unmatched: c };
    used.add(i);
    if (original[i]!.id && c.id) ids.set(original[i]!.id!, c.id);
  }
  const missing = original.find((_, k) => !used.has(k));
  return missing ? { ids, missing } : { ids };
}

const callText = (c: { name: string; input: unknown }): string => {
  const input = JSON.stringify(c.input ?? null);
  return `${c.name} ${input.length > 120 ? `${input.slice(0, 119)}…` : input}`;
};

function readdressContent(content: unknown[], ids: ReadonlyMap<string, string>): unknown[] {
  return content.map((b) => (isObj(b) && b.type === 'tool_result' && typeof b.tool_use_id === 'string' && ids.has(b.tool_use_id) ? { ...b, tool_use_id: ids.get(b.tool_use_id) } : b));
}

/** Writes a branch's records, each the parent of the next, from the checkpoint on; the ref only at the end. */
class BranchWriter {
  private readonly queue: WriteQueue;
  tip: string;
  records = 0;

  constructor(store: BatchWriteTarget, checkpoint: string) {
    this.queue = new WriteQueue(store);
    this.tip = checkpoint;
  }

  /** Stores content (blobs the records name). */
  put = (bytes: Uint8Array): Promise<string> => this.queue.putContent(bytes);

  async write(fields: RecordFields, wholeBody?: Buffer): Promise<void> {
    const put = this.put;
    const body = await encodeCaptureRecord(this.tip, fields, put, wholeBody ? () => put(wholeBody) : undefined);
    this.tip = (await this.queue.writeNew('record', body)).id;
    this.records++;
  }

  async finish(refs: RefStore, ref: string, reason: string): Promise<void> {
    await this.queue.flush();
    await refs.update(ref, this.tip, { expectedOld: null, reason, deref: false });
  }

  /** Waits for writes in flight, so nothing is left half-written; what was written stays unreachable. */
  async abandon(): Promise<void> {
    await this.queue.flush().catch(() => undefined);
  }
}

/** The error an API's error body holds, in a few words. */
function errorText(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const j = JSON.parse(text) as unknown;
    const e = isObj(j) && isObj(j.error) ? j.error : j;
    if (isObj(e)) return [e.type, e.message].filter((x) => typeof x === 'string').join(': ') || text.slice(0, 200);
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200) || '(no body)';
}

interface Context {
  archive: Archive;
  store: ObjectStore;
  plan: RerunPlan;
  opts: SendOptions;
  key: string;
}

/** The headers sent: the API's version and betas as recorded, the key, and nothing that names the agent or its session. */
function requestHeaders(plan: RerunPlan, key: string | null): Array<[string, string]> {
  const h: Array<[string, string]> = [
    ['content-type', 'application/json'],
    ['accept', 'application/json'],
    ['accept-encoding', 'identity'],
    ['user-agent', 'tapes-rerun'],
  ];
  if (plan.base.provider === 'anthropic') {
    h.push(['anthropic-version', plan.base.headers.find(([k]) => k === 'anthropic-version')?.[1] ?? '2023-06-01']);
    // Betas as the agent asked for them; an OAuth beta goes with a subscription's token, not an API key.
    const betas = (plan.base.headers.find(([k]) => k === 'anthropic-beta')?.[1] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('oauth-'));
    if (betas.length) h.push(['anthropic-beta', betas.join(',')]);
    if (key !== null) h.push(['x-api-key', key]);
  } else if (key !== null) h.push(['authorization', `Bearer ${key}`]);
  return h;
}

/** One answer, as it arrived and reduced; an error status, a cut or an incomplete answer is an UpstreamError. */
async function ask(ctx: Context, body: Buffer, turnNo: number, sent: Array<[string, string]>) {
  const { plan, archive } = ctx;
  const origin = plan.endpoint.origin;
  const res = await callModel({ url: plan.endpoint, headers: sent, body, now: archive.now, timeoutMs: ctx.opts.timeoutMs });
  const decoded = await decodeBody(res.body, headerValue(res.rawHeaders, 'content-encoding'));
  if (res.status < 200 || res.status >= 300) {
    throw new UpstreamError(`turn ${turnNo}: the upstream ${origin} answered HTTP ${res.status}: ${errorText(decoded.bytes)}`, { status: res.status, turn: turnNo });
  }
  const contentType = headerValue(res.rawHeaders, 'content-type');
  const reduced = reduceResponse(plan.base.api, contentType, decoded.bytes);
  if (res.end !== 'complete') throw new UpstreamError(`turn ${turnNo}: the upstream ${origin} cut the answer off after ${res.body.length} bytes`, { turn: turnNo, bytes: res.body.length });
  if (!reduced.complete) throw new UpstreamError(`turn ${turnNo}: the answer from ${origin} is not whole: ${reduced.problem ?? 'incomplete'}`, { turn: turnNo });
  return { res, decoded, contentType, reduced };
}

type Answer = Awaited<ReturnType<typeof ask>>;

interface Decision {
  stop?: Stop;
  /** The next request and the records it adds, when the rerun goes on. */
  next?: { body: Buffer; pending: PendingRecord[] };
  /** The calls were the original's at this step; null when there were none. */
  matched: boolean | null;
  calls: Call[];
}

/** After turn `k` (0-based): stop (and why), or go on with the original's recorded results for the same calls. */
async function decide(ctx: Context, k: number, body: Buffer, a: Answer, model: string, spent: number): Promise<Decision> {
  const { plan, opts } = ctx;
  const o = plan.original;
  const c = plan.continuation;
  const turnNo = k + 1;
  const calls: Call[] = toolCalls(a.reduced.content).map((x) => ({ ...x, digest: callDigestOf(x.name, x.input) }));
  if (calls.length === 0) {
    return { calls, matched: null, stop: { reason: 'answered', message: `the model ended its turn (${String(a.reduced.meta.stop_reason ?? 'no stop reason')})`, turn: turnNo } };
  }
  const orig = o.turns[k];
  const m = matchCalls(calls, orig?.calls ?? []);
  const diverged = (message: string, call?: Call): Decision => ({ calls, matched: false, stop: { reason: 'diverged', message, turn: turnNo, ...(call ? { call: { name: call.name, input: call.input } } : {}) } });
  if (!orig) return diverged(`the model called ${callText(calls[0]!)}; the original has no turn here`, calls[0]);
  if (m.unmatched) {
    const theirs = orig.calls.length ? `it called ${orig.calls.map(callText).join('; ')}` : 'it called no tool';
    return diverged(`the model called ${callText(m.unmatched)}, which the original did not at this step (${theirs})`, m.unmatched);
  }
  if (m.missing) return diverged(`the model made ${calls.length} of the original's ${orig.calls.length} calls at this step; it did not call ${callText(m.missing)}`);

  const start = listItems(body.toString('utf8'), c.listKey).length;
  const answerItems = c.answerItems(a.reduced.content, a.decoded.bytes, a.contentType);
  const inputs = await recordedInputs(ctx.store, o, k, start + answerItems.length);
  const resultIds = new Set(orig.after.flatMap((r) => r.ev.content.flatMap((b) => (isObj(b) && b.type === 'tool_result' && typeof b.tool_use_id === 'string' ? [b.tool_use_id] : []))));
  if (inputs === undefined || !orig.calls.every((call) => call.id === null || resultIds.has(call.id))) {
    const message = `the model made the original's calls (${calls.map((x) => x.name).join(', ')}), but the original has no recorded result for them to feed back`;
    return { calls, matched: true, stop: { reason: 'no-recorded-result', message, turn: turnNo } };
  }
  const maxTurns = opts.maxTurns ?? DEFAULT_MAX_TURNS;
  if (turnNo >= maxTurns) return { calls, matched: true, stop: { reason: 'max-turns', message: `--max-turns ${maxTurns} reached; the model was still making the original's calls`, turn: turnNo } };
  const items = [...answerItems, ...inputs.items.map((i) => c.readdress(i, m.ids))];
  const nextBody = Buffer.from(appendItems(body.toString('utf8'), c.listKey, items), 'utf8');
  const est = estimate(model, nextBody.length, null, outputTokensOf(o.turns[k + 1]?.usage ?? null));
  if (opts.maxCost !== undefined && est.cost_usd !== null && spent + est.cost_usd > opts.maxCost) {
    const message = `turn ${turnNo + 1} not asked: $${spent} spent, and the next turn is estimated at $${est.cost_usd}: over --max-cost ${opts.maxCost}`;
    return { calls, matched: true, stop: { reason: 'max-cost', message, turn: turnNo } };
  }
  const pending: PendingRecord[] = [];
  for (const r of orig.after) {
    const index = inputs.indexOf.get(r.id);
    if (index === undefined) continue;
    const p = await copyOf(ctx.store, r, index);
    pending.push({ ...p, content: readdressContent(p.content, m.ids) });
  }
  return { calls, matched: true, next: { body: nextBody, pending } };
}

async function runOne(ctx: Context, req: PreparedRequest, name: string): Promise<BranchResult> {
  const { archive, plan, opts } = ctx;
  const o: Original = plan.original;
  const api = plan.base.api;
  const model = req.model;
  if (model === null) throw new InvalidInputError('the session does not record which model answered: name one with --model', {});
  const result: BranchResult = { model, name: null, ref: null, tip: null, records: 0, turns: 0, answered_by: [], tokens: emptyTokens(), cost_usd: null, stop: null, divergence: null, error: null };
  const writer = new BranchWriter(await archive.objectWriter(), o.checkpoint.id);
  const changes = req.changes.map((ch) => ({ what: ch.what, how: ch.how, from: ch.from, to: ch.to }));
  const rerunMeta = (turn: number) => ({ session: o.name, checkpoint: o.checkpoint.id, model, original_model: plan.base.model, changes, turn });
  const sent = requestHeaders(plan, ctx.key);
  const recorded = requestHeaders(plan, null).flat();
  let body = req.body;
  let pending: PendingRecord[] = req.pending;
  let spent = 0;
  try {
    if (opts.maxCost !== undefined && req.estimate.cost_usd !== null && req.estimate.cost_usd > opts.maxCost) {
      throw new InvalidInputError(`nothing sent: the first request is estimated at $${req.estimate.cost_usd}, over --max-cost ${opts.maxCost}`, { estimate: req.estimate.cost_usd, max_cost: opts.maxCost });
    }
    for (let k = 0; ; k++) {
      const turnNo = k + 1;
      const time = archive.now();
      const a = await ask(ctx, body, turnNo, sent);
      const tokens = usageTokens(a.reduced.meta.usage);
      addTokens(result.tokens, tokens);
      const answeredBy = typeof a.reduced.meta.model === 'string' ? a.reduced.meta.model : model;
      if (!result.answered_by.includes(answeredBy)) result.answered_by.push(answeredBy);
      const turnCost = costUsd(model, tokens);
      if (turnCost !== null) spent = roundUsd(spent + turnCost);
      const d = await decide(ctx, k, body, a, model, spent);

      // The turn on the branch: what its request added, then the answer (with the stop, when it is the last).
      for (const p of pending) {
        await writer.write({
          kind: p.kind as RecordKind,
          role: p.role,
          time: time.toISOString(),
          content: p.content,
          meta: { harness: RERUN_HARNESS, rerun: { ...rerunMeta(turnNo), ...(p.copyOf ? { copy_of: p.copyOf } : {}) } },
          capture: { api, request_index: p.requestIndex },
        });
      }
      const turn: CapturedTurn = { api, method: 'POST', target: plan.base.path, rawHeaders: recorded, body, time, response: a.res };
      const parsed = parseRequest(api, body);
      const messages = parsed?.messages.length ?? 0;
      const added = new Set(pending.map((p) => p.requestIndex)).size;
      const capture = await turnCapture(turn, parsed, a.reduced, a.decoded.problem, messages - added, messages, writer.put);
      const meta: Record<string, unknown> = { harness: RERUN_HARNESS, ...a.reduced.meta };
      const requestId = headerValue(a.res.rawHeaders, 'request-id') ?? headerValue(a.res.rawHeaders, 'x-request-id');
      if (requestId) meta.request_id = requestId;
      meta.rerun = { ...rerunMeta(turnNo), ...(d.stop ? { stop: d.stop } : {}) };
      await writer.write({ kind: 'assistant', role: 'assistant', time: a.res.time.toISOString(), content: a.reduced.content, meta, capture }, body);
      result.turns = turnNo;
      result.cost_usd = costUsd(model, result.tokens);
      opts.onTurn?.({ model, turn: turnNo, calls: d.calls.map((x) => x.name), matched: d.matched, tokens, cost_usd: turnCost, ...(d.stop ? { stop: d.stop } : {}) });
      if (d.stop || !d.next) {
        result.stop = d.stop ?? null;
        break;
      }
      body = d.next.body;
      pending = d.next.pending;
    }
    const ref = `${SESSIONS_PREFIX}${name}`;
    await writer.finish(archive.refs, ref, `rerun: ${o.name} at ${o.checkpoint.id.slice(0, 12)} with ${model}`);
    return { ...result, name, ref, tip: writer.tip, records: writer.records };
  } catch (err) {
    await writer.abandon();
    throw err;
  }
}

async function divergenceOf(archive: Archive, original: string, branch: string): Promise<Divergence> {
  const d = await diffSessions(archive, original, branch);
  // The first step after the shared part on each side, whatever the alignment pairs it with.
  return { shared_steps: d.shared.steps, original: d.pairs.find((p) => p.a)?.a ?? null, rerun: d.pairs.find((p) => p.b)?.b ?? null };
}

/**
 * Sends each prepared request and records its rerun as a branch. A model
 * whose rerun fails (the upstream errs, cuts its answer, …) gets no branch
 * and its error in its result; the others go on.
 */
export async function sendRerun(archive: Archive, plan: RerunPlan, opts: SendOptions): Promise<BranchResult[]> {
  if (plan.requests.some((r) => r.model === null)) {
    throw new InvalidInputError(`the session does not record which model answered: name one with --model`, { session: plan.original.name });
  }
  const key = apiKey(plan.base.provider, opts.env);
  const names = await branchNames(archive, plan, opts.branch);
  if (opts.maxCost !== undefined) {
    for (const r of plan.requests) {
      if (r.model !== null && r.estimate.cost_usd === null) throw new InvalidInputError(`--max-cost needs a price for ${r.model}, and the price table has none`, { model: r.model });
    }
  }
  const ctx: Context = { archive, store: await archive.objects(), plan, opts, key };
  const out: BranchResult[] = [];
  for (const [i, req] of plan.requests.entries()) {
    try {
      const r = await runOne(ctx, req, names[i]!);
      r.divergence = await divergenceOf(archive, plan.original.ref, r.ref!);
      out.push(r);
    } catch (err) {
      if (!isTapesError(err)) throw err;
      out.push({ model: req.model ?? '', name: null, ref: null, tip: null, records: 0, turns: 0, answered_by: [], tokens: emptyTokens(), cost_usd: null, stop: null, divergence: null, error: err });
    }
  }
  return out;
}
