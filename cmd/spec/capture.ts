// The tables of the commands that make an archive and fill it.
import { PROGRESS, json, quiet, type CommandSpec, type OptionSpec } from './types.js';

export const init: CommandSpec = {
  name: 'init',
  describe: "Create an empty archive (.tapes/) in the current or given directory, or the user's own (--user)",
  group: 'capture',
  positionals: [{ name: 'dir', describe: 'Directory to create .tapes/ in', complete: 'dir' }],
  options: [
    { name: 'user', type: 'boolean', describe: "Create the user's archive, $XDG_DATA_HOME/tapes (default ~/.local/share/tapes), used wherever no other is found" },
    json('Print the result as JSON'),
    quiet('Print nothing'),
  ],
};

export const importCmd: CommandSpec = {
  name: 'import',
  describe: 'Import Claude Code, Codex and Gemini CLI sessions (default: their usual folders)',
  group: 'capture',
  positionals: [
    { name: 'source', describe: '"claude", "codex", "gemini", or a path (format detected)', words: ['claude', 'codex', 'gemini'], complete: 'file' },
    { name: 'paths', variadic: true, describe: 'Files or folders (searched recursively)', complete: 'file' },
  ],
  options: [
    { name: 'dry-run', alias: 'n', type: 'boolean', describe: 'Report what would change; write nothing' },
    json('Print the summary as one JSON document'),
    PROGRESS,
  ],
};

export const hooks: CommandSpec = {
  name: 'hooks',
  describe: "Import each agent session automatically when it ends (the agent's own hooks)",
  group: 'capture',
  positionals: [
    { name: 'action', required: true, describe: 'install, uninstall, status, or run (what the installed hook calls)', words: ['install', 'uninstall', 'status', 'run'] },
    { name: 'agent', describe: 'claude, codex or gemini (status: all three when not given)', words: ['claude', 'codex', 'gemini'] },
    { name: 'payload', variadic: true, describe: "The hook's input when the agent passes it as an argument (Codex)" },
  ],
  options: [
    { name: 'command', type: 'string', arg: '<program>', describe: 'install: the tapes program the hook runs (default: this one, by absolute path)', complete: 'file' },
    json('Print the result as JSON'),
  ],
};

const PROVIDERS = ['anthropic', 'openai', 'gemini'] as const;

const upstream = (describe: string): OptionSpec => ({ name: 'upstream', type: 'string', arg: '<url>', describe });

const REDACT: OptionSpec = {
  name: 'redact',
  type: 'boolean',
  describe: 'Store secrets the detector finds (docs/secrets.md, .tapes/config rules) as [REDACTED:<rule>]; what is forwarded is unchanged',
};

export const proxy: CommandSpec = {
  name: 'proxy',
  describe: 'Run a recording proxy for model API traffic (Anthropic, OpenAI)',
  group: 'capture',
  positionals: [],
  options: [
    { name: 'listen', type: 'string', arg: '<address>', describe: 'Address to listen on: PORT, HOST or HOST:PORT (default 127.0.0.1:8787; port 0 picks a free one)' },
    upstream("Base URL requests are forwarded to (default: the provider's API, or $TAPES_UPSTREAM)"),
    { name: 'provider', type: 'string', arg: '<provider>', choices: PROVIDERS, default: 'anthropic', describe: 'Whose API is upstream when --upstream is not given' },
    { name: 'allow-remote', type: 'boolean', describe: 'Allow --listen on an address other machines can reach' },
    { name: 'record', type: 'boolean', default: true, describe: 'Record model turns (--no-record only forwards)' },
    REDACT,
    json('Print the address, each recorded turn and the summary as JSON lines'),
    quiet('Do not report each turn on stderr'),
  ],
};

export const run: CommandSpec = {
  name: 'run',
  describe: 'Run an agent with its model traffic recorded through the proxy',
  group: 'capture',
  positionals: [{ name: 'agent', variadic: true, describe: 'The agent command and its arguments (after --)' }],
  rest: true,
  options: [
    { name: 'provider', type: 'string', arg: '<provider>', choices: PROVIDERS, describe: 'The API the agent talks to (default: openai for codex, gemini for gemini, else anthropic)' },
    upstream("Base URL the proxy forwards to (default: the provider's API, or $TAPES_UPSTREAM)"),
    REDACT,
    json('After the agent exits, print what was recorded as one JSON document on stdout'),
    quiet('Print nothing of ours unless something goes wrong'),
  ],
};
