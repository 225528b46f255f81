// tapes fetch: bring a remote's sessions, agent chains and tags into
// refs/remotes/<remote>/… (tags into refs/tags), verifying every object.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';
import { printReports, progressReporter } from './push.js';
import { autoGcAfter } from './gc.js';
import type { Archive } from '../src/archive/index.js';
import type { SyncOptions } from '../src/archive/sync.js';

export interface Args extends GlobalArgs {
  remote?: string;
  prune?: boolean;
  json?: boolean;
  progress?: boolean;
}

export const command = 'fetch [remote]';
export const describe = 'Bring a remote\'s sessions into refs/remotes/<remote>/, verifying every object';

/** The arguments of fetch, which pull shares. */
export function builder(y: Argv) {
  return y
    .positional('remote', { type: 'string', describe: 'A configured remote (default: origin)' })
    .option('prune', { alias: 'p', type: 'boolean', describe: 'Delete remote-tracking refs the remote no longer has' })
    .option('json', { type: 'boolean', describe: 'Print the result as one JSON document' })
    .option('progress', { type: 'boolean', describe: 'Show progress on stderr (default: when stderr is a terminal)' });
}

type FetchLike<R> = (archive: Archive, remote: string, opts: SyncOptions & { prune?: boolean; cwd?: string }) => Promise<R & { remoteRefs: unknown }>;

/** Runs fetch or pull: progress on stderr, then the automatic gc; the result without the remote's ref list. */
export async function runFetch<R>(args: Args, run: FetchLike<R>): Promise<Omit<R, 'remoteRefs'>> {
  const { workingDir } = await import('../src/archive/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  const progress = progressReporter(io, args.json ? false : args.progress, 'Receiving objects');
  const { remoteRefs: _refs, ...result } = await run(archive, args.remote ?? 'origin', {
    prune: args.prune,
    cwd: workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }),
    progress: progress.update,
    env: io.env,
  });
  progress.done();
  await autoGcAfter(archive, io.stderr);
  return result;
}

export async function handler(args: Args): Promise<void> {
  const { fetchRemote } = await import('../src/archive/sync.js');
  const io = args.state.io;
  const result = await runFetch(args, fetchRemote);
  if (result.refs.some((r) => r.status === 'rejected')) args.state.exitCode = 1;
  if (args.json) return write(io.stdout, json(result));
  if (result.refs.every((r) => r.status === 'up-to-date')) return;
  await write(io.stdout, `From ${result.url}\n`);
  await printReports(io.stdout, result.refs.map((r) => ({ ...r, ref: r.local ?? r.ref })));
}
