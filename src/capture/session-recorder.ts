// Turns captured model turns into records on session chains (docs/capture.md,
// docs/format.md §6.2). Each turn: find its session (the agent's session
// header, else the conversation's first message), match the request's
// messages against the chain (match.ts), append only what is new plus the
// response, and move the session ref by compare-and-swap. Turns of one
// session are written one at a time; turns of different sessions in parallel.
import { InvalidInputError, ObjectTooLargeError, RefConflictError } from '../errors/index.js';
import { canonicalJson, sha256Hex, type JsonValue } from '../hash/index.js';
import { maxBodySize } from '../object/index.js';
import { readContent, WriteQueue, type BatchWriteTarget, type StoredContent } from '../odb/index.js';
import { chainViewAt, decodeValue, encodeValue, walkChain, type PutContent, type RecordKind, type SecretDetector } from '../record/index.js';
import { AGENTS_PREFIX, captureViewRef, refNameProblem, SESSIONS_PREFIX, type RefStore } from '../refs/index.js';
import { decodeBody, encodeBody, type DecodedBody } from './body-decode.js';
import { headerValue, storableHeaders, storablePath } from './headers.js';
import { alignRequest, matchDigest } from './match.js';
import { holdsSecret, RedactionTally, redactBytes, redactJson, redactText } from './redact.js';
import { buildRequestTemplate } from './request-template.js';
import { parseRequest, reduceResponse } from './turn.js';
import type { ParsedRequest, ReducedResponse, WireApi, WireMessage } from './wire-api.js';

export interface CapturedResponse {
  status: number;
  rawHeaders: string[];
  /** The body as it arrived (still content-encoded), as far as it was kept; empty when `bodyStored`. */
  body: Buffer;
  /** The body, too large to hold, already stored as it passed: kept raw, not reduced. */
  bodyStored?: StoredContent;
  /** When the response headers arrived. */
  time: Date;
  headersMs: number;
  ttfbMs: number | null;
  totalMs: number;
  /** How the response ended for the proxy. */
  end: 'complete' | 'upstream-cut' | 'client-disconnected' | 'proxy-stopped';
  /** The body was longer than the proxy keeps for recording. */
  bodyTruncated?: boolean;
}

export interface CapturedTurn {
  api: WireApi;
  method: string;
  target: string;
  rawHeaders: string[];
  /** The request body; empty when `bodyStored`. */
  body: Buffer;
  /** The request body, too large to hold, already stored as it passed: kept raw, not parsed. */
  bodyStored?: StoredContent;
  /** The request body was longer than the proxy keeps; only the first part is stored. */
  bodyTruncated?: boolean;
  time: Date;
  response: CapturedResponse;
}

export interface TurnResult {
  ref: string;
  /** Ids of the records this turn added, oldest first. */
  added: string[];
  tip: string;
  /** Request messages that were already in the chain, and all of them. */
  matched: number;
  messages: number;
  complete: boolean;
  problem?: string;
  api: WireApi;
  status: number;
  model: string | null;
}

const CONVERSATION_KINDS = new Set<string>(['user', 'assistant', 'tool_result', 'system', 'other']);
const MAX_RECORD_BODY = maxBodySize('record');
const THRESHOLDS = [1024, 128, 16];

interface ChainState {
  tip: string | undefined;
  digests: string[];
  ids: string[];
}

interface Identity {
  ref: string;
  meta: Record<string, unknown>;
  /** Meta for the first record of a new chain (a subagent's link to its session). */
  firstMeta: Record<string, unknown>;
}

/** A ref component from an id an agent sent: git's rules, else a digest of it. */
export function refComponent(raw: string): string {
  const cleaned = raw
    .replace(/[\x00-\x20\x7f~^:?*[\\/]+/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/@\{/g, '@-')
    .replace(/^[.-]+/, '')
    .replace(/(\.lock|\.)+$/g, '')
    .slice(0, 128);
  return cleaned && cleaned !== '@' && !refNameProblem(`refs/sessions/${cleaned}`) ? cleaned : `id-${sha256Hex(Buffer.from(raw, 'utf8')).slice(0, 16)}`;
}

/** The agent (harness) a user-agent names, and its version. */
export function harnessOf(userAgent: string | undefined): { harness: string | null; version: string | null } {
  if (!userAgent) return { harness: null, version: null };
  const claude = /^claude-cli\/(\S+)/.exec(userAgent);
  if (claude) return { harness: 'claude-code', version: claude[1]! };
  const codex = /^codex[\w-]*\/(\S+)/i.exec(userAgent);
  if (codex) return { harness: 'codex', version: codex[1]! };
  const product = /^([A-Za-z][\w.-]*)(?:\/(\S+))?/.exec(userAgent);
  return product ? { harness: product[1]!.toLowerCase(), version: product[2] ?? null } : { harness: null, version: null };
}

export class SessionRecorder {
  private readonly chains = new Map<string, ChainState>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** OpenAI Responses ids → where their record is, for previous_response_id. */
  private readonly responses = new Map<string, { ref: string; id: string }>();

  /**
   * With a `detector` (the proxy's --redact), every record and blob written
   * has the secrets it finds replaced (redact.ts); the turn's messages are
   * redacted before they are matched, so a re-sent message still matches the
   * redacted record already on the chain.
   */
  constructor(
    readonly store: BatchWriteTarget,
    private readonly refs: RefStore,
    private readonly detector?: SecretDetector,
  ) {}

  /** Whether what is recorded is redacted: then no body may be stored as it passes, unscanned. */
  get redacts(): boolean {
    return this.detector !== undefined;
  }

  /** Records one turn; turns of the same session queue behind each other. */
  async record(turn: CapturedTurn): Promise<TurnResult | undefined> {
    const det = this.detector;
    if (det && (turn.bodyStored || turn.response.bodyStored)) {
      // The proxy keeps bodies in memory when it redacts; one stored unscanned would already be in the archive.
      throw new InvalidInputError('--redact: a body was stored as it passed, unscanned; it cannot be recorded redacted', {});
    }
    let parsed = turn.bodyStored ? undefined : parseRequest(turn.api, turn.body, turn.target);
    let tallies: RedactionTally[] | undefined;
    if (det && parsed) {
      const ts: RedactionTally[] = [];
      parsed = {
        ...parsed,
        messages: parsed.messages.map((m) => {
          const t = new RedactionTally();
          ts.push(t);
          return { ...m, content: redactJson(det, m.content, t) };
        }),
      };
      tallies = ts;
    }
    const identity = this.identify(turn, parsed);
    return this.locked(identity.ref, () => this.write(turn, parsed, identity, tallies));
  }

  private async locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  private identify(turn: CapturedTurn, parsed: ParsedRequest | undefined): Identity {
    const h = turn.rawHeaders;
    const { harness, version } = harnessOf(headerValue(h, 'user-agent'));
    const meta: Record<string, unknown> = { harness };
    if (version) meta.harness_version = version;
    // Codex sent session_id / conversation_id until 0.16x; 0.169 sends session-id (and thread-id).
    const session =
      headerValue(h, 'x-claude-code-session-id') ??
      headerValue(h, 'session_id') ??
      headerValue(h, 'session-id') ??
      headerValue(h, 'conversation_id') ??
      headerValue(h, 'x-session-id');
    const agent = headerValue(h, 'x-claude-code-agent-id');
    if (session) {
      meta.session_id = session;
      if (agent) {
        meta.agent_id = agent;
        return { ref: `${AGENTS_PREFIX}${refComponent(session)}/agent-${refComponent(agent)}`, meta, firstMeta: { parent_session: refComponent(session) } };
      }
      return { ref: `${SESSIONS_PREFIX}${refComponent(session)}`, meta, firstMeta: {} };
    }
    const previous = parsed?.previousResponseId ? this.responses.get(parsed.previousResponseId) : undefined;
    if (previous) return { ref: previous.ref, meta, firstMeta: {} };
    // No session header: the conversation's first message names it (with the
    // system messages before it, which alone would name every conversation
    // of an application alike).
    const msgs = parsed?.messages ?? [];
    const firstOther = msgs.findIndex((m) => m.kind !== 'system');
    const named = firstOther < 0 ? msgs : msgs.slice(0, firstOther + 1);
    // A body too large to parse is named by its content.
    const what = turn.bodyStored ? `body ${turn.bodyStored.id}` : named.map((m) => matchDigest(m.role, m.content)).join('\n');
    const digest = sha256Hex(Buffer.from(what + `\n${turn.api}`, 'utf8'));
    return { ref: `${SESSIONS_PREFIX}capture-${digest.slice(0, 16)}`, meta, firstMeta: {} };
  }

  /** The chain state of a ref: the match digests of its conversation records, oldest first. */
  private async chainState(ref: string, tip: string | undefined): Promise<ChainState> {
    const cached = this.chains.get(ref);
    if (cached && cached.tip === tip) return cached;
    const state: ChainState = { tip, digests: [], ids: [] };
    if (tip !== undefined) {
      const found: Array<{ id: string; digest: string }> = [];
      for await (const rec of walkChain(this.store, tip)) {
        const v = rec.value;
        const isConversation = v.capture !== undefined && typeof v.kind === 'string' && CONVERSATION_KINDS.has(v.kind) && !isTurnNote(v.meta);
        if (!isConversation) continue;
        const content = (await decodeValue(v.content ?? [], (id) => readContent(this.store, id))) as unknown[];
        found.push({ id: rec.id, digest: matchDigest(typeof v.role === 'string' ? v.role : null, Array.isArray(content) ? content : []) });
      }
      found.reverse();
      state.ids = found.map((f) => f.id);
      state.digests = found.map((f) => f.digest);
    }
    this.chains.set(ref, state);
    return state;
  }

  /**
   * The ref a session's captures go to (docs/format.md §7.2, views of one
   * run): the session's own ref, unless an imported transcript holds it; then
   * its capture view, refs/captures/<area>/<name>. A capture view that
   * exists already is continued.
   */
  private async placement(ref: string): Promise<{ ref: string; tip: string | undefined }> {
    const view = captureViewRef(ref);
    const viewTip = await this.refs.resolve(view);
    if (viewTip !== undefined) return { ref: view, tip: viewTip };
    const tip = await this.refs.resolve(ref);
    if (tip === undefined || (await chainViewAt(this.store, tip)) !== 'transcript') return { ref, tip };
    return { ref: view, tip: undefined };
  }

  private async write(turn: CapturedTurn, parsed: ParsedRequest | undefined, identity: Identity, tallies: RedactionTally[] | undefined): Promise<TurnResult> {
    const res = turn.response;
    const decoded = res.bodyStored ? { bytes: Buffer.alloc(0), problem: undefined } : await decodeBody(res.body, headerValue(res.rawHeaders, 'content-encoding'));
    const ok = res.status >= 200 && res.status < 300;
    let reduced = ok && !res.bodyStored ? reduceResponse(turn.api, headerValue(res.rawHeaders, 'content-type'), decoded.bytes) : undefined;
    const det = this.detector;
    // With --redact: the answer's content and raw body as they are stored, and what was replaced in them.
    const responseTally = new RedactionTally();
    let responseBody: ResponseBody | undefined;
    if (det) {
      if (reduced) reduced = { ...reduced, content: redactJson(det, reduced.content, responseTally) };
      responseBody = redactResponseBody(det, turn.api, res, decoded, responseTally.replacements > 0, responseTally);
    }
    for (let attempt = 0; ; attempt++) {
      const queue = new WriteQueue(this.store);
      // What the blobs written since the last record replaced belongs to the next record.
      let pending = new RedactionTally();
      const put: PutContent = det ? (bytes) => queue.putContent(redactBytes(det, bytes, pending)) : (bytes) => queue.putContent(bytes);
      const { ref, tip } = await this.placement(identity.ref);
      const chain = await this.chainState(ref, tip);
      const messages = parsed?.messages ?? [];
      const digests = messages.map((m) => matchDigest(m.role, m.content));
      const previous = parsed?.previousResponseId ? this.responses.get(parsed.previousResponseId) : undefined;
      // With previous_response_id the input holds only what is new.
      const { matched, last } = previous ? { matched: 0, last: chain.ids.indexOf(previous.id) } : alignRequest(chain.digests, digests);
      const continues = last >= 0 ? chain.ids[last]! : null;
      let parent: string | null = tip ?? null;
      const added: string[] = [];
      const newDigests: string[] = [];
      const writeRecord = async (fields: RecordFields, digest: string | undefined, wholeBody?: () => Promise<string>, carried?: RedactionTally): Promise<string> => {
        if (added.length === 0 && continues !== parent && parent !== null) fields.capture = { ...fields.capture, continues };
        if (parent === null) fields.meta = { ...fields.meta, ...identity.firstMeta };
        if (det) {
          const tally = pending;
          if (carried) tally.merge(carried);
          fields.meta = redactJson(det, fields.meta, tally);
          fields.capture = redactJson(det, fields.capture, tally, true);
          const mark = tally.mark();
          if (mark) fields.scrubbed = mark;
        }
        const body = await encodeCaptureRecord(parent, fields, put, wholeBody);
        // Blobs written while encoding hold text already redacted, or (a whole body) the parts counted above.
        pending = new RedactionTally();
        const { id } = await queue.writeNew('record', body);
        added.push(id);
        if (digest !== undefined) newDigests.push(digest);
        parent = id;
        return id;
      };
      const requestTime = turn.time.toISOString();
      for (let i = matched; i < messages.length; i++) {
        const m: WireMessage = messages[i]!;
        await writeRecord({ kind: m.kind, role: m.role, time: requestTime, content: m.content, meta: { ...identity.meta }, capture: { api: turn.api, request_index: i } }, digests[i], undefined, tallies?.[i]);
      }
      // The redacted raw answer is written as it is: scanning compressed bytes as text again would find nothing, or garble them.
      const storedBody = responseBody && 'bytes' in responseBody ? { id: await queue.putContent(responseBody.bytes) } : responseBody;
      const capture = await turnCapture(turn, parsed, reduced, decoded.problem, matched, messages.length, put, storedBody);
      let responseDigest: string | undefined;
      let fields: RecordFields;
      if (reduced) {
        const meta: Record<string, unknown> = { ...identity.meta, ...reduced.meta };
        const requestId = headerValue(res.rawHeaders, 'request-id') ?? headerValue(res.rawHeaders, 'x-request-id');
        if (requestId) meta.request_id = requestId;
        const complete = reduced.complete && res.end === 'complete';
        if (!complete) {
          meta.incomplete = true;
          meta.incomplete_reason = END_REASONS[res.end] ?? reduced.problem ?? 'incomplete';
          if (res.end !== 'complete' && reduced.problem) meta.stream_problem = reduced.problem;
        }
        fields = { kind: 'assistant', role: 'assistant', time: res.time.toISOString(), content: reduced.content, meta, capture };
        responseDigest = matchDigest('assistant', reduced.content);
      } else if (res.bodyStored) {
        // An answer too large to hold: kept raw, as a note on the chain, not as conversation.
        const reason = `response body of ${res.bodyStored.size} bytes was stored as it passed, not reduced`;
        fields = { kind: 'system', role: null, time: res.time.toISOString(), content: [], meta: { ...identity.meta, unreduced: true, reason, status: res.status }, capture };
      } else {
        // An error status: the turn is kept, as an API error, not as an answer.
        const text = decoded.bytes.toString('utf8');
        let error: unknown = text.length <= 4096 ? text : `${text.slice(0, 4096)}…`;
        try {
          const j = JSON.parse(text) as { error?: unknown };
          error = j && typeof j === 'object' && 'error' in j ? j.error : j;
        } catch {
          // not JSON: kept as text
        }
        fields = { kind: 'system', role: null, time: res.time.toISOString(), content: [], meta: { ...identity.meta, is_api_error: true, status: res.status, error }, capture };
      }
      const responseId = await writeRecord(fields, responseDigest, async () => turn.bodyStored?.id ?? put(turn.body), responseTally);
      await queue.flush();
      const path = storablePath(turn.target);
      try {
        await this.refs.update(ref, responseId, { expectedOld: tip ?? null, reason: `capture ${turn.api}: ${det ? redactText(det, path, new RedactionTally()) : path}` });
      } catch (err) {
        // Another writer (a second proxy on this archive) moved the session: match again.
        if (err instanceof RefConflictError && attempt < 3) {
          this.chains.delete(ref);
          continue;
        }
        throw err;
      }
      const conversation = added.filter((_, i) => i < added.length - 1 || responseDigest !== undefined);
      this.chains.set(ref, { tip: responseId, digests: [...chain.digests, ...newDigests], ids: [...chain.ids, ...conversation] });
      if (turn.api === 'openai-responses' && reduced && typeof reduced.meta.message_id === 'string') this.responses.set(reduced.meta.message_id, { ref, id: responseId });
      const complete = reduced !== undefined && reduced.complete && res.end === 'complete';
      return {
        ref,
        added,
        tip: responseId,
        matched,
        messages: messages.length,
        complete,
        ...(complete ? {} : { problem: reduced ? String(fields.meta.incomplete_reason) : `HTTP ${res.status}` }),
        api: turn.api,
        status: res.status,
        model: typeof reduced?.meta.model === 'string' ? reduced.meta.model : (parsed?.model ?? null),
      };
    }
  }
}

/** The `capture` member of the record that closes a turn (docs/format.md §6.2). */
export async function turnCapture(
  turn: CapturedTurn,
  parsed: ParsedRequest | undefined,
  reduced: (ReducedResponse & { stream: boolean }) | undefined,
  decodeProblem: string | undefined,
  matched: number,
  messages: number,
  put: PutContent,
  /** The stored answer when it is not the body as it arrived (the proxy's --redact). */
  storedBody?: { id: string } | { withheld: string },
): Promise<Record<string, JsonValue>> {
  const res = turn.response;
  const json = async (v: unknown) => ({ $blob: await put(Buffer.from(JSON.stringify(v), 'utf8')) });
  const request: Record<string, JsonValue> = { headers: await json(storableHeaders(turn.rawHeaders)) };
  if (turn.bodyStored) {
    request.body = [{ $blob: turn.bodyStored.id, raw: true }];
  } else {
    const template = await buildRequestTemplate(turn.body, parsed?.listKey ?? 'messages', parsed?.wholeKeys ?? [], put);
    request.body = template.parts as JsonValue;
    for (const [key, id] of Object.entries(template.members)) request[key] = { $blob: id, raw: true };
  }
  if (turn.bodyTruncated) request.body_truncated = true;
  if (parsed) request.params = { $blob: await put(Buffer.from(canonicalJson(parsed.params as JsonValue), 'utf8')) };
  const response: Record<string, JsonValue> = {
    headers: await json(storableHeaders(res.rawHeaders)),
    ...(storedBody && 'withheld' in storedBody
      ? { body_withheld: storedBody.withheld }
      : { body: { $blob: storedBody?.id ?? res.bodyStored?.id ?? (await put(res.body)), raw: true } }),
    bytes: res.bodyStored?.size ?? res.body.length,
    content_encoding: headerValue(res.rawHeaders, 'content-encoding') ?? null,
  };
  if (decodeProblem) response.decode_problem = decodeProblem;
  if (res.bodyTruncated) response.body_truncated = true;
  const capture: Record<string, JsonValue> = {
    api: turn.api,
    method: turn.method,
    path: storablePath(turn.target),
    status: res.status,
    stream: reduced?.stream ?? parsed?.stream ?? false,
    complete: reduced !== undefined && reduced.complete && res.end === 'complete',
    end: res.end,
    matched,
    messages,
    request,
    response,
    timing: { headers_ms: round(res.headersMs), ttfb_ms: res.ttfbMs === null ? null : round(res.ttfbMs), total_ms: round(res.totalMs) },
  };
  return capture;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Records that close a turn without an answer (an API error, an answer kept raw): not conversation. */
function isTurnNote(meta: JsonValue | undefined): boolean {
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) && (meta.is_api_error === true || meta.unreduced === true);
}

const END_REASONS: Partial<Record<CapturedResponse['end'], string>> = {
  'client-disconnected': 'client disconnected',
  'upstream-cut': 'upstream connection cut',
  'proxy-stopped': 'proxy stopped',
};

export interface RecordFields {
  kind: RecordKind;
  role: string | null;
  time: string;
  content: unknown[];
  meta: Record<string, unknown>;
  capture: Record<string, JsonValue>;
  /** What --redact replaced in the record (the mark `tapes scrub` leaves). */
  scrubbed?: { replacements: number; rules: string[] };
}

/**
 * The canonical body of a capture record; long values go to blobs, with lower
 * thresholds until it fits. A request of very many messages whose template no
 * longer fits keeps its body whole, as one raw blob (`wholeBody` stores it).
 */
export async function encodeCaptureRecord(parent: string | null, f: RecordFields, put: PutContent, wholeBody?: () => Promise<string>): Promise<Uint8Array> {
  let capture = f.capture;
  for (let pass = 0; pass < 2; pass++) {
    for (const threshold of THRESHOLDS) {
      const value = {
        parent,
        kind: f.kind,
        role: f.role,
        time: f.time,
        content: await encodeValue(f.content, put, threshold),
        meta: await encodeValue(f.meta, put, threshold),
        capture,
        ...(f.scrubbed ? { scrubbed: f.scrubbed } : {}),
      };
      const body = Buffer.from(canonicalJson(value), 'utf8');
      if (body.length <= MAX_RECORD_BODY) return body;
    }
    const request = capture.request as Record<string, JsonValue> | undefined;
    if (!request || !wholeBody) break;
    capture = { ...capture, request: { ...request, body: [{ $blob: await wholeBody(), raw: true }] } };
  }
  throw new ObjectTooLargeError('a captured turn does not fit in one record', { kind: f.kind });
}

type ResponseBody = { bytes: Buffer } | { withheld: string };

/**
 * The raw answer as --redact stores it: decoded, its secrets replaced, and
 * encoded again as it came; as it arrived when it holds none. It is not kept
 * (`withheld`, with the reason) when it cannot be scanned whole, or when a
 * secret the reduced answer held is still in it in pieces (a stream may send
 * one across events, where no scan of the raw text sees it whole).
 */
function redactResponseBody(
  det: SecretDetector,
  api: WireApi,
  res: CapturedResponse,
  decoded: DecodedBody,
  answerHeldSecret: boolean,
  tally: RedactionTally,
): ResponseBody {
  if (decoded.problem) return { withheld: `--redact: not kept, it could not be scanned: ${decoded.problem}` };
  const found = new RedactionTally();
  const plain = Buffer.from(redactBytes(det, decoded.bytes, found));
  let bytes = res.body;
  if (found.replacements) {
    const coding = headerValue(res.rawHeaders, 'content-encoding');
    const again = encodeBody(plain, coding);
    if (!again) return { withheld: `--redact: not kept, content-encoding ${coding} cannot be applied again here` };
    bytes = again;
  }
  if (answerHeldSecret) {
    const reduced = reduceResponse(api, headerValue(res.rawHeaders, 'content-type'), plain);
    if (holdsSecret(det, reduced.content)) return { withheld: '--redact: not kept, a secret in it was sent in pieces across stream events' };
  }
  tally.merge(found);
  return { bytes };
}
