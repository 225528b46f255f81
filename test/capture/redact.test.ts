// The pieces of the proxy's --redact (src/capture/redact.ts, encodeBody):
// JSON values and bytes redacted with their replacements counted, blob ids
// left alone, and a body encoded again in the coding it came in.
import t from 'tap';
import { decodeBody, encodeBody, RedactionTally, redactBytes, redactJson } from '../../src/capture/index.js';
import { SecretDetector } from '../../src/record/index.js';

const det = new SecretDetector();
const AWS = 'AKIAZ7QW3ERT5YUI8OPL';

t.test('redactJson replaces secrets in strings and keys, and leaves blob ids alone', async (t) => {
  const tally = new RedactionTally();
  const value = { [`k ${AWS}`]: [`a ${AWS}`, 1, null, { ok: 'no secret' }], blob: { $blob: 'AKIA' + 'Q'.repeat(16) } };
  const out = redactJson(det, value, tally, true);
  t.same(out, { 'k [REDACTED:aws-access-key]': ['a [REDACTED:aws-access-key]', 1, null, { ok: 'no secret' }], blob: value.blob });
  t.same(tally.mark(), { replacements: 2, rules: ['aws-access-key'] });
  const clean = { a: ['b', { c: 'd' }] };
  t.equal(redactJson(det, clean, new RedactionTally()), clean, 'a value with no secret is returned as it is');
  t.same(redactJson(det, { $blob: AWS }, new RedactionTally()), { $blob: '[REDACTED:aws-access-key]' }, 'raw content: a "$blob" member is text');
  t.equal(new RedactionTally().mark(), undefined);
});

t.test('redactBytes returns bytes with no secret unchanged', async (t) => {
  const bytes = Buffer.from([0xff, 0xfe, 0x41]);
  t.equal(redactBytes(det, bytes, new RedactionTally()), bytes);
  const tally = new RedactionTally();
  t.equal(Buffer.from(redactBytes(det, Buffer.from(`x ${AWS} y`), tally)).toString(), 'x [REDACTED:aws-access-key] y');
  t.equal(tally.replacements, 1);
});

t.test('encodeBody applies the codings decodeBody undoes', async (t) => {
  const body = Buffer.from('event: x\ndata: {"a":1}\n\n'.repeat(50));
  for (const coding of ['gzip', 'x-gzip', 'deflate', 'br', 'gzip, br', 'identity', '']) {
    const encoded = encodeBody(body, coding);
    if (!t.ok(encoded, coding)) continue;
    const back = await decodeBody(encoded!, coding);
    t.equal(back.problem, undefined);
    t.ok(Buffer.from(back.bytes).equals(body), `${coding || 'none'}: round trip`);
  }
  t.equal(encodeBody(body, 'compress'), undefined, 'an unknown coding cannot be applied');
});
