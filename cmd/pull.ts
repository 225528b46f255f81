// tapes pull: fetch, then fast-forward local sessions and create new ones; a
// session that diverged is reported and both ends are kept.
import { runFetch, type FetchArgs } from './lib/fetch-run.js';
import { printReports } from './lib/ref-report.js';

export async function handler(args: FetchArgs): Promise<void> {
  const { pullRemote } = await import('../src/archive/sync.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const result = await runFetch(args, pullRemote);
  const diverged = result.sessions.filter((s) => s.status === 'diverged');
  if (diverged.length || result.refs.some((r) => r.status === 'rejected')) ctx.exitCode = 1;
  if (args.json) return ctx.json(result);
  await printReports(io.stdout, result.sessions);
  if (diverged.length) {
    io.stderr.write(`tapes: error: ${diverged.length} session${diverged.length === 1 ? '' : 's'} diverged; both ends are kept\n`);
    for (const d of diverged) io.stderr.write(`hint: ${d.ref}: local end kept; remote end at refs/remotes/${result.remote}/${d.ref.slice(5)}\n`);
  }
}
