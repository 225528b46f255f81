// The common command lines read without yargs. Loading and setting up yargs
// costs some 30 ms of every run (a 230 KB module, then a parser built for the
// command), which is most of what `tapes rev-parse` or `tapes show` adds to
// Node's own start-up. Most command lines are plain: known long options,
// one-letter booleans, positionals, `--`. This reads exactly those, from the
// same table (cmd/spec) yargs is given, into the same arguments yargs would
// produce (test/cmd/fast-argv.test.ts checks that against yargs for every
// command). Anything else — an unknown or repeated option, a value yargs would
// reject or coerce, a missing positional, conflicting options, clustered or
// attached short options — gets `undefined`, and yargs reads the line, so
// every error message and every corner case stays yargs'.
import type { CommandSpec, OptionSpec } from '../spec/index.js';

export interface FastArgs {
  /** The parsed arguments, keyed as yargs keys them (each name, its camelCase form and its alias). */
  args: Record<string, unknown>;
  /** The words after `--`. */
  rest: string[];
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function keysOf(name: string): string[] {
  const c = camel(name);
  return c === name ? [name] : [name, c];
}

// A number yargs reads as the same number: plain decimal, no exponent, no hex.
const PLAIN_NUMBER = /^-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?$/;

/** The arguments of `argv` (already through expandOptionalValues) for `spec`, or undefined when yargs must read them. */
export function parseFast(argv: readonly string[], spec: CommandSpec): FastArgs | undefined {
  const byFlag = new Map<string, OptionSpec>();
  for (const o of spec.options) {
    for (const n of [o.name, o.alias]) {
      if (n === undefined) continue;
      byFlag.set(n.length === 1 ? `-${n}` : `--${n}`, o);
    }
  }
  const given = new Map<OptionSpec, string | number | boolean>();
  const words: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (!word.startsWith('-')) {
      words.push(word);
      continue;
    }
    if (word === '-') return undefined;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = eq < 0 ? word : word.slice(0, eq);
    let option = byFlag.get(flag);
    let value: string | boolean | undefined = eq < 0 ? undefined : word.slice(eq + 1);
    if (option === undefined && eq < 0 && flag.startsWith('--no-')) {
      option = byFlag.get(`--${flag.slice(5)}`);
      if (option === undefined || option.type !== 'boolean') return undefined;
      value = false;
    }
    if (option === undefined || given.has(option)) return undefined;
    if (option.type === 'boolean') {
      if (typeof value === 'string') return undefined;
      given.set(option, value ?? true);
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) return undefined;
      value = next;
      i++;
    }
    if (typeof value !== 'string') return undefined;
    if (option.type === 'number') {
      if (!PLAIN_NUMBER.test(value)) return undefined;
      given.set(option, Number(value));
      continue;
    }
    if (option.choices !== undefined && !option.list && !option.choices.includes(value)) return undefined;
    given.set(option, value);
  }

  for (const [a, b] of spec.conflicts ?? []) {
    const named = (n: string) => [...given.keys()].some((o) => o.name === n || o.alias === n);
    if (named(a) && (typeof b === 'string' ? [b] : b).some(named)) return undefined;
  }

  const args: Record<string, unknown> = { $0: `tapes ${spec.name}` };
  for (const o of spec.options) {
    const v = given.has(o) ? given.get(o) : o.default;
    if (v === undefined) continue;
    for (const n of [o.name, o.alias]) if (n !== undefined) for (const k of keysOf(n)) args[k] = v;
  }
  let w = 0;
  for (const p of spec.positionals) {
    let v: string | string[] | undefined;
    if (p.variadic) {
      v = words.slice(w);
      w = words.length;
    } else {
      v = words[w];
      if (v !== undefined) w++;
    }
    if (p.required && (v === undefined || (Array.isArray(v) && v.length === 0))) return undefined;
    if (v === undefined) continue;
    for (const k of keysOf(p.name)) args[k] = v;
  }
  // Words no positional takes: yargs' strict mode names the first.
  if (w < words.length) return undefined;
  return { args, rest };
}
