// IdFilter: never "certainly not" for an id it was given; "perhaps" for few
// ids it was not given; and no answer to rely on for what is not an id.
import t from 'tap';
import { createHash } from 'node:crypto';
import { IdFilter } from '../../src/hash/index.js';

const id = (n: number, salt = 'a') => createHash('sha256').update(`${salt}${n}`).digest('hex');

t.test('every id added is "perhaps"; few others are', async (t) => {
  const f = new IdFilter();
  const added = Array.from({ length: 160_000 }, (_, i) => id(i));
  for (const x of added) f.add(x);
  let missed = 0;
  for (const x of added) if (!f.mightHave(x)) missed++;
  t.equal(missed, 0, 'no id added is ruled out');
  let wrong = 0;
  const others = 20_000;
  for (let i = 0; i < others; i++) if (f.mightHave(id(i, 'b'))) wrong++;
  // 160,000 ids in 2^23 bits with 4 probes: about 0.5 % expected.
  t.ok(wrong < others * 0.015, `ids never added are mostly ruled out (${wrong} of ${others} "perhaps")`);
  t.ok(wrong > 0, 'and the filter is not exact (it holds no ids)');
});

t.test('an empty filter rules out every id', async (t) => {
  const f = new IdFilter();
  let perhaps = 0;
  for (let i = 0; i < 1000; i++) if (f.mightHave(id(i))) perhaps++;
  t.equal(perhaps, 0);
});

t.test('what is not a lowercase 64-hex id is always "perhaps"', async (t) => {
  const f = new IdFilter();
  for (const odd of ['', 'abc', 'A'.repeat(64), 'z'.repeat(64), `${'0'.repeat(20)}G${'0'.repeat(43)}`]) {
    f.add(odd);
    t.equal(f.mightHave(odd), true, JSON.stringify(odd.slice(0, 12)));
  }
  t.equal(f.mightHave(id(1)), false, 'and adding those marked nothing');
});
