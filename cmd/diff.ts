// tapes diff: compare two sessions (or two records' histories): where they
// part, their continuations aligned step by step, and a summary line. Exit
// status as diff(1): 0 equal, 1 different, 2 trouble (a bad revision).
import type { CommandArgs } from './lib/run-context.js';
import { write } from './lib/io.js';

interface Args extends CommandArgs {
  a: string;
  b: string;
  patch?: boolean;
  stat?: boolean;
  json?: boolean;
  quiet?: boolean;
  pager?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { TapesError, EXIT } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  const archive = await ctx.archive();
  let result;
  try {
    const { diffSessions } = await import('../src/archive/diff/index.js');
    result = await diffSessions(archive, args.a, args.b, { patch: args.patch && !args.stat });
  } catch (err) {
    // As diff(1): any trouble comparing is status 2, never 1 ("they differ").
    if (err instanceof TapesError && err.exitCode === EXIT.error) throw new TapesError(err.code, err.message, EXIT.notFound, err.data, err.hint);
    throw err;
  }
  ctx.exitCode = result.equal ? 0 : 1;
  if (args.quiet) return;
  if (args.json) return ctx.json(result);
  const { renderDiff, renderDiffStat } = await import('../src/view/diff-render.js');
  if (args.stat) {
    await ctx.write([...renderDiffStat(result)].join('\n') + '\n');
    return;
  }
  const { Abbreviator } = await import('../src/archive/log/index.js');
  const abbr = await Abbreviator.create(archive);
  const shown = new Set<string>();
  for (const p of result.pairs) for (const s of [p.a, p.b]) if (s) shown.add(s.record);
  await abbr.prepare(shown);
  const names = new Map<string, string>();
  for (const id of shown) names.set(id, await abbr.abbrev(id));
  const chalk = await ctx.chalk();
  const paged = ctx.pager(args.pager !== false);
  try {
    let pending = '';
    for (const line of renderDiff(result, { chalk, width: ctx.width, abbrev: (id) => names.get(id) ?? id.slice(0, 7) })) {
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
