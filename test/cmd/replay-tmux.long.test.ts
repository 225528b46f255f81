// tapes replay in a real terminal: the built binary runs in a tmux pane, keys
// are sent with `tmux send-keys`, and the screen is read with `tmux
// capture-pane`. tmux is required (.ci/run installs it); its absence fails.
import t, { type Test } from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, corpusDir, tapes, tempDir } from '../helpers/cli.js';

const transcript = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
const SESSION = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
// A bound on waiting for the screen, not a speed requirement: generous, so a
// loaded machine (CI at load 19 took over 5 s to draw the first screen) passes.
const STEP_MS = 60_000;

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

async function archiveWithSession(t: Test): Promise<string> {
  const cwd = tempDir('tapes-replay-tmux-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  for (const args of [['init', '-q'], ['import', transcript]]) {
    const r = await tapes(args, { cwd });
    if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  }
  return cwd;
}

/** One tmux server of our own (its own socket), holding one pane that runs `tapes replay`. */
class Pane {
  readonly socket = `tapes-test-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly t: Test,
    cwd: string,
    args: string[],
    size = { columns: 120, rows: 40 },
  ) {
    // After the viewer ends, the shell says how, then waits: the pane shows
    // the main screen the viewer has to give back.
    const script = `${shellQuote(process.execPath)} ${shellQuote(binPath)} ${args.map(shellQuote).join(' ')}; echo "replay exited with $?"; exec sleep 300`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'replay', '-x', String(size.columns), '-y', String(size.rows), '-c', cwd,
      '-e', 'TERM=xterm-256color', '-e', 'FORCE_COLOR=', '-e', 'NO_COLOR=', 'sh', '-c', script);
    const socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
    t.teardown(() => {
      spawnSync('tmux', ['-L', this.socket, 'kill-server']);
      // tmux leaves the socket file of a killed server behind.
      if (socketPath) rmSync(socketPath, { force: true });
    });
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Keys as tmux names them (`j`, `Enter`, `Left`, `C-c`). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'replay', ...keys);
  }

  /** Text typed as it is. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'replay', '-l', text);
  }

  capture(): string[] {
    return this.tmux('capture-pane', '-p', '-t', 'replay').replace(/\n$/, '').split('\n');
  }

  /** Waits (at most STEP_MS) until the screen satisfies `test`; fails with the screen otherwise. */
  async until(what: string, test: (screen: string[]) => boolean): Promise<string[]> {
    const end = Date.now() + STEP_MS;
    let screen = this.capture();
    while (!test(screen)) {
      if (Date.now() > end) {
        this.t.fail(`the screen never showed ${what}`, { screen: screen.join('\n') });
        throw new Error(`the screen never showed ${what}`);
      }
      await new Promise((r) => setTimeout(r, 50));
      screen = this.capture();
    }
    return screen;
  }

  /** Waits until the position line (the last non-empty row) matches and the record has been drawn. */
  position(re: RegExp): Promise<string[]> {
    return this.until(String(re), (s) => re.test(lastRow(s)) && !s.some((l) => l.includes('(reading…)')));
  }
}

function lastRow(screen: string[]): string {
  for (let i = screen.length - 1; i >= 0; i--) if (screen[i]!.trim()) return screen[i]!;
  return '';
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function ids(cwd: string): Promise<string[]> {
  return tapes(['rev-list', '--reverse', SESSION], { cwd }).then((r) => r.stdout.trim().split('\n'));
}

t.test('tmux is installed (.ci/run installs it)', async (t) => {
  t.ok(hasTmux, 'tmux -V runs');
});

// The viewer folds the agent's bookkeeping by default, as log does (the
// kinds4 merge); the stepping tests below walk every record with --all-records.
t.test('by default the bookkeeping is folded, the status line says how much', async (t) => {
  if (!hasTmux) return t.fail('tmux is missing');
  const cwd = await archiveWithSession(t);
  const pane = new Pane(t, cwd, ['replay', SESSION]);
  const s = await pane.position(/^record 1\/29 · \[0:24\] · 599aa1d · 11 bookkeeping records folded \(--all-records shows them\)/);
  t.notOk(s.some((l) => / f726636 other: file-history-snapshot/.test(l)), 'the snapshot record is not in the timeline');
  pane.keys('q');
  await pane.until('the shell after the viewer', (x) => x.some((l) => l === 'replay exited with 0'));
});

t.test('stepping, searching, jumping, toggling and quitting in a 120x40 terminal', async (t) => {
  if (!hasTmux) return t.fail('tmux is missing');
  const cwd = await archiveWithSession(t);
  const all = await ids(cwd);
  const pane = new Pane(t, cwd, ['replay', '--all-records', SESSION]);

  let s = await pane.position(/^record 1\/40 · f726636 /);
  t.match(s[0], /^Session bc3bf53b  claude-opus-4-5-20251101  \/Users\/soph\/Work\/entire\/devenv\/cli /, 'the session header');
  t.match(s[1], /^> \[-:--\] f726636 other: file-history-snapshot +│ record f7266/, 'the first record, marked in the timeline beside it');

  pane.keys('j');
  await pane.position(/^record 2\/40 · \[0:00\] · 54aad05 /);
  pane.keys('j');
  s = await pane.position(/^record 3\/40 · \[0:24\] · 599aa1d /);
  t.ok(s.some((l) => /│ +can you update go in all the right places to 1\.25\.6$/.test(l)), 'the user prompt, on the right');
  t.ok(s.some((l) => l.startsWith('> [0:24] 599aa1d user:')), 'marked on the left');
  pane.keys('k');
  await pane.position(/^record 2\/40 · \[0:00\] · 54aad05 /);
  pane.keys('G');
  s = await pane.position(/^record 40\/40 · \[7:16\] · 4732fa8 /);
  t.ok(s.some((l) => l.startsWith('> [7:16] 4732fa8 progress:')));
  pane.keys('g');
  await pane.position(/^record 1\/40 · f726636 /);
  pane.keys('Right', 'Right', 'Left');
  await pane.position(/^record 2\/40 /);

  pane.keys('/');
  await pane.until('the search prompt', (x) => lastRow(x).startsWith('/'));
  pane.type('mise.toml');
  await pane.until('the typed search', (x) => lastRow(x).startsWith('/mise.toml'));
  pane.keys('Enter');
  s = await pane.position(/^record 9\/40 · \[0:30\] · ceb3112 /);
  t.ok(s.some((l) => /│ .*mise\.toml/.test(l)), 'the match is on the screen');
  pane.keys('n');
  s = await pane.position(/^record 14\/40 · \[0:31\] · 69b87dc /);
  t.ok(s.some((l) => /│ .*mise\.toml/.test(l)), 'n: the next record that matches');
  pane.keys('N');
  await pane.position(/^record 9\/40 /);

  const target = all[28]!;
  pane.keys(':');
  pane.type(target.slice(0, 6));
  pane.keys('Enter');
  s = await pane.position(new RegExp(`^record 29/40 · \\[0:41\\] · ${target.slice(0, 7)} `));
  t.ok(s.some((l) => l.includes(`│ record ${target.slice(0, 40)}`)), 'the record jumped to is shown');

  pane.keys('f');
  await pane.position(/^record 29\/40 · \[0:41\] · 74f7c5b · full output /);
  pane.keys('f');
  await pane.position(/^record 29\/40 · \[0:41\] · 74f7c5b {2}/);

  pane.keys('q');
  s = await pane.until('the shell after the viewer', (x) => x.some((l) => l === 'replay exited with 0'));
  t.notOk(s.some((l) => /record \d+\/40/.test(l)), 'the main screen is back, without the viewer');
});

t.test('a narrow terminal, a resize, and Ctrl-C', async (t) => {
  if (!hasTmux) return t.fail('tmux is missing');
  const cwd = await archiveWithSession(t);
  const pane = new Pane(t, cwd, ['replay', '--all-records', SESSION], { columns: 80, rows: 24 });
  let s = await pane.position(/^record 1\/40 · f726636$/);
  t.notOk(s.some((l) => l.includes('│')), 'no side-by-side panes at 80 columns');
  t.ok(s.some((l) => /^─{80}$/.test(l)), 'the timeline above a rule, the record below');
  pane.keys('End');
  await pane.position(/^record 40\/40 /);
  pane.keys('Home');
  await pane.position(/^record 1\/40 /);
  pane.tmux('resize-window', '-t', 'replay', '-x', '130', '-y', '30');
  const wide = /^record 1\/40 · f726636 .*q quit$/;
  s = await pane.until('the wide layout after a resize', (x) => x.length === 30 && wide.test(lastRow(x)) && !x.some((l) => l.includes('(reading…)')));
  t.ok(s.some((l) => l.startsWith('> [-:--] f726636 ') && l.includes(' │ ')), 'the timeline beside the record again');
  pane.keys('/');
  pane.type('half typed');
  pane.keys('C-c');
  s = await pane.until('the shell after Ctrl-C', (x) => x.some((l) => l === 'replay exited with 0'));
  t.notOk(s.some((l) => l.includes('half typed')), 'the viewer is gone');
});

t.test('without a terminal the binary prints the timeline and exits 0', async (t) => {
  const cwd = await archiveWithSession(t);
  const r = spawnSync(process.execPath, [binPath, 'replay', SESSION], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^Session bc3bf53b /);
  // The agent's bookkeeping (progress ticks, snapshots) folded into a count, as log folds it.
  t.equal(r.stdout.trim().split('\n').length, 31);
  t.match(r.stdout, /\n11 bookkeeping records folded \(--all-records shows them\)\n$/);
  t.notMatch(r.stdout, /\x1b/);
  const all = spawnSync(process.execPath, [binPath, 'replay', '--all-records', SESSION], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } });
  t.equal(all.status, 0, all.stderr);
  t.equal(all.stdout.trim().split('\n').length, 41, 'with --all-records, every record');
});
