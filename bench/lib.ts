// Helpers shared by the benchmark steps: timing, child processes with a clean
// environment, the corpus, object counts and machine facts. Nothing here
// measures anything by itself.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promises as fs, statfsSync } from 'node:fs';
import { cpus, availableParallelism, loadavg, platform, arch, release, totalmem, tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export interface Stats {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, samples };
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Run {
  ms: number;
  stdout: Buffer;
  stderr: Buffer;
  status: number | null;
}

/**
 * The environment every child runs in: the caller's, minus anything that
 * would point tapes or git somewhere else or change how they behave (a user's
 * ~/.gitconfig could turn on fsync or compression settings and skew the
 * baseline), so that both sides run with their shipped defaults.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GIT_') || k === 'TAPES_DIR' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.FORCE_COLOR = '0';
  return env;
}

const ENV = cleanEnv();

/** Runs a program to completion and times it from spawn to exit (wall clock). */
export function run(cmd: string, args: string[], opts: { cwd: string; input?: string | Buffer } = { cwd: tmpdir() }): Run {
  const t0 = nowMs();
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: ENV,
    input: opts.input,
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ms = nowMs() - t0;
  if (r.error) throw r.error;
  return { ms, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Like run, but any exit status other than 0 stops the benchmark with the child's stderr. */
export function runOk(cmd: string, args: string[], opts: { cwd: string; input?: string | Buffer }): Run {
  const r = run(cmd, args, opts);
  if (r.status !== 0) {
    const shown = args.length > 6 ? [...args.slice(0, 6), `… (${args.length} arguments)`] : args;
    throw new Error(
      `${cmd} ${shown.join(' ')} exited with ${r.status}\n${r.stderr.toString('utf8').slice(0, 4000)}`,
    );
  }
  return r;
}

/** Every regular file under `root`, sorted by path so runs are comparable. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  }
  await walk(root);
  return out.sort((a, b) => (relative(root, a) < relative(root, b) ? -1 : 1));
}

/**
 * Loose objects under an objects/ directory with git's fan-out, for either
 * format: `idHexLength` is 64 for tapes (SHA-256) and 40 for git (SHA-1).
 * Temp files left by a writer are not objects and are not counted.
 */
export async function countLooseObjects(objectsDir: string, idHexLength: number): Promise<{ count: number; bytes: number }> {
  const rest = new RegExp(`^[0-9a-f]{${idHexLength - 2}}$`);
  let count = 0;
  let bytes = 0;
  for (const d of await fs.readdir(objectsDir)) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const n of await fs.readdir(join(objectsDir, d))) {
      if (!rest.test(n)) continue;
      count++;
      bytes += (await fs.stat(join(objectsDir, d, n))).size;
    }
  }
  return { count, bytes };
}

export async function makeTempDir(label: string): Promise<string> {
  return fs.mkdtemp(join(tmpdir(), `tapes-bench-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

// statfs f_type values, so the report can say whether fsync hits a real disk.
const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x65735546: 'fuse',
  0x6969: 'nfs',
  0x2fc12fc1: 'zfs',
};

export interface MachineInfo {
  node: string;
  git: string;
  platform: string;
  cpuModel: string;
  cpus: number;
  availableParallelism: number;
  memGiB: number;
  tmpdir: string;
  tmpFs: string;
  loadavgStart: number[];
  loadavgEnd?: number[];
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  let tmpFs = 'unknown';
  try {
    const t = statfsSync(tmpdir()).type;
    tmpFs = FS_TYPES[t] ?? `0x${t.toString(16)}`;
  } catch {
    // statfs is missing on some platforms; the report just says unknown.
  }
  const git = run('git', ['--version']).stdout.toString('utf8').trim().replace(/^git version /, '');
  return {
    node: process.version,
    git,
    platform: `${platform()} ${release()} ${arch()}`,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cpus: c.length,
    availableParallelism: availableParallelism(),
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    tmpdir: tmpdir(),
    tmpFs,
    loadavgStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function currentLoad(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** A transcript's lines as stored bytes, in order; empty lines hold no record. */
export function transcriptLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(10, start);
    const end = nl < 0 ? bytes.length : nl;
    if (end > start) lines.push(bytes.subarray(start, end));
    if (nl < 0) break;
    start = nl + 1;
  }
  return lines;
}
