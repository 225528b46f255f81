// The diff benchmark (issue "Checkpoints and comparison"): `tapes diff` of
// the two largest sessions of the corpus, and of a session against a copy of
// itself with one step changed near the end (sharing its records up to the
// change, and, harder, under another session id so that nothing is shared by
// id and every step is digested); each against `git diff --no-index` of the
// same two JSONL files in the same run. Then the growth from 100 to 5,000
// steps (sessions made of real corpus lines, one step changed near the end,
// renamed so that every step is digested): the times, git's, and the growth
// exponent (1 = linear, 2 = quadratic). Times are medians of interleaved runs
// of the built binary, start-up included; see bench/README.md.
//
// Usage: node build/bench/diff.js [--json] [--reps N]
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, currentLoad, machineInfo, makeTempDir, nowMs, runOk, stats, type Stats } from './lib.js';
import { fmtMs } from './report.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
const CORPUS = resolve(repoRoot, '../shared/corpus/claude-code/projects');
const ENV = cleanEnv();
const SIZES = [100, 500, 1000, 2500, 5000];

function parseArgs(argv: string[]): { json: boolean; reps: number } {
  const o = { json: false, reps: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a.startsWith('--reps=')) o.reps = Number(a.slice(7));
    else throw new Error(`unknown argument ${a} (usage: diff.js [--json] [--reps N])`);
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

/** Runs a command and times it; diff-like exit statuses 0 and 1 are both success. */
function timed(cmd: string, args: string[], cwd: string): { ms: number; status: number; stdout: string } {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  const ms = nowMs() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${String(r.stderr).slice(0, 4000)}`);
  return { ms, status: r.status, stdout: String(r.stdout) };
}

/** Steps of transcript lines (one per content block of user and assistant lines), as tapes diff counts them. */
function steps(line: string): number {
  try {
    const o = JSON.parse(line) as { type?: string; message?: { content?: unknown } };
    if (o.type !== 'user' && o.type !== 'assistant') return 0;
    const c = o.message?.content;
    return typeof c === 'string' ? 1 : Array.isArray(c) ? c.length : 0;
  } catch {
    return 0;
  }
}

function transcripts(): Array<{ path: string; lines: string[] }> {
  const out: Array<{ path: string; lines: string[] }> = [];
  for (const dir of readdirSync(CORPUS).sort()) {
    for (const f of readdirSync(join(CORPUS, dir)).sort()) {
      if (!f.endsWith('.jsonl')) continue;
      const path = join(CORPUS, dir, f);
      if (!statSync(path).isFile()) continue;
      out.push({ path, lines: readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') });
    }
  }
  return out;
}

/** A copy of the lines with one tool result near the end given another text. */
function oneStepChanged(lines: string[]): string[] {
  const out = lines.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    const l = out[i]!;
    if (!l.includes('"tool_result"')) continue;
    const o = JSON.parse(l) as { message?: { content?: Array<{ type?: string; content?: unknown }> } };
    const b = o.message?.content?.find((x) => x.type === 'tool_result');
    if (!b) continue;
    b.content = 'changed by the benchmark';
    out[i] = JSON.stringify(o);
    return out;
  }
  throw new Error('no tool result to change');
}

/** The same lines under another session id: every record differs, the content does not. */
function renamed(lines: string[]): string[] {
  return lines.map((l) => l.replace(/"sessionId":"/g, '"sessionId":"renamed-'));
}

interface Case {
  name: string;
  steps: number;
  tapes: Stats;
  git: Stats;
  ratio: number;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  workDir = await makeTempDir('diff');
  const load = currentLoad();
  const all = transcripts();
  const src = join(workDir, 'src');
  await fs.mkdir(src);
  const files: Array<{ name: string; lines: string[] }> = [];
  const add = (name: string, lines: string[]) => files.push({ name, lines });

  // The two largest sessions, and the largest against itself with one step changed.
  const largest = [...all].sort((a, b) => b.lines.length - a.lines.length).slice(0, 2);
  add('large-a', largest[0]!.lines);
  add('large-b', largest[1]!.lines);
  const changed = oneStepChanged(largest[0]!.lines);
  add('large-a-changed', changed);
  add('large-a-renamed-changed', renamed(changed));

  // Sessions of 100 … 5,000 steps from real lines (the corpus cycled as needed).
  const pool = all.flatMap((t) => t.lines);
  for (const size of SIZES) {
    const lines: string[] = [];
    let n = 0;
    for (let i = 0; n < size; i++) {
      const l = pool[i % pool.length]!;
      lines.push(l);
      n += steps(l);
    }
    add(`s${size}`, lines);
    add(`s${size}-renamed-changed`, renamed(oneStepChanged(lines)));
  }
  for (const f of files) await fs.writeFile(join(src, `${f.name}.jsonl`), f.lines.join('\n') + '\n');
  log(`importing ${files.length} sessions…`);
  runOk(NODE, [TAPES, 'init', '-q'], { cwd: workDir });
  runOk(NODE, [TAPES, 'import', src], { cwd: workDir });

  const stepsOf = (name: string) => files.find((f) => f.name === name)!.lines.reduce((s, l) => s + steps(l), 0);
  const cases: Array<{ name: string; a: string; b: string }> = [
    { name: 'two largest sessions', a: 'large-a', b: 'large-b' },
    { name: 'largest vs copy, one step changed near the end (records shared)', a: 'large-a', b: 'large-a-changed' },
    { name: 'largest vs renamed copy, one step changed (all digested)', a: 'large-a', b: 'large-a-renamed-changed' },
    ...SIZES.map((s) => ({ name: `${s} steps vs renamed copy, one step changed`, a: `s${s}`, b: `s${s}-renamed-changed` })),
  ];
  const results: Case[] = [];
  for (const c of cases) {
    log(c.name);
    const tapesMs: number[] = [];
    const gitMs: number[] = [];
    for (let r = 0; r < opts.reps; r++) {
      const t = timed(NODE, [TAPES, 'diff', '--no-pager', c.a, c.b], workDir);
      if (t.status !== 1 || !/^diverged /m.test(t.stdout)) throw new Error(`tapes diff ${c.a} ${c.b}: expected a difference\n${t.stdout.slice(-2000)}`);
      tapesMs.push(t.ms);
      const g = timed('git', ['diff', '--no-index', join(src, `${c.a}.jsonl`), join(src, `${c.b}.jsonl`)], workDir);
      if (g.status !== 1) throw new Error('git diff found no difference');
      gitMs.push(g.ms);
    }
    const ts = stats(tapesMs);
    const gs = stats(gitMs);
    results.push({ name: c.name, steps: Math.max(stepsOf(c.a), stepsOf(c.b)), tapes: ts, git: gs, ratio: ts.median / gs.median });
  }
  const scaling = results.slice(3);
  const t1000 = scaling[2]!.tapes.median;
  const t5000 = scaling[4]!.tapes.median;
  const t100 = scaling[0]!.tapes.median;
  const exponent = Math.log(t5000 / t1000) / Math.log(5);
  const out = { machine: machineInfo(), load, reps: opts.reps, cases: results, growth: { exponent_1000_to_5000: exponent, ms_per_step_at_5000: t5000 / 5000, t100_ms: t100, t5000_ms: t5000 } };
  if (opts.json) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  const rows = results.map((r) => [r.name, String(r.steps), fmtMs(r.tapes.median), `${fmtMs(r.tapes.min)}–${fmtMs(r.tapes.max)}`, fmtMs(r.git.median), `${r.ratio.toFixed(1)}×`]);
  const head = ['case', 'steps', 'tapes diff', 'min–max', 'git diff --no-index', 'tapes/git'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`tapes diff vs git diff --no-index of the same JSONL files (medians of ${opts.reps}; load ${load.map((x) => x.toFixed(2)).join(' ')})\n`);
  process.stdout.write(line(head) + '\n' + rows.map(line).join('\n') + '\n');
  process.stdout.write(
    `growth 1,000 → 5,000 steps: ×${(t5000 / t1000).toFixed(2)} for ×5 steps (exponent ${exponent.toFixed(2)}; 1 linear, 2 quadratic); ` +
      `${(t5000 / 5000).toFixed(2)} ms per step at 5,000\n`,
  );
}

process.on('SIGINT', () => {
  removeWork();
  process.exit(130);
});
main()
  .catch((err: unknown) => {
    process.stderr.write(`bench/diff: ${(err as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(removeWork);
