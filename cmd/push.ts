// tapes push: send sessions, their subagent chains and tags to a remote,
// fast-forward only unless --force.
import type { CommandArgs } from './lib/run-context.js';
import { formatBytes, progressReporter } from './lib/progress.js';
import { printReports } from './lib/ref-report.js';
import { pushJson } from '../src/view/json/sync.js';

interface Args extends CommandArgs {
  remote?: string;
  refs?: string[];
  force?: boolean;
  dryRun?: boolean;
  delete?: boolean;
  allowSecrets?: boolean;
  json?: boolean;
  progress?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { pushRemote } = await import('../src/archive/sync.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const archive = await ctx.archive();
  const progress = progressReporter(io, args.json ? false : args.progress, 'Writing objects');
  const result = await pushRemote(archive, args.remote ?? 'origin', args.refs ?? [], {
    force: args.force,
    dryRun: args.dryRun,
    delete: args.delete,
    allowSecrets: args.allowSecrets,
    cwd: ctx.workingDir,
    progress: progress.update,
    env: io.env,
  });
  progress.done();
  const rejected = result.refs.filter((r) => r.status === 'rejected');
  if (rejected.length) ctx.exitCode = 1;
  if (args.json) return ctx.json(pushJson(result, Boolean(args.dryRun)));
  await ctx.write(`To ${result.url}\n`);
  if (result.refs.every((r) => r.status === 'up-to-date')) await ctx.write('Everything up-to-date\n');
  await printReports(io.stdout, result.refs);
  if (!args.dryRun && result.objects > 0) await ctx.write(`${result.objects} objects sent (${formatBytes(result.bytes)})\n`);
  const forced = result.refs.filter((r) => r.status === 'forced');
  if (forced.length && !args.dryRun) {
    // After a scrub (or any rewrite), the replaced history is not gone from the remote yet.
    io.stderr.write(
      `note: ${forced.length} ref${forced.length === 1 ? '' : 's'} replaced on ${result.url}: the remote keeps the objects of the replaced history until its own gc\n` +
        'note: (a tapes archive: "tapes gc --prune=now" there; a git server: until it expires unreachable objects)\n',
    );
  }
  if (rejected.length) {
    io.stderr.write(`tapes: error: failed to push ${rejected.length} ref${rejected.length === 1 ? '' : 's'} to ${result.url}\n`);
    if (rejected.some((r) => /fetch first|diverged/.test(r.reason ?? ''))) {
      io.stderr.write('hint: The remote has records this archive lacks. Run "tapes pull" to bring them in,\n' +
        'hint: then push again; "tapes push --force" would drop the remote\'s records.\n');
    }
  }
}
