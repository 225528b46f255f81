// tapes export: write a session out; --format original gives back the exact
// bytes of the transcript it was imported from.
import type { Argv } from 'yargs';
import { openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  session: string;
  format: 'original';
  output?: string;
}

export const command = 'export <session>';
export const describe = 'Write a session out (the original transcript bytes)';

export function builder(y: Argv) {
  return y
    .positional('session', { type: 'string', describe: 'Session (or any revision: the chain ending there)' })
    .option('format', { choices: ['original'], default: 'original', describe: 'Output format' })
    .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'Write to <file> instead of standard output' });
}

export async function handler(args: Args): Promise<void> {
  const { exportOriginal, workingDir } = await import('../src/archive/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  if (args.output === undefined) {
    await exportOriginal(archive, args.session, (b) => write(io.stdout, b));
    return;
  }
  // Write next to the target and rename, so a failed export never leaves half a file.
  const { promises: fs } = await import('node:fs');
  const { resolve } = await import('node:path');
  const target = resolve(workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }), args.output);
  const { randomBytes } = await import('node:crypto');
  const tmp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await exportOriginal(archive, args.session, async (b) => {
      await handle.write(b);
    });
    await handle.close();
    await fs.rename(tmp, target);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
