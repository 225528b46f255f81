// Writes build/test-groups/: the fast suite's test files, a few to a file,
// so that `npm test` starts one test process per group instead of one per
// test file. Each test process under tap pays about a second and a half
// before its first test (Node, tap, and tap's process-info loader hook, which
// on Node 20 sends every module load through a worker thread); with some
// eighty files that was most of the suite's time (issue 13).
//
// A group is a plain module importing its test files in order: each file's
// top-level t.test() calls land on the one root test, run one after another,
// and report their own file and line on failure. Generated on every build
// from what tsc compiled, so a new test file is always in a group;
// test/architecture.test.ts checks that every fast test file is in exactly
// one. One file still runs alone with
// `npx tap build/test/<folder>/<name>.test.js`.
//
// The groups are of equal cost, not of equal count: files are cut in path
// order (a group stays within a few folders, and loads their modules once)
// into GROUPS runs whose costliest is as cheap as it can be, by the CPU time
// each file took alone (scripts/test-weights.json, written by
// scripts/test-weights.mjs; a file not in it counts as the median). They are
// numbered costliest first: tap starts them in name order on its two jobs.
// Nine files to a group, in path order, made one group of 24 s beside groups
// of 2 s, and 15 processes each paid tap's start (about a second each by the
// suite's clock). Eight groups: fewer would save a second or two of starts,
// but one group misjudged by a quarter would then hold the other job idle
// longer at the end. (The table is of CPU time, not time on the clock: the
// suite keeps both cores busy; by clock times, the groups' predicted lengths
// matched the suite's with a correlation of 0.27, by CPU times 0.86.)
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GROUPS = 8;

export const root = fileURLToPath(new URL('..', import.meta.url));
export const tests = join(root, 'build', 'test');
export const weightsPath = join(root, 'scripts', 'test-weights.json');
const out = join(root, 'build', 'test-groups');

function walk(dir, base, found) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, base, found);
    else if (e.name.endsWith('.test.js') && !e.name.endsWith('.long.test.js')) found.push(relative(base, p).split('\\').join('/'));
  }
  return found;
}

/** The fast test files under `dir` (build/test), relative to it, in path order. */
export function fastTestFiles(dir) {
  return walk(dir, dir, []);
}

/** Each file's weight: its time alone, or the median of the known ones. */
export function weigh(files, known) {
  const times = Object.values(known).filter((v) => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  const median = times.length ? times[times.length >> 1] : 1000;
  return files.map((f) => (typeof known[f] === 'number' && known[f] > 0 ? known[f] : median));
}

/**
 * Cuts `weights` (in order) into at most `k` runs whose largest sum is the
 * least it can be: the least capacity at which filling runs in order needs
 * no more than `k` of them. Returns the runs' start indexes.
 */
export function partition(weights, k) {
  const runsAt = (cap) => {
    const starts = [0];
    let sum = 0;
    for (const [i, w] of weights.entries()) {
      if (sum + w > cap && sum > 0) {
        starts.push(i);
        sum = 0;
      }
      sum += w;
    }
    return starts;
  };
  let lo = Math.max(0, ...weights);
  let hi = weights.reduce((a, b) => a + b, 0);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (runsAt(mid).length <= k) hi = mid;
    else lo = mid + 1;
  }
  return weights.length ? runsAt(lo) : [];
}

function main() {
  rmSync(out, { recursive: true, force: true });
  if (!existsSync(tests)) return;
  const files = fastTestFiles(tests);
  const known = existsSync(weightsPath) ? JSON.parse(readFileSync(weightsPath, 'utf8')) : {};
  const weights = weigh(files, known);
  const starts = partition(weights, GROUPS);
  const groups = starts.map((s, i) => {
    const end = starts[i + 1] ?? files.length;
    return { files: files.slice(s, end), weight: weights.slice(s, end).reduce((a, b) => a + b, 0) };
  });
  groups.sort((a, b) => b.weight - a.weight);
  mkdirSync(out, { recursive: true });
  for (const [i, { files: group }] of groups.entries()) {
    const name = `${String(i + 1).padStart(2, '0')}-${group[0].replace(/\.test\.js$/, '').replace(/\//g, '-')}.test.js`;
    // One after another: a file's top-level await (an archive set up before
    // its tests) finishes before the next file starts, as when it runs alone.
    // Until all are loaded a first test holds the root open: a root teardown
    // makes tap end the root as soon as it is idle, which it would be while a
    // later file is still setting up.
    const body =
      '// Generated by scripts/test-groups.mjs: these test files in one process, in order.\n' +
      "import t from 'tap';\n" +
      'let loaded;\n' +
      'const ready = new Promise((resolve) => (loaded = resolve));\n' +
      `t.test('${group.length} test files loaded', async (t) => t.ok(await ready));\n` +
      'try {\n' +
      group.map((f) => `  await import('../test/${f}');\n`).join('') +
      '} finally {\n  loaded(true);\n}\n';
    writeFileSync(join(out, name), body);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
