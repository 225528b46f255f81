// tapes clone: a new archive with the remote as origin and every session
// (and subagent chain) checked out as a local ref.
import type { Argv } from 'yargs';
import { json, write, type GlobalArgs } from './context.js';
import { progressReporter } from './push.js';

interface Args extends GlobalArgs {
  url: string;
  dir?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
}

export const command = 'clone <url> [dir]';
export const describe = 'Make a new archive from a remote, with every session checked out';

export function builder(y: Argv) {
  return y
    .positional('url', { type: 'string', describe: 'A path, file://, http:// or https:// URL' })
    .positional('dir', { type: 'string', describe: 'Directory to create (default: from the URL)' })
    .option('json', { type: 'boolean', describe: 'Print the result as one JSON document' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing on success' })
    .option('progress', { type: 'boolean', describe: 'Show progress on stderr (default: when stderr is a terminal)' });
}

export async function handler(args: Args): Promise<void> {
  const { cloneArchive } = await import('../src/archive/sync.js');
  const { workingDir } = await import('../src/archive/index.js');
  const io = args.state.io;
  const progress = progressReporter(io, args.json || args.quiet ? false : args.progress, 'Receiving objects');
  const { remoteRefs: _refs, ...result } = await cloneArchive(args.url, args.dir, workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }), {
    now: io.now,
    progress: progress.update,
    env: io.env,
  });
  progress.done();
  // Refs the source refused to hand over (a link, a file too long to be a ref): named, the clone is made without them.
  for (const r of result.refs) if (r.status === 'rejected') io.stderr.write(`warning: ${r.reason}; the clone is made without it\n`);
  if (args.json) return write(io.stdout, json(result));
  if (args.quiet) return;
  const n = result.sessions.filter((s) => s.ref.startsWith('refs/sessions/')).length;
  await write(io.stdout, `Cloned ${result.url} into ${result.path}: ${n} session${n === 1 ? '' : 's'}, ${result.objects} objects\n`);
}
