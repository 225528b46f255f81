// What every command receives from the entry point: filesystem root,
// environment, clock and streams. Nothing below the entry point touches
// `process`.
import type { Readable, Writable } from 'node:stream';

export interface Io {
  cwd: string;
  env: Record<string, string | undefined>;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  now: () => Date;
  /**
   * How to run this tapes again (node and the script), for commands that
   * write a command line for later (tapes hooks install). Absent in tests.
   */
  program?: string[];
  /**
   * The terminal, when both stdin and stdout are one: what interactive
   * commands (replay) need beyond the streams. Absent in tests and pipes.
   */
  terminal?: Terminal;
  /**
   * Calls `listener` on SIGINT, SIGTERM or SIGHUP instead of dying, so a
   * long-running command (proxy, run) can stop cleanly; returns the
   * unsubscribe. Absent in tests that do not need it.
   */
  onSignal?: (listener: (signal: string) => void) => () => void;
}

export interface Terminal {
  setRawMode(on: boolean): void;
  size(): { columns: number; rows: number };
  /** Calls `listener` when the window changes size; returns the unsubscribe. */
  onResize(listener: () => void): () => void;
  /** Calls `listener` on SIGTERM, SIGHUP or SIGINT instead of dying, so the screen is restored first; returns the unsubscribe. */
  onSignal(listener: (signal: string) => void): () => void;
}
