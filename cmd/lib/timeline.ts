// The timeline of a session as `tapes log` prints it and `tapes replay`
// steps through it: revisions resolved to their chains (a bare record to the
// session holding it), each chain read with its subagents in place, and the
// tree flattened into display order. Without a terminal, replay prints it
// exactly as log does (printTimeline).
import type { Archive } from '../../src/archive/archive.js';
import type { AbbrevMemo, ChainItem, LogEntry, LogFilter, LogTarget, SessionLog, TimelineRow } from '../../src/archive/log/index.js';
import type { RunContext } from './run-context.js';
import { write } from './io.js';

/**
 * The chains to show: each revision resolved (all before anything prints,
 * so a bad one prints nothing), or HEAD, else the latest session. A record,
 * a tag or a detached HEAD gets the session that holds it, when one does.
 */
export async function timelineTargets(archive: Archive, revs: readonly string[]): Promise<LogTarget[]> {
  const L = await import('../../src/archive/log/index.js');
  const { readEvent } = await import('../../src/record/index.js');
  const { SESSIONS_PREFIX } = await import('../../src/refs/index.js');
  const store = await archive.objects();
  const targets = revs.length ? await Promise.all(revs.map((r) => L.resolveTarget(archive, r))) : [await L.defaultTarget(archive)];
  for (const t of targets) {
    if (t.ref) continue;
    const tip = await readEvent(store, t.id).catch(() => undefined);
    const holders = tip ? await L.sessionsContaining(archive, tip) : [];
    t.ref = holders.find((h) => h.startsWith(SESSIONS_PREFIX)) ?? holders[0] ?? null;
  }
  return targets;
}

/** Reads a target's chain, its subagents in place (unless `subagents` is false) and damaged records kept. */
export async function loadTimeline(archive: Archive, target: LogTarget, subagents = true): Promise<SessionLog> {
  const { loadSessionLog } = await import('../../src/archive/log/index.js');
  return loadSessionLog(archive, target.id, target.ref, { subagents });
}

export interface TimelineItem {
  item: ChainItem;
  /** 0 for the session's records, 1 for a subagent's … */
  depth: number;
  /** The ref of the chain the record belongs to (the session, or a subagent's ref). */
  chain: string | null;
  /** Shown only because records below it were selected (log's filters). */
  context: boolean;
  /** Its line, when known without reading it (a kept timeline). */
  row?: TimelineRow;
}

/** The tree's records in display order, with their depth and chain. */
export function flattenTimeline(entries: readonly LogEntry[], chain: string | null, depth = 0): TimelineItem[] {
  const out: TimelineItem[] = [];
  for (const e of entries) {
    if (e.type === 'agent') {
      out.push(...flattenTimeline(e.entries, e.ref, depth + 1));
      continue;
    }
    out.push({ item: e.item, depth, chain, context: !!e.context, row: e.row });
    for (const a of e.agents) out.push(...flattenTimeline(a.entries, a.ref, depth + 1));
  }
  return out;
}

export interface TimelineOptions {
  revs: readonly string[];
  filter: LogFilter;
  oneline?: boolean;
  maxCount?: number;
  reverse?: boolean;
  stat?: boolean;
  json?: boolean;
  subagents: boolean;
  pager: boolean;
  /** Show the agent's bookkeeping records (record/bookkeeping.ts) instead of folding them into a count. */
  allRecords?: boolean;
}

/**
 * The entries without the agent's bookkeeping (a record that spawned
 * subagents stays, so they keep their place), and how many were folded.
 */
export function foldBookkeeping(entries: LogEntry[], isBookkeeping: (e: LogEntry & { type: 'record' }) => boolean): { entries: LogEntry[]; folded: number } {
  let folded = 0;
  const walk = (list: LogEntry[]): LogEntry[] => {
    const out: LogEntry[] = [];
    for (const e of list) {
      if (e.type === 'agent') out.push({ ...e, entries: walk(e.entries) });
      else if (e.agents.length === 0 && isBookkeeping(e)) folded++;
      else out.push({ ...e, agents: e.agents.map((a) => ({ ...a, entries: walk(a.entries) })) });
    }
    return out;
  };
  return { entries: walk(entries), folded };
}

/** The line that stands for the folded bookkeeping records. */
export function foldedLine(n: number): string {
  return `${n} bookkeeping record${n === 1 ? '' : 's'} folded (--all-records shows them)`;
}

/** Why a record cannot be read, without the id the line already shows. */
function damage(item: { id: string; error: { message: string } | null }): string {
  return (item.error?.message ?? 'unreadable').replace(new RegExp(`^object ${item.id}: `), '');
}

/**
 * Prints the timelines of `revs` (see tapes-log(1), OUTPUT); a record that
 * cannot be read is reported in place and makes the exit status 1.
 */
export async function printTimeline(ctx: RunContext, opts: TimelineOptions): Promise<void> {
  const L = await import('../../src/archive/log/index.js');
  const { UsageCounter } = await import('../../src/archive/sessions/index.js');
  const { shortRefName } = await import('../../src/refs/index.js');
  const { elapsedOf, recordTokens, summariseEvent } = await import('../../src/archive/event/index.js');
  const T = await import('../../src/view/timeline.js');
  const { eventJson } = await import('../../src/view/record-render.js');
  const { isBookkeeping } = await import('../../src/record/index.js');
  const io = ctx.io;
  const archive = await ctx.archive();
  const store = await archive.objects();
  const targets = await timelineTargets(archive, opts.revs);
  const timeZone = await ctx.timeZone();
  const chalk = await ctx.chalk();
  const width = ctx.width;
  const abbr = await L.Abbreviator.create(archive);
  const paged = ctx.pager(opts.pager && !opts.json);
  let pending = '';
  const emit = async (line: string) => {
    pending += line + '\n';
    if (pending.length > 65536) {
      const chunk = pending;
      pending = '';
      await write(paged.out, chunk);
    }
  };
  let damaged = 0;
  const memos: AbbrevMemo[] = [];
  // The whole timeline of a session, unfiltered, is kept in the derived index
  // (timeline-cache.ts) and read back instead of every record; --json, --stat
  // and the filters read the records.
  const keepable = L.isEmptyFilter(opts.filter) && !opts.json && !opts.stat && opts.subagents;
  const rowOf = async (ev: NonNullable<ChainItem['ev']>, start: string | null): Promise<TimelineRow> => ({
    elapsedMs: elapsedOf(ev, start),
    summary: await summariseEvent(store, ev, 400),
    tokens: recordTokens(ev),
    bookkeeping: isBookkeeping(ev),
  });
  // --json and an explicit --kind show what they select; the rest folds.
  const fold = !opts.allRecords && !opts.json && !(opts.filter.kinds && opts.filter.kinds.length > 0);
  try {
    for (const [n, target] of targets.entries()) {
      let log = keepable && target.ref ? await L.readTimelineCache(archive, target.ref, target.id) : undefined;
      if (!log) {
        log = await loadTimeline(archive, target, opts.subagents);
        if (keepable && L.cacheableRef(log.ref) && log.damaged.length === 0 && (await archive.refs.resolve(log.ref)) === log.tip) {
          const start = log.start;
          const fill = async (list: LogEntry[]): Promise<void> => {
            for (const e of list) {
              if (e.type === 'agent') await fill(e.entries);
              else {
                if (e.item.ev) e.row = await rowOf(e.item.ev, start);
                for (const a of e.agents) await fill(a.entries);
              }
            }
          };
          await fill(log.entries);
          await L.writeTimelineCache(archive, log, (e) => e.row);
        }
      }
      const current = log;
      let entries = L.selectLog(current.entries, opts.filter);
      if (opts.reverse) entries = L.reverseLog(entries);
      let folded = 0;
      if (fold) ({ entries, folded } = foldBookkeeping(entries, (e) => (e.item.ev ? isBookkeeping(e.item.ev) : e.row?.bookkeeping === true)));
      if (opts.maxCount !== undefined) entries = L.limitLog(entries, opts.maxCount);
      const items = flattenTimeline(entries, current.ref);
      await abbr.prepare(items.map((i) => i.item.id));
      // A session's ids keep what abbreviating them found, per pack (abbrev-memo.ts).
      // (--json prints whole ids: nothing to abbreviate, nothing to read.)
      const memo = !opts.json && current.ref && L.cacheableRef(current.ref) ? L.AbbrevMemo.load(archive, current.ref) : undefined;
      abbr.useMemo(memo);
      if (memo) memos.push(memo);
      for (const bad of current.damaged) {
        damaged++;
        io.stderr.write(`tapes: error: record ${bad.id} cannot be read: ${damage(bad)}\n`);
      }
      const line = async (item: TimelineItem, prefix: string): Promise<string> => {
        const abbrev = await abbr.abbrev(item.item.id);
        const ev = item.item.ev;
        const row = item.row ?? (ev ? await rowOf(ev, current.start) : undefined);
        if (!row) return T.damagedLine(abbrev, damage(item.item), { chalk, prefix, width });
        const entry = { abbrev, elapsedMs: row.elapsedMs, summary: row.summary, tokens: row.tokens, context: item.context };
        return opts.oneline ? T.onelineLine(entry, { chalk, prefix, width }) : T.timelineLine(entry, { chalk, prefix, width, stat: opts.stat });
      };

      if (opts.json) {
        for (const i of items) {
          if (i.item.ev && !i.context) await emit(JSON.stringify(await eventJson(store, i.item.ev, i.chain ? shortRefName(i.chain) : null)));
        }
        continue;
      }
      if (opts.oneline) {
        for (const i of items) if (!i.context) await emit(await line(i, '  '.repeat(i.depth)));
        if (folded > 0) await emit(chalk.dim(foldedLine(folded)));
        continue;
      }
      if (n > 0) await emit('');
      const name = current.ref ? await abbr.sessionName(current.ref) : await abbr.abbrev(current.tip);
      await emit(T.sessionHeaderLine({ name, model: current.model, cwd: current.cwd, start: current.start, timeZone }, chalk));
      // The tree: each entry, then (one level in) the subagents a record spawned.
      const draw = async (list: typeof entries, guides: string): Promise<void> => {
        for (const [i, e] of list.entries()) {
          const last = i === list.length - 1;
          const branch = guides + (last ? T.TREE.last : T.TREE.mid);
          const inner = guides + (last ? T.TREE.space : T.TREE.pipe);
          if (e.type === 'agent') {
            await emit(T.subagentLine(e, { chalk, prefix: branch }));
            await draw(e.entries, inner);
            continue;
          }
          await emit(await line({ item: e.item, depth: 0, chain: null, context: !!e.context, row: e.row }, branch));
          for (const [j, a] of e.agents.entries()) {
            const lastA = j === e.agents.length - 1;
            await emit(T.subagentLine(a, { chalk, prefix: inner + (lastA ? T.TREE.last : T.TREE.mid) }));
            await draw(a.entries, inner + (lastA ? T.TREE.space : T.TREE.pipe));
          }
        }
      };
      await draw(entries, '');
      if (folded > 0) await emit(chalk.dim(foldedLine(folded)));
      if (opts.stat) {
        const usage = new UsageCounter();
        let records = 0;
        let model = 'unknown';
        for (const i of items) {
          if (!i.item.ev || i.context) continue;
          records++;
          if (typeof i.item.ev.meta.model === 'string') model = i.item.ev.meta.model;
          usage.add(i.item.ev, model);
        }
        await emit(chalk.dim(`${records} record${records === 1 ? '' : 's'}, tokens: ${T.formatTokens(usage.totals().tokens)}`));
      }
    }
    if (pending) await write(paged.out, pending);
  } finally {
    await paged.done();
    for (const m of memos) await m.save();
  }
  if (damaged > 0) ctx.exitCode = 1;
}
