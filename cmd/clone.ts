// tapes clone: a new archive with the remote as origin and every session
// (and subagent chain) checked out as a local ref.
import type { CommandArgs } from './lib/run-context.js';
import { progressReporter } from './lib/progress.js';

interface Args extends CommandArgs {
  url: string;
  dir?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { cloneArchive } = await import('../src/archive/sync.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const progress = progressReporter(io, args.json || args.quiet ? false : args.progress, 'Receiving objects');
  const { remoteRefs: _refs, ...result } = await cloneArchive(args.url, args.dir, ctx.workingDir, {
    now: io.now,
    progress: progress.update,
    env: io.env,
  });
  progress.done();
  // Refs the source refused to hand over (a link, a file too long to be a ref): named, the clone is made without them.
  for (const r of result.refs) if (r.status === 'rejected') io.stderr.write(`warning: ${r.reason}; the clone is made without it\n`);
  if (args.json) return ctx.json(result);
  if (args.quiet) return;
  const n = result.sessions.filter((s) => s.ref.startsWith('refs/sessions/')).length;
  await ctx.write(`Cloned ${result.url} into ${result.path}: ${n} session${n === 1 ? '' : 's'}, ${result.objects} objects\n`);
}
