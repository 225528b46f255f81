import t from 'tap';
import { canonicalJson, hasLoneSurrogate, sha256Hex, isObjectId } from '../../src/hash/index.js';

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
