// tapes help: show the manual page of a command (man/tapes-<command>.md), or
// with no command the commands by group, as `tapes --help` does.
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  command?: string;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const ctx = args.ctx;
  if (args.command === undefined) {
    const { SPECS } = await import('./spec/index.js');
    if (args.json) {
      const { commandJson } = await import('../src/view/json/commands.js');
      return ctx.jsonLines(SPECS.map(commandJson));
    }
    const { commandList } = await import('./lib/help-text.js');
    return ctx.write(commandList());
  }
  const { NotFoundError } = await import('../src/errors/index.js');
  const { readManPage } = await import('./lib/man.js');
  const page = await readManPage(args.command.replace(/^tapes-/, ''));
  if (page === undefined) {
    const hint = /^[a-z-]+$/.test(args.command) ? 'Run "tapes help" to list the commands.' : undefined;
    throw new NotFoundError(`no manual page for "${args.command}"`, { command: args.command }, hint);
  }
  await ctx.write(page);
}
