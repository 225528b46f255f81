// The tables of the commands that compare sessions, move HEAD and name checkpoints.
import { PAGER, json, quiet, type CommandSpec } from './types.js';

export const diff: CommandSpec = {
  name: 'diff',
  describe: 'Compare two sessions: where they diverge and how the continuations differ',
  group: 'compare',
  positionals: [
    { name: 'a', required: true, describe: 'A session or record (its history up to it)', complete: 'session' },
    { name: 'b', describe: 'The session or record to compare with (not with --views)', complete: 'session' },
  ],
  options: [
    { name: 'views', type: 'boolean', describe: "Compare the two views of one run: the session <a>'s transcript and its wire capture" },
    { name: 'patch', alias: 'p', type: 'boolean', describe: 'Show a content diff of each changed step' },
    { name: 'stat', type: 'boolean', describe: 'Only the totals of each side and the counts of the alignment' },
    json('Print the comparison as one JSON document'),
    quiet('Print nothing; only the exit status'),
    PAGER,
  ],
  conflicts: [['json', 'stat']],
};

export const status: CommandSpec = {
  name: 'status',
  describe: 'Show where HEAD is: session, record, position and time',
  group: 'compare',
  positionals: [],
  options: [json('Print the status as one JSON document')],
};

export const checkout: CommandSpec = {
  name: 'checkout',
  describe: 'Move HEAD to a session or a record; resume a record in Claude Code or Codex',
  group: 'compare',
  positionals: [{ name: 'rev', describe: 'A session (HEAD attaches to it) or any record (HEAD is detached on it)', complete: 'session' }],
  options: [
    { name: 'b', type: 'string', arg: '<name>', describe: 'Create session <name> at the record and attach HEAD to it' },
    { name: 'detach', type: 'boolean', describe: 'Detach HEAD on the record even when <rev> names a session' },
    {
      name: 'resume',
      type: 'string',
      arg: '<agent>',
      choices: ['claude', 'codex'],
      describe: 'Write the session up to the record as a new transcript of this agent, and print the command that resumes it',
    },
    { name: 'claude-dir', type: 'string', arg: '<dir>', describe: "Claude Code's configuration folder (default: $CLAUDE_CONFIG_DIR, else ~/.claude)", complete: 'dir' },
    { name: 'codex-dir', type: 'string', arg: '<dir>', describe: "Codex's home folder (default: $CODEX_HOME, else ~/.codex)", complete: 'dir' },
    json('Print the result as JSON'),
    quiet('Print nothing on success (errors still go to stderr)'),
  ],
  conflicts: [['b', 'detach']],
};

export const tag: CommandSpec = {
  name: 'tag',
  describe: 'Name a record (a checkpoint), list tags, or delete one',
  group: 'compare',
  positionals: [
    { name: 'name', describe: 'The tag to create (with -l: a pattern; with -d: the tag to delete)', complete: 'tag' },
    { name: 'rev', describe: 'What the tag names (default: HEAD)', complete: 'rev' },
  ],
  rest: true,
  options: [
    { name: 'list', alias: 'l', type: 'boolean', describe: 'List tags (those matching the patterns given)' },
    { name: 'delete', alias: 'd', type: 'boolean', describe: 'Delete the named tags' },
    { name: 'message', alias: 'm', type: 'string', arg: '<message>', describe: 'A one-line message kept with the tag' },
    { name: 'force', alias: 'f', type: 'boolean', describe: 'Move a tag that already exists' },
    { name: 'n', type: 'boolean', describe: 'List tags with their messages (implies -l)' },
    json('Print the result as JSON: one object per tag listed or deleted (NDJSON), one document for a tag made'),
  ],
  conflicts: [
    ['list', 'delete'],
    ['delete', ['message', 'force']],
  ],
};

export const rerun: CommandSpec = {
  name: 'rerun',
  describe: 'Ask the model again from a checkpoint, with another model or prompt if wanted (a dry run unless --send; tools are never run)',
  group: 'compare',
  positionals: [{ name: 'rev', required: true, describe: 'The checkpoint: a record of a session (an id, <session>~N, a tag); the model turn after it is asked again', complete: 'rev' }],
  options: [
    { name: 'model', type: 'string', arg: '<model>', list: true, describe: 'Ask <model> (repeat the option, or separate models by commas: one branch each; default: the model that answered)' },
    { name: 'system', type: 'string', arg: '<file>', describe: 'Send the system prompt in <file> instead of the recorded one', complete: 'file' },
    { name: 'prompt', type: 'string', arg: '<text>', describe: 'Replace the last user message after the checkpoint with <text>, or add it' },
    { name: 'prompt-file', type: 'string', arg: '<file>', describe: 'As --prompt, with the text of <file>', complete: 'file' },
    { name: 'upstream', type: 'string', arg: '<url>', describe: "Base URL of the model API (default: the provider's)" },
    { name: 'b', type: 'string', arg: '<name>', describe: 'Name the new session <name> (several models: <name>-<model>; default: <session>-rerun-<n>)' },
    { name: 'send', type: 'boolean', describe: 'Send the request and record the answers (without it: a dry run, nothing leaves the machine)' },
    { name: 'yes', alias: 'y', type: 'boolean', describe: 'Send without asking for confirmation (needed when not on a terminal)' },
    { name: 'max-turns', type: 'number', arg: '<n>', default: 20, describe: 'Ask at most <n> model turns per model' },
    { name: 'max-cost', type: 'number', arg: '<usd>', describe: 'Stop before a turn that would take the estimated cost of a model past <usd> US dollars' },
    json('Print the requests (dry run) or what was recorded as one JSON document'),
  ],
  conflicts: [['prompt', 'prompt-file']],
};
