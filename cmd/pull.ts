// tapes pull: fetch, then fast-forward local sessions and create new ones; a
// session that diverged is reported and both ends are kept.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';
import { printReports, progressReporter } from './push.js';
import { autoGcAfter } from './gc.js';

interface Args extends GlobalArgs {
  remote?: string;
  prune?: boolean;
  json?: boolean;
  progress?: boolean;
}

export const command = 'pull [remote]';
export const describe = 'Fetch, then fast-forward local sessions and create new ones (diverged ones are kept)';

export function builder(y: Argv) {
  return y
    .positional('remote', { type: 'string', describe: 'A configured remote (default: origin)' })
    .option('prune', { alias: 'p', type: 'boolean', describe: 'Delete remote-tracking refs the remote no longer has' })
    .option('json', { type: 'boolean', describe: 'Print the result as one JSON document' })
    .option('progress', { type: 'boolean', describe: 'Show progress on stderr (default: when stderr is a terminal)' });
}

export async function handler(args: Args): Promise<void> {
  const { pullRemote } = await import('../src/archive/sync.js');
  const { workingDir } = await import('../src/archive/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  const progress = progressReporter(io, args.json ? false : args.progress, 'Receiving objects');
  const { remoteRefs: _refs, ...result } = await pullRemote(archive, args.remote ?? 'origin', {
    prune: args.prune,
    cwd: workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }),
    progress: progress.update,
    env: io.env,
  });
  progress.done();
  await autoGcAfter(archive, io.stderr);
  const diverged = result.sessions.filter((s) => s.status === 'diverged');
  if (diverged.length || result.refs.some((r) => r.status === 'rejected')) args.state.exitCode = 1;
  if (args.json) return write(io.stdout, json(result));
  await printReports(io.stdout, result.sessions);
  if (diverged.length) {
    io.stderr.write(`tapes: error: ${diverged.length} session${diverged.length === 1 ? '' : 's'} diverged; both ends are kept\n`);
    for (const d of diverged) io.stderr.write(`hint: ${d.ref}: local end kept; remote end at refs/remotes/${result.remote}/${d.ref.slice(5)}\n`);
  }
}
