// The answer to `tapes __complete <word>...`, which the completion scripts
// (tapes completion bash|zsh|fish) call on every Tab: the words of the
// command line after `tapes`, the last being the one to complete. It prints
// one candidate a line, `<value>` or `<value> TAB <description>`, or the
// single line `:file` or `:dir` to have the shell complete paths.
//
// It runs on every key press, so it loads only the tables (cmd/spec) and, for
// names from the archive, the ref store and the config reader: never yargs,
// a command module or the object codec.
import type { Io } from '../context.js';
import { GLOBAL_OPTIONS, SPECS, type Completion, type CommandSpec, type OptionSpec, type PositionalSpec } from '../spec/index.js';
import { globalOption, type GlobalValues } from './argv.js';
import { write } from './io.js';

interface Candidate {
  value: string;
  describe?: string;
}

type Answer = Candidate[] | ':file' | ':dir';

export async function complete(io: Io, words: readonly string[]): Promise<void> {
  const answer = await candidates(io, normalise(words));
  const text = typeof answer === 'string' ? answer + '\n' : answer.map((c) => (c.describe ? `${c.value}\t${oneLine(c.describe)}` : c.value) + '\n').join('');
  await write(io.stdout, text);
}

/**
 * bash splits `--format=ht` into `--format`, `=`, `ht` (its word breaks);
 * the candidates then replace only `ht`. Joined back here, with a marker of
 * where the value starts, so one reading serves every shell.
 */
interface Line {
  before: string[];
  current: string;
  /** The option whose value `current` is, when it was written `--opt=` (zsh, fish) or split at `=` (bash). */
  inlineOption?: string;
  /** Candidates for an inline value carry the `--opt=` prefix (zsh, fish) or not (bash). */
  prefix: string;
}

function normalise(words: readonly string[]): Line {
  const all = words.length ? [...words] : [''];
  const current = all.pop()!;
  if (current === '=' && all.length && all[all.length - 1]!.startsWith('-')) {
    return { before: all.slice(0, -1), current: '', inlineOption: all[all.length - 1], prefix: '' };
  }
  if (all.length >= 2 && all[all.length - 1] === '=' && all[all.length - 2]!.startsWith('-')) {
    return { before: all.slice(0, -2), current, inlineOption: all[all.length - 2], prefix: '' };
  }
  const m = /^(--?[^=]+)=(.*)$/.exec(current);
  if (m) return { before: all, current: m[2]!, inlineOption: m[1], prefix: `${m[1]}=` };
  return { before: all, current, prefix: '' };
}

async function candidates(io: Io, line: Line): Promise<Answer> {
  // The words before the current one: globals, the command word, then the command's own.
  const globals: GlobalValues = {};
  let command: CommandSpec | undefined;
  let commandSeen = false;
  const positionals: string[] = [];
  let pending: OptionSpec | undefined;
  let afterDashes = false;
  for (const word of line.before) {
    if (pending) {
      if (pending.name === 'C') globals.chdir = word;
      else if (pending.name === 'archive') globals.archive = word;
      pending = undefined;
      continue;
    }
    if (afterDashes) {
      positionals.push(word);
      continue;
    }
    if (word === '--') {
      afterDashes = true;
      continue;
    }
    const g = globalOption(word);
    if (g) {
      if (g.value === undefined && g.option.type !== 'boolean') pending = g.option;
      else if (g.option.name === 'C') globals.chdir = g.value;
      else if (g.option.name === 'archive') globals.archive = g.value;
      continue;
    }
    if (word.startsWith('-')) {
      const o = command && optionNamed(command, word);
      if (o && o.type !== 'boolean' && o.optionalValue === undefined && !word.includes('=')) pending = o;
      continue;
    }
    if (!commandSeen) {
      commandSeen = true;
      command = SPECS.find((s) => s.name === word);
      continue;
    }
    positionals.push(word);
  }
  if (commandSeen && !command) return [];
  const options = [...GLOBAL_OPTIONS, ...(command?.options ?? [])];

  // The value of an option.
  const valueOf = line.inlineOption !== undefined ? (command ? optionNamed(command, line.inlineOption) : undefined) ?? globalOption(line.inlineOption)?.option : pending;
  if (valueOf) return prefixed(await optionValues(io, valueOf, globals, line.current), line.prefix);

  if (line.current.startsWith('-') && !afterDashes) {
    if (!command) return matching(line.current, [...flagsOf(GLOBAL_OPTIONS), { value: '--help' }, { value: '--version' }]);
    return matching(line.current, [...flagsOf(options), { value: '--help' }]);
  }
  if (!command) return matching(line.current, SPECS.map((s) => ({ value: s.name, describe: s.describe })));

  // A subcommand word, then its positionals.
  if (command.subcommands?.length) {
    if (positionals.length === 0) return matching(line.current, command.subcommands.map((s) => ({ value: s.name, describe: s.describe })));
    const sub = command.subcommands.find((s) => s.name === positionals[0] || s.aliases?.includes(positionals[0]!));
    return sub ? positionalValues(io, sub.positionals, positionals.length - 1, globals, line.current) : [];
  }
  return positionalValues(io, command.positionals, positionals.length, globals, line.current);
}

function optionNamed(spec: CommandSpec, word: string): OptionSpec | undefined {
  const name = word.replace(/^--?(no-)?/, '').replace(/=.*$/, '');
  return spec.options.find((o) => o.name === name || o.alias === name);
}

function flagsOf(options: readonly OptionSpec[]): Candidate[] {
  const out: Candidate[] = [];
  for (const o of options) {
    for (const n of [o.name, o.alias]) {
      if (n === undefined) continue;
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      out.push({ value: flag, describe: o.describe });
      if (n.length > 1 && o.type === 'boolean' && o.default === true) out.push({ value: `--no-${n}`, describe: o.describe });
    }
  }
  return out;
}

async function optionValues(io: Io, o: OptionSpec, globals: GlobalValues, current: string): Promise<Answer> {
  if (o.choices) {
    // A list option completes its last item: --kind user,to<Tab>.
    const done = o.list ? current.slice(0, current.lastIndexOf(',') + 1) : '';
    return matching(current, o.choices.map((c) => ({ value: done + c })));
  }
  return o.complete ? completionOf(io, o.complete, globals, current) : [];
}

async function positionalValues(io: Io, list: readonly PositionalSpec[], index: number, globals: GlobalValues, current: string): Promise<Answer> {
  const p = list[Math.min(index, list.length - 1)];
  if (!p || (index >= list.length && !p.variadic)) return [];
  const words = p.words ? matching(current, p.words.map((w) => ({ value: w }))) : [];
  if (!p.complete) return words;
  const more = await completionOf(io, p.complete, globals, current);
  // Fixed words first; paths only when no fixed word matches.
  if (typeof more === 'string') return words.length ? words : more;
  return [...words, ...more];
}

async function completionOf(io: Io, kind: Completion, globals: GlobalValues, current: string): Promise<Answer> {
  if (kind === 'file') return ':file';
  if (kind === 'dir') return ':dir';
  if (kind === 'command') return matching(current, SPECS.map((s) => ({ value: s.name, describe: s.describe })));
  const names = await archiveNames(io, globals, kind);
  return matching(current, names);
}

/** Names from the archive: sessions, tags, refs or remotes. No archive, nothing to offer. */
async function archiveNames(io: Io, globals: GlobalValues, kind: 'session' | 'rev' | 'tag' | 'ref' | 'remote'): Promise<Candidate[]> {
  const { findArchive } = await import('../../src/archive/discover.js');
  const dir = await findArchive({ cwd: io.cwd, env: io.env, archive: globals.archive, chdir: globals.chdir }).catch(() => undefined);
  if (dir === undefined) return [];
  if (kind === 'remote') {
    const { promises: fs } = await import('node:fs');
    const { join } = await import('node:path');
    const { parseConfig, remotesOf } = await import('../../src/archive/config.js');
    const text = await fs.readFile(join(dir, 'config'), 'utf8').catch(() => '');
    return remotesOf(parseConfig(text, join(dir, 'config'))).map((r) => ({ value: r.name, describe: r.url }));
  }
  const { RefStore } = await import('../../src/refs/ref-store.js');
  const refs = new RefStore(dir);
  const under = async (prefix: string, what: string) => (await refs.listNames(prefix)).map((n) => ({ value: n.slice(prefix.length), describe: what }));
  if (kind === 'tag') return under('refs/tags/', 'tag');
  if (kind === 'ref') return [{ value: 'HEAD' }, ...(await refs.listNames('refs/')).map((n) => ({ value: n }))];
  const sessions = await under('refs/sessions/', 'session');
  if (kind === 'session') return sessions;
  return [{ value: 'HEAD' }, ...sessions, ...(await under('refs/tags/', 'tag'))];
}

function matching(current: string, list: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return list.filter((c) => c.value.startsWith(current) && !seen.has(c.value) && seen.add(c.value));
}

function prefixed(answer: Answer, prefix: string): Answer {
  return typeof answer === 'string' || !prefix ? answer : answer.map((c) => ({ ...c, value: prefix + c.value }));
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}
