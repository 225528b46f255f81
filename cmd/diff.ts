// tapes diff: compare two sessions (or two records' histories): where they
// part, their continuations aligned step by step, and a summary line. Exit
// status as diff(1): 0 equal, 1 different, 2 trouble (a bad revision).
import type { CommandArgs } from './lib/run-context.js';
import { write } from './lib/io.js';

interface Args extends CommandArgs {
  a: string;
  b?: string;
  views?: boolean;
  patch?: boolean;
  stat?: boolean;
  json?: boolean;
  quiet?: boolean;
  pager?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { TapesError, EXIT, UsageError, NotFoundError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  if (args.views && args.b !== undefined) throw new UsageError('--views compares the two views of one session: name only the session', {});
  if (!args.views && args.b === undefined) throw new UsageError('name two sessions or records to compare (or one session with --views)', {});
  const archive = await ctx.archive();
  let result;
  try {
    let [a, b] = [args.a, args.b!];
    if (args.views) {
      // The session's own ref holds the transcript; its capture view the wire's record of the same run.
      const { captureViewRef, holdsChain, viewOwnerRef, CAPTURES_PREFIX } = await import('../src/refs/index.js');
      const r = await archive.resolve(args.a);
      const owner = r.ref ? (viewOwnerRef(r.ref) ?? r.ref) : undefined;
      if (!owner || !holdsChain(owner) || owner.startsWith(CAPTURES_PREFIX)) throw new UsageError(`--views needs a session name, and ${args.a} is not one`, { rev: args.a });
      const view = captureViewRef(owner);
      if ((await archive.refs.resolve(view)) === undefined) {
        throw new NotFoundError(`session ${args.a} has one view only: no capture of it is stored under ${view}`, { rev: args.a, ref: view });
      }
      [a, b] = [owner, view];
    }
    const { diffSessions } = await import('../src/archive/diff/index.js');
    result = await diffSessions(archive, a, b, { patch: args.patch && !args.stat });
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
