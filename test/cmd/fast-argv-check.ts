// The check shared by fast-argv.test.ts (the commands run all day) and
// fast-argv.long.test.ts (every command): cmd/lib/fast-argv.ts reads plain
// command lines without yargs, and for a command's table and a set of lines
// built from it, the fast reading must be either "ask yargs" or exactly what
// yargs reads; and the plain lines (each option alone, in each spelling) must
// be read fast, or the fast path would silently stop being used.
import type t from 'tap';
import type { Test } from 'tap';
import { parseWithYargs } from '../../cmd/cli.js';
import { parseFast } from '../../cmd/lib/fast-argv.js';
import { expandOptionalValues } from '../../cmd/lib/yargs-spec.js';
import type { CommandSpec, OptionSpec } from '../../cmd/spec/index.js';

function valueOf(o: OptionSpec): string {
  if (o.choices !== undefined) return o.choices[0]!;
  return o.type === 'number' ? '7' : 'some-value';
}

/** Spellings of one option that a plain line uses. */
function plainSpellings(o: OptionSpec): string[][] {
  const flags = [o.name, o.alias].filter((n): n is string => n !== undefined).map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
  const out: string[][] = [];
  for (const f of flags) {
    if (o.type === 'boolean') {
      out.push([f]);
      if (f.startsWith('--')) out.push([`--no-${f.slice(2)}`]);
    } else {
      out.push([f, valueOf(o)]);
      if (f.startsWith('--')) out.push([`${f}=${valueOf(o)}`]);
    }
  }
  return out;
}

/** Lines yargs must read (or that are errors): the fast reading must step aside. */
function oddSpellings(o: OptionSpec): string[][] {
  const long = `--${o.name.length === 1 ? o.alias ?? o.name : o.name}`;
  if (o.type === 'boolean') return [[`${long}=false`]];
  const odd = [[long], [long, '-x']];
  if (o.type === 'number') odd.push([long, '0x10']);
  if (o.choices !== undefined && !o.list) odd.push([long, 'not-a-choice']);
  return odd;
}

function positionalWords(spec: CommandSpec): string[] {
  const words: string[] = [];
  for (const p of spec.positionals) {
    if (p.variadic) words.push('v1', 'v2');
    else if (p.required) words.push(`${p.name}-word`);
  }
  return words;
}

const clean = (args: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(args).filter(([k, v]) => v !== undefined && k !== '$0').sort(([a], [b]) => a.localeCompare(b)));

async function yargsReading(spec: CommandSpec, argv: string[]) {
  try {
    return await parseWithYargs(spec, argv, undefined, {});
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Compares the two readings of lines built from each command's table; returns how many lines, and how many were read fast. */
export function compareReadings(tap: typeof t, specs: readonly CommandSpec[]): { compared: number; fastRead: number } {
  const counts = { compared: 0, fastRead: 0 };
  for (const spec of specs) tap.test(spec.name, (t) => compareSpec(t, spec, counts));
  return counts;
}

async function compareSpec(t: Test, spec: CommandSpec, counts: { compared: number; fastRead: number }): Promise<void> {
  {
    const words = positionalWords(spec);
    const plain: string[][] = [words, [...words, '--', 'after', '--x']];
    // Options before the positionals and after them, alternately.
    for (const [n, o] of spec.options.entries()) for (const s of plainSpellings(o)) plain.push(n % 2 ? [...words, ...s] : [...s, ...words]);
    const odd: string[][] = [[...words, '--bogus'], [...words, '-'], [...words, 'stray', 'words', 'beyond'], [...words, '-qz']];
    // One option given twice, one value yargs would read as a number another way, one empty value.
    const first = spec.options[0];
    if (first !== undefined) odd.push([...words, ...plainSpellings(first)[0]!, ...plainSpellings(first)[0]!]);
    const num = spec.options.find((o) => o.type === 'number');
    if (num !== undefined) odd.push([...words, `--${num.name}`, '1e3'], [...words, `--${num.name}=`], [...words, `--${num.name}`, 'abc']);
    for (const o of spec.options) for (const s of oddSpellings(o)) odd.push([...words, ...s]);
    // Every option at once (conflicts included: yargs refuses, so must the fast path).
    odd.push([...words, ...spec.options.flatMap((o) => plainSpellings(o)[0]!)]);
    if (spec.positionals.some((p) => p.required)) odd.push([]);

    // Differences are collected and compared once per command: tens of
    // thousands of single assertions would make this file slow for nothing.
    const problems: string[] = [];
    for (const [i, raw] of [...plain, ...odd].entries()) {
      const argv = expandOptionalValues(raw, spec);
      const fast = parseFast(argv, spec);
      const slow = await yargsReading(spec, argv);
      const line = `${spec.name} ${raw.join(' ')}`;
      counts.compared++;
      // A plain line yargs accepts is read fast.
      if (i < plain.length && fast === undefined && !(slow && 'error' in slow)) problems.push(`${line}: not read fast`);
      if (fast === undefined) continue;
      counts.fastRead++;
      if (slow === undefined || 'error' in slow) {
        problems.push(`${line}: read fast, but yargs says ${slow ? slow.error : 'a subcommand ran'}`);
        continue;
      }
      if (JSON.stringify(clean(fast.args)) !== JSON.stringify(clean(slow.args))) {
        problems.push(`${line}: ${JSON.stringify(clean(fast.args))} but yargs ${JSON.stringify(clean(slow.args))}`);
      }
      if (JSON.stringify(fast.rest) !== JSON.stringify(slow.rest)) problems.push(`${line}: rest ${fast.rest} but yargs ${slow.rest}`);
      if (fast.args.$0 !== slow.args.$0) problems.push(`${line}: $0 ${fast.args.$0} but yargs ${slow.args.$0}`);
    }
    t.same(problems, [], `${spec.name}: ${plain.length + odd.length} command lines read as yargs reads them`);
  }
}
