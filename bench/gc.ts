// The gc benchmark (issue "Packs and gc"): on the claude-code corpus imported
// (loose, automatic gc off), in one run:
// - disk use of .tapes (du -sb bytes and du -sk real blocks) before and after
//   `tapes gc`, as fractions of the raw transcripts, against a git repository
//   of the same data (one commit per transcript line, as bench/read.ts builds
//   it) after `git gc` and after `git gc --aggressive`;
// - `tapes gc` wall time against `git gc` (and `--aggressive`);
// - `tapes log` of the largest session and `tapes show` of its middle record
//   from packs against from loose objects (outputs checked equal);
// - `tapes fsck` on the packed archive against `git fsck --full`;
// - pack size by frame size and zstd level (1 to 4 MiB), through the API;
// - a whole archive to a file remote: `tapes clone` of the loose archive
//   (every object read and verified, then written as one new pack) against
//   copying a finished pack and its index and verifying every object (what a
//   transfer could do when the other side lacks a whole pack; not done yet).
// Times are medians of interleaved runs; ratios are against the baselines of
// the same run. Usage: node build/bench/gc.js [--json] [--reps N]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, promises as fs, readFileSync, readdirSync, rmSync, copyFileSync, openSync, closeSync, fsyncSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, currentLoad, machineInfo, makeTempDir, nowMs, runOk, stats, transcriptLines, type Stats } from './lib.js';
import { fmtMs } from './report.js';
import { Archive, gc } from '../src/archive/index.js';
import { LooseObjectStore, PackSet } from '../src/odb/index.js';
import { loadCodec } from '../src/object/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
const CORPUS = resolve(repoRoot, '../shared/corpus/claude-code/projects');
const ENV = cleanEnv();
const GIT_IDENT = 'tapes bench <bench@tapes.invalid> 1700000000 +0000';
const MiB = 1024 * 1024;

let json = false;
let reps = 5;
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a === '--json') json = true;
  else if (a === '--reps') reps = Number(process.argv[++i]);
  else throw new Error(`unknown argument ${a} (usage: gc.js [--json] [--reps N])`);
}

function log(msg: string): void {
  if (process.stderr.isTTY) process.stderr.write(msg + '\n');
}

let workDir: string | undefined;
function removeWork(): void {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}
process.on('exit', removeWork);
process.on('SIGINT', () => {
  removeWork();
  process.exit(130);
});

/**
 * du -sb and du -sk of a directory: apparent bytes, and bytes of allocated
 * blocks. For an archive, `.tapes/index/` (derived data: the search index,
 * the session index, the git mirror's map, all rebuilt from the objects when
 * missing) is left out, as git's own index and caches would be; its size is
 * reported on its own.
 */
function du(dir: string, exclude?: string): { bytes: number; blocks: number } {
  const ex = exclude ? [`--exclude=${exclude}`] : [];
  const b = Number(runOk('du', ['-sb', ...ex, dir], { cwd: workDir! }).stdout.toString().split('\t')[0]);
  const k = Number(runOk('du', ['-sk', ...ex, dir], { cwd: workDir! }).stdout.toString().split('\t')[0]);
  return { bytes: b, blocks: k * 1024 };
}

function timed(cmd: string, args: string[], cwd: string): { ms: number; out: Buffer } {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, { cwd, env: ENV, maxBuffer: 1 << 28 });
  const ms = nowMs() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${String(r.stderr).slice(0, 3000)}`);
  return { ms, out: r.stdout };
}

/** The git baseline of bench/read.ts: for each line a blob and a commit (tree: line.json), chained per session. */
function fastImportStream(sessions: Array<{ name: string; lines: Buffer[] }>): Buffer {
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
      let type = 'other';
      try {
        const v = JSON.parse(line.toString('utf8')) as { type?: unknown };
        if (typeof v?.type === 'string') type = v.type;
      } catch {
        type = 'unparsed';
      }
      const msg = Buffer.from(type + '\n', 'utf8');
      text(`commit refs/sessions/${s.name}\nmark :${commit}\nauthor ${GIT_IDENT}\ncommitter ${GIT_IDENT}\ndata ${msg.length}\n`);
      parts.push(msg);
      text(`${prev ? `from :${prev}\n` : ''}M 100644 :${blob} line.json\n\n`);
      prev = commit;
    }
  }
  return Buffer.concat(parts);
}

/** Runs each step `reps` times, interleaved, and returns the medians. */
function interleave(steps: Record<string, () => number>): Record<string, Stats> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  for (let r = 0; r < reps; r++) {
    for (const [k, f] of Object.entries(steps)) {
      // Each step starts with the disk flushed, so that no step pays for the writes of the one before.
      spawnSync('sync');
      samples[k]!.push(f());
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
}

async function main(): Promise<void> {
  const machine = machineInfo();
  workDir = await makeTempDir('gc');
  const looseRoot = join(workDir, 'loose');
  const packedRoot = join(workDir, 'packed');
  mkdirSync(looseRoot);

  // 1. The corpus, imported with automatic gc off: every object loose.
  const files = readdirSync(CORPUS, { recursive: true, encoding: 'utf8' })
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => join(CORPUS, n))
    .sort();
  const rawBytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
  log('bench/gc: import');
  runOk(NODE, [TAPES, 'init', '-q'], { cwd: looseRoot });
  await fs.appendFile(join(looseRoot, '.tapes', 'config'), '[gc]\n\tauto = 0\n');
  const imp = JSON.parse(runOk(NODE, [TAPES, 'import', '--json', ...files], { cwd: looseRoot }).stdout.toString()) as {
    files: Array<{ session: string | null; records: number; path: string }>;
    objects_written: number;
  };
  const imported = imp.files.filter((f) => f.session !== null);
  const largest = imported.reduce((a, b) => (b.records > a.records ? b : a));
  const looseDu = du(join(looseRoot, '.tapes'), 'index');
  const derivedDu = du(join(looseRoot, '.tapes', 'index'));

  // 2. tapes gc (on a copy; the loose archive stays for the read comparison).
  cpSync(looseRoot, packedRoot, { recursive: true });
  spawnSync('sync');
  log('bench/gc: tapes gc');
  const tgc = timed(NODE, [TAPES, 'gc', '--json'], packedRoot);
  const gcResult = JSON.parse(tgc.out.toString()) as { pack: { objects: number; frames: number; bytes: number } };
  const packedDu = du(join(packedRoot, '.tapes'), 'index');
  const fsckClean = spawnSync(NODE, [TAPES, 'fsck'], { cwd: packedRoot, env: ENV });
  if (fsckClean.status !== 0 || fsckClean.stdout.length) throw new Error(`fsck after gc: ${fsckClean.stdout}`);

  // 3. git: the same lines, one commit each; gc and gc --aggressive from the same start.
  log('bench/gc: git');
  const sessions = imported
    .filter((f) => !f.path.includes('/subagents/'))
    .map((f) => ({ name: f.session!, lines: transcriptLines(readFileSync(f.path)) }));
  const sub = imported.filter((f) => f.path.includes('/subagents/'));
  sub.forEach((f, i) => sessions.push({ name: `agents/${i}`, lines: transcriptLines(readFileSync(f.path)) }));
  const gitBase = join(workDir, 'base.git');
  runOk('git', ['init', '-q', '--bare', gitBase], { cwd: workDir });
  runOk('git', ['--git-dir', gitBase, 'fast-import', '--quiet'], { cwd: workDir, input: fastImportStream(sessions) });
  const gitFastImportDu = du(gitBase);
  const gitGcDir = join(workDir, 'gc.git');
  const gitAggDir = join(workDir, 'agg.git');
  cpSync(gitBase, gitGcDir, { recursive: true });
  cpSync(gitBase, gitAggDir, { recursive: true });
  spawnSync('sync');
  const ggc = timed('git', ['--git-dir', gitGcDir, 'gc', '-q'], workDir);
  const gitGcDu = du(gitGcDir);
  const gagg = timed('git', ['--git-dir', gitAggDir, 'gc', '-q', '--aggressive'], workDir);
  const gitAggDu = du(gitAggDir);

  // 4. gc wall time, repeated (each tapes run on a fresh loose copy; git gc on a fresh fast-import copy).
  log('bench/gc: gc times');
  const gcTimes = interleave({
    tapes: () => {
      const d = join(workDir!, 'rep-tapes');
      rmSync(d, { recursive: true, force: true });
      cpSync(looseRoot, d, { recursive: true });
      // Flush the copy first: tapes fsyncs its pack, and on ext4 that would also write out the copy.
      spawnSync('sync');
      const ms = timed(NODE, [TAPES, 'gc', '-q'], d).ms;
      rmSync(d, { recursive: true, force: true });
      return ms;
    },
    git: () => {
      const d = join(workDir!, 'rep.git');
      rmSync(d, { recursive: true, force: true });
      cpSync(gitBase, d, { recursive: true });
      spawnSync('sync');
      const ms = timed('git', ['--git-dir', d, 'gc', '-q'], workDir!).ms;
      rmSync(d, { recursive: true, force: true });
      return ms;
    },
  });

  // 5. Reads from packs against loose objects: the same output.
  log('bench/gc: reads');
  const ids = timed(NODE, [TAPES, 'rev-list', '--reverse', largest.session!], looseRoot).out.toString().trim().split('\n');
  const mid = ids[Math.floor(ids.length / 2)]!;
  const logLoose = timed(NODE, [TAPES, 'log', largest.session!], looseRoot).out;
  const logPacked = timed(NODE, [TAPES, 'log', largest.session!], packedRoot).out;
  if (!logLoose.equals(logPacked)) throw new Error('tapes log prints something else from packs');
  const showLoose = timed(NODE, [TAPES, 'show', mid], looseRoot).out;
  if (!showLoose.equals(timed(NODE, [TAPES, 'show', mid], packedRoot).out)) throw new Error('tapes show prints something else from packs');
  const reads = interleave({
    'log.loose': () => timed(NODE, [TAPES, 'log', largest.session!], looseRoot).ms,
    'log.packed': () => timed(NODE, [TAPES, 'log', largest.session!], packedRoot).ms,
    'show.loose': () => timed(NODE, [TAPES, 'show', mid], looseRoot).ms,
    'show.packed': () => timed(NODE, [TAPES, 'show', mid], packedRoot).ms,
    'fsck.packed': () => timed(NODE, [TAPES, 'fsck'], packedRoot).ms,
    'fsck.loose': () => timed(NODE, [TAPES, 'fsck'], looseRoot).ms,
    'git.fsck': () => timed('git', ['--git-dir', gitAggDir, 'fsck', '--full'], workDir!).ms,
  });

  // 6. Pack size by frame size and level (the table in docs/format.md §3.4).
  log('bench/gc: frame sizes');
  const frames: Array<{ frameMiB: number; level: number; packBytes: number; frames: number; ms: number }> = [];
  for (const [frameMiB, level] of [[1, 3], [2, 3], [4, 3], [4, 5], [3, 7], [1, 9], [2, 9]] as const) {
    const d = join(workDir, 'frames');
    rmSync(d, { recursive: true, force: true });
    cpSync(join(looseRoot, '.tapes'), d, { recursive: true });
    spawnSync('sync');
    const t0 = nowMs();
    const r = await gc(await Archive.openAt(d), { frameSize: frameMiB * MiB, level });
    frames.push({ frameMiB, level, packBytes: r.pack!.bytes, frames: r.pack!.frames, ms: nowMs() - t0 });
    rmSync(d, { recursive: true, force: true });
  }

  // 7. A whole archive to a file remote: tapes clone (objects read, verified and
  // packed anew) against copying a finished pack as it is, verified.
  log('bench/gc: file remote transfer');
  const codec = await loadCodec();
  const transfer = interleave({
    'clone.objects': () => {
      const d = join(workDir!, 'clone-objects');
      rmSync(d, { recursive: true, force: true });
      const ms = timed(NODE, [TAPES, 'clone', join(looseRoot, '.tapes'), d], workDir!).ms;
      rmSync(d, { recursive: true, force: true });
      return ms;
    },
    'copy.pack': () => {
      const d = join(workDir!, 'clone-pack');
      rmSync(d, { recursive: true, force: true });
      const t0 = nowMs();
      copyPackVerified(join(packedRoot, '.tapes', 'objects', 'pack'), join(d, 'objects', 'pack'));
      const ms = nowMs() - t0;
      rmSync(d, { recursive: true, force: true });
      return ms;
    },
  });
  // The verification the prototype adds (counted in copy.pack): every object decoded and hashed.
  function copyPackVerified(from: string, to: string): void {
    mkdirSync(to, { recursive: true });
    for (const n of readdirSync(from)) {
      copyFileSync(join(from, n), join(to, n));
      const fd = openSync(join(to, n), 'r');
      fsyncSync(fd);
      closeSync(fd);
    }
    // In pack order (ids() order), so that each frame is decoded once.
    const set = new PackSet(to, codec);
    let n = 0;
    for (const id of set.ids()) if (set.encoded(id)) n++;
    set.close();
    if (n === 0) throw new Error('prototype: no object in the copied pack');
  }
  void LooseObjectStore;

  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const results = {
    date: new Date().toISOString(),
    machine: { ...machine, loadavgEnd: currentLoad() },
    corpus: { files: files.length, sessions: imported.length, bytes: rawBytes, objects: imp.objects_written, largest: { session: largest.session, records: largest.records } },
    pack: gcResult.pack,
    disk: {
      tapesLoose: { ...looseDu, bytesOfRaw: ratio(looseDu.bytes, rawBytes), blocksOfRaw: ratio(looseDu.blocks, rawBytes) },
      tapesPacked: { ...packedDu, bytesOfRaw: ratio(packedDu.bytes, rawBytes), blocksOfRaw: ratio(packedDu.blocks, rawBytes) },
      gitFastImport: { ...gitFastImportDu, bytesOfRaw: ratio(gitFastImportDu.bytes, rawBytes), blocksOfRaw: ratio(gitFastImportDu.blocks, rawBytes) },
      gitGc: { ...gitGcDu, bytesOfRaw: ratio(gitGcDu.bytes, rawBytes), blocksOfRaw: ratio(gitGcDu.blocks, rawBytes) },
      gitAggressive: { ...gitAggDu, bytesOfRaw: ratio(gitAggDu.bytes, rawBytes), blocksOfRaw: ratio(gitAggDu.blocks, rawBytes) },
      tapesPackedVsGitAggressive: { bytes: ratio(packedDu.bytes, gitAggDu.bytes), blocks: ratio(packedDu.blocks, gitAggDu.blocks), target: 0.5 },
      tapesPackedVsGitGc: { bytes: ratio(packedDu.bytes, gitGcDu.bytes), blocks: ratio(packedDu.blocks, gitGcDu.blocks) },
    },
    gcWall: { tapesFirstMs: tgc.ms, gitGcFirstMs: ggc.ms, gitAggressiveMs: gagg.ms, tapes: gcTimes.tapes, git: gcTimes.git, ratio: ratio(gcTimes.tapes!.median, gcTimes.git!.median) },
    reads: {
      ...reads,
      logPackedVsLoose: ratio(reads['log.packed']!.median, reads['log.loose']!.median),
      showPackedVsLoose: ratio(reads['show.packed']!.median, reads['show.loose']!.median),
      fsckPackedVsGitFsckFull: ratio(reads['fsck.packed']!.median, reads['git.fsck']!.median),
      fsckPackedVsLoose: ratio(reads['fsck.packed']!.median, reads['fsck.loose']!.median),
    },
    frames,
    fileRemotePrototype: { ...transfer, packVsObjects: ratio(transfer['copy.pack']!.median, transfer['clone.objects']!.median) },
  };
  if (json) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    return;
  }
  const pct = (x: number) => x.toFixed(3);
  const d = results.disk;
  const out: string[] = [];
  out.push(`tapes gc benchmark  ${results.date}`);
  out.push(`machine  ${machine.platform}; ${machine.cpus} cpus; node ${machine.node}; git ${machine.git}; tmp ${machine.tmpFs}`);
  out.push(`corpus   ${files.length} transcripts, ${(rawBytes / 1e6).toFixed(1)} MB raw; ${imp.objects_written} objects; largest session ${largest.records} records`);
  out.push(`pack     ${gcResult.pack.objects} objects in ${gcResult.pack.frames} frames, ${(gcResult.pack.bytes / 1e6).toFixed(2)} MB`);
  out.push('');
  out.push('disk use as a fraction of the raw transcripts      du -sb    du -sk');
  const row = (what: string, x: { bytesOfRaw: number; blocksOfRaw: number }) => out.push(`  ${what.padEnd(46)}  ${pct(x.bytesOfRaw).padStart(6)}    ${pct(x.blocksOfRaw).padStart(6)}`);
  row('tapes, loose objects', d.tapesLoose);
  row('tapes, after tapes gc', d.tapesPacked);
  row('git, after fast-import', d.gitFastImport);
  row('git, after git gc', d.gitGc);
  row('git, after git gc --aggressive', d.gitAggressive);
  out.push(`  tapes gc / git gc --aggressive: ${pct(d.tapesPackedVsGitAggressive.bytes)} (du -sb), ${pct(d.tapesPackedVsGitAggressive.blocks)} (du -sk); target <= 0.5`);
  out.push(`  tapes gc / git gc:              ${pct(d.tapesPackedVsGitGc.bytes)} (du -sb), ${pct(d.tapesPackedVsGitGc.blocks)} (du -sk)`);
  out.push(`  (.tapes/index/, derived data left out above: ${(derivedDu.bytes / 1e6).toFixed(2)} MB, ${pct(derivedDu.bytes / rawBytes)} of raw; mostly the search index)`);
  out.push('');
  out.push(`wall time (median of ${reps}, interleaved; tapes/baseline, above 1 = tapes slower)`);
  const t = (k: string, s: Stats) => out.push(`  ${k.padEnd(28)} ${fmtMs(s.median).padStart(9)}  (${fmtMs(s.min)}–${fmtMs(s.max)})`);
  t('tapes gc', gcTimes.tapes!);
  t('git gc', gcTimes.git!);
  out.push(`  git gc --aggressive (once)   ${fmtMs(gagg.ms).padStart(9)}`);
  for (const [k, s] of Object.entries(reads)) t(k, s);
  out.push(`  tapes gc / git gc: ${results.gcWall.ratio}×`);
  out.push(`  log packed / loose: ${results.reads.logPackedVsLoose}× (target <= 1); show packed / loose: ${results.reads.showPackedVsLoose}×`);
  out.push(`  fsck packed / git fsck --full: ${results.reads.fsckPackedVsGitFsckFull}×; fsck packed / loose: ${results.reads.fsckPackedVsLoose}×`);
  out.push('');
  out.push('pack size by frame size and zstd level');
  for (const f of frames) out.push(`  ${String(f.frameMiB).padStart(2)} MiB, level ${f.level}: ${(f.packBytes / 1e6).toFixed(2)} MB in ${f.frames} frames (${fmtMs(f.ms)})`);
  out.push('');
  out.push('file remote: whole archive to an empty remote');
  t('tapes clone (objects read, verified, packed anew)', transfer['clone.objects']!);
  t('copy pack + verify all', transfer['copy.pack']!);
  out.push(`  pack / object files: ${results.fileRemotePrototype.packVsObjects}×`);
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => removeWork(),
  (err) => {
    removeWork();
    process.stderr.write(`bench/gc: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
