// The one reading of the command line that happens before any command is
// loaded: the global options (taken out, with their values), the command
// word, and --help / --version. Everything else is left, in order, for the
// command's own parser. Completion reads a partial line the same way.
import { GLOBAL_OPTIONS, type OptionSpec } from '../spec/index.js';

export interface GlobalValues {
  /** -C <dir> */
  chdir?: string;
  /** --archive <path> */
  archive?: string;
  /** --color <when> */
  color?: 'auto' | 'always' | 'never';
  /** --verbose: say which archive is used, and why. */
  verbose?: boolean;
}

export interface ScannedArgv {
  /** The first word that is not an option or a global option's value. */
  command?: string;
  /** The arguments after the command word, without the global options. */
  rest: string[];
  globals: GlobalValues;
  help: boolean;
  version: boolean;
  /** A global option without its value or with a value it does not take: a usage error, raised once the command word is known. */
  error?: string;
}

/** The global option a word names (`-C`, `--archive`, `--color=never`), and the value given with it. */
export function globalOption(word: string): { option: OptionSpec; value?: string } | undefined {
  for (const option of GLOBAL_OPTIONS) {
    const flag = option.name.length === 1 ? `-${option.name}` : `--${option.name}`;
    if (word === flag) return { option };
    if (word.startsWith(flag + '=')) return { option, value: word.slice(flag.length + 1) };
  }
  return undefined;
}

export function scanArgv(argv: readonly string[]): ScannedArgv {
  const out: ScannedArgv = { rest: [], globals: {}, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      out.rest.push(...argv.slice(i));
      break;
    }
    const global = globalOption(word);
    if (global && global.option.type === 'boolean') {
      if (global.value !== undefined) out.error ??= `--${global.option.name} takes no value`;
      else if (global.option.name === 'verbose') out.globals.verbose = true;
    } else if (global) {
      let value = global.value;
      if (value === undefined) {
        value = argv[i + 1];
        if (value === undefined) {
          out.error ??= `Not enough arguments following: ${global.option.name}`;
          continue;
        }
        i++;
      }
      out.error ??= setGlobal(out.globals, global.option, value);
    } else if (word === '--help') {
      out.help = true;
    } else if (word === '--version') {
      out.version = true;
    } else if (out.command === undefined && !word.startsWith('-')) {
      out.command = word;
    } else {
      out.rest.push(word);
    }
  }
  return out;
}

/** Records a global option's value; the message of a usage error when the value is not one it takes. */
function setGlobal(globals: GlobalValues, option: OptionSpec, value: string): string | undefined {
  if (option.choices && !option.choices.includes(value)) {
    return `Invalid values:\n  Argument: ${option.name}, Given: ${JSON.stringify(value)}, Choices: ${option.choices.map((c) => JSON.stringify(c)).join(', ')}`;
  }
  if (option.name === 'C') globals.chdir = value;
  else if (option.name === 'archive') globals.archive = value;
  else if (option.name === 'color') globals.color = value as GlobalValues['color'];
  return undefined;
}

/** The closest command name, as yargs' recommendCommands picks it (edit distance at most 3). */
export function closestCommand(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const name of names) {
    const d = editDistance(word, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
