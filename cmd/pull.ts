// tapes pull: fetch, then fast-forward local sessions and create new ones; a
// session that diverged is reported and both ends are kept.
import { json, write } from './context.js';
import { printReports } from './push.js';
import { builder as fetchBuilder, runFetch, type Args } from './fetch.js';

export const command = 'pull [remote]';
export const describe = 'Fetch, then fast-forward local sessions and create new ones (diverged ones are kept)';

export const builder = fetchBuilder;

export async function handler(args: Args): Promise<void> {
  const { pullRemote } = await import('../src/archive/sync.js');
  const io = args.state.io;
  const result = await runFetch(args, pullRemote);
  const diverged = result.sessions.filter((s) => s.status === 'diverged');
  if (diverged.length || result.refs.some((r) => r.status === 'rejected')) args.state.exitCode = 1;
  if (args.json) return write(io.stdout, json(result));
  await printReports(io.stdout, result.sessions);
  if (diverged.length) {
    io.stderr.write(`tapes: error: ${diverged.length} session${diverged.length === 1 ? '' : 's'} diverged; both ends are kept\n`);
    for (const d of diverged) io.stderr.write(`hint: ${d.ref}: local end kept; remote end at refs/remotes/${result.remote}/${d.ref.slice(5)}\n`);
  }
}
