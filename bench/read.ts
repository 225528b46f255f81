// The read benchmark (issue "Replay"): what users run all day — `tapes log`
// of the longest session, `tapes log --json` of it, `tapes show` of a record
// in its middle and `tapes sessions` — on an archive holding the claude-code
// corpus, each against git doing the same job in the same run, on a repository
// where every transcript line is one commit of a chain under
// refs/sessions/<name>. Also the start-up floor: `tapes --version` against
// `node -e 0`. Times are medians of interleaved runs; see bench/README.md.
//
// Usage: node build/bench/read.js [--json] [--reps N] [--profile]
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { cleanEnv, currentLoad, machineInfo, makeTempDir, nowMs, runOk, stats, transcriptLines, type MachineInfo, type Stats } from './lib.js';
import { fmtMs } from './report.js';

interface Options {
  json: boolean;
  reps: number;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, reps: 5, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a.startsWith('--reps=')) o.reps = Number(a.slice('--reps='.length));
    else throw new Error(`unknown argument ${a} (usage: read.js [--json] [--reps N] [--profile])`);
  }
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps takes a positive integer');
  return o;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
// The Claude Code transcripts (projects/), not the folder's other samples (not-claude/ is a Gemini session a Claude importer refuses).
const CORPUS = resolve(repoRoot, '../shared/corpus/claude-code/projects');
const ENV = cleanEnv();

// One identity and date for every commit of the git baseline, so that the
// repository (and every commit id) is the same on every run and machine.
const GIT_IDENT = 'tapes bench <bench@tapes.invalid> 1700000000 +0000';

function log(msg: string): void {
  // Progress on stderr, and only on a terminal, so that stdout is just the table (or JSON).
  if (process.stderr.isTTY) process.stderr.write(msg + '\n');
}

// The one temp directory, removed on any exit (including Ctrl-C and failures).
let workDir: string | undefined;
function removeWork(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

/**
 * Runs a program with stdout going to a file, as `cmd > file` would, and
 * times it from spawn to exit. The file is opened (and truncated) before the
 * clock starts and read back for the checks after it stops. A file, not a
 * pipe or a terminal, keeps the pager and colour off on both sides.
 */
function runToFile(cmd: string, args: string[], cwd: string): { ms: number; out: Buffer } {
  const outFile = join(workDir!, 'out');
  const fd = openSync(outFile, 'w');
  let r: ReturnType<typeof spawnSync>;
  let ms: number;
  try {
    const t0 = nowMs();
    r = spawnSync(cmd, args, { cwd, env: ENV, stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 28 });
    ms = nowMs() - t0;
  } finally {
    closeSync(fd);
  }
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${String(r.stderr).slice(0, 4000)}`);
  }
  const out = readFileSync(outFile);
  rmSync(outFile);
  return { ms, out };
}

/** Lines of a command's output, without the empty one after the last newline. */
function outLines(b: Buffer): string[] {
  const l = b.toString('utf8').split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function check(ok: boolean, what: string, out: Buffer | string): void {
  if (!ok) throw new Error(`${what}; output begins:\n${String(out).slice(0, 2000)}`);
}

/** The git commit message for a line: its type, and the first content block's kind (and tool name). */
function lineSummary(line: Buffer): string {
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return 'unparsed';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'other';
  const o = v as { type?: unknown; message?: { content?: unknown } };
  const type = typeof o.type === 'string' ? o.type : 'other';
  const content = o.message?.content;
  if (Array.isArray(content) && content.length > 0) {
    const b = content[0] as { type?: unknown; name?: unknown };
    if (b?.type === 'tool_use' && typeof b.name === 'string') return `${type} tool_use ${b.name}`;
    if (typeof b?.type === 'string') return `${type} ${b.type}`;
  }
  return type;
}

interface Session {
  name: string;
  path: string;
  lines: Buffer[];
}

/**
 * One `git fast-import` stream for all sessions: for every line a blob and a
 * commit whose tree is that blob as `line.json`, parent = the previous line's
 * commit, on refs/sessions/<name>. One process, not one per commit.
 */
function fastImportStream(sessions: Session[]): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  let mark = 0;
  for (const s of sessions) {
    let prev = 0;
    for (const line of s.lines) {
      const blob = ++mark;
      text(`blob\nmark :${blob}\ndata ${line.length + 1}\n`);
      parts.push(line);
      text('\n\n');
      const commit = ++mark;
      const msg = Buffer.from(lineSummary(line) + '\n', 'utf8');
      text(`commit refs/sessions/${s.name}\nmark :${commit}\nauthor ${GIT_IDENT}\ncommitter ${GIT_IDENT}\ndata ${msg.length}\n`);
      parts.push(msg);
      text(`${prev ? `from :${prev}\n` : ''}M 100644 :${blob} line.json\n\n`);
      prev = commit;
    }
  }
  return Buffer.concat(parts);
}

/** Parses `git cat-file --batch` output into bodies, checking each header names a blob. */
function batchBodies(out: Buffer): Buffer[] {
  const bodies: Buffer[] = [];
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(10, pos);
    const header = out.subarray(pos, nl).toString('latin1').split(' ');
    check(header.length === 3 && header[1] === 'blob', 'git cat-file --batch printed something else than a blob', out.subarray(pos, pos + 200));
    const size = Number(header[2]);
    bodies.push(out.subarray(nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return bodies;
}

interface Row {
  key: string;
  what: string;
  time: Stats;
  /** Median minus the start-up floor of the same program (tapes --version, git --version). */
  overStartupMs?: number;
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
  corpus: { path: string; sessions: number; records: number; bytes: number };
  session: { name: string; records: number; bytes: number; middle: { line: number; record: string; commit: string } };
  setup: { import_ms: number; git_fast_import_ms: number; git_objects: string };
  reps: number;
  rows: Row[];
  ratios: Ratio[];
  notes: string[];
  profiles?: Record<string, ProfileSummary>;
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function phrase(r: Ratio): string {
  const base = r.base.split('.')[1]!;
  return r.ratio >= 1 ? `${base} is ${r.ratio.toFixed(2)}× faster` : `tapes is ${(1 / r.ratio).toFixed(2)}× faster`;
}

function renderText(res: Results): string {
  const m = res.machine;
  const out: string[] = [];
  out.push(`tapes read benchmark  ${res.date}`);
  out.push(`machine  ${m.platform}; ${m.cpus} × ${m.cpuModel}; ${m.memGiB} GiB; node ${m.node}; git ${m.git}`);
  out.push(`         temp dirs in ${m.tmpdir} (${m.tmpFs}); load average at start ${m.loadavgStart.join(' ')}, at end ${(m.loadavgEnd ?? []).join(' ')}`);
  out.push(`corpus   ${res.corpus.sessions} sessions, ${res.corpus.records} records, ${(res.corpus.bytes / 1e6).toFixed(1)} MB of transcript (${res.corpus.path})`);
  out.push(`session  ${res.session.name}: ${res.session.records} records, ${(res.session.bytes / 1e6).toFixed(2)} MB; middle record = line ${res.session.middle.line}`);
  out.push(`reps     ${res.reps} per measurement, interleaved; median shown, min–max beside it`);
  out.push('');
  out.push(
    table(
      ['what', 'median', 'range', 'minus start-up'],
      res.rows.map((r) => [
        r.what,
        fmtMs(r.time.median),
        `${fmtMs(r.time.min)}–${fmtMs(r.time.max)}`,
        r.overStartupMs === undefined ? '' : r.overStartupMs <= 0 ? '~0' : fmtMs(r.overStartupMs),
      ]),
      [false, true, true, true],
    ),
  );
  out.push('');
  out.push('ratios of wall time, tapes/baseline: above 1 means tapes is slower');
  out.push('  "medians" divides the two medians; "paired" is the median of per-rep ratios of runs made back to back');
  out.push(
    table(
      ['comparison', 'medians', 'paired', ''],
      res.ratios.map((r) => [r.what, `${r.ratio.toFixed(2)}×`, `${r.paired.toFixed(2)}×`, phrase(r)]),
      [false, true, true, false],
    ),
  );
  out.push('');
  out.push('notes');
  for (const n of res.notes) out.push(`  - ${n}`);
  for (const [name, p] of Object.entries(res.profiles ?? {})) {
    out.push('');
    out.push(`cpu profile: ${name} (main thread, ${fmtMs(p.totalMs)} sampled; self time)`);
    out.push(table(['function', 'self', 'share'], p.byFunction.map((h) => [h.name, fmtMs(h.ms), `${(h.share * 100).toFixed(1)}%`]), [false, true, true]));
    out.push('');
    out.push(table(['by file / package', 'self', 'share'], p.byFile.map((h) => [h.name, fmtMs(h.ms), `${(h.share * 100).toFixed(1)}%`]), [false, true, true]));
  }
  return out.join('\n') + '\n';
}

interface ImportedFile {
  path: string;
  session: string | null;
  status: string;
  records: number;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = nowMs();
  const machine = machineInfo();
  workDir = await makeTempDir('read');
  const archiveDir = join(workDir, 'archive');
  const gitDir = join(workDir, 'repo.git');
  await fs.mkdir(archiveDir);
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

  // 1. The archive: the whole claude-code corpus through the real CLI. Not timed
  // as a result (bench/import.js does that); the time goes in the notes.
  log('bench/read: import');
  runOk(NODE, [TAPES, 'init', '-q'], { cwd: archiveDir });
  const t0 = nowMs();
  const imp = spawnSync(NODE, [TAPES, 'import', '--json', CORPUS], { cwd: archiveDir, env: ENV, maxBuffer: 1 << 28 });
  const importMs = nowMs() - t0;
  // Exit 1 is expected: the corpus holds one file that is not a transcript, refused on purpose.
  if (imp.status !== 0 && imp.status !== 1) throw new Error(`tapes import exited with ${imp.status}\n${String(imp.stderr)}`);
  const imported = (JSON.parse(String(imp.stdout)) as { files: ImportedFile[] }).files.filter((f) => f.session !== null);
  if (imported.length === 0) throw new Error(`tapes import stored no session from ${CORPUS}`);

  // Each session's transcript, line by line: the git side stores exactly these.
  const sessions: Session[] = [];
  let corpusBytes = 0;
  let corpusRecords = 0;
  for (const f of imported) {
    if (f.status !== 'new') throw new Error(`${f.path}: import status ${f.status}, expected new in a fresh archive`);
    const bytes = readFileSync(f.path);
    const lines = transcriptLines(bytes);
    if (lines.length !== f.records) {
      throw new Error(`${f.path}: ${lines.length} non-empty lines but ${f.records} records; the git chain would not match`);
    }
    sessions.push({ name: f.session!, path: f.path, lines });
    corpusBytes += bytes.length;
    corpusRecords += f.records;
  }
  sessions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const longest = sessions.reduce((best, s) => (s.lines.length > best.lines.length ? s : best));
  const n = longest.lines.length;
  const ref = `refs/sessions/${longest.name}`;
  const S = sessions.length;

  // 2. The git baseline: one commit per line, all sessions, one fast-import.
  log('bench/read: git fast-import');
  runOk('git', ['init', '-q', '--bare', gitDir], { cwd: workDir });
  const stream = fastImportStream(sessions);
  const gitBuild = runOk('git', ['--git-dir', gitDir, 'fast-import', '--quiet'], { cwd: workDir, input: stream });
  const gitObjects = runOk('git', ['--git-dir', gitDir, 'count-objects', '-v'], { cwd: workDir })
    .stdout.toString('utf8')
    .split('\n')
    .filter((l) => /^(count|in-pack|packs):/.test(l))
    .join(', ');

  // The middle record on both sides: the same transcript line.
  const mid = Math.floor(n / 2);
  const ids = outLines(runOk(NODE, [TAPES, 'rev-list', '--reverse', ref], { cwd: archiveDir }).stdout);
  const commits = outLines(runOk('git', ['--git-dir', gitDir, 'rev-list', '--reverse', ref], { cwd: workDir }).stdout);
  check(ids.length === n, `tapes rev-list lists ${ids.length} records of ${ref}, expected ${n}`, ids.join('\n'));
  check(commits.length === n, `git rev-list lists ${commits.length} commits of ${ref}, expected ${n}`, commits.join('\n'));
  const midId = ids[mid]!;
  const midCommit = commits[mid]!;
  const midRecord = JSON.parse(runOk(NODE, [TAPES, 'cat-object', '-p', midId], { cwd: archiveDir }).stdout.toString('utf8')) as {
    source?: { line?: number };
  };
  if (midRecord.source?.line !== mid + 1) {
    throw new Error(`record ${midId} comes from line ${midRecord.source?.line}, expected line ${mid + 1} of ${longest.path}`);
  }
  const midLine = Buffer.concat([longest.lines[mid]!, Buffer.from('\n')]);

  // 3. The measurements, interleaved: each tapes command, then git's, rep after rep.
  // Every output is checked, so a fast wrong answer stops the benchmark.
  const steps: Array<{ key: string; what: string; run: () => number }> = [
    {
      key: 'log.tapes',
      // --all-records: every record a line, as git's log of the same chain (plain `log` folds the agent's bookkeeping into a count).
      what: `tapes log --all-records <session> > file (${n} records)`,
      run: () => {
        const r = runToFile(NODE, [TAPES, 'log', '--all-records', longest.name], archiveDir);
        check(outLines(r.out).length === n + 1, `tapes log printed ${outLines(r.out).length} lines, expected ${n} records + 1 header`, r.out);
        return r.ms;
      },
    },
    {
      key: 'log.git',
      what: "git log --format='%h %s' <ref> > file",
      run: () => {
        const r = runToFile('git', ['--git-dir', gitDir, 'log', '--format=%h %s', ref], workDir!);
        check(outLines(r.out).length === n, `git log printed ${outLines(r.out).length} lines, expected ${n}`, r.out);
        return r.ms;
      },
    },
    {
      key: 'json.tapes',
      what: 'tapes log --json <session> > file',
      run: () => {
        const r = runToFile(NODE, [TAPES, 'log', '--json', longest.name], archiveDir);
        const lines = outLines(r.out);
        check(lines.length === n, `tapes log --json printed ${lines.length} lines, expected ${n} records`, r.out);
        for (const l of lines) JSON.parse(l);
        return r.ms;
      },
    },
    {
      key: 'json.git',
      what: 'git log --format=%H:line.json <ref> | git cat-file --batch',
      run: () => {
        const r = runToFile(
          'sh',
          ['-c', 'git --git-dir "$1" log --format=%H:line.json "$2" | git --git-dir "$1" cat-file --batch', 'sh', gitDir, ref],
          workDir!,
        );
        const bodies = batchBodies(r.out);
        check(bodies.length === n, `git cat-file --batch printed ${bodies.length} blobs, expected ${n}`, r.out);
        // Newest first, as git log walks.
        for (let i = 0; i < n; i++) {
          check(bodies[i]!.equals(Buffer.concat([longest.lines[n - 1 - i]!, Buffer.from('\n')])), `git gave other bytes for line ${n - i}`, bodies[i]!);
        }
        return r.ms;
      },
    },
    {
      key: 'show.tapes',
      what: `tapes show <id> (record ${mid + 1} of ${n})`,
      run: () => {
        const r = runToFile(NODE, [TAPES, 'show', midId], archiveDir);
        check(r.out.toString('utf8').includes(midId), `tapes show does not print the record id ${midId}`, r.out);
        return r.ms;
      },
    },
    {
      key: 'show.git',
      what: 'git cat-file -p <commit>:line.json',
      run: () => {
        const r = runToFile('git', ['--git-dir', gitDir, 'cat-file', '-p', `${midCommit}:line.json`], workDir!);
        check(r.out.equals(midLine), `git cat-file -p did not print line ${mid + 1}`, r.out);
        return r.ms;
      },
    },
    {
      key: 'sessions.tapes',
      what: `tapes sessions (${S} sessions)`,
      run: () => {
        const r = runToFile(NODE, [TAPES, 'sessions'], archiveDir);
        const k = outLines(r.out).length;
        check(k === S || k === S + 1, `tapes sessions printed ${k} lines, expected ${S} sessions (and maybe a header)`, r.out);
        return r.ms;
      },
    },
    {
      key: 'sessions.git',
      what: 'git for-each-ref refs/sessions',
      run: () => {
        const r = runToFile('git', ['--git-dir', gitDir, 'for-each-ref', 'refs/sessions'], workDir!);
        check(outLines(r.out).length === S, `git for-each-ref printed ${outLines(r.out).length} refs, expected ${S}`, r.out);
        return r.ms;
      },
    },
    {
      key: 'startup.tapes',
      what: 'tapes --version',
      run: () => {
        const r = runToFile(NODE, [TAPES, '--version'], archiveDir);
        check(r.out.toString('utf8').trim() === version, `tapes --version did not print ${version}`, r.out);
        return r.ms;
      },
    },
    { key: 'startup.node', what: 'node -e 0', run: () => runToFile(NODE, ['-e', '0'], workDir!).ms },
    { key: 'startup.git', what: 'git --version', run: () => runToFile('git', ['--version'], workDir!).ms },
  ];

  // Warm-up, not timed: page cache of the modules and objects, and the checks run once before any timing.
  log('bench/read: warm-up');
  for (const s of steps) s.run();
  // sessions --json, untimed: one summary per session, so the plain output's line count means what it seems to.
  {
    const j = outLines(runOk(NODE, [TAPES, 'sessions', '--json'], { cwd: archiveDir }).stdout);
    check(j.length === S, `tapes sessions --json printed ${j.length} lines, expected ${S}`, j.join('\n'));
    const names = new Set(j.map((l) => String((JSON.parse(l) as { name?: unknown }).name)));
    const missing = sessions.filter((s) => !names.has(s.name)).map((s) => s.name);
    check(missing.length === 0, `tapes sessions --json misses ${missing.join(', ')}`, j.join('\n'));
  }

  const samples = new Map<string, number[]>(steps.map((s) => [s.key, []]));
  for (let rep = 0; rep < opts.reps; rep++) {
    log(`bench/read: rep ${rep + 1}/${opts.reps}`);
    for (const s of steps) samples.get(s.key)!.push(s.run());
  }

  let profiles: Record<string, ProfileSummary> | undefined;
  if (opts.profile) {
    log('bench/read: profile');
    profiles = {};
    const profDir = join(workDir, 'prof');
    const cmds: Array<[string, string[]]> = [
      [`tapes log --all-records ${longest.name}`, ['log', '--all-records', longest.name]],
      [`tapes log --json ${longest.name}`, ['log', '--json', longest.name]],
      [`tapes show ${midId.slice(0, 12)}…`, ['show', midId]],
      ['tapes sessions', ['sessions']],
    ];
    for (const [name, args] of cmds) {
      await fs.rm(profDir, { recursive: true, force: true });
      runToFile(NODE, ['--cpu-prof', '--cpu-prof-dir', profDir, TAPES, ...args], archiveDir);
      const [file] = (await fs.readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no CPU profile was written for ${name}`);
      profiles[name] = await summariseProfile(join(profDir, file), repoRoot, 10);
    }
  }

  const med = (key: string) => stats(samples.get(key)!).median;
  const rows: Row[] = steps.map((s) => {
    const floor = s.key.endsWith('.tapes') && s.key !== 'startup.tapes' ? med('startup.tapes')
      : s.key.endsWith('.git') && s.key !== 'startup.git' ? med('startup.git') : undefined;
    return { key: s.key, what: s.what, time: stats(samples.get(s.key)!), overStartupMs: floor === undefined ? undefined : med(s.key) - floor };
  });
  const ratio = (what: string, tapes: string, base: string): Ratio => {
    const a = samples.get(tapes)!;
    const b = samples.get(base)!;
    return { what, tapes, base, ratio: med(tapes) / med(base), paired: stats(a.map((x, i) => x / b[i]!)).median };
  };
  const ratios: Ratio[] = [
    ratio("log: tapes log vs git log --format='%h %s'", 'log.tapes', 'log.git'),
    ratio("log --json: tapes log --json vs git log --format='%h %s'", 'json.tapes', 'log.git'),
    ratio('log --json: tapes log --json vs git log | cat-file --batch', 'json.tapes', 'json.git'),
    ratio('show: tapes show vs git cat-file -p <commit>:line.json', 'show.tapes', 'show.git'),
    ratio('sessions: tapes sessions vs git for-each-ref', 'sessions.tapes', 'sessions.git'),
    ratio('start-up: tapes --version vs node -e 0', 'startup.tapes', 'startup.node'),
  ];
  machine.loadavgEnd = currentLoad();
  const notes = [
    `setup, not timed as a result: tapes import of the corpus took ${fmtMs(importMs)}; git fast-import of the same lines (${corpusRecords} blobs + ${corpusRecords} commits) took ${fmtMs(gitBuild.ms)} (${gitObjects})`,
    'every command writes its stdout to a file (no pager, no colour); wall time from spawn to exit, start-up included',
    '"minus start-up": median minus tapes --version (tapes rows) or git --version (git rows): roughly the work past loading the program',
    'the git repository is one pack written by fast-import (deltas between successive line.json blobs); tapes reads loose zstd objects and re-hashes each one it reads',
    "git log --format='%h %s' prints a stored one-line summary per commit; tapes log computes its summaries from the records, and log --json resolves every blob: hence the second baseline that prints every line in full",
    `checks: log has ${n} + 1 lines, log --json ${n} JSON lines, show prints the record id, sessions ${S} lines (or ${S} + a header; sessions --json names every session); git outputs are checked against the transcript bytes`,
    `whole run took ${((nowMs() - started) / 1000).toFixed(0)} s`,
  ];
  const results: Results = {
    date: new Date().toISOString(),
    machine,
    corpus: { path: CORPUS, sessions: S, records: corpusRecords, bytes: corpusBytes },
    session: {
      name: longest.name,
      records: n,
      bytes: longest.lines.reduce((k, l) => k + l.length + 1, 0),
      middle: { line: mid + 1, record: midId, commit: midCommit },
    },
    setup: { import_ms: importMs, git_fast_import_ms: gitBuild.ms, git_objects: gitObjects },
    reps: opts.reps,
    rows,
    ratios,
    notes,
    profiles,
  };
  process.stdout.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderText(results));
}

process.on('SIGINT', () => {
  removeWork();
  process.exit(130);
});

main().then(
  () => removeWork(),
  (err: Error) => {
    removeWork();
    process.stderr.write(`bench/read: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
