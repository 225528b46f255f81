// The search and export benchmark (issue "Find and share"): on an archive
// holding the claude-code corpus, the search index's full build and its
// incremental update after importing one more session; the wall time of whole
// `tapes search` processes for a rare word, a common word, a phrase and a prefix, each
// against ripgrep counting matching files over the raw JSONL in the same run
// (`rg -c WORD DIR | wc -l`); and the HTML export of the largest session
// against exporting its original bytes. Medians of interleaved runs.
//
// Usage: node build/bench/search.js [--json] [--reps N]
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, currentLoad, listFiles, machineInfo, makeTempDir, nowMs, stats, type Stats } from './lib.js';
import { fmtMs } from './report.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
const CORPUS = resolve(repoRoot, '../shared/corpus/claude-code/projects');
const ENV = { ...cleanEnv(), TZ: 'UTC' };

/** The queries: a word in two transcripts, the commonest English word, a two-word phrase, a prefix. */
const QUERIES = [
  { what: 'rare word', tapes: 'shellcheck', rg: ['-c', '-F', 'shellcheck'] },
  { what: 'common word', tapes: 'the', rg: ['-c', '-F', 'the'] },
  { what: 'phrase', tapes: '"git worktree"', rg: ['-c', '-F', 'git worktree'] },
  { what: 'prefix', tapes: 'worktr*', rg: ['-c', '-F', 'worktr'] },
];

interface Options {
  json: boolean;
  reps: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, reps: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a.startsWith('--reps=')) o.reps = Number(a.slice('--reps='.length));
    else throw new Error(`unknown argument ${a} (usage: search.js [--json] [--reps N])`);
  }
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps takes a positive integer');
  return o;
}

function log(msg: string): void {
  if (process.stderr.isTTY) process.stderr.write(msg + '\n');
}

let workDir: string | undefined;
function removeWork(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

/** Runs a program with stdout to a file and times it from spawn to exit. */
function timed(cmd: string, args: string[], cwd: string, okStatus = [0]): { ms: number; out: Buffer } {
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
  if (!okStatus.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${String(r.stderr).slice(0, 4000)}`);
  return { ms, out: readFileSync(outFile) };
}

const tapes = (args: string[], cwd: string) => timed(NODE, [TAPES, ...args], cwd);

function ensureRipgrep(): string {
  const have = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (have.status === 0) return have.stdout.split('\n')[0]!;
  log('ripgrep is missing: installing it with apt-get (the benchmark only)');
  const r = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq ripgrep'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('ripgrep is not installed and apt-get could not install it');
  return spawnSync('rg', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]!;
}

interface Row {
  what: string;
  time: Stats;
  note?: string;
}

interface Ratio {
  what: string;
  tapes: Stats;
  baseline: Stats;
  baselineName: string;
  /** tapes median / baseline median: above 1, tapes is slower. */
  ratio: number;
  /** median over reps of tapes[i] / baseline[i] (each pair ran back to back). */
  paired: number;
}

function pairedRatio(a: number[], b: number[]): number {
  return stats(a.map((x, i) => x / b[i]!)).median;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const rgVersion = ensureRipgrep();
  workDir = await makeTempDir('search');
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (removeWork(), process.exit(130)));
  const loadStart = currentLoad();
  const archive = join(workDir, 'a');
  const files = (await listFiles(CORPUS)).filter((f) => f.endsWith('.jsonl'));
  const corpusBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  // The one more session: a mid-sized transcript, imported last.
  const bySize = [...files].sort((a, b) => statSync(a).size - statSync(b).size);
  const extra = bySize[Math.floor(bySize.length / 2)]!;
  const rest = files.filter((f) => f !== extra);
  const rows: Row[] = [];
  const ratios: Ratio[] = [];

  log('importing the corpus (minus one session)…');
  spawnSync('mkdir', ['-p', archive]);
  tapes(['init', '-q'], archive);
  const imported = tapes(['import', ...rest], archive);
  rows.push({ what: `tapes import, ${rest.length} transcripts (includes building the index)`, time: stats([imported.ms]) });

  log('full index build…');
  const builds: number[] = [];
  for (let i = 0; i < o.reps; i++) builds.push(tapes(['index', '--rebuild'], archive).ms);
  const indexFile = join(archive, '.tapes', 'index', 'search.sqlite');
  const indexBytes = statSync(indexFile).size;
  // What the issue measures the index against: the object store (loose objects and packs), as `du -sb` counts it.
  const objectBytes = (await listFiles(join(archive, '.tapes', 'objects'))).reduce((n, f) => n + statSync(f).size, 0);
  const held = JSON.parse(tapes(['index', '--json'], archive).out.toString()) as { records: number; chains: number };
  rows.push({
    what: `tapes index --rebuild (${held.records} records, ${held.chains} chains)`,
    time: stats(builds),
    note: `index ${(indexBytes / 1e6).toFixed(1)} MB for ${(corpusBytes / 1e6).toFixed(1)} MB of JSONL, ${(indexBytes / objectBytes).toFixed(2)}× the ${(objectBytes / 1e6).toFixed(1)} MB of objects`,
  });

  log('incremental update…');
  const saved = join(workDir, 'saved.sqlite');
  copyFileSync(indexFile, saved);
  const importOne = tapes(['import', extra], archive);
  rows.push({ what: `tapes import of one more session (${basename(extra)}, ${(statSync(extra).size / 1e3).toFixed(0)} kB), index updated`, time: stats([importOne.ms]) });
  const updates: number[] = [];
  const noops: number[] = [];
  for (let i = 0; i < o.reps; i++) {
    for (const p of [`${indexFile}-wal`, `${indexFile}-shm`]) rmSync(p, { force: true });
    copyFileSync(saved, indexFile);
    const u = tapes(['index', '--json'], archive);
    const s = JSON.parse(u.out.toString()) as { chains_updated: number; records_indexed: number };
    if (s.chains_updated !== 1) throw new Error(`expected the one new session to be indexed, got ${JSON.stringify(s)}`);
    updates.push(u.ms);
    noops.push(tapes(['index'], archive).ms);
  }
  rows.push({ what: 'tapes index after that import (incremental: one session)', time: stats(updates) });
  rows.push({ what: 'tapes index when current (nothing to do: the start-up floor)', time: stats(noops) });
  ratios.push({ what: 'incremental update vs nothing to do', tapes: stats(updates), baseline: stats(noops), baselineName: 'tapes index (current)', ratio: stats(updates).median / stats(noops).median, paired: pairedRatio(updates, noops) });
  ratios.push({ what: 'incremental update vs full build', tapes: stats(updates), baseline: stats(builds), baselineName: 'tapes index --rebuild', ratio: stats(updates).median / stats(builds).median, paired: stats(updates).median / stats(builds).median });

  log('queries…');
  // The floor every tapes process pays (node, yargs) before any work: a search is compared with it too.
  const floor: number[] = [];
  for (let i = 0; i < o.reps; i++) floor.push(tapes(['--version'], archive).ms);
  rows.push({ what: 'tapes --version (start-up floor)', time: stats(floor) });
  for (const q of QUERIES) {
    const t: number[] = [];
    const g: number[] = [];
    let hits = 0;
    let filesMatched = 0;
    for (let i = 0; i < o.reps; i++) {
      const a = tapes(['search', '-n', '20', q.tapes], archive);
      hits = a.out.toString().split('\n').filter(Boolean).length;
      t.push(a.ms);
      const b = timed('sh', ['-c', `rg ${q.rg.map((x) => `'${x}'`).join(' ')} "$0" | wc -l`, CORPUS], workDir!);
      filesMatched = Number(b.out.toString().trim());
      g.push(b.ms);
    }
    if (hits === 0 || filesMatched === 0) throw new Error(`query ${q.tapes}: tapes printed ${hits} results, rg matched ${filesMatched} files`);
    rows.push({ what: `tapes search -n 20 ${q.tapes} (${hits} shown)`, time: stats(t) });
    rows.push({ what: `rg ${q.rg.join(' ')} DIR | wc -l (${filesMatched} files)`, time: stats(g) });
    ratios.push({ what: `search, ${q.what}`, tapes: stats(t), baseline: stats(g), baselineName: 'rg -c | wc -l', ratio: stats(t).median / stats(g).median, paired: pairedRatio(t, g) });
    ratios.push({ what: `search, ${q.what}`, tapes: stats(t), baseline: stats(floor), baselineName: 'tapes --version', ratio: stats(t).median / stats(floor).median, paired: stats(t).median / stats(floor).median });
  }

  log('HTML export of the largest session…');
  const sessions = tapes(['sessions', '--json'], archive)
    .out.toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { name: string; records: number });
  const largest = sessions.sort((a, b) => b.records - a.records)[0]!;
  const html = join(workDir, 'largest.html');
  const orig = join(workDir, 'largest.jsonl');
  const h: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < o.reps; i++) {
    h.push(tapes(['export', largest.name, '--format', 'html', '-o', html], archive).ms);
    g.push(tapes(['export', largest.name, '-o', orig], archive).ms);
  }
  const htmlBytes = statSync(html).size;
  const origBytes = statSync(orig).size;
  rows.push({ what: `tapes export --format html, largest session (${largest.records} records)`, time: stats(h), note: `${(htmlBytes / 1e6).toFixed(2)} MB HTML for ${(origBytes / 1e6).toFixed(2)} MB of JSONL (${(htmlBytes / origBytes).toFixed(2)}×)` });
  rows.push({ what: 'tapes export --format original, same session', time: stats(g) });
  ratios.push({ what: 'HTML export vs original bytes', tapes: stats(h), baseline: stats(g), baselineName: 'export --format original', ratio: stats(h).median / stats(g).median, paired: pairedRatio(h, g) });

  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    ripgrep: rgVersion,
    corpus: { path: CORPUS, files: files.length, bytes: corpusBytes },
    reps: o.reps,
    load: { start: loadStart, end: currentLoad() },
    index: { bytes: indexBytes, object_bytes: objectBytes, records: held.records, chains: held.chains },
    html: { session: largest.name, records: largest.records, bytes: htmlBytes, original_bytes: origBytes },
    rows,
    ratios,
  };
  removeWork();
  if (o.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const out: string[] = [];
  out.push(`tapes search/export benchmark — ${result.date}`);
  out.push(`corpus: ${files.length} transcripts, ${(corpusBytes / 1e6).toFixed(1)} MB; ${o.reps} reps; ${rgVersion}; load ${loadStart} → ${result.load.end}`);
  out.push('');
  const w = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows) out.push(`${r.what.padEnd(w)}  ${fmtMs(r.time.median).padStart(9)}  (${fmtMs(r.time.min)}–${fmtMs(r.time.max)})${r.note ? `  ${r.note}` : ''}`);
  out.push('');
  out.push('ratios (tapes / baseline, medians; paired = median of back-to-back pairs; above 1 tapes is slower):');
  const rw = Math.max(...ratios.map((r) => r.what.length));
  for (const r of ratios) out.push(`  ${r.what.padEnd(rw)}  ${r.ratio.toFixed(2)}×  (paired ${r.paired.toFixed(2)}×)  vs ${r.baselineName}`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err) => {
  removeWork();
  process.stderr.write(`bench/search: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
