// The CLI factory: a fresh run per call, so tests can run commands in-process
// with captured streams. The command line is read once (cmd/lib/argv.ts):
// global options, the command word, --help and --version; then only that
// command's module is loaded, and the command's table (cmd/spec) becomes its
// parser: cmd/lib/fast-argv.ts for a plain line, yargs for anything else. What is imported here at the top is all that
// --version and shell completion load. Typed errors become exit codes here (DESIGN.md §6);
// nothing is printed as a stack trace.
import type { Io } from './context.js';
import type { Argv } from 'yargs';
import { SPECS, positionalUsage, specOf, type CommandSpec } from './spec/index.js';
import { closestCommand, scanArgv } from './lib/argv.js';
import { write } from './lib/io.js';
import type { RunContext } from './lib/run-context.js';
import { systemHint, systemReason } from '../src/errors/system-error.js';

export const VERSION = '0.1.0';

/** The hidden command the completion scripts call (cmd/lib/complete.ts). */
export const COMPLETE_WORD = '__complete';

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
      let command: string | undefined;
      try {
        if (argv[0] === COMPLETE_WORD) {
          const { complete } = await import('./lib/complete.js');
          await complete(io, argv.slice(1));
          return 0;
        }
        const scan = scanArgv(argv);
        command = scan.command;
        if (scan.error !== undefined) throw usage(scan.error);
        if (scan.version) {
          await write(io.stdout, VERSION + '\n');
          return 0;
        }
        if (command === undefined) {
          if (!scan.help) throw usage('Name a command; "tapes help" lists them.');
          const { commandList } = await import('./lib/help-text.js');
          await write(io.stdout, commandList());
          return 0;
        }
        const spec = specOf(command);
        if (!spec) {
          const close = closestCommand(command, SPECS.map((s) => s.name));
          throw usage(close ? `Did you mean ${close}?` : `Unknown argument: ${command}`);
        }
        if (scan.help) {
          const { commandHelp } = await import('./lib/help-text.js');
          await write(io.stdout, await commandHelp(spec));
          return 0;
        }
        const { RunContext } = await import('./lib/run-context.js');
        const ctx = new RunContext(io, scan.globals);
        await runCommand(ctx, spec.name, scan.rest);
        return ctx.exitCode;
      } catch (raw) {
        return report(io, raw as ErrorLike, command);
      }
    },
  };
}

async function runCommand(ctx: RunContext, name: string, argv: string[]): Promise<void> {
  const spec = specOf(name)!;
  const { COMMANDS } = await import('./commands.js');
  const { expandOptionalValues } = await import('./lib/yargs-spec.js');
  argv = expandOptionalValues(argv, spec);
  const mod = await COMMANDS[name]!();
  // A plain command line skips loading yargs (cmd/lib/fast-argv.ts); a
  // command with its own yargs set-up (checks, subcommands) always uses it.
  if (mod.builder === undefined) {
    const { parseFast } = await import('./lib/fast-argv.js');
    const fast = parseFast(argv, spec);
    if (fast !== undefined) {
      await mod.handler({ ...fast.args, _: fast.rest, ctx });
      return;
    }
  }
  const parsed = await parseWithYargs(spec, argv, mod.builder, { ctx });
  // undefined when a subcommand's own handler ran (remote).
  if (parsed !== undefined) await mod.handler({ ...parsed.args, _: parsed.rest, ctx });
}

/**
 * The arguments yargs reads from `argv` for `spec` (with the command's own
 * set-up, `builder`), or undefined when a subcommand declared by `builder`
 * ran instead. Usage errors are thrown marked `usage`.
 */
export async function parseWithYargs(
  spec: CommandSpec,
  argv: readonly string[],
  builder: ((y: Argv) => Argv) | undefined,
  context: Record<string, unknown>,
): Promise<{ args: Record<string, unknown>; rest: string[] } | undefined> {
  const { applySpec } = await import('./lib/yargs-spec.js');
  const { default: yargs } = await import('yargs');
  let parsed: { args: Record<string, unknown>; rest: string[] } | undefined;
  const y = yargs()
    .scriptName(`tapes ${spec.name}`)
    .strict()
    .exitProcess(false)
    .help(false)
    .version(false)
    // Words after -- are kept apart from stray words, which are refused.
    .parserConfiguration({ 'populate--': true })
    .fail((msg, err) => {
      // yargs' own validation gives a message; errors thrown by handlers
      // and check() keep their type (check() throws UsageError).
      // yargs' own argument errors (YError) are usage errors too.
      if (!err || err.name === 'YError') throw Object.assign(new Error(err?.message ?? msg), { usage: true });
      throw err;
    })
    // The command is yargs' default command, so yargs does not lay out a help
    // text after it runs (tapes prints its own, cmd/lib/help-text.ts).
    .command({
      command: `$0 ${positionalUsage(spec)}`.trimEnd(),
      describe: false,
      builder: (y) => (builder ?? ((x) => x))(applySpec(y, spec)),
      handler: (args) => {
        const stray = args._;
        if (stray.length > 0) throw usage(`Unknown argument: ${stray[0]}`);
        const rest = ((args['--'] as unknown[] | undefined) ?? []).map(String);
        const { _: _words, '--': _after, ...named } = args;
        parsed = { args: named, rest };
      },
    });
  // The context travels in the parsed arguments too, for subcommands' handlers (remote).
  await y.parseAsync([...argv], context);
  if (parsed !== undefined) delete parsed.args.ctx;
  return parsed;
}

function usage(message: string): Error {
  return Object.assign(new Error(message), { usage: true });
}

function report(io: Io, err: ErrorLike, command: string | undefined): number {
  if (err.usage || err.exitCode === 129) {
    const cmd = command !== undefined && specOf(command) ? command : undefined;
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
