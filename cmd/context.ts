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

export interface RunState {
  io: Io;
  /** Set by a handler whose exit status is not simply 0 (fsck's bit mask). */
  exitCode: number;
}

/** Options every command accepts. */
export interface GlobalArgs {
  C?: string;
  archive?: string;
  color?: string;
  state: RunState;
}

/** Writes to a stream, waiting for it to drain, so large output is not held in memory. */
export function write(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(chunk, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}

export function location(args: GlobalArgs) {
  return { cwd: args.state.io.cwd, env: args.state.io.env, archive: args.archive, chdir: args.C };
}

export async function openArchive(args: GlobalArgs) {
  const { Archive } = await import('../src/archive/index.js');
  return Archive.open(location(args), { now: args.state.io.now });
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
