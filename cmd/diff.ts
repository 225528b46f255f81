// tapes diff: compare two sessions (or two records' histories): where they
// part, their continuations aligned step by step, and a summary line. Exit
// status as diff(1): 0 equal, 1 different, 2 trouble (a bad revision).
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';
import { startPager } from './pager.js';

interface Args extends GlobalArgs {
  a?: string;
  b?: string;
  patch?: boolean;
  stat?: boolean;
  json?: boolean;
  quiet?: boolean;
  pager?: boolean;
}

export const command = 'diff <a> <b>';
export const describe = 'Compare two sessions: where they diverge and how the continuations differ';

export function builder(y: Argv) {
  return y
    .positional('a', { type: 'string', describe: 'A session or record (its history up to it)' })
    .positional('b', { type: 'string', describe: 'The session or record to compare with' })
    .option('patch', { alias: 'p', type: 'boolean', describe: 'Show a content diff of each changed step' })
    .option('stat', { type: 'boolean', describe: 'Only the totals of each side and the counts of the alignment' })
    .option('json', { type: 'boolean', describe: 'Print the comparison as one JSON document' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing; only the exit status' })
    .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager writes directly)' })
    .conflicts('json', 'stat');
}

export async function handler(args: Args): Promise<void> {
  const { TapesError, EXIT } = await import('../src/errors/index.js');
  const io = args.state.io;
  const archive = await openArchive(args);
  let result;
  try {
    const { diffSessions } = await import('../src/archive/diff/index.js');
    result = await diffSessions(archive, args.a!, args.b!, { patch: args.patch && !args.stat });
  } catch (err) {
    // As diff(1): any trouble comparing is status 2, never 1 ("they differ").
    if (err instanceof TapesError && err.exitCode === EXIT.error) throw new TapesError(err.code, err.message, EXIT.notFound, err.data, err.hint);
    throw err;
  }
  args.state.exitCode = result.equal ? 0 : 1;
  if (args.quiet) return;
  if (args.json) return write(io.stdout, json(result));
  const { renderDiff, renderDiffStat } = await import('../src/view/diff-render.js');
  if (args.stat) {
    await write(io.stdout, [...renderDiffStat(result)].join('\n') + '\n');
    return;
  }
  const { Abbreviator } = await import('../src/archive/log/index.js');
  const { makeChalk } = await import('../src/view/index.js');
  const { outputWidth } = await import('./log.js');
  const abbr = await Abbreviator.create(archive);
  const shown = new Set<string>();
  for (const p of result.pairs) for (const s of [p.a, p.b]) if (s) shown.add(s.record);
  await abbr.prepare(shown);
  const names = new Map<string, string>();
  for (const id of shown) names.set(id, await abbr.abbrev(id));
  const chalk = makeChalk(args.color as 'auto' | 'always' | 'never' | undefined, io.env, io.stdoutIsTTY);
  const paged = startPager(io, args.pager !== false);
  try {
    let pending = '';
    for (const line of renderDiff(result, { chalk, width: outputWidth(io), abbrev: (id) => names.get(id) ?? id.slice(0, 7) })) {
      pending += line + '\n';
      if (pending.length > 65536) {
        await write(paged.out, pending);
        pending = '';
      }
    }
    if (pending) await write(paged.out, pending);
  } finally {
    await paged.done();
  }
}
