// tapes push: send sessions, their subagent chains and tags to a remote,
// fast-forward only unless --force.
import type { Argv } from 'yargs';
import type { Writable } from 'node:stream';
import { json, openArchive, write, type GlobalArgs, type Io } from './context.js';

interface Args extends GlobalArgs {
  remote?: string;
  refs?: string[];
  force?: boolean;
  dryRun?: boolean;
  delete?: boolean;
  json?: boolean;
  progress?: boolean;
}

export const command = 'push [remote] [refs..]';
export const describe = 'Send sessions and tags to a remote (fast-forward only unless --force)';

export function builder(y: Argv) {
  return y
    .positional('remote', { type: 'string', describe: 'A configured remote, a path or a URL (default: origin)' })
    .positional('refs', { type: 'string', array: true, describe: 'Sessions, tags or <src>:<dst> refspecs (default: all)' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'Move remote refs even when that drops records' })
    .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Report what would be sent; send nothing' })
    .option('delete', { alias: 'd', type: 'boolean', describe: 'Delete the named refs on the remote' })
    .option('json', { type: 'boolean', describe: 'Print the result as one JSON document' })
    .option('progress', { type: 'boolean', describe: 'Show progress on stderr (default: when stderr is a terminal)' });
}

interface Report {
  ref: string;
  old: string | null;
  new: string | null;
  status: string;
  reason?: string;
}

/** Progress on stderr, at most ten times a second, ended with a newline. */
export function progressReporter(io: Io, enabled: boolean | undefined, label: string) {
  if (!(enabled ?? io.stderrIsTTY)) return { update: undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  let shown = false;
  const line = (p: { objects: number; bytes: number }) => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    return `${label}: ${p.objects} objects, ${formatBytes(p.bytes)}, ${formatBytes(p.bytes / secs)}/s`;
  };
  let latest = { objects: 0, bytes: 0 };
  let updated = false;
  return {
    update: (p: { objects: number; bytes: number }) => {
      latest = p;
      updated = true;
      if (Date.now() - last < 100) return;
      last = Date.now();
      shown = true;
      io.stderr.write(`\r${line(p)}`);
    },
    done: () => {
      // Like git, the final count is shown whenever anything moved, however fast.
      if (shown || updated) io.stderr.write(`\r${line(latest)}, done.\n`);
    },
  };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const FLAGS: Record<string, string> = {
  new: '*',
  'fast-forward': ' ',
  forced: '+',
  deleted: '-',
  'up-to-date': '=',
  rejected: '!',
  diverged: '!',
  ahead: '>',
  pruned: '-',
};

/** One line per ref: flag, status, ref, the move, and why it was refused. */
export async function printReports(out: Writable, reports: Report[], showUpToDate = false): Promise<void> {
  for (const r of reports) {
    if (r.status === 'up-to-date' && !showUpToDate) continue;
    const move = r.old && r.new && r.old !== r.new ? `  ${r.old.slice(0, 12)}..${r.new.slice(0, 12)}` : '';
    const why = r.reason ? `  (${r.reason})` : '';
    await write(out, ` ${FLAGS[r.status] ?? ' '} ${r.status.padEnd(12)} ${r.ref}${move}${why}\n`);
  }
}

export async function handler(args: Args): Promise<void> {
  const { pushRemote } = await import('../src/archive/sync.js');
  const { workingDir } = await import('../src/archive/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  const progress = progressReporter(io, args.json ? false : args.progress, 'Writing objects');
  const result = await pushRemote(archive, args.remote ?? 'origin', args.refs ?? [], {
    force: args.force,
    dryRun: args.dryRun,
    delete: args.delete,
    cwd: workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }),
    progress: progress.update,
    env: io.env,
  });
  progress.done();
  const rejected = result.refs.filter((r) => r.status === 'rejected');
  if (rejected.length) args.state.exitCode = 1;
  if (args.json) {
    await write(io.stdout, json({ ...result, dryRun: Boolean(args.dryRun) }));
    return;
  }
  await write(io.stdout, `To ${result.url}\n`);
  if (result.refs.every((r) => r.status === 'up-to-date')) await write(io.stdout, 'Everything up-to-date\n');
  await printReports(io.stdout, result.refs);
  if (!args.dryRun && result.objects > 0) await write(io.stdout, `${result.objects} objects sent (${formatBytes(result.bytes)})\n`);
  if (rejected.length) {
    io.stderr.write(`tapes: error: failed to push ${rejected.length} ref${rejected.length === 1 ? '' : 's'} to ${result.url}\n`);
    if (rejected.some((r) => /fetch first|diverged/.test(r.reason ?? ''))) {
      io.stderr.write('hint: The remote has records this archive lacks. Run "tapes pull" to bring them in,\n' +
        'hint: then push again; "tapes push --force" would drop the remote\'s records.\n');
    }
  }
}
