// The sync benchmark (issue 5, "Benchmark"): full push of the claude-code
// corpus to an empty file remote and to an empty git remote over loopback
// HTTP, clone back from each, and an incremental push of one new record, each
// against git doing the same in the same run (the one-commit-per-line
// repository of bench/read.ts). Then the scaling claim: the incremental push
// on an archive holding the corpus 20 times under other session names, against
// the same archive at 1×. Times are medians of interleaved runs; see
// bench/README.md.
//
// Usage: node build/bench/sync.js [--json] [--reps N]
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, currentLoad, machineInfo, makeTempDir, nowMs, stats, transcriptLines, type MachineInfo, type Stats } from './lib.js';
import { fmtMs } from './report.js';
import { startGitHttpServer, type GitHttpServer } from '../test/helpers/git-http-server.js';

interface Options {
  json: boolean;
  reps: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, reps: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a.startsWith('--reps=')) o.reps = Number(a.slice('--reps='.length));
    else throw new Error(`unknown argument ${a} (usage: sync.js [--json] [--reps N])`);
  }
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps takes a positive integer');
  return o;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
// The Claude Code transcripts (projects/), not the folder's other samples (not-claude/ is a Gemini session a Claude importer refuses).
const CORPUS = resolve(repoRoot, '../shared/corpus/claude-code/projects');
const COPIES = 20;

// One identity and date for every git commit (the baseline repository and the
// incremental commits), so that commit ids do not depend on the clock.
const GIT_IDENT = 'tapes bench <bench@tapes.invalid> 1700000000 +0000';
const ENV: NodeJS.ProcessEnv = {
  ...cleanEnv(),
  GIT_AUTHOR_NAME: 'tapes bench',
  GIT_AUTHOR_EMAIL: 'bench@tapes.invalid',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'tapes bench',
  GIT_COMMITTER_EMAIL: 'bench@tapes.invalid',
  GIT_COMMITTER_DATE: '1700000000 +0000',
  GIT_TERMINAL_PROMPT: '0',
};

function log(msg: string): void {
  // Progress on stderr, and only on a terminal, so that stdout is just the table (or JSON).
  if (process.stderr.isTTY) process.stderr.write(msg + '\n');
}

// Temp directories (the work dir and the HTTP server's root), removed on any exit.
let workDir: string | undefined;
let server: GitHttpServer | undefined;
function removeWork(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (server) rmSync(server.root, { recursive: true, force: true });
  workDir = undefined;
}

interface Done {
  ms: number;
  stdout: string;
  status: number | null;
}

/**
 * Runs a program and times it from spawn to exit (wall clock). Asynchronous,
 * unlike bench/lib's run(): the git HTTP server lives in this process and
 * must keep serving while the child runs. Exit statuses outside `ok` stop
 * the benchmark with the child's stderr.
 */
function run(cmd: string, args: string[], cwd: string, opts: { input?: string | Buffer; ok?: number[]; timeoutMs?: number } = {}): Promise<Done> {
  return new Promise((resolvePromise, reject) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, { cwd, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs) : undefined;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (status) => {
      const ms = nowMs() - t0;
      if (timer) clearTimeout(timer);
      if (timedOut) {
        reject(new TimeoutError(`${cmd} ${args.slice(0, 8).join(' ')} did not finish in ${opts.timeoutMs} ms`));
        return;
      }
      if (!(opts.ok ?? [0]).includes(status ?? -1)) {
        reject(new Error(`${cmd} ${args.slice(0, 8).join(' ')} exited with ${status}\n${Buffer.concat(err).toString('utf8').slice(0, 4000)}`));
        return;
      }
      resolvePromise({ ms, stdout: Buffer.concat(out).toString('utf8'), status });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

class TimeoutError extends Error {}

// A tapes clone over HTTP that has not finished after this long is stopped and
// reported as a lower bound (and not tried again in later reps).
const CLONE_TIMEOUT_MS = 60_000;
let httpCloneTimedOut = false;

const tapes = (cwd: string, ...args: string[]) => run(NODE, [TAPES, ...args], cwd);
const git = (gitDir: string, ...args: string[]) => run('git', ['--git-dir', gitDir, ...args], workDir!);

function check(ok: boolean, what: string, out = ''): void {
  if (!ok) throw new Error(`${what}${out ? `; output begins:\n${out.slice(0, 2000)}` : ''}`);
}

/**
 * The git baseline of bench/read.ts: one `git fast-import` stream for all
 * sessions, for every line a blob and a commit whose tree is that blob as
 * `line.json`, parent = the previous line's commit, on refs/sessions/<name>.
 * (The commit message is the line number here; read.ts summarises the line.)
 */
function fastImportStream(sessions: Array<{ name: string; lines: Buffer[] }>): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  let mark = 0;
  for (const s of sessions) {
    let prev = 0;
    s.lines.forEach((line, i) => {
      const blob = ++mark;
      text(`blob\nmark :${blob}\ndata ${line.length + 1}\n`);
      parts.push(line);
      text('\n\n');
      const commit = ++mark;
      const msg = `line ${i + 1}\n`;
      text(`commit refs/sessions/${s.name}\nmark :${commit}\nauthor ${GIT_IDENT}\ncommitter ${GIT_IDENT}\ndata ${Buffer.byteLength(msg)}\n${msg}`);
      text(`${prev ? `from :${prev}\n` : ''}M 100644 :${blob} line.json\n\n`);
      prev = commit;
    });
  }
  return Buffer.concat(parts);
}

/** `<id> <ref>` lines of sessions, agents and tags, sorted: what must be equal across a push or clone. */
function tapesRefs(showRef: string): string[] {
  return showRef.split('\n').filter((l) => / refs\/(sessions|agents|tags)\//.test(l)).sort();
}

function gitRefs(forEachRef: string): string[] {
  return forEachRef.split('\n').filter((l) => l !== '').sort();
}

interface PushJson {
  objects: number;
  refs: Array<{ ref: string; status: string }>;
}

interface Row {
  key: string;
  what: string;
  time: Stats;
}

interface Ratio {
  what: string;
  tapes: string;
  base: string;
  /** tapes median / baseline median: above 1, tapes is slower. */
  ratio: number;
  /** Median over reps of tapes[i] / baseline[i], each pair run back to back. */
  paired: number;
}

interface Results {
  date: string;
  machine: MachineInfo;
  corpus: { path: string; sessions: number; records: number; bytes: number; objects: number };
  setup: Record<string, number>;
  reps: number;
  rows: Row[];
  ratios: Ratio[];
  scaling: Ratio[];
  once: Array<{ what: string; ms: number }>;
  notes: string[];
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function phrase(r: Ratio, other: string): string {
  return r.ratio >= 1 ? `${other} is ${r.ratio.toFixed(2)}× faster` : `tapes is ${(1 / r.ratio).toFixed(2)}× faster`;
}

function renderText(res: Results): string {
  const m = res.machine;
  const out: string[] = [];
  out.push(`tapes sync benchmark  ${res.date}`);
  out.push(`machine  ${m.platform}; ${m.cpus} × ${m.cpuModel}; ${m.memGiB} GiB; node ${m.node}; git ${m.git}`);
  out.push(`         temp dirs in ${m.tmpdir} (${m.tmpFs}); load average at start ${m.loadavgStart.join(' ')}, at end ${(m.loadavgEnd ?? []).join(' ')}`);
  out.push(`corpus   ${res.corpus.sessions} sessions, ${res.corpus.records} records, ${res.corpus.objects} tapes objects, ${(res.corpus.bytes / 1e6).toFixed(1)} MB of transcript (${res.corpus.path})`);
  out.push(`reps     ${res.reps} per measurement, interleaved; median shown, min–max beside it`);
  out.push('');
  out.push(
    table(
      ['what', 'median', 'range'],
      res.rows.map((r) => [r.what, fmtMs(r.time.median), `${fmtMs(r.time.min)}–${fmtMs(r.time.max)}`]),
      [false, true, true],
    ),
  );
  out.push('');
  out.push('ratios of wall time, tapes/git: above 1 means tapes is slower');
  out.push('  "medians" divides the two medians; "paired" is the median of per-rep ratios of runs made back to back');
  out.push(
    table(
      ['comparison', 'medians', 'paired', ''],
      res.ratios.map((r) => [r.what, `${r.ratio.toFixed(2)}×`, `${r.paired.toFixed(2)}×`, phrase(r, 'git')]),
      [false, true, true, false],
    ),
  );
  out.push('');
  out.push(`scaling: incremental push of one record/commit, ${COPIES}× the sessions ÷ 1× (above 1: slower with more sessions)`);
  out.push(
    table(
      ['comparison', 'medians', 'paired'],
      res.scaling.map((r) => [r.what, `${r.ratio.toFixed(2)}×`, `${r.paired.toFixed(2)}×`]),
      [false, true, true],
    ),
  );
  out.push('');
  out.push('measured once (setup of the scaling step)');
  out.push(table(['what', 'time'], res.once.map((o) => [o.what, fmtMs(o.ms)]), [false, true]));
  out.push('');
  out.push('notes');
  for (const n of res.notes) out.push(`  - ${n}`);
  return out.join('\n') + '\n';
}

interface ImportedFile {
  path: string;
  session: string | null;
  status: string;
  records: number;
}

async function importCorpus(archive: string, dir: string): Promise<ImportedFile[]> {
  // Exit 1 is expected on the corpus: it holds one file that is not a transcript, refused on purpose.
  const r = await run(NODE, [TAPES, 'import', '--json', dir], archive, { ok: [0, 1] });
  return (JSON.parse(r.stdout) as { files: ImportedFile[] }).files;
}

/**
 * The corpus's JSONL files copied under `to` (same relative paths): the git
 * baseline stores a transcript as one commit per line, so only files with a
 * record per line compare. A Gemini CLI session file (one JSON document,
 * which tapes now imports as a session of its messages) is left out.
 */
async function jsonlCopy(from: string, to: string): Promise<string> {
  for (const e of await fs.readdir(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) {
      await fs.mkdir(dst, { recursive: true });
      await jsonlCopy(src, dst);
      continue;
    }
    const first = readFileSync(src, 'utf8').split('\n', 1)[0]!.trim();
    let jsonl = false;
    try {
      jsonl = first.startsWith('{') && typeof JSON.parse(first) === 'object';
    } catch {
      jsonl = false;
    }
    // Anything else (notes, licences, the refused file) goes along as before: import says what it makes of it.
    if (jsonl || !e.name.endsWith('.jsonl')) await fs.copyFile(src, dst);
  }
  return to;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = nowMs();
  const machine = machineInfo();
  workDir = await makeTempDir('sync');
  const W = workDir;
  server = await startGitHttpServer({ idleMs: 30 * 60_000 });
  const setup: Record<string, number> = {};

  // 1. The source archive: the corpus through the real CLI (not timed as a result).
  log('bench/sync: import');
  const src = join(W, 'src');
  await fs.mkdir(src);
  await tapes(src, 'init', '-q');
  let t0 = nowMs();
  const corpusCopy = join(W, 'corpus');
  await fs.mkdir(corpusCopy);
  const imported = (await importCorpus(src, await jsonlCopy(CORPUS, corpusCopy))).filter((f) => f.session !== null);
  setup.tapes_import_ms = nowMs() - t0;
  check(imported.length > 0, `tapes import stored no session from ${CORPUS}`);
  const sessions = imported
    .map((f) => ({ name: f.session!, path: f.path, lines: transcriptLines(readFileSync(f.path)) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const s of sessions) {
    const f = imported.find((x) => x.session === s.name)!;
    check(s.lines.length === f.records, `${s.path}: ${s.lines.length} non-empty lines but ${f.records} records`);
  }
  const S = sessions.length;
  const records = sessions.reduce((k, s) => k + s.lines.length, 0);
  const corpusBytes = sessions.reduce((k, s) => k + readFileSync(s.path).length, 0);
  const srcRefs = tapesRefs((await tapes(src, 'show-ref')).stdout);
  check(srcRefs.length === S, `tapes show-ref lists ${srcRefs.length} refs, expected ${S}`);

  // 2. The git baseline, as in bench/read.ts.
  log('bench/sync: git fast-import');
  const gsrc = join(W, 'src.git');
  await run('git', ['init', '-q', '--bare', gsrc], W);
  t0 = nowMs();
  await run('git', ['--git-dir', gsrc, 'fast-import', '--quiet'], W, { input: fastImportStream(sessions) });
  setup.git_fast_import_ms = nowMs() - t0;
  check(gitRefs((await git(gsrc, 'for-each-ref', 'refs/sessions')).stdout).length === S, 'fast-import did not make one ref per session');

  // 3. The 20× archive and repository, built now (before the source gets the
  // benchmark's new records): a copy of the source archive plus the transcripts
  // imported again under COPIES - 1 other file names, so other session names.
  // The lines are the same, so the records and their ids are shared: what grows
  // 20× is the number of sessions (refs), not the objects.
  log(`bench/sync: ${COPIES}× archive`);
  const src20 = join(W, 'src20');
  await fs.mkdir(src20);
  await fs.cp(join(src, '.tapes'), join(src20, '.tapes'), { recursive: true });
  const copies = join(W, 'copies');
  for (let c = 2; c <= COPIES; c++) {
    const d = join(copies, `r${c}`);
    await fs.mkdir(d, { recursive: true });
    for (const s of sessions) {
      const to = join(d, `${s.name}-r${c}.jsonl`);
      await fs.link(s.path, to).catch(() => fs.copyFile(s.path, to));
    }
  }
  t0 = nowMs();
  const imported20 = (await importCorpus(src20, copies)).filter((f) => f.session !== null);
  setup.tapes_import_copies_ms = nowMs() - t0;
  check(imported20.length === S * (COPIES - 1), `the ${COPIES}× import stored ${imported20.length} sessions, expected ${S * (COPIES - 1)}`);
  const src20Refs = tapesRefs((await tapes(src20, 'show-ref')).stdout);
  check(src20Refs.length === S * COPIES, `the ${COPIES}× archive has ${src20Refs.length} refs, expected ${S * COPIES}`);
  const gsrc20 = join(W, 'src20.git');
  await run('git', ['clone', '-q', '--mirror', gsrc, gsrc20], W);
  const tips = new Map(gitRefs((await git(gsrc, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/sessions')).stdout).map((l) => l.split(' ') as [string, string]));
  let creates = '';
  for (let c = 2; c <= COPIES; c++) for (const [ref, id] of tips) creates += `create ${ref}-r${c} ${id}\n`;
  await run('git', ['--git-dir', gsrc20, 'update-ref', '--stdin'], W, { input: creates });
  check(gitRefs((await git(gsrc20, 'for-each-ref', 'refs/sessions')).stdout).length === S * COPIES, `the ${COPIES}× repository has the wrong number of refs`);

  // One new record (tapes) or commit (git) on a session, made untimed before each incremental push.
  const session = sessions.reduce((best, s) => (s.lines.length > best.lines.length ? s : best)).name;
  const sref = `refs/sessions/${session}`;
  let counter = 0;
  async function newRecord(archive: string): Promise<string> {
    const tip = (await tapes(archive, 'rev-parse', sref)).stdout.trim();
    const body = JSON.stringify({ parent: tip, kind: 'bench', bench: { n: ++counter, note: 'tapes sync benchmark' } });
    const id = (await run(NODE, [TAPES, 'hash-object', '-t', 'record', '-w', '--stdin'], archive, { input: body })).stdout.trim();
    await tapes(archive, 'update-ref', sref, id, tip);
    return id;
  }
  async function newCommit(gitDir: string): Promise<string> {
    const tip = (await git(gitDir, 'rev-parse', sref)).stdout.trim();
    const blob = (await run('git', ['--git-dir', gitDir, 'hash-object', '-w', '--stdin'], W, {
      input: JSON.stringify({ kind: 'bench', bench: { n: ++counter, note: 'tapes sync benchmark' } }) + '\n',
    })).stdout.trim();
    const tree = (await run('git', ['--git-dir', gitDir, 'mktree'], W, { input: `100644 blob ${blob}\tline.json\n` })).stdout.trim();
    const commit = (await git(gitDir, 'commit-tree', tree, '-p', tip, '-m', `bench ${counter}`)).stdout.trim();
    await git(gitDir, 'update-ref', sref, commit, tip);
    return commit;
  }

  // Timed pushes and clones, each with its checks (after the clock stops).
  const ALL = 'refs/sessions/*:refs/sessions/*';
  async function tapesPush(archive: string, remote: string, expectObjects?: number): Promise<number> {
    const r = await tapes(archive, 'push', '--json', '--no-progress', remote);
    const j = JSON.parse(r.stdout) as PushJson;
    const moved = j.refs.filter((x) => x.status !== 'up-to-date');
    check(moved.every((x) => x.status === 'new' || x.status === 'fast-forward'), 'tapes push rejected a ref', r.stdout);
    if (expectObjects !== undefined) check(j.objects === expectObjects, `tapes push sent ${j.objects} objects, expected ${expectObjects}`, r.stdout);
    return r.ms;
  }
  async function gitPush(gitDir: string, dest: string): Promise<number> {
    return (await run('git', ['--git-dir', gitDir, 'push', '-q', dest, ALL], W)).ms;
  }
  async function sameTapesRefs(a: string, b: string, what: string): Promise<void> {
    const x = tapesRefs((await tapes(a, 'show-ref')).stdout);
    const y = tapesRefs((await tapes(b, 'show-ref')).stdout);
    check(x.length > 0 && x.join('\n') === y.join('\n'), `${what}: show-ref differs (${x.length} vs ${y.length} refs)`, x.slice(0, 5).join('\n'));
  }
  async function sameGitRefs(a: string, b: string, what: string): Promise<void> {
    const x = gitRefs((await git(a, 'for-each-ref', 'refs/sessions')).stdout);
    const y = gitRefs((await git(b, 'for-each-ref', 'refs/sessions')).stdout);
    check(x.length >= S && x.join('\n') === y.join('\n'), `${what}: for-each-ref differs (${x.length} vs ${y.length} refs)`, x.slice(0, 5).join('\n'));
  }

  const samples = new Map<string, number[]>();
  const what = new Map<string, string>();
  const add = (key: string, label: string, ms: number) => {
    what.set(key, label);
    if (!samples.has(key)) samples.set(key, []);
    samples.get(key)!.push(ms);
  };

  // 4. The reps, interleaved (tapes, git, tapes, git …). Each rep pushes to
  // fresh, empty remotes, pushes one new record/commit to them, then clones them.
  let tObjects = 0;
  let last: { tf: string; th: string; gf: string; gh: string } | undefined;
  for (let rep = 0; rep < opts.reps; rep++) {
    log(`bench/sync: rep ${rep + 1}/${opts.reps}`);
    const tf = join(W, `tf${rep}`);
    await fs.mkdir(tf);
    await tapes(tf, 'init', '-q');
    if (rep > 0) {
      await tapes(src, 'remote', 'remove', 'r');
      await tapes(src, 'remote', 'remove', 'h');
    }
    await tapes(src, 'remote', 'add', 'r', tf);
    const th = server.repo(`t${rep}`);
    await tapes(src, 'remote', 'add', 'h', th.url);
    const gf = join(W, `gf${rep}.git`);
    await run('git', ['init', '-q', '--bare', gf], W);
    const gh = server.repo(`g${rep}`);

    // Full pushes to empty remotes.
    const full = await tapes(src, 'push', '--json', '--no-progress', 'r');
    const fj = JSON.parse(full.stdout) as PushJson;
    check(fj.refs.filter((x) => x.status === 'new').length === S, `tapes push r made ${fj.refs.length} refs, expected ${S} new`, full.stdout);
    tObjects = fj.objects;
    add('full.file.tapes', 'tapes push r (empty file remote)', full.ms);
    await sameTapesRefs(src, tf, 'tapes push to a file remote');
    add('full.file.git', 'git push <empty bare repo> refs/sessions/*', await gitPush(gsrc, gf));
    await sameGitRefs(gsrc, gf, 'git push to a bare repository');
    const fullH = await tapes(src, 'push', '--json', '--no-progress', 'h');
    const hj = JSON.parse(fullH.stdout) as PushJson;
    check(hj.refs.filter((x) => x.status === 'new').length === S, `tapes push h made ${hj.refs.length} refs, expected ${S} new`, fullH.stdout);
    add('full.http.tapes', 'tapes push h (empty git repo over HTTP)', fullH.ms);
    add('full.http.git', 'git push http://… refs/sessions/* (empty)', await gitPush(gsrc, gh.url));
    await sameGitRefs(gsrc, gh.dir, 'git push over HTTP');

    // Incremental: one new record / commit, pushed to the remotes just filled.
    await newRecord(src);
    add('inc.file.tapes', 'tapes push r (1 new record)', await tapesPush(src, 'r', 1));
    await sameTapesRefs(src, tf, 'incremental tapes push to a file remote');
    await newCommit(gsrc);
    add('inc.file.git', 'git push <bare repo> (1 new commit)', await gitPush(gsrc, gf));
    await sameGitRefs(gsrc, gf, 'incremental git push');
    await newRecord(src);
    // Two new records for the HTTP remote: the one the file remote got, and
    // this one; each goes as 3 git objects (commit, tree, record blob).
    add('inc.http.tapes', 'tapes push h (2 new records)', await tapesPush(src, 'h', 6));
    await newCommit(gsrc);
    add('inc.http.git', 'git push http://… (2 new commits)', await gitPush(gsrc, gh.url));
    await sameGitRefs(gsrc, gh.dir, 'incremental git push over HTTP');
    // Bring the file remotes level again (untimed) for the scaling step.
    await tapesPush(src, 'r', 1);
    await gitPush(gsrc, gf);

    // Clones of what was pushed.
    const cf = join(W, `cf${rep}`);
    const c1 = await tapes(W, 'clone', '-q', '--no-progress', tf, cf);
    add('clone.file.tapes', 'tapes clone <file remote>', c1.ms);
    await sameTapesRefs(tf, cf, 'tapes clone of a file remote');
    const gcf = join(W, `gcf${rep}.git`);
    add('clone.file.git', 'git clone --mirror --no-local <bare repo>', (await run('git', ['clone', '-q', '--mirror', '--no-local', gf, gcf], W)).ms);
    await sameGitRefs(gf, gcf, 'git clone of a bare repository');
    const gcl = join(W, `gcl${rep}.git`);
    add('clone.local.git', 'git clone --mirror <bare repo> (hard links)', (await run('git', ['clone', '-q', '--mirror', gf, gcl], W)).ms);
    await sameGitRefs(gf, gcl, 'git clone (local) of a bare repository');
    const ch = join(W, `ch${rep}`);
    if (!httpCloneTimedOut) {
      try {
        const c2 = await run(NODE, [TAPES, 'clone', '-q', '--no-progress', th.url, ch], W, { timeoutMs: CLONE_TIMEOUT_MS });
        add('clone.http.tapes', 'tapes clone http://…', c2.ms);
        await sameTapesRefs(src, ch, 'tapes clone over HTTP');
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        httpCloneTimedOut = true;
        add('clone.http.tapes', `tapes clone http://… (STOPPED after ${CLONE_TIMEOUT_MS / 1000} s: a lower bound)`, CLONE_TIMEOUT_MS);
      }
    }
    const gch = join(W, `gch${rep}.git`);
    add('clone.http.git', 'git clone --mirror http://…', (await run('git', ['clone', '-q', '--mirror', gh.url, gch], W)).ms);
    await sameGitRefs(gh.dir, gch, 'git clone over HTTP');

    // Free the space of this rep's copies, except the remotes the scaling step reuses.
    for (const d of [cf, gcf, gcl, ch, gch]) await fs.rm(d, { recursive: true, force: true });
    if (last) for (const d of [last.tf, last.gf]) await fs.rm(d, { recursive: true, force: true });
    last = { tf, th: th.url, gf, gh: gh.url };
  }

  // 5. Scaling: the 20× archive and repository pushed once, untimed as a ratio
  // (reported as measured once), then the incremental push at 1× and 20×.
  log(`bench/sync: ${COPIES}× remotes`);
  const once: Array<{ what: string; ms: number }> = [];
  const tf20 = join(W, 'tf20');
  await fs.mkdir(tf20);
  await tapes(tf20, 'init', '-q');
  await tapes(src20, 'remote', 'add', 'r', tf20);
  const th20 = server.repo('t20');
  await tapes(src20, 'remote', 'add', 'h', th20.url);
  once.push({ what: `tapes push r, ${COPIES}× sessions (${S * COPIES}), empty file remote`, ms: await tapesPush(src20, 'r') });
  await sameTapesRefs(src20, tf20, `tapes push of the ${COPIES}× archive`);
  once.push({ what: `tapes push h, ${COPIES}× sessions, empty git repo over HTTP`, ms: await tapesPush(src20, 'h') });
  const gf20 = join(W, 'gf20.git');
  await run('git', ['init', '-q', '--bare', gf20], W);
  const gh20 = server.repo('g20');
  once.push({ what: `git push, ${COPIES}× refs, empty bare repo`, ms: await gitPush(gsrc20, gf20) });
  once.push({ what: `git push, ${COPIES}× refs, empty repo over HTTP`, ms: await gitPush(gsrc20, gh20.url) });
  await sameGitRefs(gsrc20, gf20, `git push of the ${COPIES}× repository`);

  log('bench/sync: scaling reps');
  const sc = new Map<string, number[]>();
  const addS = (k: string, ms: number) => (sc.get(k) ?? sc.set(k, []).get(k)!).push(ms);
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const [kind, t, g] of [['file', 'r', last!.gf], ['http', 'h', last!.gh]] as const) {
      // Untimed: bring this remote level with its source (the other kind's
      // remote got the previous new record), then one new record and the timed push.
      const g20 = kind === 'file' ? gf20 : gh20.url;
      await tapesPush(src, t);
      await tapesPush(src20, t);
      await gitPush(gsrc, g);
      await gitPush(gsrc20, g20);
      await newRecord(src);
      // One record: 1 tapes object to a file remote, 3 git objects over HTTP.
      const perRecord = kind === 'http' ? 3 : 1;
      addS(`${kind}.tapes.1`, await tapesPush(src, t, perRecord));
      await newRecord(src20);
      addS(`${kind}.tapes.${COPIES}`, await tapesPush(src20, t, perRecord));
      await newCommit(gsrc);
      addS(`${kind}.git.1`, await gitPush(gsrc, g));
      await newCommit(gsrc20);
      addS(`${kind}.git.${COPIES}`, await gitPush(gsrc20, g20));
    }
  }
  // The last record went to the HTTP remotes only: bring the file remotes level (untimed), then check them.
  await tapesPush(src20, 'r', 1);
  await gitPush(gsrc20, gf20);
  await sameTapesRefs(src20, tf20, `incremental pushes of the ${COPIES}× archive`);
  await sameGitRefs(gsrc20, gf20, `incremental pushes of the ${COPIES}× repository`);

  // 6. Results.
  const rows: Row[] = [...samples].map(([key, s]) => ({ key, what: what.get(key)!, time: stats(s) }));
  for (const [k, s] of sc) {
    const [kind, side, n] = k.split('.');
    rows.push({ key: `scale.${k}`, what: `${side} push, 1 new ${side === 'git' ? 'commit' : 'record'}, ${n}× sessions, ${kind} remote`, time: stats(s) });
  }
  const ratioOf = (label: string, a: number[], b: number[], ka: string, kb: string): Ratio => ({
    what: label,
    tapes: ka,
    base: kb,
    ratio: stats(a).median / stats(b).median,
    paired: stats(a.map((x, i) => x / b[i]!)).median,
  });
  const r = (label: string, ka: string, kb: string) => ratioOf(label, samples.get(ka)!, samples.get(kb)!, ka, kb);
  const ratios: Ratio[] = [
    r('full push, file remote vs git push to a bare repo', 'full.file.tapes', 'full.file.git'),
    r('full push, HTTP vs git push over HTTP', 'full.http.tapes', 'full.http.git'),
    r('clone, file remote vs git clone --mirror --no-local', 'clone.file.tapes', 'clone.file.git'),
    r('clone, file remote vs git clone --mirror (local, hard links)', 'clone.file.tapes', 'clone.local.git'),
    r('clone, HTTP vs git clone --mirror over HTTP', 'clone.http.tapes', 'clone.http.git'),
    r('incremental push, file remote vs git push', 'inc.file.tapes', 'inc.file.git'),
    r('incremental push, HTTP vs git push over HTTP', 'inc.http.tapes', 'inc.http.git'),
  ];
  const s = (label: string, a: string, b: string) => ratioOf(label, sc.get(a)!, sc.get(b)!, `scale.${a}`, `scale.${b}`);
  const scaling: Ratio[] = [
    s(`tapes, file remote: ${COPIES}× ÷ 1×`, `file.tapes.${COPIES}`, 'file.tapes.1'),
    s(`git, bare repo: ${COPIES}× ÷ 1×`, `file.git.${COPIES}`, 'file.git.1'),
    s(`tapes, HTTP: ${COPIES}× ÷ 1×`, `http.tapes.${COPIES}`, 'http.tapes.1'),
    s(`git, HTTP: ${COPIES}× ÷ 1×`, `http.git.${COPIES}`, 'http.git.1'),
    s(`at ${COPIES}×, file: tapes ÷ git`, `file.tapes.${COPIES}`, `file.git.${COPIES}`),
    s(`at ${COPIES}×, HTTP: tapes ÷ git`, `http.tapes.${COPIES}`, `http.git.${COPIES}`),
  ];
  machine.loadavgEnd = currentLoad();
  const notes = [
    `setup, not timed as a result: tapes import ${fmtMs(setup.tapes_import_ms!)}; git fast-import of the same lines (${records} blobs + ${records} commits, one pack) ${fmtMs(setup.git_fast_import_ms!)}; import of the ${COPIES - 1} renamed copies ${fmtMs(setup.tapes_import_copies_ms!)}`,
    `tapes moves ${tObjects} objects, each verified (decompressed, re-hashed) before it is stored; 100 or more arrive as one tapes pack (zstd frames, level 9) at a file remote, and go as one git pack (whole objects, no deltas) to a git server; git sends one pack with deltas; the HTTP server is git http-backend behind a Node CGI wrapper on 127.0.0.1 (test/helpers/git-http-server.ts), the same for both`,
    'git pushes refs/sessions/*:refs/sessions/*; tapes push pushes every session (the default); git clone is --mirror, as the session refs are not branches; tapes clone also writes refs/remotes/origin/*',
    `incremental: the HTTP remote gets two new records/commits per push in the main reps (the one pushed to the file remote first, then one more); the scaling reps push one to each`,
    `${COPIES}×: the same transcripts imported under ${COPIES - 1} more file names, so ${S * COPIES} sessions; the lines are the same, so records are shared: what grows is the number of sessions (refs), not the objects`,
    `checks: after every push the remote's refs equal the source's (tapes show-ref / git for-each-ref), each clone's refs equal its remote's, tapes push --json reports only new or fast-forward refs and the expected object count (1 or 2 when incremental)`,
    ...(httpCloneTimedOut ? [`tapes clone over HTTP did not finish within ${CLONE_TIMEOUT_MS / 1000} s and was stopped (once; not retried): its time and ratio are lower bounds`] : []),
    `whole run took ${((nowMs() - started) / 1000).toFixed(0)} s`,
  ];
  const results: Results = {
    date: new Date().toISOString(),
    machine,
    corpus: { path: CORPUS, sessions: S, records, bytes: corpusBytes, objects: tObjects },
    setup,
    reps: opts.reps,
    rows,
    ratios,
    scaling,
    once,
    notes,
  };
  process.stdout.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderText(results));
}

process.on('SIGINT', () => {
  removeWork();
  process.exit(130);
});

main().then(
  async () => {
    await server?.close();
    removeWork();
  },
  async (err: Error) => {
    await server?.close().catch(() => undefined);
    removeWork();
    process.stderr.write(`bench/sync: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
