// What fetch and pull share: the remote's objects brought in with progress
// on stderr, then the automatic gc.
import type { Archive } from '../../src/archive/archive.js';
import type { SyncOptions } from '../../src/archive/sync.js';
import type { CommandArgs } from './run-context.js';
import { autoGcAfter } from './auto-gc.js';
import { progressReporter } from './progress.js';

/** The options of fetch and pull (one table, cmd/spec/share.ts). */
export interface FetchArgs extends CommandArgs {
  remote?: string;
  prune?: boolean;
  json?: boolean;
  progress?: boolean;
}

type FetchLike<R> = (archive: Archive, remote: string, opts: SyncOptions & { prune?: boolean; cwd?: string }) => Promise<R & { remoteRefs: unknown }>;

/** Runs fetch or pull: progress on stderr, then the automatic gc; the result without the remote's ref list. */
export async function runFetch<R>(args: FetchArgs, run: FetchLike<R>): Promise<Omit<R, 'remoteRefs'>> {
  const ctx = args.ctx;
  const archive = await ctx.archive();
  const progress = progressReporter(ctx.io, args.json ? false : args.progress, 'Receiving objects');
  const { remoteRefs: _refs, ...result } = await run(archive, args.remote ?? 'origin', {
    prune: args.prune,
    cwd: ctx.workingDir,
    progress: progress.update,
    env: ctx.io.env,
  });
  progress.done();
  await autoGcAfter(archive, ctx.io.stderr);
  return result;
}
