import t from 'tap';
import { checkpointDue } from '../../src/archive/import.js';

const MiB = 1024 * 1024;

/** The stretches (bytes read between checkpoints, the last ending the import) for files of these sizes. */
function stretches(sizes: number[]): number[] {
  let left = sizes.reduce((a, b) => a + b, 0);
  let since = 0;
  let before = 0;
  const out: number[] = [];
  for (const s of sizes) {
    left -= s;
    since += s;
    if (checkpointDue(since, left, before)) {
      out.push(since);
      before += since;
      since = 0;
    }
  }
  out.push(since);
  return out;
}

t.test('stretches grow from 16 MiB to 128 MiB, then shrink, so the first and the last are small', async (t) => {
  // 522 files of 1.3 MB: the size of the scale corpus.
  const sizes = Array.from({ length: 522 }, () => 1.3e6);
  const s = stretches(sizes);
  t.equal(s.reduce((a, b) => a + b, 0), 522 * 1.3e6, 'every byte is in one stretch');
  t.ok(s[0]! <= 16 * MiB + 1.3e6, `the first stretch is ${(s[0]! / MiB).toFixed(1)} MiB`);
  t.ok(s[s.length - 1]! <= 16 * MiB + 1.3e6, `the last stretch is ${(s[s.length - 1]! / MiB).toFixed(1)} MiB`);
  t.ok(s.some((x) => x >= 128 * MiB), 'the middle ones are 128 MiB');
  for (const x of s.slice(0, -1)) t.ok(x >= 16 * MiB && x < 128 * MiB + 1.3e6, `a stretch of ${(x / MiB).toFixed(1)} MiB`);
  t.ok(s.length <= Math.ceil((522 * 1.3e6) / (128 * MiB)) + 8, `${s.length} stretches`);
});

t.test('a small import is one stretch; a file larger than the rest is not split', async (t) => {
  t.same(stretches([5 * MiB, 5 * MiB]), [10 * MiB]);
  t.same(stretches([300 * MiB]), [300 * MiB]);
  t.same(stretches([200 * MiB, 1 * MiB]), [200 * MiB, 1 * MiB]);
  t.same(stretches([10 * MiB, 10 * MiB, 10 * MiB, 10 * MiB, 10 * MiB]), [20 * MiB, 20 * MiB, 10 * MiB]);
  t.equal(checkpointDue(500 * MiB, 0, 0), false, 'nothing left to read: the end of the import finishes the pack');
});

t.test('a second thread that waits is given the next stretch once it is 8 MiB', async (t) => {
  t.equal(checkpointDue(8 * MiB, 400 * MiB, 300 * MiB, true), true, 'idle: 8 MiB is enough');
  t.equal(checkpointDue(16 * MiB, 400 * MiB, 300 * MiB, false), false, 'busy: the stretch grows to 128 MiB');
  t.equal(checkpointDue(128 * MiB, 400 * MiB, 300 * MiB, false), true);
  t.equal(checkpointDue(7 * MiB, 400 * MiB, 300 * MiB, true), false, 'never less than 8 MiB');
  t.equal(checkpointDue(100 * MiB, 0, 300 * MiB, true), false, 'nothing left: the end of the import is the last checkpoint');
  // Always idle, 522 files of 1.3 MB: stretches of 8 MiB (a file more at most), every byte in one.
  let left = 522 * 1.3e6;
  let since = 0;
  const out: number[] = [];
  for (let i = 0; i < 522; i++) {
    left -= 1.3e6;
    since += 1.3e6;
    if (checkpointDue(since, left, 0, true)) {
      out.push(since);
      since = 0;
    }
  }
  t.ok(out.every((x) => x >= 8 * MiB && x < 8 * MiB + 1.3e6), `${out.length} stretches of 8 MiB`);
});
