// The shape of a command's table: its positionals and options, declared once
// as data. yargs' builder, `--help`, shell completion and the man-page test
// (test/man/options.test.ts) all read these tables; nothing here imports
// code, so completion can load them in a few milliseconds.

/** What a value completes as in the shell (see cmd/lib/complete.ts). */
export type Completion = 'session' | 'rev' | 'tag' | 'ref' | 'remote' | 'command' | 'file' | 'dir';

/** The groups `tapes --help` lists commands under, porcelain first (as git does). */
export const GROUPS = {
  capture: 'start an archive and capture sessions',
  read: 'read sessions',
  compare: 'compare sessions and keep checkpoints',
  share: 'share with other archives',
  maintain: 'maintain the archive',
  plumbing: 'plumbing: stable output for scripts',
} as const;

export type Group = keyof typeof GROUPS;

export interface OptionSpec {
  /** The long name without dashes (`max-count`), or a single letter (`t`). */
  name: string;
  /** A second name: one letter (`n`), or a long one when `name` is a letter. */
  alias?: string;
  type: 'boolean' | 'string' | 'number';
  /** The value's placeholder in SYNOPSIS, OPTIONS and --help (`<n>`); every string and number option has one. */
  arg?: string;
  /** The values accepted; yargs enforces them unless `list` is set. */
  choices?: readonly string[];
  /** The value is a comma-separated list (repeatable); each item must be one of `choices`. */
  list?: boolean;
  /** The value when the option is not given; the man page names it. */
  default?: string | number | boolean;
  /** The value of a bare `--name` (`--short` means `--short=12`); the value is then optional. */
  optionalValue?: string;
  describe: string;
  /** What its value completes as. */
  complete?: Completion;
}

export interface PositionalSpec {
  name: string;
  describe: string;
  required?: boolean;
  /** Takes any number of words (`<rev>...`). */
  variadic?: boolean;
  complete?: Completion;
  /** Fixed words it may be (import's `claude`, `codex`), offered by completion. */
  words?: readonly string[];
}

/** A subcommand (`tapes remote add`), for completion and --help. */
export interface SubcommandSpec {
  name: string;
  aliases?: readonly string[];
  describe: string;
  positionals: readonly PositionalSpec[];
}

export interface CommandSpec {
  name: string;
  describe: string;
  group: Group;
  positionals: readonly PositionalSpec[];
  options: readonly OptionSpec[];
  /** Options that cannot be given together: [option, the options it excludes]. */
  conflicts?: ReadonlyArray<readonly [string, string | readonly string[]]>;
  subcommands?: readonly SubcommandSpec[];
  /** Words after `--` are taken as more positionals (log, show, search) or the agent command (run). */
  rest?: boolean;
}

/** The positionals as yargs writes them (`<a> <b>`, `[rev..]`). */
export function positionalUsage(spec: Pick<CommandSpec, 'positionals'>): string {
  return spec.positionals
    .map((p) => {
      const inner = p.name + (p.variadic ? '..' : '');
      return p.required ? `<${inner}>` : `[${inner}]`;
    })
    .join(' ');
}

// ---- options several commands share, worded once

export const PAGER: OptionSpec = {
  name: 'pager',
  type: 'boolean',
  default: true,
  describe: 'Page long output on a terminal (--no-pager writes directly)',
};

export const PROGRESS: OptionSpec = {
  name: 'progress',
  type: 'boolean',
  describe: 'Show progress on stderr (default: when stderr is a terminal)',
};

export function quiet(describe: string): OptionSpec {
  return { name: 'quiet', alias: 'q', type: 'boolean', describe };
}

export function json(describe: string): OptionSpec {
  return { name: 'json', type: 'boolean', describe };
}

/** The labels a record is shown with, which --kind selects (log, search). */
const KINDS = ['user', 'assistant', 'tool', 'tool_result', 'thinking', 'system', 'summary', 'progress', 'other', 'unparsed'] as const;

export const KIND: OptionSpec = {
  name: 'kind',
  type: 'string',
  arg: '<kind>',
  choices: KINDS,
  list: true,
  describe: 'Only records of these kinds; repeat the option or separate kinds by commas',
};

/** One name on every command that folds the agent's bookkeeping records (docs/bookkeeping.md). */
export const ALL_RECORDS: OptionSpec = { name: 'all-records', type: 'boolean', describe: "Show the agent's bookkeeping records (attachments, request shapes, progress …) instead of folding them into a count" };

export const TOOL: OptionSpec = {
  name: 'tool',
  type: 'string',
  arg: '<name>',
  describe: 'Only calls of tool <name> and their results (repeatable)',
};

export const MAX_COUNT = (describe: string): OptionSpec => ({ name: 'max-count', alias: 'n', type: 'number', arg: '<n>', describe });

/** --since and --until of the commands that filter by time. */
export function timeRange(arg: string, since: string, until: string): OptionSpec[] {
  return [
    { name: 'since', type: 'string', arg, describe: since },
    { name: 'until', type: 'string', arg, describe: until },
  ];
}
