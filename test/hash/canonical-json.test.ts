import t from 'tap';
import { canonicalJson, hasLoneSurrogate, sha256Hex, isObjectId, stringifiesCanonically } from '../../src/hash/index.js';
import { seededRandom } from '../helpers/random.js';

t.test('RFC 8785 examples', async (t) => {
  // The number and string examples of RFC 8785 §3.2.2 / appendix B.
  t.equal(canonicalJson({ numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001] }),
    '{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}');
  t.equal(canonicalJson({ string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\\"\/' }),
    '{"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  t.equal(canonicalJson({ literals: [null, true, false] }), '{"literals":[null,true,false]}');
  t.equal(canonicalJson(-0), '0');
  t.equal(canonicalJson([1e21, 1e-7, 123456789012345680000]), '[1e+21,1e-7,123456789012345680000]');
});

t.test('keys sort by UTF-16 code units, recursively', async (t) => {
  // From RFC 8785 §3.2.3: the sort order of these keys is by UTF-16 code unit.
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  // (Object.keys would put the integer-like key first, so read the text.)
  const keys = [...canonicalJson(input).matchAll(/"([^"]*)":/g)].map((m) => JSON.parse(`"${m[1]}"`));
  t.same(keys, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  t.equal(canonicalJson({ b: { d: 1, c: [{ z: 1, a: 2 }] }, a: 'x' }), '{"a":"x","b":{"c":[{"a":2,"z":1}],"d":1}}');
});

t.test('refuses values canonical JSON cannot hold, naming where', async (t) => {
  t.throws(() => canonicalJson({ a: [1, '\ud800x'] }), { code: 'InvalidInputError', data: { pointer: '/a/1' } });
  t.throws(() => canonicalJson({ ['\udc00']: 1 }), { code: 'InvalidInputError' });
  t.throws(() => canonicalJson({ n: NaN }), { code: 'InvalidInputError', data: { pointer: '/n' } });
  // The path names the refused value after siblings were written (nothing of them left on it).
  t.throws(() => canonicalJson({ a: [{ x: 1 }, { y: 'ok' }], b: { c: ['fine', '\udc00'] } }), { code: 'InvalidInputError', data: { pointer: '/b/c/1' } });
  t.throws(() => canonicalJson({ a: 1, ['k\ud800']: 2 }), { code: 'InvalidInputError', data: { pointer: '/k\ud800' } });
  t.throws(() => canonicalJson({ n: Infinity }), { code: 'InvalidInputError' });
  t.ok(hasLoneSurrogate('a\udbff'));
  t.notOk(hasLoneSurrogate('a\ud83d\ude00'));
});

t.test('ids', async (t) => {
  t.equal(sha256Hex(Buffer.from('')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.ok(isObjectId('a'.repeat(64)));
  t.notOk(isObjectId('A'.repeat(64)));
  t.notOk(isObjectId('a'.repeat(63)));
  t.notOk(isObjectId('a'.repeat(65)));
  t.notOk(isObjectId('a'.repeat(64) + '\n'), 'a trailing newline is not part of an id');
  t.notOk(isObjectId(''));
});

/** Canonical JSON as RFC 8785 states it, written plainly: what the fast path must agree with. */
function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
}

t.test('written with one JSON.stringify when that is canonical, and always the same text', async (t) => {
  const random = seededRandom(8785);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const keys = ['a', 'b', 'B', '$x', '$$y', '', '0', '1', '10', '9', '01', '4294967295', 'é', '\u20ac', '\ud83d\ude00', '\uffff', '__proto', 'toJSON', 'a b', '"q"'];
  const strings = ['', 'plain', 'tab\there', 'quote " and \\ back', '\u0000\u001f\u007f', 'é中😀', '\u2028\u2029', 'x'.repeat(300)];
  const numbers = [0, -0, 1, -1.5, 1e21, 1e-7, 123456789012345680000, 0.1 + 0.2, 2 ** 53];
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 4 || r < 0.3) return pick<unknown>([null, true, false, pick(strings), pick(numbers)]);
    if (r < 0.5) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    const n = Math.floor(random() * 6);
    // Half of the objects get their keys in canonical order (as the value codec adds them).
    const ks = Array.from({ length: n }, () => pick(keys));
    if (random() < 0.5) ks.sort();
    for (const k of ks) o[k] = random() < 0.1 ? undefined : value(depth + 1);
    return o;
  };
  let fast = 0;
  for (let i = 0; i < 3000; i++) {
    const v = value(0);
    if (stringifiesCanonically(v)) fast++;
    if (canonicalJson(v) !== reference(v)) {
      t.fail(`differs for ${reference(v)}`);
      return;
    }
  }
  t.ok(fast > 1000 && fast < 3000, `${fast} of 3000 values written by one JSON.stringify, the others piece by piece`);
});

t.test('what JSON.stringify would write otherwise goes the long way', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['keys out of order', { b: 1, a: 2 }],
    ['an index key that sorts after another key', { '!': 1, 10: 2 }],
    ['index keys in numeric order', { 2: 'b', 10: 'a' }],
    ['a Date', { d: new Date(0) }],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
    ['deeper than the fast path looks', JSON.parse('['.repeat(100) + ']'.repeat(100)) as unknown],
  ];
  for (const [what, v] of cases) {
    t.notOk(stringifiesCanonically(v), what);
    t.equal(canonicalJson(v), reference(v), what);
  }
  t.ok(stringifiesCanonically({ 10: 'a', 2: 'b' }) === false, 'index keys: JSON.stringify would write 2 before 10');
  t.ok(stringifiesCanonically(Object.assign(Object.create(null) as object, { a: 1, b: [2] })), 'a null-prototype object in order');
  t.ok(stringifiesCanonically({ 1: 'a', a: 'b' }), 'an index key that sorts first anyway');
  // Values canonical JSON refuses are refused the same way, naming where.
  t.throws(() => canonicalJson({ a: [1, 2, , 4] }), { code: 'InvalidInputError', data: { pointer: '/a/2' } });
  t.throws(() => canonicalJson({ a: { toJSON: () => 1 } }), { code: 'InvalidInputError', data: { pointer: '/a/toJSON' } });
  t.throws(() => canonicalJson([1n]), { code: 'InvalidInputError', data: { pointer: '/0' } });
});
