// tapes replay: step through a session one record at a time in the terminal,
// with its timeline beside the record. Reading only: nothing is re-run.
// Without a terminal it prints the session's timeline, as `tapes log` does.
//
// The screen and the keys are pure (src/view/replay-screen.ts,
// src/view/replay-keys.ts); this module wires them to the terminal: raw mode,
// the alternate screen, resizes, and putting the terminal back however the
// viewer ends (q, Ctrl-C, a signal, an error).
import type { Argv } from 'yargs';
import type { ChalkInstance } from 'chalk';
import { openArchive, write, type GlobalArgs, type Io, type Terminal } from './context.js';
import type { ObjectStore } from '../src/odb/index.js';
import type { EventView } from '../src/record/index.js';
import type { EventSummary } from '../src/view/index.js';
import type { ReplayView, TerminalSize } from '../src/view/replay-screen.js';
import type { Key, ReplaySession, ReplayState } from '../src/view/replay-keys.js';

interface Args extends GlobalArgs {
  session?: string;
}

export const command = 'replay [session]';
export const describe = 'Step through a session, one record at a time';

export function builder(y: Argv) {
  return y.positional('session', { type: 'string', describe: 'Session (or any revision: the chain ending there); default HEAD, else the latest session' });
}

export async function handler(args: Args): Promise<void> {
  const { makeChalk } = await import('../src/view/index.js');
  const io = args.state.io;
  const archive = await openArchive(args);
  const store = await archive.objects();
  const { name, tip } = await pickSession(archive, args.session);
  const interactive = io.stdoutIsTTY && io.terminal !== undefined;
  const chalk = makeChalk(args.color as 'auto' | 'always' | 'never' | undefined, io.env, io.stdoutIsTTY);
  const session = await loadSession(store, name, tip, chalk);
  if (!interactive) {
    await write(io.stdout, printedTimeline(session, chalk));
    return;
  }
  args.state.exitCode = await runViewer(io, io.terminal!, store, session, chalk);
}

// ---- the session, read once

interface LoadedSession {
  name: string;
  events: EventView[];
  summaries: EventSummary[];
  view: ReplayView;
}

type ArchiveLike = Awaited<ReturnType<typeof openArchive>>;

/** The session named, or HEAD's, or else the one active most recently. */
async function pickSession(archive: ArchiveLike, rev: string | undefined): Promise<{ name: string; tip: string }> {
  const { shortRefName } = await import('../src/refs/index.js');
  if (rev !== undefined) {
    const r = await archive.resolve(rev);
    return { name: r.ref ? shortRefName(r.ref) : rev, tip: r.id };
  }
  const head = await archive.refs.follow('HEAD').catch(() => undefined);
  const headId = await archive.refs.resolve('HEAD').catch(() => undefined);
  if (head && headId) return { name: head.name === 'HEAD' ? headId.slice(0, 12) : shortRefName(head.name), tip: headId };
  const { listSessions } = await import('../src/archive/index.js');
  const { NotFoundError } = await import('../src/errors/index.js');
  const sessions = (await listSessions(archive)).filter((s) => s.parent_session === null);
  if (sessions.length === 0) throw new NotFoundError('no sessions in the archive', {}, 'Run "tapes import" to bring sessions in.');
  sessions.sort((a, b) => (b.end ?? '').localeCompare(a.end ?? '') || a.name.localeCompare(b.name));
  return { name: sessions[0]!.name, tip: sessions[0]!.tip };
}

async function loadSession(store: ObjectStore, name: string, tip: string, chalk: ChalkInstance): Promise<LoadedSession> {
  const { forEachEvent } = await import('../src/archive/index.js');
  const { summariseEvent } = await import('../src/view/index.js');
  const events: EventView[] = [];
  await forEachEvent(store, tip, (ev) => void events.push(ev));
  const summaries: EventSummary[] = [];
  for (const ev of events) summaries.push(await summariseEvent(store, ev, 200));
  const start = events.find((e) => e.time !== null)?.time ?? null;
  const elapsed = events.map((e) => (start && e.time ? formatElapsed(Date.parse(e.time) - Date.parse(start)) : ''));
  const view: ReplayView = {
    title: sessionTitle(name, events, start),
    ids: events.map((e) => e.id),
    elapsed,
    timeline: events.map((e, i) => timelineLine(elapsed[i]!, e.id, summaries[i]!, chalk)),
  };
  return { name, events, summaries, view };
}

function printedTimeline(s: LoadedSession, chalk: ChalkInstance): string {
  const lines = [chalk.bold(s.view.title)];
  s.view.timeline.forEach((line, i) => lines.push((i === s.view.timeline.length - 1 ? '└── ' : '├── ') + line));
  return lines.join('\n') + '\n';
}

// ---- the viewer

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function runViewer(io: Io, term: Terminal, store: ObjectStore, session: LoadedSession, chalk: ChalkInstance): Promise<number> {
  const { renderScreen } = await import('../src/view/replay-screen.js');
  const { decodeKeys, initialState, reduce } = await import('../src/view/replay-keys.js');
  const { StringDecoder } = await import('node:string_decoder');

  let state: ReplayState = initialState();
  let page = 10;
  let texts: Promise<string[]> | undefined;
  const details = new Map<string, Promise<string>>();
  const ids = session.view.ids;

  const detailKey = (size: TerminalSize) => `${state.index}:${state.full ? 'full' : size.rows}`;
  const draw = async (): Promise<void> => {
    const size = term.size();
    const key = detailKey(size);
    let pending = details.get(key);
    if (!pending) {
      pending = renderRecord(store, session.events[state.index]!, session.summaries[state.index]!, session.view.elapsed[state.index]!, {
        full: state.full,
        cutAt: Math.max(10, size.rows - 6),
        chalk,
      });
      details.set(key, pending);
      // Draw the frame at once, the record when it has been read.
      paint(renderScreen(session.view, state, undefined, size, chalk).lines);
    }
    const text = await pending;
    if (key !== detailKey(term.size())) return; // moved on meanwhile; that key draws
    const screen = renderScreen(session.view, state, text, size, chalk);
    state = { ...state, scroll: screen.scroll, seek: undefined };
    page = screen.page;
    paint(screen.lines);
  };
  const paint = (lines: string[]) => {
    io.stdout.write('\x1b[H' + lines.map((l) => l + '\x1b[K').join('\r\n') + '\x1b[J');
  };
  const searchable = (): Promise<string[]> => (texts ??= searchTexts(store, session));

  let finish!: (code: number) => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let work: Promise<void> = Promise.resolve();
  const decoder = new StringDecoder('utf8');
  const onKeys = (keys: Key[]) => {
    work = work
      .then(async () => {
        for (const key of keys) {
          if (state.quit) return;
          const searches = state.mode === 'search' ? key === 'enter' : typeof key === 'object' && (key.char === 'n' || key.char === 'N');
          const ctx: ReplaySession = { ids, texts: searches ? await searchable() : [] };
          state = reduce(state, key, ctx, { page });
        }
        if (state.quit) finish(0);
        else await draw();
      })
      .catch(fail);
  };
  const onData = (chunk: Buffer | string) => onKeys(decodeKeys(typeof chunk === 'string' ? chunk : decoder.write(chunk)));
  const onEnd = () => finish(0);
  const onResize = () => onKeys([]);

  io.stdin.on('data', onData);
  io.stdin.on('end', onEnd);
  const offResize = term.onResize(onResize);
  const offSignal = term.onSignal((signal) => finish(SIGNAL_EXIT[signal] ?? 1));
  try {
    term.setRawMode(true);
    io.stdout.write(ENTER_SCREEN);
    io.stdin.resume();
    onKeys([]);
    return await done;
  } finally {
    io.stdin.off('data', onData);
    io.stdin.off('end', onEnd);
    io.stdin.pause();
    offResize();
    offSignal();
    try {
      term.setRawMode(false);
    } finally {
      await write(io.stdout, LEAVE_SCREEN);
    }
  }
}

/** Per record, everything `/` looks in: the timeline line and every string of its content, blobs read. */
async function searchTexts(store: ObjectStore, session: LoadedSession): Promise<string[]> {
  const { resolveValue } = await import('../src/record/index.js');
  const out: string[] = [];
  for (const [i, ev] of session.events.entries()) {
    const strings: string[] = [session.view.timeline[i]!.replace(/\x1b\[[0-9;]*m/g, '')];
    collectStrings(await resolveValue(store, ev.content), strings);
    out.push(strings.join('\n'));
  }
  return out;
}

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      // Signatures and image data are not text anyone searches for.
      if (k === 'signature' || k === 'data') continue;
      collectStrings(x, out);
    }
  }
}

// ---- local renderers, until src/view/timeline.ts and record-render.ts land

function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `[${h}:${String(m).padStart(2, '0')}:${ss}]` : `[${m}:${ss}]`;
}

function timelineLine(elapsed: string, id: string, sum: EventSummary, chalk: ChalkInstance): string {
  const label = sum.isError ? chalk.red(`${sum.label} ✗`) : sum.label;
  return `${elapsed ? chalk.dim(elapsed) + ' ' : ''}${chalk.yellow(id.slice(0, 7))} ${label}: ${sum.text}`;
}

function sessionTitle(name: string, events: EventView[], start: string | null): string {
  const meta = (k: string) => events.map((e) => e.meta[k]).find((v): v is string => typeof v === 'string' && v !== '' && v !== '<synthetic>');
  const shortName = /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(name) ? name.slice(0, 8) : name;
  const parts = [`Session ${shortName}`, meta('model'), meta('cwd'), start ? localTime(start) : undefined];
  return parts.filter(Boolean).join('  ');
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

interface RenderOptions {
  full: boolean;
  cutAt: number;
  chalk: ChalkInstance;
}

async function renderRecord(store: ObjectStore, ev: EventView, sum: EventSummary, elapsed: string, o: RenderOptions): Promise<string> {
  const { resolveValue } = await import('../src/record/index.js');
  const { chalk } = o;
  const m = ev.meta;
  const out: string[] = [chalk.yellow(`record ${ev.id}`)];
  out.push([sum.label, ev.time ? `${ev.time}${elapsed ? ' ' + elapsed : ''}` : undefined].filter(Boolean).join('  '));
  if (typeof m.model === 'string') out.push(chalk.dim(`model ${m.model}`));
  const u = m.usage;
  if (u && typeof u === 'object' && !Array.isArray(u)) {
    const n = (k: string) => (typeof u[k] === 'number' ? (u[k] as number) : 0);
    out.push(chalk.dim(`tokens in ${n('input_tokens')} out ${n('output_tokens')} cache read ${n('cache_read_input_tokens')} write ${n('cache_creation_input_tokens')}`));
  }
  out.push('');
  const content = (await resolveValue(store, ev.content)) as unknown[];
  for (const b of content) {
    const block = b as Record<string, unknown>;
    if (typeof b === 'string') out.push(b);
    else if (block.type === 'text') out.push(String(block.text ?? ''));
    else if (block.type === 'thinking') out.push(chalk.dim.italic('thinking: ' + String(block.thinking ?? '')));
    else if (block.type === 'tool_use' || block.type === 'server_tool_use') {
      const input = block.input as Record<string, unknown> | undefined;
      out.push(chalk.cyan(`▶ ${String(block.name)}`));
      if (block.name === 'Bash' && input && typeof input.command === 'string') out.push('$ ' + input.command);
      else out.push(JSON.stringify(input, null, 2));
    } else if (block.type === 'tool_result') {
      out.push(block.is_error ? chalk.red('◀ result (error)') : chalk.cyan('◀ result'));
      const c = block.content;
      const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x) => (x && typeof x === 'object' && 'text' in x ? String(x.text) : JSON.stringify(x))).join('\n') : JSON.stringify(c);
      const lines = text.split('\n');
      if (!o.full && lines.length > o.cutAt) {
        out.push(...lines.slice(0, o.cutAt), chalk.dim(`… ${lines.length - o.cutAt} more lines (${Buffer.byteLength(text)} bytes): press f for the full output`));
      } else out.push(text);
    } else if (block.type === 'image') out.push(`[image ${String(block.media_type ?? '')}]`);
    else out.push(JSON.stringify(b, null, 2));
    out.push('');
  }
  return out.join('\n');
}
