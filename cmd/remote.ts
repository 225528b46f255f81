// tapes remote: name the other archives (paths, file:// or http(s):// URLs)
// that push, fetch and pull talk to; stored in .tapes/config.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  verbose?: boolean;
  json?: boolean;
  name?: string;
  url?: string;
  old?: string;
  new?: string;
}

export const command = 'remote';
export const describe = 'Add, remove, rename and list remotes (other archives to push to and fetch from)';

function cwdOf(args: Args): Promise<string> {
  return import('../src/archive/index.js').then(({ workingDir }) => workingDir({ cwd: args.state.io.cwd, env: args.state.io.env, chdir: args.C }));
}

export function builder(y: Argv) {
  return y
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show each remote\'s URL' })
    .option('json', { type: 'boolean', describe: 'List the remotes as JSON' })
    .command(
      'add <name> <url>',
      'Add a remote',
      (s: Argv) => s.positional('name', { type: 'string' }).positional('url', { type: 'string' }),
      async (a) => {
        const args = a as unknown as Args;
        const { addRemote } = await import('../src/archive/remote.js');
        await addRemote(await openArchive(args), args.name!, args.url!, await cwdOf(args));
      },
    )
    .command(
      ['remove <name>', 'rm <name>'],
      'Remove a remote and its remote-tracking refs',
      (s: Argv) => s.positional('name', { type: 'string' }),
      async (a) => {
        const args = a as unknown as Args;
        const { removeRemote } = await import('../src/archive/remote.js');
        await removeRemote(await openArchive(args), args.name!);
      },
    )
    .command(
      'rename <old> <new>',
      'Rename a remote and move its remote-tracking refs',
      (s: Argv) => s.positional('old', { type: 'string' }).positional('new', { type: 'string' }),
      async (a) => {
        const args = a as unknown as Args;
        const { renameRemote } = await import('../src/archive/remote.js');
        await renameRemote(await openArchive(args), args.old!, args.new!);
      },
    )
    .command(
      'get-url <name>',
      'Print the URL of a remote',
      (s: Argv) => s.positional('name', { type: 'string' }),
      async (a) => {
        const args = a as unknown as Args;
        const { getRemote } = await import('../src/archive/remote.js');
        const r = await getRemote(await openArchive(args), args.name!);
        await write(args.state.io.stdout, r.url + '\n');
      },
    )
    .command(
      'set-url <name> <url>',
      'Change the URL of a remote',
      (s: Argv) => s.positional('name', { type: 'string' }).positional('url', { type: 'string' }),
      async (a) => {
        const args = a as unknown as Args;
        const { setRemoteUrl } = await import('../src/archive/remote.js');
        await setRemoteUrl(await openArchive(args), args.name!, args.url!, await cwdOf(args));
      },
    )
    .command(
      ['list', '$0'],
      'List the remotes',
      () => undefined,
      (a) => handler(a as unknown as Args),
    );
}

export async function handler(args: Args): Promise<void> {
  const { listRemotes } = await import('../src/archive/remote.js');
  const remotes = await listRemotes(await openArchive(args));
  const out = args.state.io.stdout;
  if (args.json) return write(out, json(remotes.map((r) => ({ name: r.name, url: r.url }))));
  for (const r of remotes) {
    await write(out, args.verbose ? `${r.name}\t${r.url} (fetch)\n${r.name}\t${r.url} (push)\n` : `${r.name}\n`);
  }
}
