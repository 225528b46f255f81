// tapes init: create an empty archive (here, in <dir>, or with --user the
// user's own archive that every command falls back to).
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  dir?: string;
  user?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { Archive } = await import('../src/archive/index.js');
  const ctx = args.ctx;
  if (args.user && (args.dir !== undefined || ctx.globals.archive !== undefined)) {
    const { UsageError } = await import('../src/errors/index.js');
    throw new UsageError(`--user makes the user's archive; it cannot go with ${args.dir !== undefined ? 'a <dir>' : '--archive'}`);
  }
  const result = await Archive.init(ctx.location, args.dir, args.user);
  if (args.json) return ctx.json(result);
  if (args.quiet) return;
  await ctx.write(`${result.created ? 'Initialized empty' : 'Reinitialized existing'} tapes archive in ${result.path}/\n`);
}
