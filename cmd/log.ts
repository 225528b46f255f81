// tapes log: the records of a session in captured order, drawn as a tree
// with elapsed times, abbreviated ids that `tapes show` accepts and one line
// per record saying what happened; subagents under the tool call that spawned
// them. Damaged records are reported in place and the rest still prints.
import type { Argv } from 'yargs';
import { write, openArchive, type GlobalArgs, type Io } from './context.js';
import { startPager } from './pager.js';

interface Args extends GlobalArgs {
  rev?: string;
  _: Array<string | number>;
  oneline?: boolean;
  maxCount?: number;
  since?: string;
  until?: string;
  kind?: string | string[];
  tool?: string | string[];
  errors?: boolean;
  reverse?: boolean;
  stat?: boolean;
  json?: boolean;
  subagents?: boolean;
  pager?: boolean;
}

export const KINDS = ['user', 'assistant', 'tool', 'tool_result', 'thinking', 'system', 'summary', 'progress', 'other', 'unparsed'];

export const command = 'log [rev]';
export const describe = 'Show the records of a session in captured order';

export function builder(y: Argv) {
  return y
    .positional('rev', { type: 'string', describe: 'Session or record (default: HEAD, else the most recently active session); more after --' })
    .option('oneline', { type: 'boolean', describe: 'One line per record: id and summary, no tree or times' })
    .option('max-count', { alias: 'n', type: 'number', requiresArg: true, describe: 'Show only the first <n> records (in display order)' })
    .option('since', { type: 'string', requiresArg: true, describe: 'Records at or after <time> (2026-01-05, 2026-01-05T14:30, 2h, 3d, today …)' })
    .option('until', { type: 'string', requiresArg: true, describe: 'Records at or before <time>' })
    .option('kind', { type: 'string', requiresArg: true, describe: `Only records of these kinds (repeat or separate by commas): ${KINDS.join(', ')}` })
    .option('tool', { type: 'string', requiresArg: true, describe: 'Only calls of tool <name> and their results (repeatable)' })
    .option('errors', { type: 'boolean', describe: 'Only failed tool results and the calls that caused them' })
    .option('reverse', { type: 'boolean', describe: 'Newest first' })
    .option('stat', { type: 'boolean', describe: 'Add token counts to each record and a total' })
    .option('json', { type: 'boolean', describe: 'One JSON record per line (NDJSON), blobs read back' })
    .option('subagents', { type: 'boolean', default: true, describe: 'Show subagents under the call that spawned them (--no-subagents hides them)' })
    .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager writes directly)' })
    .conflicts('json', ['oneline', 'stat']);
}

function list(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Columns to fit: the terminal's width, or 80 when not a terminal; COLUMNS overrides. */
export function outputWidth(io: Io): number {
  const env = Number(io.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  if (!io.stdoutIsTTY) return 80;
  return io.terminal?.size().columns ?? (io.stdout as { columns?: number }).columns ?? 80;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const L = await import('../src/archive/log/index.js');
  const { UsageCounter } = await import('../src/archive/index.js');
  const { timeOption, validTimeZone } = await import('../src/archive/timespec/index.js');
  const { shortRefName, SESSIONS_PREFIX } = await import('../src/refs/index.js');
  const { makeChalk } = await import('../src/view/index.js');
  const { elapsedOf, recordTokens, summariseEvent } = await import('../src/archive/event/index.js');
  const T = await import('../src/view/timeline.js');
  const { eventJson } = await import('../src/view/record-render.js');
  const { readEvent } = await import('../src/record/index.js');
  const io = args.state.io;

  const kinds = list(args.kind);
  for (const k of kinds) if (!KINDS.includes(k)) throw new UsageError(`--kind ${k}: not a kind (${KINDS.join(', ')})`);
  const timeZone = validTimeZone(io.env.TZ);
  const since = args.since === undefined ? undefined : timeOption('--since', args.since, io.now(), timeZone);
  const until = args.until === undefined ? undefined : timeOption('--until', args.until, io.now(), timeZone, true);
  const filter = { kinds, tools: list(args.tool), errors: args.errors, since, until };
  if (args.maxCount !== undefined && !Number.isFinite(args.maxCount)) throw new UsageError('-n needs a number');

  const archive = await openArchive(args);
  const store = await archive.objects();
  const revs = [...(args.rev === undefined ? [] : [args.rev]), ...args._.slice(1).map(String)];
  // Every revision is resolved before anything prints: a bad one prints nothing.
  const targets = revs.length ? await Promise.all(revs.map((r) => L.resolveTarget(archive, r))) : [await L.defaultTarget(archive)];
  for (const t of targets) {
    if (t.ref) continue;
    // A record, a tag or a detached HEAD: the session that holds it, when one does.
    const tip = await readEvent(store, t.id).catch(() => undefined);
    const holders = tip ? await L.sessionsContaining(archive, tip) : [];
    t.ref = holders.find((h) => h.startsWith(SESSIONS_PREFIX)) ?? holders[0] ?? null;
  }

  const chalk = makeChalk(args.color as 'auto' | 'always' | 'never' | undefined, io.env, io.stdoutIsTTY);
  const width = outputWidth(io);
  const abbr = await L.Abbreviator.create(archive);
  const paged = startPager(io, args.pager !== false && !args.json);
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
  try {
    for (const [n, target] of targets.entries()) {
      const log = await L.loadSessionLog(archive, target.id, target.ref, { subagents: args.subagents !== false });
      let entries = L.selectLog(log.entries, filter);
      if (args.reverse) entries = L.reverseLog(entries);
      if (args.maxCount !== undefined) entries = L.limitLog(entries, args.maxCount);
      const items = flatten(entries, 0, log.ref);
      await abbr.prepare(items.map((i) => i.item.id));
      for (const bad of log.damaged) {
        damaged++;
        io.stderr.write(`tapes: error: record ${bad.id} cannot be read: ${damage(bad)}\n`);
      }
      const line = async (item: (typeof items)[number], prefix: string): Promise<string> => {
        const abbrev = await abbr.abbrev(item.item.id);
        const ev = item.item.ev;
        if (!ev) return T.damagedLine(abbrev, damage(item.item), { chalk, prefix, width });
        const entry = {
          abbrev,
          elapsedMs: elapsedOf(ev, log.start),
          summary: await summariseEvent(store, ev, 400),
          tokens: recordTokens(ev),
          context: item.context,
        };
        return args.oneline ? T.onelineLine(entry, { chalk, prefix, width }) : T.timelineLine(entry, { chalk, prefix, width, stat: args.stat });
      };

      if (args.json) {
        for (const i of items) {
          if (i.item.ev && !i.context) await emit(JSON.stringify(await eventJson(store, i.item.ev, i.chain ? shortRefName(i.chain) : null)));
        }
        continue;
      }
      if (args.oneline) {
        for (const i of items) if (!i.context) await emit(await line(i, '  '.repeat(i.depth)));
        continue;
      }
      if (n > 0) await emit('');
      const name = log.ref ? await abbr.sessionName(log.ref) : await abbr.abbrev(log.tip);
      await emit(T.sessionHeaderLine({ name, model: log.model, cwd: log.cwd, start: log.start, timeZone }, chalk));
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
          await emit(await line({ item: e.item, depth: 0, chain: null, context: !!e.context }, branch));
          for (const [j, a] of e.agents.entries()) {
            const lastA = j === e.agents.length - 1;
            await emit(T.subagentLine(a, { chalk, prefix: inner + (lastA ? T.TREE.last : T.TREE.mid) }));
            await draw(a.entries, inner + (lastA ? T.TREE.space : T.TREE.pipe));
          }
        }
      };
      await draw(entries, '');
      if (args.stat) {
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
  }
  if (damaged > 0) args.state.exitCode = 1;
}

/** Why a record cannot be read, without the id the line already shows. */
function damage(item: { id: string; error: { message: string } | null }): string {
  return (item.error?.message ?? 'unreadable').replace(new RegExp(`^object ${item.id}: `), '');
}

interface FlatItem {
  item: import('../src/archive/log/index.js').ChainItem;
  depth: number;
  /** The ref of the chain the record belongs to (the session, or a subagent's ref). */
  chain: string | null;
  context: boolean;
}

/** The tree's records in display order, with their depth and chain. */
function flatten(entries: import('../src/archive/log/index.js').LogEntry[], depth: number, chain: string | null): FlatItem[] {
  const out: FlatItem[] = [];
  for (const e of entries) {
    if (e.type === 'agent') {
      out.push(...flatten(e.entries, depth + 1, e.ref));
      continue;
    }
    out.push({ item: e.item, depth, chain, context: !!e.context });
    for (const a of e.agents) out.push(...flatten(a.entries, depth + 1, a.ref));
  }
  return out;
}
