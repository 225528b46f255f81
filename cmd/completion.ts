// tapes completion: print the script that makes a shell complete tapes
// commands, options, their values, and session names and tags from the
// archive (see man/tapes-completion.md).
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  shell: string;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { COMPLETION_SCRIPTS } = await import('./lib/completion-scripts.js');
  const script = COMPLETION_SCRIPTS[args.shell];
  if (script === undefined) throw new UsageError(`no completion for shell "${args.shell}": bash, zsh or fish`, { shell: args.shell });
  await args.ctx.write(script);
}
