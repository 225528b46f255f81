// tapes replay: step through a session one record at a time in the terminal,
// with its timeline beside the record. Reading only: nothing is re-run.
// Without a terminal it prints the session's timeline, as `tapes log` does.
//
// The screen and the keys are pure (src/view/replay-screen.ts,
// src/view/replay-keys.ts); this module wires them to the terminal: raw mode,
// the alternate screen, resizes, and putting the terminal back however the
// viewer ends (q, Ctrl-C, a signal, an error).
import type { ChalkInstance } from 'chalk';
import type { Io, Terminal } from './context.js';
import type { CommandArgs, RunContext } from './lib/run-context.js';
import { write } from './lib/io.js';
import { flattenTimeline, foldBookkeeping, foldedLine, loadTimeline, printTimeline, timelineTargets, type TimelineItem } from './lib/timeline.js';
import type { ObjectStore } from '../src/odb/index.js';
import type { ReplayView, TerminalSize } from '../src/view/replay-screen.js';
import type { Key, ReplaySession, ReplayState } from '../src/view/replay-keys.js';

interface Args extends CommandArgs {
  session?: string;
  allRecords?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const ctx = args.ctx;
  const revs = args.session === undefined ? [] : [args.session];
  const io = ctx.io;
  if (!io.stdoutIsTTY || io.terminal === undefined) {
    // No terminal to step through: the timeline, exactly as `tapes log` prints it.
    await printTimeline(ctx, { revs, filter: {}, subagents: true, pager: true, allRecords: args.allRecords });
    return;
  }
  const session = await loadSession(ctx, revs, args.allRecords === true);
  const archive = await ctx.archive();
  const code = await runViewer(io, io.terminal, await archive.objects(), session, await ctx.chalk(), await ctx.timeZone());
  // As in log: a record that could not be read makes the exit status non-zero.
  ctx.exitCode = code === 0 && session.damaged > 0 ? 1 : code;
}

// ---- the session, read once (as `tapes log` reads it: subagents in place, damaged records kept)

interface Row extends TimelineItem {
  /** Short name of the chain (session or agent ref) holding the record. */
  chainName: string | null;
}

interface LoadedSession {
  rows: Row[];
  view: ReplayView;
  damaged: number;
}

async function loadSession(ctx: RunContext, revs: string[], allRecords: boolean): Promise<LoadedSession> {
  const { Abbreviator } = await import('../src/archive/log/index.js');
  const T = await import('../src/view/timeline.js');
  const { elapsedOf, summariseEvent } = await import('../src/archive/event/index.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const { isTapesError } = await import('../src/errors/index.js');
  const archive = await ctx.archive();
  const chalk = await ctx.chalk();
  const timeZone = await ctx.timeZone();
  const store = await archive.objects();
  const [target] = await timelineTargets(archive, revs);
  const log = await loadTimeline(archive, target!);
  let damaged = log.damaged.length;
  const { isBookkeeping } = await import('../src/record/index.js');
  // As log folds them: the agent's bookkeeping is not stepped through unless --all-records; the status line says how many.
  const { entries, folded } = allRecords ? { entries: log.entries, folded: 0 } : foldBookkeeping(log.entries, (e) => (e.item.ev ? isBookkeeping(e.item.ev) : false));
  const rows: Row[] = flattenTimeline(entries, log.ref).map((i) => ({ ...i, chainName: i.chain && shortRefName(i.chain) }));
  const abbr = await Abbreviator.create(archive);
  await abbr.prepare(rows.map((r) => r.item.id));
  const name = log.ref ? await abbr.sessionName(log.ref) : await abbr.abbrev(log.tip);
  const view: ReplayView = { title: T.sessionHeaderLine({ name, model: log.model, cwd: log.cwd, start: log.start, timeZone }), ...(folded > 0 ? { folded: foldedLine(folded) } : {}), ids: [], elapsed: [], timeline: [], abbrevs: [] };
  for (const { item, depth } of rows) {
    const abbrev = await abbr.abbrev(item.id);
    const prefix = '  '.repeat(depth);
    const ms = item.ev ? elapsedOf(item.ev, log.start) : null;
    view.ids.push(item.id);
    view.abbrevs!.push(abbrev);
    view.elapsed.push(ms === null ? '' : T.formatElapsed(ms));
    let line: string;
    try {
      line = item.ev
        ? T.timelineLine({ abbrev, elapsedMs: ms, summary: await summariseEvent(store, item.ev, 400) }, { chalk, prefix })
        : T.damagedLine(abbrev, item.error?.message ?? 'unreadable', { chalk, prefix });
    } catch (err) {
      // The record reads but a blob it needs does not.
      if (!isTapesError(err)) throw err;
      line = T.damagedLine(abbrev, err.message, { chalk, prefix });
      damaged++;
    }
    view.timeline.push(line);
  }
  return { rows, view, damaged };
}

// ---- the viewer

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

async function runViewer(io: Io, term: Terminal, store: ObjectStore, session: LoadedSession, chalk: ChalkInstance, timeZone: string | undefined): Promise<number> {
  const { recordPaneSize, renderScreen } = await import('../src/view/replay-screen.js');
  const { decodeKeys, initialState, reduce } = await import('../src/view/replay-keys.js');
  const { StringDecoder } = await import('node:string_decoder');

  let state: ReplayState = initialState();
  let page = 10;
  let texts: Promise<string[]> | undefined;
  const details = new Map<string, Promise<string>>();
  const ids = session.view.ids;

  const detailKey = (size: TerminalSize) => {
    const pane = recordPaneSize(size);
    return `${state.index}:${state.full ? 'full' : pane.rows}:${pane.columns}`;
  };
  const draw = async (): Promise<void> => {
    const size = term.size();
    const key = detailKey(size);
    let pending = details.get(key);
    if (!pending) {
      pending = recordText(store, session.rows[state.index], recordPaneSize(size), state.full, chalk, timeZone);
      details.set(key, pending);
      // A few recent records are kept, for stepping back and forth.
      if (details.size > 32) details.delete(details.keys().next().value!);
    }
    // A record that takes a while to read (large blobs) gets its frame drawn first.
    const slow = setTimeout(() => paint(renderScreen(session.view, state, undefined, size, chalk).lines), 50);
    let text: string;
    try {
      text = await pending;
    } finally {
      clearTimeout(slow);
    }
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

/** The record pane's text: the record as `tapes show` renders it, long outputs cut at the pane's height unless `full`. */
async function recordText(store: ObjectStore, row: Row | undefined, pane: TerminalSize, full: boolean, chalk: ChalkInstance, timeZone: string | undefined): Promise<string> {
  if (!row) return chalk.dim('(the session has no records)');
  const { renderRecord } = await import('../src/view/record-render.js');
  const { item, chainName: chain } = row;
  if (!item.ev) return [chalk.yellow(`record ${item.id}`), '', chalk.red(`error: ${item.error?.message ?? 'the record cannot be read'}`)].join('\n');
  try {
    const lines = await renderRecord(store, item.ev, { sessions: chain ? [chain] : [] }, {
      chalk,
      width: pane.columns,
      full,
      // About a screenful: the pane, less the record's header.
      cutAt: Math.max(5, pane.rows - 12),
      fullHint: 'press f to see all',
      timeZone,
    });
    return lines.join('\n');
  } catch (err) {
    // A blob of the record that is missing or damaged: said in the pane, the viewer goes on.
    const { isTapesError } = await import('../src/errors/index.js');
    if (!isTapesError(err)) throw err;
    return [chalk.yellow(`record ${item.id}`), '', chalk.red(`error: ${err.message}`)].join('\n');
  }
}

/** Per record, everything `/` looks in: the timeline line and every string of its content, blobs read. */
async function searchTexts(store: ObjectStore, session: LoadedSession): Promise<string[]> {
  const { resolveValue } = await import('../src/record/index.js');
  const out: string[] = [];
  for (const [i, { item }] of session.rows.entries()) {
    const strings: string[] = [session.view.timeline[i]!.replace(/\x1b\[[0-9;]*m/g, '')];
    // A record whose blobs cannot be read is found by its timeline line only.
    if (item.ev) collectStrings(await resolveValue(store, item.ev.content).catch(() => undefined), strings);
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
