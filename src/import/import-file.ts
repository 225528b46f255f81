// Turns one transcript file into a chain of records and moves its session ref:
// a new session, a fast-forward of an existing one, nothing (already there),
// or — when the file does not extend what the archive holds under that name —
// a separate ref, so that nothing stored is ever overwritten.
import { shortId } from '../hash/index.js';
import { MAX_RECORD_BODY, NestingTooDeepError, WHOLE_LINE, buildSegmentedTemplate, templateSizeAtLeast, buildTemplate, chainViewAt, encodeEventRecord, readRecord, sourceDigest, sourceOf, walkChain, type EventFields, type EventSource, type PutContent, type TemplatePart } from '../record/index.js';
import { RefConflictError } from '../errors/index.js';
import { captureViewRef, refNameProblem, shortRefName, type RefStore, type RefUpdateResult } from '../refs/index.js';
import { isClaudeLine, normaliseClaudeLine } from './claude-transcript.js';
import { normaliseCodexLine, type CodexState } from './codex-rollout.js';
import { normaliseGeminiHead, normaliseGeminiLine, normaliseGeminiMessage, normaliseGeminiTail, newGeminiState } from './gemini-session.js';
import { splitGeminiDocument } from './gemini-document.js';
import { linePrefixDigest, type LongTextStore } from './huge-line.js';
import { NeedsWholeFile } from './long-text.js';
import { splitLines } from './jsonl-lines.js';
import { LineMemo } from './line-memo.js';
import { formatVerdict, harnessOf, lineLength, parseLine, releaseLine, type ParsedLine, type TranscriptFormat } from './transcript-format.js';
import type { WriteQueue } from '../odb/index.js';

export type ImportStatus = 'new' | 'updated' | 'unchanged' | 'kept-separately' | 'refused';

export interface FileResult {
  path: string;
  format?: TranscriptFormat;
  /** Short ref name (what export, log and show accept), when one was written or matched. */
  session: string | null;
  ref: string | null;
  status: ImportStatus;
  records: number;
  records_added: number;
  problems: string[];
  /** Set when status is refused. */
  reason?: string;
  tip?: string;
  /** The capture view this transcript was linked with (its capture had the session's name until now). */
  capture?: string;
}

export interface ImportFileOptions {
  path: string;
  /** How the path is shown in problems (file:line: reason). */
  display: string;
  /** The file's bytes, unless `lines` are given. */
  bytes?: Buffer;
  /** The file's lines, when the caller has already split and parsed them (format detection); their text and values are released as records are built. */
  lines?: ParsedLine[];
  /** For lines read in pieces (huge-line.ts): what stores their long strings and whole bytes. */
  longTexts?: LongTextStore;
  format: TranscriptFormat;
  /** The ref the session belongs under, e.g. refs/sessions/<id>. */
  refName: string;
  /** Extra meta for the first record (a subagent's link to its session and tool call). */
  firstMeta?: Record<string, unknown>;
  queue: WriteQueue;
  /** The archive's refs, or (dry run) an overlay that remembers planned moves. */
  refs: Pick<RefStore, 'resolve' | 'update'>;
  reason: string;
  /** The records this import has built, by line (line-memo.ts): a line seen again is not built again. */
  memo?: LineMemo;
  /**
   * Whether another file of this import may begin as this one does (true
   * when unset): only then can `memo` answer any of its lines, or any other
   * file use them (archive/reading-order.ts, memoSharers). When false its
   * lines are not keyed past those `known` holds.
   */
  memoShared?: boolean;
  /** What `memo` knows of these lines' first ones (LineMemo.prefix), when the caller has looked already. */
  known?: MemoPrefix;
}

type MemoPrefix = ReturnType<LineMemo['prefix']>;

function unparsedFields(line: ParsedLine, format: TranscriptFormat): EventFields {
  return {
    kind: 'unparsed',
    role: null,
    time: null,
    content: [],
    meta: { harness: harnessOf(format), problem: line.error ?? 'unparsed' },
  };
}

/**
 * Drops a line's text and parsed value once its record is built. Many of a
 * file's lines are parsed before the first record (the format verdict reads
 * up to half of them; other formats' verdicts all), so a 4 MB transcript held
 * some 13 MB of strings and objects until its last record; released as they
 * are used, most of it is garbage while the file is still being imported. A
 * line never parsed (the line memo knew it) is not parsed to be released.
 * What `place` reads of a line afterwards (its number, bytes and end of
 * line, and a Gemini document's head) stays.
 */
function release(line: ParsedLine, format: TranscriptFormat): void {
  if (format === 'gemini-json' && line.piece === 'head') return;
  releaseLine(line);
  // A line read in pieces keeps where it is in the file (a later placement may read it), not its held text.
  if (line.huge) line.huge.segments = undefined;
}

/**
 * The blobs of the line being built: the same long string often appears
 * twice on a line (a tool result in the message and again in
 * toolUseResult), and is stored once. A class, not closures made per file:
 * V8 compiled each file's closures again.
 */
class LinePut {
  private readonly byBytes = new Map<string, { bytes: Uint8Array; id: string }>();
  // Strings (the normalised view's and the template's long ones) by their text, not encoded again;
  // found by their length and beginning (hashing whole long strings cost as much as encoding them).
  private readonly byText = new Map<string, { text: string; id: string }>();

  constructor(private readonly queue: WriteQueue) {}

  /** A new line: what the last one stored is not looked for again. */
  clear(): void {
    this.byBytes.clear();
    this.byText.clear();
  }

  async bytes(bytes: Uint8Array): Promise<string> {
    const key = bytes.length > 4096 ? `${bytes.length}:${Buffer.from(bytes.subarray(0, 64)).toString('latin1')}` : undefined;
    const hit = key === undefined ? undefined : this.byBytes.get(key);
    if (hit && Buffer.from(hit.bytes).equals(bytes)) return hit.id;
    const id = await this.queue.putContent(bytes);
    if (key !== undefined) this.byBytes.set(key, { bytes, id });
    return id;
  }

  async text(s: string): Promise<string> {
    const key = `${s.length}:${s.slice(0, 32)}`;
    const hit = this.byText.get(key);
    if (hit !== undefined && hit.text === s) return hit.id;
    const id = await this.bytes(Buffer.from(s, 'utf8'));
    this.byText.set(key, { text: s, id });
    return id;
  }
}

/** A line's source, its members in key order (canonical-json.ts, nativeForm); `threshold`: as encodeEventRecord tries them. */
async function lineSource(line: ParsedLine, format: TranscriptFormat, threshold: number, put: PutContent, longTexts: LongTextStore | undefined): Promise<EventSource> {
  const text = line.huge ? await hugeLineTemplate(line, threshold, put, longTexts!) : await lineTemplate(line, threshold, put);
  return { eol: line.eol, format, line: line.number, text };
}

async function lineTemplate(l: ParsedLine, threshold: number, put: PutContent): Promise<TemplatePart[]> {
  return threshold === WHOLE_LINE
    ? [{ $blob: await put(l.bytes), raw: true }]
    : l.text !== undefined && l.value !== undefined
      ? await buildTemplate(l.text, threshold, put)
      : l.text !== undefined && l.bytes.length <= threshold
        ? [l.text]
        : [{ $blob: await put(l.bytes), raw: true }];
}

/** A line read in pieces is longer than any threshold: unparsed, or whole, it is one raw part. */
async function hugeLineTemplate(l: ParsedLine, threshold: number, put: PutContent, longTexts: LongTextStore): Promise<TemplatePart[]> {
  return threshold === WHOLE_LINE || l.value === undefined
    ? [{ $blob: await longTexts.wholeLine(l.huge!), raw: true }]
    : buildSegmentedTemplate(longTexts.templateSegments(l.huge!), threshold, put);
}

/** Builds and stores the records of a file (releasing each line's text and value as it goes); returns the ids oldest first. */
async function buildChain(opts: ImportFileOptions, lines: ParsedLine[], known: MemoPrefix | undefined): Promise<{ ids: string[]; added: number; problems: string[] }> {
  const { format } = opts;
  // The memo's prefix was followed from a first record built without a subagent's link: another chain than this one's.
  const prefix = opts.firstMeta ? undefined : known;
  const build = new LineBuild(opts);
  const ids: string[] = [];
  let parent: string | null = null;
  for (const [i, line] of lines.entries()) {
    // A Claude Code line already built into a record by this import, after
    // the same parent, is that record (line-memo.ts). Not a subagent's first
    // line, whose record also holds its link to the session, nor a line read
    // in pieces (its bytes are not at hand to key it by). Only lines that
    // parse to an object of Claude Code's shape are built into the memo, so
    // one found there is such a line, and it is not parsed
    // (transcript-format.ts, TranscriptLine). The lines the caller found in
    // the memo already (`known`) are not keyed again, and past those no line
    // of a file the memo cannot serve is keyed (`memoShared`).
    const keyed = prefix?.keys[i];
    const memoKey: Uint32Array | undefined =
      opts.memo && format === 'claude-code' && !line.huge && !(ids.length === 0 && opts.firstMeta) && (keyed !== undefined || opts.memoShared !== false)
        ? (keyed ?? LineMemo.key(parent, line.number, line.eol, line.bytes))
        : undefined;
    const seen: string | undefined = memoKey && (prefix && i < prefix.ids.length ? opts.memo!.counted(prefix.ids[i]!) : opts.memo!.get(memoKey));
    const id: string = seen ?? (await build.record(line, parent, ids.length === 0, memoKey));
    ids.push(id);
    parent = id;
    release(line, format);
  }
  return { ids, added: build.added, problems: build.problems };
}

/**
 * Builds a file's records a line at a time (buildChain; a class of its
 * own, not closures made per file or per line: V8 compiled those again for
 * each, and the whole of buildChain at each of its deoptimisations).
 */
class LineBuild {
  /** Blobs stored once per line (LinePut); `put` is what the record's encoders call. */
  private readonly blobs: LinePut;
  private readonly put: PutContent;
  private readonly codexState: CodexState = {};
  private readonly geminiState = newGeminiState();
  readonly problems: string[] = [];
  /** Records this file added to the archive. */
  added = 0;

  constructor(private readonly opts: ImportFileOptions) {
    const blobs = (this.blobs = new LinePut(opts.queue));
    this.put = Object.assign((bytes: Uint8Array) => blobs.bytes(bytes), { text: (t: string) => blobs.text(t) });
  }

  /** Builds and stores the record of `line` after `parent`; `memoKey`: the line memo's key for it, when it keeps Claude Code lines. */
  async record(line: ParsedLine, parent: string | null, first: boolean, memoKey: Uint32Array | undefined): Promise<string> {
    const { opts, put, problems } = this;
    const { format } = opts;
    this.blobs.clear();
    // What a Gemini session's later lines show depends on all of each message: a projected line cannot serve.
    if (line.huge?.projected && (format === 'gemini' || format === 'gemini-json')) throw new NeedsWholeFile(`line ${line.number} of a Gemini session is mostly structure`);
    let fields: EventFields;
    const parsedToObject = line.value !== undefined && line.value !== null && typeof line.value === 'object' && !Array.isArray(line.value);
    // Kept in the memo: what the format verdict counts as a Claude Code line without parsing it again.
    const claudeShaped = memoKey !== undefined && parsedToObject && isClaudeLine(line.value);
    if (parsedToObject) {
      fields = this.normalise(line, line.value as Record<string, unknown>);
    } else if (line.value !== undefined) {
      fields = { kind: 'other', role: null, time: null, content: [], meta: { harness: harnessOf(format), data: line.value } };
    } else {
      fields = unparsedFields(line, format);
      if (line.error !== 'empty line') {
        problems.push(`${opts.display}:${line.number}: ${line.error}${line.detail ? `: ${line.detail}` : ''}`);
      }
    }
    if (first && opts.firstMeta) fields.meta = { ...fields.meta, ...opts.firstMeta };
    const source = (threshold: number): Promise<EventSource> => lineSource(line, format, threshold, put, opts.longTexts);
    // A line whose template alone is larger than a record can be has no record that fits at any
    // threshold: it is not built three times to find out (for a line of millions of numbers, the
    // most memory an import took), and the blobs those tries would store, for nothing, are not.
    // (A template is no longer than its line's text: only a longer text is measured.)
    const templateAtLeast =
      line.value === undefined ? 0 : line.huge ? (line.huge.templateAtLeast ?? 0) : line.text !== undefined && line.text.length > MAX_RECORD_BODY ? templateSizeAtLeast(line.text) : 0;
    let body: Uint8Array;
    try {
      body = await encodeEventRecord(parent, fields, source, put, opts.longTexts, templateAtLeast > MAX_RECORD_BODY);
    } catch (err) {
      if (!(err instanceof NestingTooDeepError)) throw err;
      // Kept whole, as a line that does not parse is, and reported.
      line.value = undefined;
      line.error = err.message;
      fields = unparsedFields(line, format);
      if (first && opts.firstMeta) fields.meta = { ...fields.meta, ...opts.firstMeta };
      problems.push(`${opts.display}:${line.number}: ${err.message}`);
      body = await encodeEventRecord(parent, fields, source, put, opts.longTexts, false);
    }
    const { id, isNew } = await opts.queue.writeNew('record', body);
    if (isNew) this.added++;
    if (claudeShaped) opts.memo!.set(memoKey!, id);
    return id;
  }

  private normalise(line: ParsedLine, obj: Record<string, unknown>): EventFields {
    const { codexState, geminiState } = this;
    switch (this.opts.format) {
      case 'claude-code':
        return normaliseClaudeLine(obj);
      case 'codex':
        return normaliseCodexLine(obj, codexState);
      case 'gemini':
        return normaliseGeminiLine(obj, geminiState);
      default:
        return line.piece === 'head' ? normaliseGeminiHead(obj, geminiState) : line.piece === 'tail' ? normaliseGeminiTail(obj, geminiState) : normaliseGeminiMessage(obj, geminiState);
    }
  }
}

/** Does the chain ending at `tip` contain `id`? (bounded by `limit` steps) */
async function chainContains(queue: WriteQueue, tip: string, id: string, limit: number): Promise<boolean> {
  if (!(await queue.has(id))) return false;
  let n = 0;
  for await (const rec of walkChain(queue, tip)) {
    if (rec.id === id) return true;
    if (++n > limit) return false;
  }
  return false;
}

type Placement =
  | { kind: 'create'; ref: string }
  /** The ref holds a capture of the same session: it moves to its capture view, the transcript takes the name. */
  | { kind: 'displace'; ref: string; from: string; view: string; viewFrom: string | null }
  | { kind: 'forward'; ref: string; from: string }
  | { kind: 'revise'; ref: string; from: string }
  | { kind: 'same'; ref: string };

/**
 * Is the chain at `cur` an earlier revision of the Gemini session document
 * whose head is `head`? The CLI rewrites the whole document on every change,
 * so a grown document shares no record with the one imported before it (its
 * head's lastUpdated moved): the same session, last updated no later, is an
 * earlier revision, and the session moves on to the new one.
 */
async function earlierRevision(queue: WriteQueue, cur: string, head: unknown): Promise<boolean> {
  if (head === null || typeof head !== 'object') return false;
  const h = head as Record<string, unknown>;
  if (typeof h.sessionId !== 'string' || typeof h.lastUpdated !== 'string') return false;
  let first: Record<string, unknown> | undefined;
  try {
    for await (const rec of walkChain(queue, cur)) if (rec.parent === null) first = rec.value;
  } catch {
    return false;
  }
  const src = first ? sourceOf(first) : undefined;
  const meta = (first?.meta ?? {}) as Record<string, unknown>;
  if (src?.format !== 'gemini-json' || meta.session_id !== h.sessionId || typeof meta.last_updated !== 'string') return false;
  return Date.parse(meta.last_updated) <= Date.parse(h.lastUpdated) || meta.last_updated <= h.lastUpdated;
}

/** Where a chain goes: the first candidate ref it is new to, extends or equals. */
async function place(opts: ImportFileOptions, ids: string[], lines: ParsedLine[]): Promise<Placement> {
  const tip = ids[ids.length - 1]!;
  const inChain = new Set(ids);
  const firstShort = shortId(ids[0]!, 8);
  for (let attempt = 0; ; attempt++) {
    const ref = attempt === 0 ? opts.refName : `${opts.refName}-${firstShort}${attempt > 1 ? `-${attempt}` : ''}`;
    const cur = await opts.refs.resolve(ref);
    if (cur === undefined) return { kind: 'create', ref };
    if (cur === tip) return { kind: 'same', ref };
    if (inChain.has(cur)) return { kind: 'forward', ref, from: cur };
    // A capture of this session (tapes run/proxy got there first): one run, two
    // views; the capture moves to its view ref unless that holds another chain.
    if (attempt === 0 && (await chainViewAt(opts.queue, cur)) === 'capture') {
      const view = captureViewRef(ref);
      const viewFrom = (await opts.refs.resolve(view)) ?? null;
      if (viewFrom === null || (await chainContains(opts.queue, cur, viewFrom, 1_000_000))) return { kind: 'displace', ref, from: cur, view, viewFrom };
    }
    // The archive already has this file's records and more (an older copy of the file).
    if (await chainContains(opts.queue, cur, tip, 1_000_000)) return { kind: 'same', ref };
    if (opts.format === 'gemini-json' && lines[0]?.piece === 'head' && (await earlierRevision(opts.queue, cur, lines[0].value))) {
      return { kind: 'revise', ref, from: cur };
    }
    // A last line without a newline (a file cut mid-write, or one that simply
    // ends there) that the grown file now continues: the stored chain equals
    // ours up to that line, and that line's bytes begin our line there.
    const stored = await readRecord(opts.queue, cur).catch(() => undefined);
    const src = stored ? sourceOf(stored.value) : undefined;
    if (stored && src?.eol === '') {
      const at = stored.parent === null ? 0 : ids.indexOf(stored.parent) + 1;
      const ours = at > 0 || stored.parent === null ? lines[at] : undefined;
      if (ours && ours.number === src.line) {
        // Compared by digest, a piece at a time: either line may be far too long to hold.
        const torn = await sourceDigest(opts.queue, src).catch(() => undefined);
        const length = lineLength(ours);
        if (torn && torn.size <= length && (length > torn.size || ours.eol === '\n') && (await linePrefixDigest(ours, torn.size)) === torn.digest) {
          return { kind: 'forward', ref, from: cur };
        }
      }
    }
  }
}

/**
 * Refs for a dry run: reads go to the archive, moves are only remembered, so
 * that a later file of the same run sees what an earlier one would have done.
 */
export class PlannedRefs implements Pick<RefStore, 'resolve' | 'update'> {
  private readonly planned = new Map<string, string>();
  constructor(private readonly refs: Pick<RefStore, 'resolve'>) {}
  async resolve(name: string): Promise<string | undefined> {
    return this.planned.get(name) ?? this.refs.resolve(name);
  }
  async update(name: string, id: string): Promise<RefUpdateResult> {
    const old = (await this.resolve(name)) ?? null;
    this.planned.set(name, id);
    return { name, old, new: id };
  }
}

/** The result for a file that was not imported, and why. */
export function refusedFile(path: string, reason: string, format?: TranscriptFormat): FileResult {
  return { path, ...(format ? { format } : {}), session: null, ref: null, status: 'refused', records: 0, records_added: 0, problems: [], reason };
}

export async function importFile(opts: ImportFileOptions): Promise<FileResult> {
  const { reason: _none, ...base } = refusedFile(opts.path, '', opts.format);
  const problem = refNameProblem(opts.refName);
  if (problem) return { ...base, reason: `cannot name a session ${opts.refName}: ${problem}` };
  const bytes = opts.bytes ?? Buffer.alloc(0);
  const lines = opts.lines ?? (opts.format === 'gemini-json' ? splitGeminiDocument(bytes) : splitLines(bytes).map(parseLine));
  // A resumed session's first lines, which this import built already, are
  // of the format without being parsed to test them (line-memo.ts).
  const known = opts.format === 'claude-code' && opts.memo ? (opts.known ?? opts.memo.prefix(lines)) : undefined;
  const verdict = formatVerdict(lines, opts.format, known?.ids.length ?? 0);
  if (!verdict.ok) return { ...base, reason: verdict.reason };
  const { ids, added, problems } = await buildChain(opts, lines, known);
  await opts.queue.flush();
  const tip = ids[ids.length - 1]!;
  for (let tries = 0; ; tries++) {
    const where = await place(opts, ids, lines);
    const result: FileResult = {
      ...base,
      session: shortRefName(where.ref),
      ref: where.ref,
      records: ids.length,
      records_added: added,
      problems,
      tip,
      status: where.kind === 'same' ? 'unchanged' : where.kind === 'forward' || where.kind === 'revise' ? 'updated' : where.ref === opts.refName ? 'new' : 'kept-separately',
      ...(where.kind === 'displace' ? { capture: where.view } : {}),
    };
    if (where.kind === 'same') return result;
    try {
      if (where.kind === 'displace') {
        // The capture view first: the capture chain is never without a ref.
        if (where.viewFrom !== where.from) {
          await opts.refs.update(where.view, where.from, { expectedOld: where.viewFrom, reason: `${opts.reason}: its capture moves to ${where.view}` });
        }
      }
      await opts.refs.update(where.ref, tip, {
        expectedOld: where.kind === 'create' ? null : where.from,
        reason: where.kind === 'revise' ? `${opts.reason} (new revision of the document)` : opts.reason,
      });
      return result;
    } catch (err) {
      // Another import moved the ref meanwhile: decide again with what it holds now.
      if (!(err instanceof RefConflictError) || tries >= 3) throw err;
    }
  }
}
