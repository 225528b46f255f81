// tapes fetch: bring a remote's sessions, agent chains and tags into
// refs/remotes/<remote>/… (tags into refs/tags), verifying every object.
import { runFetch, type FetchArgs } from './lib/fetch-run.js';
import { printReports } from './lib/ref-report.js';

export async function handler(args: FetchArgs): Promise<void> {
  const { fetchRemote } = await import('../src/archive/sync.js');
  const ctx = args.ctx;
  const result = await runFetch(args, fetchRemote);
  if (result.refs.some((r) => r.status === 'rejected')) ctx.exitCode = 1;
  if (args.json) return ctx.json(result);
  if (result.refs.every((r) => r.status === 'up-to-date')) return;
  await ctx.write(`From ${result.url}\n`);
  await printReports(ctx.io.stdout, result.refs.map((r) => ({ ...r, ref: r.local ?? r.ref })));
}
