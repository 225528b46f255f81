// IdSet: the same answers as a Set of id strings (adds, deletes that move
// later ids of a probe run back, clears, strings that are not ids), in at
// most 83 bytes an id where a Set of strings costs some 110.
import t from 'tap';
import { createHash } from 'node:crypto';
import { fixedBytes } from '../helpers/fixed-bytes.js';
import { IdSet } from '../../src/hash/index.js';

const id = (n: number) => createHash('sha256').update(`object ${n}`).digest('hex');

t.test('answers as a Set of strings through adds, deletes and clears', (t) => {
  const set = new IdSet();
  const ref = new Set<string>();
  // Deterministic mix: mostly adds (the table grows several times), some deletes, re-adds.
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0);
  let deletes = 0;
  for (let step = 0; step < 60_000; step++) {
    const n = next() % 20_000;
    const k = id(n);
    if (next() % 4 === 0) {
      if (set.delete(k) !== ref.delete(k)) t.fail(`delete ${n} at step ${step}`);
      deletes++;
    } else {
      set.add(k);
      ref.add(k);
    }
    if (step % 997 === 0 && set.size !== ref.size) t.fail(`size ${set.size}, expected ${ref.size} at step ${step}`);
  }
  t.ok(deletes > 10_000, `${deletes} deletes`);
  t.equal(set.size, ref.size, `${ref.size} ids held`);
  let wrong = 0;
  for (let n = 0; n < 20_000; n++) if (set.has(id(n)) !== ref.has(id(n))) wrong++;
  t.equal(wrong, 0, 'every id, present or deleted, answers as the Set does');
  // Deleting most of them (the table shrinks) keeps the rest findable.
  for (let n = 0; n < 19_000; n++) {
    set.delete(id(n));
    ref.delete(id(n));
  }
  for (let n = 0; n < 20_000; n++) if (set.has(id(n)) !== ref.has(id(n))) wrong++;
  t.equal(wrong, 0, 'after deleting most');
  t.equal(set.size, ref.size);
  set.clear();
  t.equal(set.size, 0);
  t.equal(set.has(id(19_500)), false, 'clear empties it');
  t.end();
});

t.test('strings that are not lowercase 64-hex ids are kept apart, never confused with ids', (t) => {
  const set = new IdSet();
  const k = id(1);
  set.add(k.toUpperCase());
  t.equal(set.has(k), false, 'an uppercase spelling is another string');
  t.equal(set.has(k.toUpperCase()), true);
  set.add('abc');
  t.equal(set.has('abc'), true);
  t.equal(set.has('abd'), false);
  t.equal(set.size, 2);
  t.equal(set.delete('abc'), true);
  t.equal(set.delete(k), false);
  t.end();
});

t.test('an id costs at most 83 bytes of table', (t) => {
  const set = new IdSet();
  const empty = set.tableBytes;
  for (let n = 0; n < 100_000; n++) set.add(id(n));
  const perId = set.tableBytes / set.size;
  // 33 bytes a slot, the table kept at least 40 % full: a Set of 64-character strings costs some 110 bytes an id.
  t.ok(perId <= 83, `${perId.toFixed(1)} bytes an id for ${set.size} ids`);
  t.ok(empty <= 40 * 1024, `an empty set holds ${empty} bytes`);
  t.end();
});

t.test('ids made to share the low bits of their first word do not pile into one run', (t) => {
  // As hostile content could make them (some 2^18 tries an id): bytes 0-1 and the low half of byte 2 fixed.
  const set = new IdSet();
  const seen = new Set<string>();
  for (let i = 0; seen.size < 4000; i++) {
    const b = fixedBytes(32, `crafted ${i}`);
    b[0] = 0xab;
    b[1] = 0xcd;
    b[2] = (b[2]! & 0xf0) | 0x05;
    const id = b.toString('hex');
    seen.add(id);
    set.add(id);
  }
  t.equal(set.size, 4000);
  t.ok(set.longestRun < 200, `the longest run of occupied slots is ${set.longestRun}, not thousands`);
  for (const id of seen) if (!set.has(id)) t.fail(`lost ${id}`);
  let n = 0;
  for (const id of seen) if (n++ % 2 === 0) set.delete(id);
  t.equal(set.size, 2000, 'half deleted');
  n = 0;
  for (const id of seen) t.equal(set.has(id), n++ % 2 === 1, id.slice(0, 12));
  t.end();
});
