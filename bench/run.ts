// The core storage benchmark (`npm run bench`): writing the shared corpus as
// blobs, reading it back with verification, and fsck, each against git doing
// the same job on the same files in the same run. The machine is shared and
// noisy, so the ratios matter more than the absolute times; see bench/README.md.
//
// Usage: node build/bench/run.js [--json] [--reps N] [--profile]
import { promises as fs, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Archive, WriteQueue, hashObject } from '../src/archive/index.js';
import { needsChunking, readContent } from '../src/odb/index.js';
import { fsck } from '../src/fsck/index.js';
import { summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { measureComponents } from './components.js';
import {
  countLooseObjects,
  currentLoad,
  listFiles,
  machineInfo,
  makeTempDir,
  nowMs,
  removeDir,
  runOk,
  stats,
} from './lib.js';
import { renderText, type Ratio, type Results, type Row } from './report.js';

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
    else throw new Error(`unknown argument ${a} (usage: run.js [--json] [--reps N] [--profile])`);
  }
  if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps takes a positive integer');
  return o;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;

// Temp dirs still on disk, removed on any exit (including Ctrl-C).
const tempDirs = new Set<string>();
async function tempDir(label: string): Promise<string> {
  const d = await makeTempDir(label);
  tempDirs.add(d);
  return d;
}
async function dropDir(d: string): Promise<void> {
  await removeDir(d);
  tempDirs.delete(d);
}
function removeAllSync(): void {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function log(msg: string): void {
  // Progress on stderr, and only on a terminal, so that stdout is just the table (or JSON).
  if (process.stderr.isTTY) process.stderr.write(msg + '\n');
}

function lines(buf: Buffer): string[] {
  return buf.toString('utf8').split('\n').filter((l) => l.length > 0);
}

function expectIds(out: Buffer, n: number, hexLength: number, who: string): string[] {
  const ids = lines(out);
  const re = new RegExp(`^[0-9a-f]{${hexLength}}$`);
  if (ids.length !== n || !ids.every((id) => re.test(id))) {
    throw new Error(`${who}: expected ${n} ids, got ${ids.length} lines:\n${out.toString('utf8').slice(0, 2000)}`);
  }
  return ids;
}

function sameBytes(a: Uint8Array, b: Buffer): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

interface TapesArchive {
  dir: string;
  archiveDir: string;
  ids: string[];
  objects: number;
  storedBytes: number;
}
interface GitRepo {
  dir: string;
  gitDir: string;
  ids: string[];
  objects: number;
  storedBytes: number;
}

async function tapesCliWrite(files: string[]): Promise<{ ms: number; archive: TapesArchive }> {
  const dir = await tempDir('tapes');
  runOk(NODE, [TAPES, 'init', '-q'], { cwd: dir });
  const r = runOk(NODE, [TAPES, 'hash-object', '-w', ...files], { cwd: dir });
  const ids = expectIds(r.stdout, files.length, 64, 'tapes hash-object -w');
  const archiveDir = join(dir, '.tapes');
  const c = await countLooseObjects(join(archiveDir, 'objects'), 64);
  return { ms: r.ms, archive: { dir, archiveDir, ids, objects: c.count, storedBytes: c.bytes } };
}

async function gitWrite(files: string[], config: string[]): Promise<{ ms: number; repo: GitRepo }> {
  const dir = await tempDir('git');
  const gitDir = join(dir, 'repo.git');
  runOk('git', ['init', '-q', '--bare', gitDir], { cwd: dir });
  const r = runOk('git', ['--git-dir', gitDir, ...config, 'hash-object', '-w', ...files], { cwd: dir });
  const ids = expectIds(r.stdout, files.length, 40, 'git hash-object -w');
  const c = await countLooseObjects(join(gitDir, 'objects'), 40);
  return { ms: r.ms, repo: { dir, gitDir, ids, objects: c.count, storedBytes: c.bytes } };
}

/** The same writes through the porcelain API, in this process: no node start-up, yargs or per-run codec load. */
async function tapesApiWrite(files: string[], expected: string[]): Promise<{ ms: number; objects: number }> {
  const dir = await tempDir('tapes-api');
  const { path } = await Archive.init({ cwd: dir, env: {} });
  const archive = await Archive.openAt(path);
  await archive.objects(); // the codec loads once per process; keep it out of the timing
  const t0 = nowMs();
  const queue = new WriteQueue(await archive.objectWriter());
  for (let i = 0; i < files.length; i++) {
    const bytes = await fs.readFile(files[i]!);
    const r = await hashObject(queue, 'blob', bytes, files[i]!);
    if (r.id !== expected[i]) throw new Error(`API and CLI disagree on ${files[i]}: ${r.id} vs ${expected[i]}`);
  }
  await queue.flush();
  const ms = nowMs() - t0;
  const c = await countLooseObjects(join(path, 'objects'), 64);
  await dropDir(dir);
  return { ms, objects: c.count };
}

/** Reads every id back through the API and compares it with the original file, byte for byte. */
async function tapesApiRead(archiveDir: string, ids: string[], originals: Buffer[], files: string[]): Promise<number> {
  const archive = await Archive.openAt(archiveDir);
  const store = await archive.objects();
  const t0 = nowMs();
  for (let i = 0; i < ids.length; i++) {
    const got = await readContent(store, ids[i]!);
    if (!sameBytes(got, originals[i]!)) {
      throw new Error(`read-back mismatch: ${files[i]} (id ${ids[i]}) came back as ${got.length} different bytes`);
    }
  }
  return nowMs() - t0;
}

/** `git cat-file --batch` over every id; its output is checked against the originals after the clock stops. */
function gitBatchRead(repo: GitRepo, originals: Buffer[], files: string[]): number {
  const r = runOk('git', ['--git-dir', repo.gitDir, 'cat-file', '--batch'], {
    cwd: repo.dir,
    input: repo.ids.join('\n') + '\n',
  });
  let pos = 0;
  for (let i = 0; i < repo.ids.length; i++) {
    const nl = r.stdout.indexOf(10, pos);
    const header = r.stdout.subarray(pos, nl).toString('latin1');
    const size = Number(header.split(' ')[2]);
    const body = r.stdout.subarray(nl + 1, nl + 1 + size);
    if (header !== `${repo.ids[i]} blob ${originals[i]!.length}` || !body.equals(originals[i]!)) {
      throw new Error(`git cat-file --batch returned something else for ${files[i]}: ${header}`);
    }
    pos = nl + 1 + size + 1;
  }
  return r.ms;
}

/** fsck through its API, in this process: the check itself, without start-up. */
async function tapesApiFsck(t: TapesArchive): Promise<number> {
  const archive = await Archive.openAt(t.archiveDir);
  const store = await archive.objectVerifier();
  const t0 = nowMs();
  const r = await fsck({ dir: archive.dir, objectsDir: archive.objectsDir, store }, { onFinding: () => undefined });
  const ms = nowMs() - t0;
  if (r.exitCode !== 0 || r.counts.objects !== t.objects) {
    throw new Error(`fsck() found errors or read ${r.counts.objects} of ${t.objects} objects: ${JSON.stringify(r.counts)}`);
  }
  return ms;
}

async function profileRun(args: string[], cwd: string, name: string): Promise<ProfileSummary> {
  const profDir = await tempDir('prof');
  runOk(NODE, ['--cpu-prof', '--cpu-prof-dir', profDir, TAPES, ...args], { cwd });
  const [file] = (await fs.readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile was written for ${name}`);
  const s = await summariseProfile(join(profDir, file), repoRoot);
  await dropDir(profDir);
  return s;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = nowMs();
  const machine = machineInfo();
  const corpusPath = resolve(repoRoot, '../shared/corpus');
  const files = await listFiles(corpusPath);
  if (files.length === 0) throw new Error(`no files in ${corpusPath}`);
  // Held in memory for the read-back comparison; reading them also warms the page cache.
  const originals = await Promise.all(files.map((f) => fs.readFile(f)));
  const totalBytes = originals.reduce((n, b) => n + b.length, 0);
  const chunked = originals.filter((b) => needsChunking(b)).length;
  log(`bench: ${files.length} files, ${(totalBytes / 1e6).toFixed(1)} MB, ${opts.reps} reps`);

  // Warm-up, not timed: first-run effects (page cache of the binary's modules, git's).
  {
    const w = await tapesCliWrite(files);
    await dropDir(w.archive.dir);
    const g = await gitWrite(files, []);
    await dropDir(g.repo.dir);
  }

  // 1. Write: one process, all files, fresh archive / repository each rep;
  // the measurements are interleaved so that drift on the machine hits all alike.
  log('bench: write');
  const t = { cli: [] as number[], api: [] as number[], git: [] as number[], gitSync: [] as number[] };
  let archive: TapesArchive | undefined;
  let repo: GitRepo | undefined;
  let gitSyncObjects = 0;
  let apiObjects = 0;
  for (let rep = 0; rep < opts.reps; rep++) {
    const w = await tapesCliWrite(files);
    t.cli.push(w.ms);
    if (archive) {
      if (archive.objects !== w.archive.objects) throw new Error('tapes wrote a different number of objects between reps');
      await dropDir(archive.dir);
    }
    archive = w.archive;

    const g = await gitWrite(files, []);
    t.git.push(g.ms);
    if (repo) await dropDir(repo.dir);
    repo = g.repo;

    const gs = await gitWrite(files, ['-c', 'core.fsync=loose-object', '-c', 'core.fsyncMethod=fsync']);
    t.gitSync.push(gs.ms);
    gitSyncObjects = gs.repo.objects;
    await dropDir(gs.repo.dir);

    const a = await tapesApiWrite(files, archive.ids);
    t.api.push(a.ms);
    apiObjects = a.objects;
  }
  archive = archive!;
  repo = repo!;
  if (apiObjects !== archive.objects) throw new Error(`API wrote ${apiObjects} objects, CLI ${archive.objects}`);

  // 2. Read back and verify.
  log('bench: read');
  const tr = { api: [] as number[], git: [] as number[], cat1: [] as number[], gitCat1: [] as number[] };
  const largest = originals.reduce((best, b, i) => (b.length > originals[best]!.length ? i : best), 0);
  for (let rep = 0; rep < opts.reps; rep++) {
    tr.api.push(await tapesApiRead(archive.archiveDir, archive.ids, originals, files));
    tr.git.push(gitBatchRead(repo, originals, files));
    // One whole process per object, as a script calling `tapes cat-object` would pay it.
    const c = runOk(NODE, [TAPES, 'cat-object', archive.ids[largest]!], { cwd: archive.dir });
    if (!c.stdout.equals(originals[largest]!)) throw new Error(`tapes cat-object gave other bytes for ${files[largest]}`);
    tr.cat1.push(c.ms);
    const gc = runOk('git', ['--git-dir', repo.gitDir, 'cat-file', 'blob', repo.ids[largest]!], { cwd: repo.dir });
    if (!gc.stdout.equals(originals[largest]!)) throw new Error(`git cat-file gave other bytes for ${files[largest]}`);
    tr.gitCat1.push(gc.ms);
  }

  // 3. fsck of the archive and the repository written in step 1.
  log('bench: fsck');
  const tf = { tapes: [] as number[], git: [] as number[], api: [] as number[] };
  for (let rep = 0; rep < opts.reps; rep++) {
    tf.tapes.push(runOk(NODE, [TAPES, 'fsck'], { cwd: archive.dir }).ms);
    tf.git.push(runOk('git', ['--git-dir', repo.gitDir, 'fsck', '--full', '--no-dangling'], { cwd: repo.dir }).ms);
    tf.api.push(await tapesApiFsck(archive));
  }
  // Not timed: make sure fsck really read every object, so a fast fsck is not one that skipped work.
  {
    const j = JSON.parse(runOk(NODE, [TAPES, 'fsck', '--json'], { cwd: archive.dir }).stdout.toString('utf8')) as {
      counts?: { objects?: number; error?: number };
    };
    if (j.counts?.objects !== archive.objects || j.counts.error !== 0) {
      throw new Error(`tapes fsck --json reports ${JSON.stringify(j.counts)}; expected ${archive.objects} objects, no errors`);
    }
  }

  // Fixed cost per invocation: one tiny, never-seen blob into an existing store.
  log('bench: start-up');
  const tfix = { tapes: [] as number[], git: [] as number[], version: [] as number[] };
  {
    const dir = await tempDir('fixed');
    const gitDir = join(dir, 'repo.git');
    runOk(NODE, [TAPES, 'init', '-q'], { cwd: dir });
    runOk('git', ['init', '-q', '--bare', gitDir], { cwd: dir });
    for (let rep = 0; rep < opts.reps; rep++) {
      const tiny = join(dir, `tiny-${rep}.txt`);
      await fs.writeFile(tiny, `tiny file ${rep} ${Date.now()}\n`);
      tfix.tapes.push(runOk(NODE, [TAPES, 'hash-object', '-w', tiny], { cwd: dir }).ms);
      tfix.git.push(runOk('git', ['--git-dir', gitDir, 'hash-object', '-w', tiny], { cwd: dir }).ms);
      tfix.version.push(runOk(NODE, [TAPES, '--version'], { cwd: dir }).ms);
    }
    await dropDir(dir);
  }

  log('bench: components');
  const comp = await measureComponents(originals, opts.reps);

  let profiles: Record<string, ProfileSummary> | undefined;
  if (opts.profile) {
    log('bench: profile');
    const dir = await tempDir('prof-archive');
    runOk(NODE, [TAPES, 'init', '-q'], { cwd: dir });
    profiles = {
      'tapes hash-object -w (all files, fresh archive)': await profileRun(['hash-object', '-w', ...files], dir, 'hash-object'),
      'tapes fsck (that archive)': await profileRun(['fsck'], dir, 'fsck'),
    };
    await dropDir(dir);
  }

  const n = files.length;
  const row = (key: string, what: string, samples: number[], bytes?: number, objects?: number): Row => ({
    key,
    step: key.startsWith('read1') ? 'read 1' : key.split('.')[0]!,
    what,
    time: stats(samples),
    bytes,
    objects,
  });
  const big = originals[largest]!.length;
  const all = [totalBytes, archive.objects] as const;
  const gitAll = [totalBytes, repo.objects] as const;
  const cpu = [comp.bytes, comp.objects] as const;
  const rows: Row[] = [
    row('write.cli', 'tapes hash-object -w, CLI, 1 process', t.cli, ...all),
    row('write.api', 'tapes hashObject(), API, in-process', t.api, totalBytes, apiObjects),
    row('write.git', 'git hash-object -w (defaults)', t.git, ...gitAll),
    row('write.gitFsync', 'git hash-object -w, core.fsync=loose-object', t.gitSync, totalBytes, gitSyncObjects),
    row('read.api', 'tapes readContent() + compare, API', tr.api, totalBytes, n),
    row('read.git', 'git cat-file --batch, 1 process', tr.git, totalBytes, n),
    row('read1.cli', `tapes cat-object, largest file (${(big / 1e6).toFixed(1)} MB)`, tr.cat1, big),
    row('read1.git', 'git cat-file blob, same file', tr.gitCat1, big),
    row('fsck.tapes', 'tapes fsck', tf.tapes, undefined, archive.objects),
    row('fsck.git', 'git fsck --full --no-dangling', tf.git, undefined, repo.objects),
    row('fsck.api', 'tapes fsck(), API, in-process', tf.api, undefined, archive.objects),
    row('fixed.tapes', 'tapes hash-object -w, 1 tiny file', tfix.tapes),
    row('fixed.git', 'git hash-object -w, 1 tiny file', tfix.git),
    row('fixed.version', 'tapes --version (node + CLI start-up)', tfix.version),
    row('cpu.chunk', 'FastCDC boundaries, files over 1 MiB', comp.ms.chunk, comp.chunkedBytes),
    row('cpu.sha256', 'SHA-256 of every object (tapes id)', comp.ms.sha256, ...cpu),
    row('cpu.sha1', 'SHA-1 of the same (git id)', comp.ms.sha1, ...cpu),
    row('cpu.zstd', 'zstd -3 compress, wasm codec (tapes)', comp.ms.zstdCompress, ...cpu),
    row('cpu.zlib', 'zlib -1 deflate, node:zlib (git loose)', comp.ms.zlibDeflate, ...cpu),
    row('cpu.unzstd', 'zstd decompress, wasm codec', comp.ms.zstdDecompress, ...cpu),
    row('cpu.inflate', 'zlib inflate, node:zlib', comp.ms.zlibInflate, ...cpu),
  ];
  const med = (key: string) => rows.find((r) => r.key === key)!.time.median;
  const paired = (tapes: string, git: string): number => {
    const a = rows.find((r) => r.key === tapes)!.time.samples;
    const b = rows.find((r) => r.key === git)!.time.samples;
    return stats(a.map((x, i) => x / b[i]!)).median;
  };
  const ratio = (what: string, tapes: string, git: string): Ratio => ({
    what,
    tapes,
    git,
    ratio: med(tapes) / med(git),
    paired: paired(tapes, git),
  });
  const ratios: Ratio[] = [
    ratio('write: tapes CLI vs git hash-object -w (headline)', 'write.cli', 'write.git'),
    ratio('write: tapes CLI vs git with fsync of loose objects', 'write.cli', 'write.gitFsync'),
    ratio('write: tapes API (in-process) vs git hash-object -w', 'write.api', 'write.git'),
    ratio('read+verify: tapes API vs git cat-file --batch', 'read.api', 'read.git'),
    ratio('read one large blob: tapes cat-object vs git cat-file', 'read1.cli', 'read1.git'),
    ratio('fsck: tapes fsck vs git fsck --full', 'fsck.tapes', 'fsck.git'),
    ratio('fsck: tapes fsck() API (in-process) vs git fsck --full', 'fsck.api', 'fsck.git'),
    ratio('fixed cost: one tiny hash-object -w', 'fixed.tapes', 'fixed.git'),
    ratio('cpu: zstd -3 (wasm) vs zlib -1 compress', 'cpu.zstd', 'cpu.zlib'),
    ratio('cpu: zstd (wasm) vs zlib decompress', 'cpu.unzstd', 'cpu.inflate'),
    ratio('cpu: SHA-256 vs SHA-1', 'cpu.sha256', 'cpu.sha1'),
  ];
  machine.loadavgEnd = currentLoad();
  const notes = [
    `tapes stored ${archive.objects} objects (${(archive.storedBytes / 1e6).toFixed(1)} MB zstd) for ${n} files; git stored ${repo.objects} (${(repo.storedBytes / 1e6).toFixed(1)} MB zlib)`,
    'tapes fsyncs every object it writes; git by default does not fsync loose objects, hence the core.fsync=loose-object row',
    'CLI and git rows are wall time of the whole process (start-up included); API rows are in-process, codec already loaded',
    `cpu rows: in-process, on the ${comp.objects} encoded objects the files become (${(comp.bytes / 1e6).toFixed(1)} MB); zstd output ${(comp.zstdBytes / 1e6).toFixed(1)} MB, zlib -1 output ${(comp.zlibBytes / 1e6).toFixed(1)} MB; node:zlib stands in for the zlib git links`,
    'read+verify: tapes re-hashes every object (SHA-256) and compares with the original file; git cat-file does not re-hash, and its output is compared after the clock stops',
    'git fsck runs with --no-dangling: the blobs are unreachable from any ref, which it would otherwise list (it checks them all the same)',
    `whole run took ${((nowMs() - started) / 1000).toFixed(0)} s`,
  ];
  const results: Results = {
    date: new Date().toISOString(),
    machine,
    corpus: { path: corpusPath, files: n, bytes: totalBytes, chunked },
    reps: opts.reps,
    rows,
    ratios,
    notes,
    profiles,
  };
  process.stdout.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderText(results));
  await dropDir(archive.dir);
  await dropDir(repo.dir);
}

process.on('SIGINT', () => {
  removeAllSync();
  process.exit(130);
});

main().then(
  () => removeAllSync(),
  (err: Error) => {
    removeAllSync();
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
