// tapes replay in-process: without a terminal it prints the session's
// timeline; with a (fake) terminal it runs the viewer and always puts the
// terminal back: on q, Ctrl-C, the end of input, a signal, an error.
import t, { type Test } from 'tap';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createCli } from '../../cmd/cli.js';
import type { Terminal } from '../../cmd/context.js';
import { copyArchive, corpusDir, tapes, tempDir, until } from '../helpers/cli.js';

/** A real transcript of 40 lines: a prompt, greps and globs, two failed edits, reads, edits. */
const transcript = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
const SESSION = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';

let imported: Promise<string> | undefined;
/**
 * An archive holding the transcript: imported once per file, and each test
 * gets its own copy (its object files linked, or copied for a test that
 * changes an object file's bytes).
 */
async function archiveWithSession(t: Test, { damagesObjects = false } = {}): Promise<string> {
  imported ??= (async () => {
    const cwd = tempDir('tapes-replay-');
    for (const args of [['init', '-q'], ['import', transcript]]) {
      const r = await tapes(args, { cwd });
      if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
    }
    return cwd;
  })();
  const cwd = tempDir('tapes-replay-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  if (damagesObjects) cpSync(await imported, cwd, { recursive: true });
  else copyArchive(await imported, cwd);
  return cwd;
}

async function ids(cwd: string, rev = SESSION): Promise<string[]> {
  return (await tapes(['rev-list', '--reverse', rev], { cwd })).stdout.trim().split('\n');
}

t.test('without a terminal: the timeline, one line per record in order, exit 0', async (t) => {
  const cwd = await archiveWithSession(t);
  const r = await tapes(['replay', '--all-records', SESSION], { cwd });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  t.equal(lines.pop(), '', 'ends with a newline');
  t.match(lines[0], /^Session bc3bf53b  claude-opus-4-5-20251101  \/Users\/soph\/Work\/entire\/devenv\/cli  \d{4}-\d\d-\d\d \d\d:\d\d$/);
  const all = await ids(cwd);
  t.equal(all.length, 40);
  t.equal(lines.length, 1 + all.length, 'a header and one line per record');
  all.forEach((id, i) => {
    const branch = i === all.length - 1 ? '└── ' : '├── ';
    t.ok(lines[1 + i]!.startsWith(`${branch}`), `line ${i + 1} is a branch of the tree`);
    t.match(lines[1 + i], new RegExp(`^${branch}\\[(-:--|\\d+:\\d\\d)\\] ${id.slice(0, 7)} `), `record ${i + 1} in order`);
  });
  t.match(lines[3], /\[0:24\] 599aa1d user: "can you update go in all the right places to 1\.25\.6"$/);
  t.ok(lines.some((l) => / tool_result ✗: /.test(l)), 'failed tool results are marked');
  t.notMatch(r.stdout, /\x1b/, 'no colour and no terminal control in a pipe');

  const log = await tapes(['log', '--all-records', SESSION], { cwd });
  t.equal(r.stdout, log.stdout, 'the same timeline as tapes log');
  const prefix = await tapes(['replay', '--all-records', 'bc3b'], { cwd });
  t.equal(prefix.stdout, r.stdout, 'a unique prefix of the session name');
  const coloured = await tapes(['replay', '--all-records', SESSION, '--color=always'], { cwd });
  t.match(coloured.stdout, /\x1b\[33m599aa1d\x1b\[39m/, '--color=always colours the timeline');
  t.notMatch(coloured.stdout, /\x1b\[\?1049h/, 'but still no viewer');
});

t.test('without a session: HEAD, else the session with the latest record', async (t) => {
  const cwd = await archiveWithSession(t);
  const named = await tapes(['replay', '--all-records', SESSION], { cwd });
  const dflt = await tapes(['replay', '--all-records'], { cwd });
  t.equal(dflt.code, 0, dflt.stderr);
  t.equal(dflt.stdout, named.stdout, 'no HEAD: the latest session');
  const all = await ids(cwd);
  t.equal((await tapes(['update-ref', '--no-deref', 'HEAD', all[4]!], { cwd })).code, 0);
  const detached = await tapes(['replay', '--all-records'], { cwd });
  t.equal(detached.code, 0, detached.stderr);
  t.equal(detached.stdout.trim().split('\n').length, 1 + 5, 'a detached HEAD: the chain ending there');
  const mid = await tapes(['replay', '--all-records', `${SESSION}~35`], { cwd });
  const body = (out: string) => out.split('\n').slice(1).join('\n');
  t.equal(body(mid.stdout), body(detached.stdout), 'any revision: the chain ending at it');
  t.match(mid.stdout, /^Session bc3bf53b  claude/, 'under the name of the session that holds it');
});

t.test('errors: an unknown session exits 2, an empty archive exits 2 with a hint', async (t) => {
  const cwd = await archiveWithSession(t);
  const bad = await tapes(['replay', '--all-records', 'nosuchsession'], { cwd });
  t.equal(bad.code, 2);
  t.equal(bad.stdout, '');
  const empty = tempDir('tapes-replay-');
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd: empty });
  const none = await tapes(['replay', '--all-records'], { cwd: empty });
  t.equal(none.code, 2);
  t.match(none.stderr, /no sessions in the archive/);
  t.match(none.stderr, /hint: Run "tapes import"/);
  t.equal((await tapes(['replay', '--all-records', 'a', 'b'], { cwd })).code, 129, 'one session at most');
});

// ---- the viewer, on a fake terminal

class FakeTerminal implements Terminal {
  raw: boolean[] = [];
  columns = 120;
  rows = 40;
  failSize = false;
  readonly events = new EventEmitter();
  setRawMode(on: boolean) {
    this.raw.push(on);
  }
  size() {
    if (this.failSize) throw new Error('the terminal went away');
    return { columns: this.columns, rows: this.rows };
  }
  onResize(listener: () => void) {
    this.events.on('resize', listener);
    return () => void this.events.off('resize', listener);
  }
  onSignal(listener: (signal: string) => void) {
    this.events.on('signal', listener);
    return () => void this.events.off('signal', listener);
  }
}

interface Viewer {
  term: FakeTerminal;
  stdin: PassThrough;
  /** Everything written to stdout so far. */
  out(): string;
  stderr(): string;
  /** The last frame drawn, as plain text rows. */
  screen(): string[];
  waitFor(re: RegExp, rows?: number): Promise<string[]>;
  code: Promise<number>;
}

function startViewer(cwd: string, args: string[]): Viewer {
  const term = new FakeTerminal();
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const cli = createCli({
    cwd,
    env: { NO_COLOR: '1' },
    stdin,
    stdout,
    stderr,
    stdoutIsTTY: true,
    stderrIsTTY: true,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    terminal: term,
  });
  const screen = () => {
    const frame = out.slice(out.lastIndexOf('\x1b[H') + 3);
    return frame
      .replace(/\x1b\[J[\s\S]*$/, '')
      .split('\r\n')
      .map((l) => l.replace(/\x1b\[K$/, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
  };
  const waitFor = async (re: RegExp, rows?: number) => {
    const shows = () => re.test(screen().join('\n')) && (rows === undefined || screen().length === rows);
    if (await until(shows)) return screen();
    throw new Error(`the screen never showed ${re}:\n${screen().join('\n')}`);
  };
  return { term, stdin, out: () => out, stderr: () => err, screen, waitFor, code: cli.run(args) };
}

const ENTER = '\x1b[?1049h';
const LEAVE = '\x1b[?25h\x1b[?1049l';

t.test('the viewer steps, searches, jumps and quits with q, putting the terminal back', async (t) => {
  const cwd = await archiveWithSession(t);
  const all = await ids(cwd);
  const v = startViewer(cwd, ['replay', '--all-records', SESSION]);
  let s = await v.waitFor(/record 1\/40 · f726636/);
  t.ok(v.out().startsWith(ENTER), 'the alternate screen first');
  t.same(v.term.raw, [true], 'raw mode on');
  t.equal(s.length, 40, 'the whole screen');
  t.match(s[0], /^Session bc3bf53b /);
  v.stdin.write('jj');
  s = await v.waitFor(/record 3\/40 · \[0:24\] · 599aa1d/);
  t.ok(s.some((l) => /│ +can you update go in all the right places to 1\.25\.6$/.test(l)), 'the prompt is shown');
  t.ok(s.some((l) => l.startsWith('> [0:24] 599aa1d user:')), 'and marked in the timeline');
  v.stdin.write('\x1b[D');
  await v.waitFor(/record 2\/40/);
  v.stdin.write('G');
  await v.waitFor(/record 40\/40 · \[7:16\] · 4732fa8/);
  v.stdin.write('g');
  await v.waitFor(/record 1\/40/);
  v.stdin.write('/mise.toml\r');
  s = await v.waitFor(/record 9\/40 · \[0:30\] · ceb3112/);
  v.stdin.write('n');
  await v.waitFor(/record 14\/40 · \[0:31\] · 69b87dc/);
  v.stdin.write('N');
  await v.waitFor(/record 9\/40/);
  v.stdin.write(`:${all[28]!.slice(0, 5)}\r`);
  s = await v.waitFor(new RegExp(`record 29/40 · \\[0:41\\] · ${all[28]!.slice(0, 7)}`));
  t.ok(s.some((l) => /│ +… \d+ more lines \(70 lines, .*press f to see all\)$/.test(l)), 'a long tool output is cut at a screenful');
  v.stdin.write('f');
  s = await v.waitFor(/record 29\/40 · \[0:41\] · 74f7c5b · full output/);
  t.notOk(s.some((l) => /press f to see all/.test(l)), 'and shown in full after f');
  v.term.rows = 20;
  v.term.columns = 80;
  v.term.events.emit('resize');
  s = await v.waitFor(/record 29\/40/, 20);
  t.pass('a resize redraws at the new size');
  t.ok(s.some((l) => /^─+$/.test(l)), 'narrow: the timeline above the record');
  v.stdin.write('q');
  t.equal(await v.code, 0);
  t.ok(v.out().endsWith(LEAVE), 'the cursor and the main screen come back last');
  t.same(v.term.raw, [true, false], 'raw mode off');
  t.equal(v.term.events.listenerCount('resize') + v.term.events.listenerCount('signal'), 0, 'listeners removed');
  t.equal(v.stdin.listenerCount('data'), 0);
  t.equal(v.stderr(), '');
});

t.test('Ctrl-C and the end of input quit with 0; a signal exits 128+n; all restore the terminal', async (t) => {
  const cwd = await archiveWithSession(t);
  const c = startViewer(cwd, ['replay', '--all-records', SESSION]);
  await c.waitFor(/record 1\/40/);
  c.stdin.write('/half typed\x03');
  t.equal(await c.code, 0);
  t.ok(c.out().endsWith(LEAVE));
  t.same(c.term.raw, [true, false]);

  const e = startViewer(cwd, ['replay', '--all-records', SESSION]);
  await e.waitFor(/record 1\/40/);
  e.stdin.end();
  t.equal(await e.code, 0);
  t.ok(e.out().endsWith(LEAVE));

  const sig = startViewer(cwd, ['replay', '--all-records', SESSION]);
  await sig.waitFor(/record 1\/40/);
  sig.term.events.emit('signal', 'SIGTERM');
  t.equal(await sig.code, 143);
  t.ok(sig.out().endsWith(LEAVE));
  t.same(sig.term.raw, [true, false]);
});

t.test('an error inside the viewer restores the terminal, then is reported', async (t) => {
  const cwd = await archiveWithSession(t);
  const v = startViewer(cwd, ['replay', '--all-records', SESSION]);
  await v.waitFor(/record 1\/40/);
  v.term.failSize = true;
  v.stdin.write('j');
  t.equal(await v.code, 1);
  t.ok(v.out().endsWith(LEAVE), 'the main screen is back');
  t.same(v.term.raw, [true, false]);
  t.match(v.stderr(), /^tapes: error: the terminal went away\n/);
});

t.test('a damaged record: an error line in its place, the rest still steps, exit 1', async (t) => {
  const cwd = await archiveWithSession(t, { damagesObjects: true });
  const all = await ids(cwd);
  const bad = all[20]!;
  // Damage the object in place: it no longer decodes to its id.
  const { writeFileSync, chmodSync } = await import('node:fs');
  const file = join(cwd, '.tapes', 'objects', bad.slice(0, 2), bad.slice(2));
  chmodSync(file, 0o644);
  writeFileSync(file, 'not zstd at all');

  const printed = await tapes(['replay', '--all-records', SESSION], { cwd });
  t.equal(printed.code, 1, 'as tapes log: the timeline prints, the status says something was wrong');
  t.match(printed.stdout, new RegExp(`${bad.slice(0, 7)}\\w* error: `));
  t.equal(printed.stdout.trim().split('\n').length, 41, 'every record still has its line');

  const v = startViewer(cwd, ['replay', '--all-records', SESSION]);
  await v.waitFor(/record 1\/40/);
  v.stdin.write(`:#21\r`);
  const s = await v.waitFor(new RegExp(`record 21/40 · ${bad.slice(0, 7)}`));
  t.ok(s.some((l) => l.startsWith(`> [-:--] ${bad.slice(0, 7)}`) && / error: /.test(l)), 'the timeline line says it cannot be read');
  t.ok(s.some((l) => /│ error: /.test(l)), 'and so does the record pane');
  v.stdin.write('j');
  await v.waitFor(/record 22\/40 · \[0:37\]/);
  v.stdin.write('q');
  t.equal(await v.code, 1);
  t.ok(v.out().endsWith(LEAVE));
});

t.test('a missing blob: the record says so in the viewer, the rest still steps, exit 1', async (t) => {
  const cwd = await archiveWithSession(t);
  const all = await ids(cwd);
  const rec = (await tapes(['cat-object', all[28]!], { cwd })).stdout;
  const blob = /"\$blob":"([0-9a-f]{64})"/.exec(rec)?.[1];
  if (!t.ok(blob, 'record 29 keeps its long output in a blob')) return;
  rmSync(join(cwd, '.tapes', 'objects', blob!.slice(0, 2), blob!.slice(2)));
  const v = startViewer(cwd, ['replay', '--all-records', SESSION]);
  await v.waitFor(/record 1\/40/);
  v.stdin.write(':#29\r');
  await v.waitFor(/record 29\/40[^\n]*$/);
  // The pane may be drawn a moment after the status line (its blob is looked
  // for meanwhile): a screen that has it, then both checks on that screen.
  const shown = await v.waitFor(/│ error: /);
  t.ok(shown.some((l) => l.startsWith(`> [-:--] ${all[28]!.slice(0, 7)}`) && / error: /.test(l)), 'its timeline line says it cannot be read');
  t.ok(shown.some((l) => /│ error: /.test(l)) && shown.some((l) => /record 29\/40/.test(l)), 'and so does the record pane, of record 29');
  v.stdin.write('/go-winio\r');
  await v.waitFor(/no match for "go-winio"/);
  v.stdin.write('j');
  await v.waitFor(/record 30\/40/);
  v.stdin.write('q');
  t.equal(await v.code, 1);
  t.ok(v.out().endsWith(LEAVE));
});

t.test('the viewer folds the bookkeeping as log does, says how many on the status line; --all-records steps through every record', async (t) => {
  const cwd = await archiveWithSession(t);
  const log = (await tapes(['log', '--oneline', SESSION], { cwd })).stdout;
  const folded = Number(/^(\d+) bookkeeping records? folded/m.exec(log)?.[1] ?? 0);
  if (!t.ok(folded > 0, 'the session has bookkeeping records')) return;
  const kept = 40 - folded;
  const v = startViewer(cwd, ['replay', SESSION]);
  let s = await v.waitFor(new RegExp(`record 1/${kept} · `));
  t.match(s[s.length - 1], new RegExp(`${folded} bookkeeping records? folded \\(--all-records shows them\\)`), 'the count on the status line');
  const shown = log.split('\n').filter((l) => /^[0-9a-f]{7}/.test(l)).map((l) => l.slice(0, 7));
  t.equal(shown.length, kept, 'log shows as many records');
  v.stdin.write('G');
  await v.waitFor(new RegExp(`record ${kept}/${kept} · \\[7:16\\] · ${shown[kept - 1]}`));
  v.stdin.write('k');
  await v.waitFor(new RegExp(`record ${kept - 1}/${kept} · .* · ${shown[kept - 2]}`));
  const all = await ids(cwd);
  v.stdin.write('q');
  t.equal(await v.code, 0);
  const every = startViewer(cwd, ['replay', '--all-records', SESSION]);
  s = await every.waitFor(/record 1\/40 · /);
  t.notMatch(s.join('\n'), /folded/, 'nothing folded with --all-records');
  t.equal(all.length, 40);
  every.stdin.write('q');
  t.equal(await every.code, 0);
});
