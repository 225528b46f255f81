// tapes init: create an empty archive.
import type { Argv } from 'yargs';
import { json, location, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  dir?: string;
  json?: boolean;
  quiet?: boolean;
}

export const command = 'init [dir]';
export const describe = 'Create an empty archive (.tapes/) in the current or given directory';

export function builder(y: Argv) {
  return y
    .positional('dir', { type: 'string', describe: 'Directory to create .tapes/ in' })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing' });
}

export async function handler(args: Args): Promise<void> {
  const { Archive } = await import('../src/archive/index.js');
  const result = await Archive.init(location(args), args.dir);
  const out = args.state.io.stdout;
  if (args.json) return write(out, json(result));
  if (args.quiet) return;
  await write(out, `${result.created ? 'Initialized empty' : 'Reinitialized existing'} tapes archive in ${result.path}/\n`);
}
