// What a rerun would send, per model: the first request with the changes
// asked for (--model, --system, --prompt) applied, what changed, where it
// goes, and its estimated tokens and cost. The dry run prints this and
// nothing else; --send starts from it.
import { InvalidInputError } from '../../errors/index.js';
import { continuationFor, listItems, appendItems, replaceItem, setMember, type Continuation } from '../../capture/index.js';
import { upstreamUrl, type Provider } from '../capture.js';
import type { Archive } from '../archive.js';
import { isObj } from '../event/index.js';
import { BUILTIN_PRICES, costOf, priceFor } from '../pricing.js';
import { roundUsd } from '../sessions/index.js';
import { decodedContent, readOriginal, type ChainRecord, type Original } from './original.js';
import { baseRequest, type BaseRequest } from './request.js';

/** Output tokens assumed for an answer whose original size is not recorded. */
export const DEFAULT_OUTPUT_ESTIMATE = 1024;

export interface RerunOptions {
  /** Models to ask, one branch each; none: the model that answered. */
  models?: string[];
  /** A system prompt to send instead of the recorded one; `from` names where it came from. */
  system?: { text: string; from: string };
  /** A prompt replacing the last user message after the checkpoint, or added. */
  prompt?: { text: string; from: string };
  /** Base URL of the API (default: the provider's). */
  upstream?: string;
}

export interface Change {
  what: 'model' | 'system' | 'prompt';
  /** How it was changed (prompt: replaced or added). */
  how: 'replaced' | 'added';
  from: string | null;
  to: string;
}

export interface Estimate {
  input_tokens: number;
  output_tokens: number;
  /** `recorded`: the provider counted this very request; `size`: a quarter of its bytes. */
  input_from: 'recorded' | 'size';
  /** `recorded`: the original answer's size; `default`: DEFAULT_OUTPUT_ESTIMATE. */
  output_from: 'recorded' | 'default';
  /** At list prices, every input token at the uncached price; null when no price is known. */
  cost_usd: number | null;
}

/** A record the rerun writes before the first answer: a copy of one after the checkpoint, or the new prompt. */
export interface PendingRecord {
  kind: string;
  role: string | null;
  content: unknown[];
  /** Index of its item in the request's list. */
  requestIndex: number;
  copyOf: string | null;
}

export interface PreparedRequest {
  model: string | null;
  body: Buffer;
  changes: Change[];
  messages: number;
  tool_results: number;
  system: { source: 'recorded' | 'transcript' | 'file' | 'none'; bytes: number };
  tools: BaseRequest['tools'];
  estimate: Estimate;
  /** The records written before the first answer, in order. */
  pending: PendingRecord[];
}

export interface RerunPlan {
  original: Original;
  base: BaseRequest;
  continuation: Continuation;
  endpoint: URL;
  upstream: URL;
  requests: PreparedRequest[];
}

/** Tokens of a request estimated from its size (about four bytes a token for JSON and English). */
export function tokensBySize(bytes: number): number {
  return Math.ceil(bytes / 4);
}

/** A model is known for a provider when the price table `stats` uses has it, and it is that provider's. */
export function checkModel(provider: Provider, model: string): void {
  const own = (m: string) => (provider === 'anthropic' ? m.startsWith('claude') : !m.startsWith('claude'));
  if (priceFor(BUILTIN_PRICES, model) && own(model.toLowerCase())) return;
  const known = Object.keys(BUILTIN_PRICES).filter(own);
  throw new InvalidInputError(
    `unknown model '${model}' for ${provider}: no model of that name in the price table`,
    { model, provider },
    `Known ${provider} models (a name that starts with one of these): ${known.join(', ')}`,
  );
}

export function costUsd(model: string | null, tokens: { input: number; output: number; cache_read?: number; cache_write?: number }): number | null {
  if (!model) return null;
  const c = costOf(BUILTIN_PRICES, model, { input: tokens.input, output: tokens.output, cache_read: tokens.cache_read ?? 0, cache_write: tokens.cache_write ?? 0 });
  return c === undefined ? null : roundUsd(c);
}

/** Tokens and cost of sending `body` to `model`; the output estimated as `outputTokens` when known. */
export function estimate(model: string | null, bytes: number, recordedInput: number | null, outputTokens: number | null): Estimate {
  const input = recordedInput ?? tokensBySize(bytes);
  const output = outputTokens ?? DEFAULT_OUTPUT_ESTIMATE;
  return {
    input_tokens: input,
    output_tokens: output,
    input_from: recordedInput === null ? 'size' : 'recorded',
    output_from: outputTokens === null ? 'default' : 'recorded',
    cost_usd: costUsd(model, { input, output }),
  };
}

export function outputTokensOf(usage: Record<string, unknown> | null): number | null {
  if (!usage) return null;
  for (const k of ['output_tokens', 'completion_tokens']) if (typeof usage[k] === 'number') return usage[k] as number;
  return null;
}

/** The text of a message or item, for the dry run's account of a replaced prompt. */
function itemText(item: unknown): string {
  if (!isObj(item)) return '';
  const c = item.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c.map((b) => (isObj(b) && typeof b.text === 'string' ? b.text : '')).filter(Boolean).join('\n');
}

function short(text: string, width = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** The list of a body, made a list first when the Responses API's `input` is a plain string. */
function withList(body: string, c: Continuation): string {
  const v = listItemsOrString(body, c);
  return typeof v === 'string' ? setMember(body, c.listKey, [c.prompt(v)]) : body;
}

function listItemsOrString(body: string, c: Continuation): unknown[] | string {
  try {
    return listItems(body, c.listKey);
  } catch (err) {
    const m = JSON.parse(body) as Record<string, unknown>;
    if (typeof m[c.listKey] === 'string') return m[c.listKey] as string;
    throw err;
  }
}

async function prepare(archive: Archive, o: Original, base: BaseRequest, c: Continuation, model: string | null, opts: RerunOptions): Promise<PreparedRequest> {
  const store = await archive.objects();
  let body = base.body;
  const changes: Change[] = [];
  if (model !== null && model !== base.model) {
    body = setMember(body, 'model', model);
    changes.push({ what: 'model', how: 'replaced', from: base.model, to: model });
  }
  let system: PreparedRequest['system'] = base.system;
  if (opts.system) {
    body = c.withSystem(body, opts.system.text);
    const from = base.system.source === 'none' ? null : `${base.system.source === 'recorded' ? 'recorded' : 'from the transcript'} (${base.system.bytes} bytes)`;
    changes.push({ what: 'system', how: base.system.source === 'none' ? 'added' : 'replaced', from, to: `${opts.system.from} (${Buffer.byteLength(opts.system.text)} bytes)` });
    system = { source: 'file', bytes: Buffer.byteLength(opts.system.text) };
  }

  // The records between the checkpoint and the turn are written again on the branch, as copies.
  const pending: PendingRecord[] = [];
  for (const b of o.before) {
    const index = base.beforeIndex.get(b.id);
    if (index === undefined) continue;
    pending.push(await copyOf(store, b, index));
  }
  if (opts.prompt) {
    body = withList(body, c);
    const items = listItems(body, c.listKey);
    const last = items.length - 1;
    // Only a prompt after the checkpoint is replaced: one before it is the branch's own history.
    const replace = last >= 0 && c.isPrompt(items[last]) && pending.some((p) => p.requestIndex === last);
    const prompt = c.prompt(opts.prompt.text);
    if (replace) {
      body = replaceItem(body, c.listKey, last, prompt);
      changes.push({ what: 'prompt', how: 'replaced', from: short(itemText(items[last])), to: short(opts.prompt.text) });
      for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.requestIndex === last) pending.splice(i, 1);
    } else {
      body = appendItems(body, c.listKey, [prompt]);
      changes.push({ what: 'prompt', how: 'added', from: null, to: short(opts.prompt.text) });
    }
    pending.push({ kind: 'user', role: 'user', content: [{ type: 'text', text: opts.prompt.text }], requestIndex: replace ? last : items.length, copyOf: null });
  }
  const items = listItems(body, c.listKey);
  const bytes = Buffer.from(body, 'utf8');
  const unchanged = changes.length === 0;
  return {
    model: model ?? base.model,
    body: bytes,
    changes,
    messages: items.length,
    tool_results: items.reduce<number>((n, i) => n + c.toolResults(i), 0),
    system,
    tools: base.tools,
    estimate: estimate(model ?? base.model, bytes.length, unchanged ? base.recordedInputTokens : null, outputTokensOf(o.turns[0]?.usage ?? null)),
    pending,
  };
}

/** A record after the checkpoint, as the branch writes it again. */
export async function copyOf(store: Parameters<typeof decodedContent>[0], r: ChainRecord, requestIndex: number): Promise<PendingRecord> {
  return { kind: r.ev.kind, role: r.ev.role, content: await decodedContent(store, [r]), requestIndex, copyOf: r.id };
}

/** Reads the checkpoint's session and prepares the first request for each model. Nothing is sent or written. */
export async function planRerun(archive: Archive, rev: string, opts: RerunOptions = {}): Promise<RerunPlan> {
  const original = await readOriginal(archive, rev);
  const store = await archive.objects();
  const base = await baseRequest(store, original);
  const continuation = continuationFor(base.api);
  for (const m of opts.models ?? []) checkModel(base.provider, m);
  // The upstream is --upstream or the provider's API; $TAPES_UPSTREAM (the proxy's) is not read.
  const upstream = upstreamUrl(opts.upstream, base.provider, {});
  const endpoint = new URL(upstream.href.replace(/\/+$/, '') + base.path);
  const models = opts.models?.length ? [...new Set(opts.models)] : [null];
  const requests: PreparedRequest[] = [];
  for (const m of models) requests.push(await prepare(archive, original, base, continuation, m, opts));
  return { original, base, continuation, endpoint, upstream, requests };
}
