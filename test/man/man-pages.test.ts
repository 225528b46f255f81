// Every command has a manual page of the shape DESIGN.md §6 and the git
// manuals use, documenting every option the command accepts, and
// `tapes help <command>` prints that page.
import t, { type Test } from 'tap';
import { readFileSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { SPECS, type CommandSpec } from '../../cmd/spec/index.js';
import { createCli } from '../../cmd/cli.js';
import { manSection as section } from '../../cmd/lib/man.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manDir = join(root, 'man');

// help needs no archive: run where there is none.
const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'tapes-man-')));
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

const SECTIONS = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'OUTPUT', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tapes(args: string[]): Promise<Run> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const cli = createCli({
    cwd,
    env: {},
    stdin: Readable.from([]),
    stdout,
    stderr,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
  });
  const code = await cli.run(args);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

const names = SPECS.map((s) => s.name);

function page(name: string): string | undefined {
  const path = join(manDir, `tapes-${name}.md`);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The `## ` headings of a page, in order (fenced code blocks skipped). */
function headings(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && line.startsWith('## ')) out.push(line.slice(3).trim());
  }
  return out;
}

function checkShape(t: Test, text: string, title: string, name: string): void {
  t.equal(text.split('\n')[0], `# ${title}(1)`, 'first line is the title');
  t.same(
    headings(text).filter((h) => SECTIONS.includes(h)),
    SECTIONS,
    'has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, OUTPUT, EXIT STATUS, EXAMPLES, SEE ALSO in order',
  );
  for (const s of SECTIONS) {
    t.equal(headings(text).filter((h) => h === s).length, 1, `${s} appears once`);
    t.match(section(text, s).trim(), /\S/, `${s} is not empty`);
  }
  t.match(section(text, 'NAME').trim(), new RegExp(`^${title} - \\S`), 'NAME is "<name> - <summary>"');
  t.match(section(text, 'SYNOPSIS'), new RegExp(`\\btapes ${name}`), 'SYNOPSIS shows the command');
  t.equal(text.split('\n').filter((l) => l.startsWith('```')).length % 2, 0, 'code fences are closed');
  t.ok(text.endsWith('\n'), 'ends with a newline');
}

// Option and positional names the command's table declares (test/man/options.test.ts checks the rest).
function declared(c: CommandSpec): { options: string[]; positionals: string[] } {
  const options = c.options.flatMap((o) => [o.name, ...(o.alias === undefined ? [] : [o.alias])]);
  return { options, positionals: c.positionals.map((p) => p.name) };
}

function mentions(text: string, option: string): boolean {
  const esc = (s: string) => s.replace(/[-]/g, '\\-');
  const flags = option.length === 1 ? [`-${option}`] : [`--${option}`, `--no-${option}`];
  return flags.some((f) => new RegExp(`(^|[^\\w-])${esc(f)}(?![\\w-])`, 'm').test(text));
}

t.test('the overview page tapes(1)', async (t) => {
  const path = join(manDir, 'tapes.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (!t.ok(text, 'man/tapes.md exists')) return;
  checkShape(t, text!, 'tapes', '');
  for (const n of names) t.match(text!, `tapes-${n}(1)`, `lists ${n}`);
  for (const code of ['0', '1', '2', '128', '129']) t.match(section(text!, 'EXIT STATUS'), `\`${code}\``, `exit status ${code}`);
  for (const o of ['-C', '--archive', '--color']) t.ok(mentions(section(text!, 'OPTIONS'), o.replace(/^-+/, '')), `documents ${o}`);
});

for (const c of SPECS) {
  const name = c.name;
  t.test(`man page of ${name}`, async (t) => {
    const text = page(name);
    if (!t.ok(text, `man/tapes-${name}.md exists`)) return;
    checkShape(t, text!, `tapes-${name}`, name);
    const { options, positionals } = declared(c);
    const opts = section(text!, 'OPTIONS');
    for (const o of options) t.ok(mentions(opts, o), `OPTIONS documents ${o.length === 1 ? '-' : '--'}${o}`);
    for (const p of positionals) t.match(section(text!, 'SYNOPSIS'), `<${p}>`, `SYNOPSIS shows <${p}>`);
  });

  // yargs reads a final word "help" as --help; `tapes help help` must still print the page.
  t.test(`tapes help ${name} prints its page`, async (t) => {
    const text = page(name);
    const r = await tapes(['help', name]);
    t.equal(r.code, 0);
    t.equal(r.stderr, '');
    t.equal(r.stdout, text, 'stdout is the page, byte for byte');
    t.equal((await tapes(['help', `tapes-${name}`])).stdout, text, 'the tapes- prefix is accepted');
  });
}

t.test('every tapes-<name>(1) a page refers to exists', async (t) => {
  for (const file of ['tapes', ...names.map((n) => `tapes-${n}`)]) {
    const path = join(manDir, `${file}.md`);
    if (!existsSync(path)) continue;
    for (const m of readFileSync(path, 'utf8').matchAll(/\btapes(-[a-z-]+)?\(1\)/g)) {
      t.ok(existsSync(join(manDir, `tapes${m[1] ?? ''}.md`)), `${file}.md refers to ${m[0]}`);
    }
  }
});

t.test('tapes help with an unknown command exits 2 with a message on stderr', async (t) => {
  const r = await tapes(['help', 'nonsense']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^tapes: error: no manual page for "nonsense"\n/);
  t.match(r.stderr, /hint: Run "tapes help" to list the commands\./);
  const upper = await tapes(['help', 'Init']);
  t.equal(upper.code, 2, 'names are lower case');
});

t.test('tapes help lists every command', async (t) => {
  const r = await tapes(['help']);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  const flat = r.stdout.replace(/\s+/g, ' ');
  for (const c of SPECS) {
    const name = c.name;
    t.match(r.stdout, new RegExp(`^ +(tapes )?${name}\\b`, 'm'), `lists ${name}`);
    t.ok(flat.includes(c.describe), `with its description: ${c.describe}`);
  }
});

t.test('tapes help --json lists every command, one JSON object a line', async (t) => {
  const r = await tapes(['help', '--json']);
  t.equal(r.code, 0);
  t.same(
    r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    SPECS.map((c) => ({ command: c.name, describe: c.describe, group: c.group })),
  );
});
