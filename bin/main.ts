// The entry point's work: the only code that touches `process`. bin/tapes.ts
// runs it; in the bundle (scripts/bundle.mjs) each command's file exports it
// and bin/launch.ts calls it.
import { isatty } from 'node:tty';
import { createCli } from '../cmd/cli.js';

/** Runs the command line of this process. */
export function main(): void {
  // Object writes fsync many small files at once; libuv's default pool of four
  // threads would serialise them. Set before the first asynchronous fs call.
  process.env.UV_THREADPOOL_SIZE ??= '16';

  const cli = createCli({
    cwd: process.cwd(),
    env: process.env,
    // Made when first used: building process.stdin loads Node's stream (or
    // socket, or tty) modules, some 8 ms of a command that never reads it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    now: () => new Date(),
    program: process.argv[1] ? [process.execPath, process.argv[1]] : undefined,
    terminal: isatty(0) && isatty(1) ? processTerminal() : undefined,
    onSignal: onProcessSignal,
  });

  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // `tapes cat-object … | head` closes the pipe early: not an error of ours.
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

  cli.run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`tapes: error: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}

function onProcessSignal(listener: (signal: string) => void): () => void {
  const signals = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
  for (const s of signals) process.on(s, listener);
  return () => {
    for (const s of signals) process.off(s, listener);
  };
}

function processTerminal() {
  const stdin = process.stdin as NodeJS.ReadStream;
  const stdout = process.stdout as NodeJS.WriteStream;
  return {
    setRawMode: (on: boolean) => void stdin.setRawMode(on),
    size: () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
    onResize(listener: () => void) {
      stdout.on('resize', listener);
      return () => void stdout.off('resize', listener);
    },
    onSignal: onProcessSignal,
  };
}

/**
 * Loads the modules a run of this build's commands loads, running their
 * top-level code, without running a command: scripts/bundle.mjs calls it on
 * each command's bundle before it keeps the V8 code cache of what compiled
 * (bin/load-bundle.ts).
 */
export async function preload(): Promise<void> {
  const { COMMANDS } = await import('../cmd/commands.js');
  await Promise.all(Object.values(COMMANDS).map((load) => load()));
  await Promise.all([
    import('../cmd/lib/run-context.js'),
    import('../cmd/lib/fast-argv.js'),
    import('../cmd/lib/yargs-spec.js'),
    import('../src/archive/archive.js'),
    import('../src/view/color.js'),
  ]);
}
