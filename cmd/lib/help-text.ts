// `tapes --help` (the commands by group) and `tapes <command> --help` (its
// usage, from the man page's SYNOPSIS, and its options, from its table),
// printed without loading yargs or the command.
import { GLOBAL_OPTIONS, GROUPS, SPECS, type CommandSpec, type Group, type OptionSpec } from '../spec/index.js';
import { readManPage, synopsisLines } from './man.js';

const USAGE = 'tapes [-C <dir>] [--archive <path>] [--color=<when>] <command> [<args>]';

/** Every command under its group's heading, porcelain first, as `git help` lists them. */
export function commandList(): string {
  const width = Math.max(...SPECS.map((s) => s.name.length));
  const out = [`usage: ${USAGE}`, '', 'These are the tapes commands:'];
  for (const group of Object.keys(GROUPS) as Group[]) {
    out.push('', GROUPS[group]);
    for (const s of SPECS.filter((s) => s.group === group)) out.push(`   ${s.name.padEnd(width)}   ${s.describe}`);
  }
  out.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS), '');
  out.push('See "tapes help <command>" for the manual page of one command.', '');
  return out.join('\n');
}

/** A command's usage forms, its arguments and options with their values, choices and defaults. */
export async function commandHelp(spec: CommandSpec): Promise<string> {
  const page = await readManPage(spec.name);
  const synopsis = page ? synopsisLines(page) : [];
  const usage = synopsis.length ? synopsis : [`tapes ${spec.name}`];
  const out = usage.map((line, i) => (i === 0 ? `usage: ${line}` : line.startsWith('tapes ') ? `   or: ${line}` : `       ${line}`));
  out.push('', spec.describe, '');
  const rows: Array<[string, string]> = [
    ...spec.positionals.map((p): [string, string] => [`<${p.name}>${p.variadic ? '...' : ''}`, p.describe]),
    ...spec.options.map((o): [string, string] => [flagsOf(o), detailOf(o)]),
  ];
  out.push(...table(rows));
  if (spec.subcommands?.length) {
    out.push('', 'Subcommands:');
    out.push(...table(spec.subcommands.map((s) => [[s.name, ...s.positionals.map((p) => `<${p.name}>`)].join(' '), s.describe])));
  }
  out.push('', `See "tapes help ${spec.name}" for the manual page.`, '');
  return out.join('\n');
}

function optionLines(options: readonly OptionSpec[]): string[] {
  return table(options.map((o) => [flagsOf(o), detailOf(o)]));
}

function table(rows: Array<[string, string]>): string[] {
  if (rows.length === 0) return [];
  const width = Math.min(28, Math.max(...rows.map(([k]) => k.length)));
  return rows.map(([k, v]) => (k.length > width ? `    ${k}\n    ${' '.repeat(width)}  ${v}` : `    ${k.padEnd(width)}  ${v}`));
}

/** How an option is written: `-n, --max-count <n>`, `--[no-]pager`, `--short[=<n>]`. */
export function flagsOf(o: OptionSpec): string {
  const dash = (n: string) => (n.length === 1 ? `-${n}` : o.type === 'boolean' && o.default === true ? `--[no-]${n}` : `--${n}`);
  const names = [o.name, o.alias].filter((n): n is string => n !== undefined).sort((a, b) => a.length - b.length);
  const value = o.arg === undefined ? '' : o.optionalValue !== undefined ? `[=${o.arg}]` : ` ${o.arg}`;
  return names.map(dash).join(', ') + value;
}

function detailOf(o: OptionSpec): string {
  const notes: string[] = [];
  if (o.choices) notes.push(`${o.list ? 'any of' : 'one of'}: ${o.choices.join(', ')}`);
  if (o.default !== undefined && o.type !== 'boolean') notes.push(`default: ${o.default}`);
  return o.describe + (notes.length ? ` (${notes.join('; ')})` : '');
}
