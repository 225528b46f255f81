// Long porcelain output goes through $PAGER when stdout is a terminal, as in
// git: `TAPES_PAGER`, then `PAGER`, then `less` (with -FRX so short output
// prints and exits and colours pass through). `--no-pager`, a non-terminal
// stdout, or a pager of "" or "cat" write directly.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { Io } from '../context.js';

export interface Paged {
  out: Writable;
  /** Waits for the pager to exit (or for direct output to flush). */
  done(): Promise<void>;
}

export function startPager(io: Io, enabled = true): Paged {
  const cmd = io.env.TAPES_PAGER ?? io.env.PAGER ?? 'less';
  if (!enabled || !io.stdoutIsTTY || cmd === '' || cmd === 'cat') {
    return { out: io.stdout, done: async () => undefined };
  }
  // child_process (with net and dgram under it) is loaded only when a pager
  // runs: some 5 ms of every other command's start-up.
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const child = spawn(cmd, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...io.env } as NodeJS.ProcessEnv, cwd: io.cwd });
  const exited = new Promise<void>((resolve) => {
    child.on('close', () => resolve());
    child.on('error', () => resolve());
  });
  // The reader quitting early (q in less) is not an error.
  child.stdin.on('error', () => undefined);
  return {
    out: child.stdin,
    done: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
