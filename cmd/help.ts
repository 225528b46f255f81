// tapes help: show the manual page of a command (man/tapes-<command>.md).
import type { Argv } from 'yargs';
import { json, write, type GlobalArgs, type Io } from './context.js';

interface Args extends GlobalArgs {
  command?: string;
  json?: boolean;
}

export const command = 'help [command]';
export const describe = 'Show the manual page of a command';

export function builder(y: Argv) {
  return y
    .positional('command', { type: 'string', describe: 'Command to show the manual of' })
    .option('json', { type: 'boolean', describe: 'With no command: list commands as JSON' });
}

export async function handler(args: Args): Promise<void> {
  return showHelp(args.state.io, args.command, args.json);
}

/**
 * Prints the command list or one manual page. The CLI calls this directly for
 * "tapes help …", because yargs reads a last word "help" as --help.
 */
export async function showHelp(io: Io, commandArg: string | undefined, asJson?: boolean): Promise<void> {
  const args = { command: commandArg, json: asJson };
  const { promises: fs } = await import('node:fs');
  const { NotFoundError } = await import('../src/errors/index.js');
  const { commands } = await import('./commands.js');
  const manDir = new URL('../../man/', import.meta.url);
  if (!args.command) {
    const list = commands.map((c) => ({ command: c.command.split(' ')[0]!, describe: c.describe }));
    if (args.json) return write(io.stdout, json(list));
    const width = Math.max(...list.map((c) => c.command.length));
    const text =
      'usage: tapes [-C <dir>] [--archive <path>] <command> [<args>]\n\nCommands:\n' +
      list.map((c) => `  ${c.command.padEnd(width)}  ${c.describe}`).join('\n') +
      '\n\nSee "tapes help <command>" for the manual page of one command.\n';
    return write(io.stdout, text);
  }
  const name = args.command.replace(/^tapes-/, '');
  if (!/^[a-z-]+$/.test(name)) throw new NotFoundError(`no manual page for "${args.command}"`, { command: args.command });
  let page: string;
  try {
    page = await fs.readFile(new URL(`tapes-${name}.md`, manDir), 'utf8');
  } catch {
    throw new NotFoundError(`no manual page for "${args.command}"`, { command: args.command }, 'Run "tapes help" to list the commands.');
  }
  await write(io.stdout, page);
}
