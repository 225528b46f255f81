// A command's table (cmd/spec) turned into yargs declarations: the one place
// options become a parser, so the table, --help, completion and the man
// pages cannot drift apart.
import type { Argv, Options, PositionalOptions } from 'yargs';
import type { CommandSpec, OptionSpec, PositionalSpec } from '../spec/index.js';

function optionOf(o: OptionSpec): Options {
  const opts: Options = { type: o.type, describe: o.describe };
  if (o.alias !== undefined) opts.alias = o.alias;
  // A list option (--kind a,b) is checked item by item by the command (cmd/lib/options.ts).
  if (o.choices !== undefined && !o.list) opts.choices = [...o.choices];
  if (o.default !== undefined) opts.default = o.default;
  if (o.type !== 'boolean' && o.optionalValue === undefined) opts.requiresArg = true;
  return opts;
}

export function positionalOf(p: PositionalSpec): PositionalOptions {
  return { type: 'string', describe: p.describe, ...(p.variadic ? { array: true } : {}) };
}

/** Declares the command's positionals, options and conflicts on `y`. */
export function applySpec(y: Argv, spec: CommandSpec): Argv {
  for (const p of spec.positionals) y = y.positional(p.name, positionalOf(p));
  for (const o of spec.options) y = y.option(o.name, optionOf(o));
  for (const [a, b] of spec.conflicts ?? []) y = y.conflicts(a, typeof b === 'string' ? b : [...b]);
  return y;
}

/** Words of `argv` with a bare optional-value option given its value (`--short` is `--short=12`), as git reads it. */
export function expandOptionalValues(argv: readonly string[], spec: CommandSpec): string[] {
  const values = new Map(spec.options.filter((o) => o.optionalValue !== undefined).map((o) => [`--${o.name}`, o.optionalValue!]));
  return argv.map((a, i) => {
    const dflt = values.get(a);
    return dflt !== undefined && !/^\d+$/.test(argv[i + 1] ?? '') ? `${a}=${dflt}` : a;
  });
}
