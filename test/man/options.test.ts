// Each man page agrees with its command's table (cmd/spec), in both
// directions, as git's t0450-txt-doc-vs-help.sh checks its manuals against
// `git <cmd> -h`: every option of the table is documented in OPTIONS with
// its alias, its argument (or none), its choices and its default; every
// option OPTIONS or SYNOPSIS documents exists in the table; SYNOPSIS names
// every option; and `tapes <cmd> --help` prints the SYNOPSIS and every option.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLOBAL_OPTIONS, SPECS, type CommandSpec, type OptionSpec } from '../../cmd/spec/index.js';
import { flagsOf } from '../../cmd/lib/help-text.js';
import { manSection as section } from '../../cmd/lib/man.js';
import { repoRoot, tapes, tempDir } from '../helpers/cli.js';

const cwd = tempDir('tapes-man-options-');

/** One form of an option as a page writes it: `-n <n>`, `--max-count=<n>`, `--[no-]pager`, `--short[=<n>]`. */
interface Form {
  text: string;
  name: string;
  /** Written with --no- or --[no-]. */
  negated: boolean;
  /** Its placeholder, `<n>`, or undefined when it takes no value. */
  arg?: string;
  optionalArg: boolean;
}

interface Item {
  header: string;
  forms: Form[];
  positionals: string[];
  /** The header and the text under it. */
  text: string;
}

const FORM = /^(--?)(\[no-\]|no-)?([A-Za-z0-9][\w-]*)(?:(\[=)(<[^>]+>)\]|[= ](<[^>]+>).*)?$/;

export function parseForm(text: string): Form | undefined {
  const m = FORM.exec(text);
  if (!m) return undefined;
  const [, dashes, no, name, optional, optArg, arg] = m;
  if ((dashes === '-') !== (name!.length === 1)) return undefined;
  return { text, name: name!, negated: no !== undefined, arg: optArg ?? arg, optionalArg: optional !== undefined };
}

/** The items of OPTIONS: `- \`form\`, \`form\`:` and the indented text under it. */
function items(page: string): Item[] {
  const out: Item[] = [];
  let current: Item | undefined;
  for (const line of section(page, 'OPTIONS').split('\n')) {
    const header = /^- ((?:`[^`]+`(?:, )?)+):\s*$/.exec(line);
    if (header) {
      const terms = [...header[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      current = { header: header[1]!, forms: [], positionals: [], text: line };
      for (const term of terms) {
        if (term.startsWith('<') || term.startsWith('-- <')) current.positionals.push(term.replace(/^-- /, '').replace(/\.\.\.$/, ''));
        else {
          const f = parseForm(term);
          if (f) current.forms.push(f);
          else current.forms.push({ text: term, name: '', negated: false, optionalArg: false });
        }
      }
      out.push(current);
    } else if (current && (line.startsWith('  ') || line === '')) {
      current.text += '\n' + line;
    } else {
      current = undefined;
    }
  }
  return out;
}

/** The flags SYNOPSIS writes, with what follows each (`=<n>`, ` <dir>`, nothing). */
function synopsisFlags(page: string): Array<{ name: string; negated: boolean; valued: boolean; text: string }> {
  const block = /```\n([\s\S]*?)\n```/.exec(section(page, 'SYNOPSIS'))?.[1] ?? '';
  const out = [];
  for (const m of block.matchAll(/(?<![\w<-])(--?)(\[no-\]|no-)?([A-Za-z0-9][\w-]*)(\[?=|\s(?=[<a-z]))?/g)) {
    const [text, dashes, no, name, after] = m;
    if ((dashes === '-') !== (name!.length === 1)) continue;
    // `-- <rev>...` is the end of options, not a flag.
    out.push({ name: name!, negated: no !== undefined, valued: after !== undefined, text: text!.trim() });
  }
  return out;
}

function namesOf(o: OptionSpec): string[] {
  return [o.name, ...(o.alias === undefined ? [] : [o.alias])];
}

function optionNamed(options: readonly OptionSpec[], name: string): OptionSpec | undefined {
  return options.find((o) => namesOf(o).includes(name));
}

function checkForm(t: Test, o: OptionSpec, f: Form, where: string): void {
  const valued = o.type !== 'boolean';
  if (valued) {
    t.equal(f.arg, o.arg, `${where}: ${f.text} takes ${o.arg}, as the table says`);
    t.equal(f.optionalArg, o.optionalValue !== undefined, `${where}: ${f.text}: the value is ${o.optionalValue === undefined ? 'required' : 'optional'}`);
  } else {
    t.equal(f.arg, undefined, `${where}: ${f.text} takes no value (a boolean in the table)`);
  }
  if (f.negated) t.ok(o.type === 'boolean', `${where}: ${f.text}: only a boolean has a --no- form`);
}

function checkPage(t: Test, spec: CommandSpec, page: string): void {
  const documented = items(page);
  const known = [...spec.options, ...GLOBAL_OPTIONS];
  const positionals = new Set([...spec.positionals.map((p) => p.name), ...(spec.subcommands ?? []).flatMap((s) => s.positionals.map((p) => p.name))]);

  // The table, item by item.
  for (const o of spec.options) {
    const item = documented.find((i) => i.forms.some((f) => f.name === o.name));
    if (!t.ok(item, `OPTIONS documents ${flagsOf(o)}`)) continue;
    for (const n of namesOf(o)) t.ok(item!.forms.some((f) => f.name === n), `${flagsOf(o)}: OPTIONS names ${n.length === 1 ? '-' : '--'}${n} with it`);
    for (const f of item!.forms.filter((f) => namesOf(o).includes(f.name))) checkForm(t, o, f, 'OPTIONS');
    if (o.type === 'boolean' && o.default === true) {
      t.ok(item!.forms.some((f) => f.name === o.name && f.negated), `--${o.name} is on by default: OPTIONS shows --no-${o.name}`);
    }
    for (const c of o.choices ?? []) t.match(item!.text, `\`${c}\``, `--${o.name}: OPTIONS names the choice \`${c}\``);
    if (o.default !== undefined && o.type !== 'boolean') {
      t.match(item!.text, `\`${o.default}\``, `--${o.name}: OPTIONS names the default \`${o.default}\``);
      t.match(item!.text, /default/, `--${o.name}: OPTIONS says which value is the default`);
    }
  }

  // The page, form by form.
  for (const item of documented) {
    for (const f of item.forms) {
      const o = optionNamed(known, f.name);
      if (!t.ok(o, `OPTIONS documents ${f.text}: the table has it`)) continue;
      checkForm(t, o!, f, 'OPTIONS');
    }
    for (const p of item.positionals) t.ok(positionals.has(p.replace(/^<|>$/g, '')), `OPTIONS documents ${p}: the table has it`);
  }

  // SYNOPSIS: every option of the table, and only those.
  const flags = synopsisFlags(page);
  for (const f of flags) {
    const o = optionNamed(known, f.name);
    if (!t.ok(o, `SYNOPSIS writes ${f.text}: the table has it`)) continue;
    t.equal(f.valued, o!.type !== 'boolean', `SYNOPSIS writes ${f.text} ${o!.type === 'boolean' ? 'without' : 'with'} a value`);
  }
  for (const o of spec.options) t.ok(flags.some((f) => namesOf(o).includes(f.name)), `SYNOPSIS shows ${flagsOf(o)}`);
}

for (const spec of SPECS) {
  t.test(`tapes-${spec.name}(1) and the table of ${spec.name}`, async (t) => {
    const page = readFileSync(join(repoRoot, 'man', `tapes-${spec.name}.md`), 'utf8');
    checkPage(t, spec, page);
  });

  t.test(`tapes ${spec.name} --help agrees with SYNOPSIS and the table`, async (t) => {
    const page = readFileSync(join(repoRoot, 'man', `tapes-${spec.name}.md`), 'utf8');
    const synopsis = /```\n([\s\S]*?)\n```/.exec(section(page, 'SYNOPSIS'))![1]!.split('\n');
    const r = await tapes([spec.name, '--help'], { cwd });
    t.equal(r.code, 0);
    t.equal(r.stderr, '');
    const usage = r.stdout.split('\n\n')[0]!.split('\n');
    t.equal(usage.length, synopsis.length, 'as many usage lines as SYNOPSIS has');
    for (const [i, line] of synopsis.entries()) t.equal(usage[i]!.slice(7), line, `usage line ${i + 1} is SYNOPSIS's`);
    t.match(r.stdout, spec.describe, 'the description');
    for (const o of spec.options) t.match(r.stdout, flagsOf(o), `lists ${flagsOf(o)}`);
  });
}

t.test('the form reader reads every way a page writes an option', async (t) => {
  t.same(parseForm('-n <n>'), { text: '-n <n>', name: 'n', negated: false, arg: '<n>', optionalArg: false });
  t.same(parseForm('--max-count=<n>'), { text: '--max-count=<n>', name: 'max-count', negated: false, arg: '<n>', optionalArg: false });
  t.same(parseForm('--kind=<kind>[,<kind>...]')?.arg, '<kind>');
  t.same(parseForm('--short[=<n>]'), { text: '--short[=<n>]', name: 'short', negated: false, arg: '<n>', optionalArg: true });
  t.same(parseForm('--[no-]progress'), { text: '--[no-]progress', name: 'progress', negated: true, arg: undefined, optionalArg: false });
  t.same(parseForm('--no-pager')?.negated, true);
  t.equal(parseForm('-nope'), undefined, 'one dash, one letter');
});

t.test('a page that disagrees with its table fails', async (t) => {
  const spec = SPECS.find((s) => s.name === 'gc')!;
  const page = readFileSync(join(repoRoot, 'man', 'tapes-gc.md'), 'utf8');
  const results: boolean[] = [];
  const probe = (text: string) => {
    const fake = { ok: (v: unknown) => (results.push(Boolean(v)), Boolean(v)), equal: (a: unknown, b: unknown) => results.push(a === b), match: (s: string, p: string | RegExp) => results.push(typeof p === 'string' ? s.includes(p) : p.test(s)) };
    results.length = 0;
    checkPage(fake as unknown as Test, spec, text);
    return results.every(Boolean);
  };
  t.ok(probe(page), 'the page as it is agrees');
  t.notOk(probe(page.replace('- `--aggressive`:', '- `--aggressive=<level>`:')), 'a value the option does not take');
  t.notOk(probe(page.replace('- `--auto`:', '- `--auto`, `--automatic`:')), 'a name the table does not have');
  t.notOk(probe(page.replace(/- `--auto`:\n(  .*\n)+/, '')), 'an option left out of OPTIONS');
  t.notOk(probe(page.replace('[--auto] ', '')), 'an option left out of SYNOPSIS');
  t.notOk(probe(page.replace('[--json]', '[--json] [--frobnicate]')), 'SYNOPSIS writing an option the table does not have');
});
