// The tables of the commands that look after the archive and tapes itself.
import { PROGRESS, json, quiet, type CommandSpec } from './types.js';

export const gc: CommandSpec = {
  name: 'gc',
  describe: 'Pack objects and remove unreachable ones older than the grace period',
  group: 'maintain',
  positionals: [],
  options: [
    { name: 'prune', type: 'string', arg: '<age>', describe: 'Remove unreachable objects older than this (default: 2.weeks.ago; "now", "never")' },
    { name: 'aggressive', type: 'boolean', describe: 'Repack everything with stronger compression (slower)' },
    { name: 'auto', type: 'boolean', describe: 'Do nothing unless there are more loose objects than gc.auto; then pack only those' },
    quiet('Print nothing but errors'),
    json('Print the result as one JSON document'),
  ],
};

export const scrub: CommandSpec = {
  name: 'scrub',
  describe: 'Rewrite sessions so that the secrets they hold are replaced by [REDACTED:<rule>]',
  group: 'maintain',
  positionals: [{ name: 'session', describe: 'Sessions to scrub (with their subagents and capture views)', variadic: true, complete: 'session' }],
  options: [
    { name: 'all', type: 'boolean', describe: 'Scrub every chain and every reflog of the archive' },
    { name: 'dry-run', alias: 'n', type: 'boolean', describe: 'List what would be replaced (masked) and change nothing' },
    { name: 'prune', type: 'boolean', describe: 'Then remove every unreachable object now (gc --prune=now), the superseded ones included' },
    json('Print the findings, the refs moved and the audit record as one JSON document'),
    PROGRESS,
  ],
};

export const fsck: CommandSpec = {
  name: 'fsck',
  describe: 'Verify the integrity of every object and ref in the archive',
  group: 'maintain',
  positionals: [],
  options: [
    json('Print findings and counts as one JSON document'),
    { name: 'dangling', type: 'boolean', describe: 'Also show objects nothing reaches and nothing links to' },
    { name: 'unreachable', type: 'boolean', describe: 'Also show every object no ref, HEAD or reflog entry reaches' },
    PROGRESS,
  ],
};

export const index: CommandSpec = {
  name: 'index',
  describe: 'Update (or --rebuild) the search index',
  group: 'maintain',
  positionals: [],
  options: [
    { name: 'rebuild', type: 'boolean', describe: 'Delete the index and build it again from the objects' },
    json('Print what was done and what the index holds as JSON'),
  ],
};

const SHELLS = ['bash', 'zsh', 'fish'] as const;

export const completion: CommandSpec = {
  name: 'completion',
  describe: 'Print a script that completes tapes commands in bash, zsh or fish',
  group: 'maintain',
  positionals: [{ name: 'shell', required: true, describe: 'The shell: bash, zsh or fish', words: SHELLS }],
  options: [],
};

export const help: CommandSpec = {
  name: 'help',
  describe: 'Show the manual page of a command',
  group: 'maintain',
  positionals: [{ name: 'command', describe: 'Command to show the manual of', complete: 'command' }],
  options: [json('With no command: list commands, one JSON object per line')],
};
