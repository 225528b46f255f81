// Writes scripts/test-weights.json: how much each fast test file costs, run
// alone with Node (no tap runner, no coverage), one file after another: the
// CPU time, in milliseconds, of its process and every process it waited for
// (user and system, from the shell's `times`), less what a test file of
// nothing costs (Node and tap starting, paid once per group). scripts/test-groups.mjs reads
// it to make groups of equal cost; a file missing from it counts as the
// median, so a stale table only balances the groups less well, it never
// leaves a test out. CPU time, not the time on the clock: the suite keeps
// both cores busy, so a file that spawns the CLI twenty times costs its whole
// CPU time there, while one that waits on fsync leaves its core to the other
// job (by the clock, the group of the bundle and completion tests took 26 s
// where its files alone took 19 s, and others 11 s for 19 s).
//
// Run after `npm run build`, on a machine otherwise idle (some three minutes):
//   node scripts/test-weights.mjs
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastTestFiles, root, tests, weightsPath } from './test-groups.mjs';

/** CPU milliseconds of `node ...args` and what it waited for, and its exit status. */
function cpuOf(args) {
  // `times` prints the shell's own CPU time, then its children's.
  const r = spawnSync('/bin/sh', ['-c', '"$0" "$@" >/dev/null 2>&1; s=$?; times; exit $s', process.execPath, ...args], { cwd: root, encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  const seconds = (lines[lines.length - 1] ?? '').split(/\s+/).map((x) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(x);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  });
  return { ms: Math.round((seconds[0] + seconds[1]) * 1000), status: r.status };
}

// What a file costs alone that it does not cost in a group: Node and tap
// starting (some 200 ms). The least of three runs of a test of nothing.
const start = Math.min(...[1, 2, 3].map(() => cpuOf(['--input-type=module', '-e', "import t from 'tap'; t.test('nothing', async (t) => t.ok(true));"]).ms));
process.stderr.write(`a test of nothing: ${start} ms\n`);

const files = fastTestFiles(tests);
const weights = {};
let failed = 0;
for (const [i, f] of files.entries()) {
  const { ms, status } = cpuOf([join(tests, f)]);
  if (status !== 0 || !Number.isFinite(ms)) {
    failed++;
    process.stderr.write(`${f}: exit ${status} (its weight is kept, but look at it)\n`);
  }
  weights[f] = Number.isFinite(ms) ? Math.max(10, Math.round((ms - start) / 10) * 10) : 0;
  process.stderr.write(`[${i + 1}/${files.length}] ${f} ${ms} ms\n`);
}
writeFileSync(weightsPath, JSON.stringify(weights, null, 1) + '\n');
const total = Object.values(weights).reduce((a, b) => a + b, 0);
process.stderr.write(`wrote ${weightsPath}: ${files.length} files, ${(total / 1000).toFixed(1)} s in all${failed ? `, ${failed} failed` : ''}\n`);
