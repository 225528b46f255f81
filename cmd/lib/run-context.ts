// What a command's handler works with, made once per run by cmd/cli.ts from
// the entry point's Io and the global options: the archive (opened on first
// use), the working directory, colour, time zone, output width, the pager
// and the JSON emitter. Each piece loads its code only when asked for, so a
// command pays only for what it uses.
import { resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { Io } from '../context.js';
import type { Archive } from '../../src/archive/archive.js';
import { workingDir, type Location } from '../../src/archive/discover.js';
import type { GlobalValues } from './argv.js';
import { jsonDocument, jsonLine, write } from './io.js';
import { startPager, type Paged } from './pager.js';

export class RunContext {
  /** Set by a handler whose exit status is not simply 0 (fsck's bit mask, a damaged record). */
  exitCode = 0;
  private opened?: Promise<Archive>;
  private colour?: Promise<ChalkInstance>;
  private zone?: Promise<string | undefined>;

  constructor(
    readonly io: Io,
    readonly globals: GlobalValues,
  ) {}

  /** Where the archive is looked for (DESIGN.md §4): -C, --archive, $TAPES_DIR. */
  get location(): Location {
    return { cwd: this.io.cwd, env: this.io.env, archive: this.globals.archive, chdir: this.globals.chdir };
  }

  /** The directory relative paths on the command line are taken from: the working directory after -C. */
  get workingDir(): string {
    return workingDir(this.location);
  }

  /** A path given on the command line, made absolute. */
  path(p: string): string {
    return resolve(this.workingDir, p);
  }

  /** The archive, found and opened once. Only the Archive class is loaded, not the whole porcelain API. */
  archive(): Promise<Archive> {
    return (this.opened ??= import('../../src/archive/archive.js').then(({ Archive }) => Archive.open(this.location, { now: this.io.now })).then((a) => this.said(a)));
  }

  /** The archive as `archive()` finds it, or (nothing found, nothing named) the user's archive, created (import). */
  archiveOrCreate(): Promise<Archive> {
    return (this.opened ??= import('../../src/archive/archive.js').then(({ Archive }) => Archive.openOrCreate(this.location, { now: this.io.now })).then((a) => this.said(a)));
  }

  /** With --verbose, which archive is used and how it was found; always, that the user's archive was just created. */
  private async said(a: Archive): Promise<Archive> {
    const { SOURCE_WORDS } = await import('../../src/archive/discover.js');
    if (a.origin?.created) this.io.stderr.write(`Initialized the user archive in ${a.dir}/\n`);
    if (this.globals.verbose && a.origin) this.io.stderr.write(`tapes: using archive ${a.dir} (${SOURCE_WORDS[a.origin.source]})\n`);
    return a;
  }

  /** Colour for standard output, as --color, NO_COLOR and FORCE_COLOR say. */
  chalk(): Promise<ChalkInstance> {
    return (this.colour ??= import('../../src/view/color.js').then(({ makeChalk }) => makeChalk(this.globals.color, this.io.env, this.io.stdoutIsTTY)));
  }

  /** The time zone of $TZ when it names one, else the system's (undefined). */
  timeZone(): Promise<string | undefined> {
    return (this.zone ??= import('../../src/archive/timespec/index.js').then(({ validTimeZone }) => validTimeZone(this.io.env.TZ)));
  }

  /** The instant a --since or --until value names (a usage error when it names none); undefined when not given. */
  async time(option: '--since' | '--until', value: string | undefined): Promise<number | undefined> {
    if (value === undefined) return undefined;
    const { timeOption } = await import('../../src/archive/timespec/index.js');
    return timeOption(option, value, this.io.now(), await this.timeZone(), option === '--until');
  }

  /** Columns to fit: COLUMNS when set, else the terminal's width, else (not a terminal) 80. */
  get width(): number {
    const env = Number(this.io.env.COLUMNS);
    if (Number.isInteger(env) && env > 0) return env;
    if (!this.io.stdoutIsTTY) return 80;
    return this.io.terminal?.size().columns ?? (this.io.stdout as { columns?: number }).columns ?? 80;
  }

  /** Standard output through the pager when it is a terminal and `enabled` (see pager.ts). */
  pager(enabled: boolean): Paged {
    return startPager(this.io, enabled);
  }

  write(chunk: string | Uint8Array): Promise<void> {
    return write(this.io.stdout, chunk);
  }

  /** --json of a command that reports one thing: one document. */
  json(value: unknown): Promise<void> {
    return write(this.io.stdout, jsonDocument(value));
  }

  /** --json of a command that lists many things: one object per line. */
  jsonLines(values: Iterable<unknown>): Promise<void> {
    let out = '';
    for (const v of values) out += jsonLine(v);
    return out ? write(this.io.stdout, out) : Promise.resolve();
  }
}

/** What every handler receives beside its own options. */
export interface CommandArgs {
  ctx: RunContext;
  /** The words after `--`, for commands whose table sets `rest`. */
  _: string[];
}
