// tapes init: create an empty archive.
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  dir?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { Archive } = await import('../src/archive/index.js');
  const ctx = args.ctx;
  const result = await Archive.init(ctx.location, args.dir);
  if (args.json) return ctx.json(result);
  if (args.quiet) return;
  await ctx.write(`${result.created ? 'Initialized empty' : 'Reinitialized existing'} tapes archive in ${result.path}/\n`);
}
