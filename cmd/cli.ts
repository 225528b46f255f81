// The CLI factory: a fresh yargs instance per call, so tests can run commands
// in-process with captured streams. Typed errors become exit codes here
// (DESIGN.md §6); nothing is printed as a stack trace.
import yargs, { type Argv, type CommandModule } from 'yargs';
import type { Io, RunState } from './context.js';
import { commands } from './commands.js';
import { showHelp } from './help.js';
import { systemHint, systemReason } from '../src/errors/system-error.js';

export const VERSION = '0.1.0';

interface ErrorLike {
  code?: string;
  exitCode?: number;
  message: string;
  hint?: string;
  usage?: boolean;
}

export interface Cli {
  run(argv: string[]): Promise<number>;
}

export function createCli(io: Io): Cli {
  return {
    async run(argv) {
      const state: RunState = { io, exitCode: 0 };
      const words = argv.filter((a, i) => !a.startsWith('-') && !['-C', '--archive', '--color'].includes(argv[i - 1] ?? ''));
      if (words[0] === 'help' && !argv.includes('--help')) {
        const extra = argv.filter((a) => a.startsWith('-') && a !== '--json');
        if (words.length > 2 || extra.some((a) => !['-C', '--archive', '--color'].includes(a) && !/^--(archive|color)=/.test(a))) {
          return report(io, Object.assign(new Error('tapes help [<command>] [--json]'), { usage: true }), argv);
        }
        try {
          await showHelp(io, words[1], argv.includes('--json'));
          return 0;
        } catch (raw) {
          return report(io, raw as ErrorLike, argv);
        }
      }
      let y: Argv = yargs()
        .scriptName('tapes')
        .usage('tapes [-C <dir>] [--archive <path>] <command> [<args>]')
        .option('C', { type: 'string', describe: 'Run as if started in <dir>', requiresArg: true, global: true })
        .option('archive', { type: 'string', describe: 'Use the archive at <path>', requiresArg: true, global: true })
        .option('color', {
          type: 'string',
          choices: ['auto', 'always', 'never'],
          describe: 'Colour output: auto (on a terminal), always, never',
          global: true,
        })
        .strict()
        .demandCommand(1, 'Name a command; "tapes help" lists them.')
        .recommendCommands()
        .exitProcess(false)
        .version(VERSION)
        .help()
        .wrap(Math.min(100, 100))
        .middleware((a) => {
          for (const [k, v] of Object.entries(a)) {
            if (v === HELP_WORD) a[k] = 'help';
            else if (Array.isArray(v)) a[k] = v.map((x) => (x === HELP_WORD ? 'help' : x));
          }
        }, true)
        .fail((msg, err) => {
          // yargs' own validation gives a message; errors thrown by handlers
          // and check() keep their type (check() throws UsageError).
          // yargs' own argument errors (YError) are usage errors too.
          if (!err || err.name === 'YError') throw Object.assign(new Error(err?.message ?? msg), { usage: true });
          throw err;
        });
      for (const c of commands) y = y.command(c as unknown as CommandModule);
      // yargs lays out the whole help text after every command, to show it if
      // the command fails later; tapes never does, and it costs 30-80 ms.
      const usage = (y as unknown as { getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage?: () => void } } })
        .getInternalMethods?.()
        .getUsageInstance();
      if (usage) usage.cacheHelpMessage = () => undefined;
      let output = '';
      try {
        await y.parseAsync(protectHelpWord(expandOptionalValues(argv)), { state }, (_err: unknown, _argv: unknown, out: string) => {
          output = out;
        });
        if (output) io.stdout.write(output + '\n');
        return state.exitCode;
      } catch (raw) {
        return report(io, raw as ErrorLike, argv);
      }
    },
  };
}

// yargs reads a last word "help" as --help; an argument that happens to be
// "help" (a session named help) travels as this and is put back after parsing.
const HELP_WORD = '\u0000help';

function protectHelpWord(argv: string[]): string[] {
  const first = argv.findIndex((a, i) => !a.startsWith('-') && !['-C', '--archive', '--color'].includes(argv[i - 1] ?? ''));
  return argv.map((a, i) => (i > first && first >= 0 && a === 'help' ? HELP_WORD : a));
}

// Options whose value is optional, as in git (`--short` or `--short=8`):
// yargs would take the next word as the value, so a bare one gets its default.
const OPTIONAL_VALUES: Record<string, string> = { '--short': '12' };

function expandOptionalValues(argv: string[]): string[] {
  return argv.map((a, i) => {
    const dflt = OPTIONAL_VALUES[a];
    return dflt !== undefined && !/^\d+$/.test(argv[i + 1] ?? '') ? `${a}=${dflt}` : a;
  });
}

/** The command word of an argument list: the first word that is not an option or an option's value. */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-C' || a === '--archive' || a === '--color') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

function report(io: Io, err: ErrorLike, argv: string[]): number {
  if (err.usage || err.exitCode === 129) {
    const word = commandName(argv);
    const cmd = commands.some((c) => c.command.split(' ')[0] === word) ? word : undefined;
    io.stderr.write(`tapes: usage: ${err.message}\n`);
    io.stderr.write(cmd ? `See "tapes help ${cmd}" or "tapes ${cmd} --help".\n` : 'See "tapes help".\n');
    return 129;
  }
  if (typeof err.exitCode === 'number' && typeof err.code === 'string') {
    const label = err.exitCode === 128 ? 'fatal' : err.exitCode === 129 ? 'usage' : 'error';
    io.stderr.write(`tapes: ${label}: ${err.message}\n`);
    if (err.hint) io.stderr.write(err.hint.replace(/^/gm, 'hint: ') + '\n');
    return err.exitCode;
  }
  // An error we did not type: a system error (permissions, disk full) or a
  // bug. A system error is said in words, with the file it concerns.
  const sys = err as ErrorLike & { syscall?: string; path?: string };
  const reason = systemReason(err);
  if (reason !== undefined) {
    io.stderr.write(`tapes: error: ${sys.path ? `${sys.path}: ` : ''}${reason}\n`);
    const hint = systemHint(err);
    if (hint) io.stderr.write(`hint: ${hint}\n`);
  } else {
    io.stderr.write(`tapes: error: ${sys.message}\n`);
  }
  if (io.env.TAPES_DEBUG && (err as Error).stack) io.stderr.write((err as Error).stack + '\n');
  return 1;
}
