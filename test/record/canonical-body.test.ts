// Whether a stored record body is in canonical JSON (fsck and the git mirror
// ask it of every record): the quick answer (JSON.stringify where keys are
// in order) and the full one must agree on every kind of body.
import t from 'tap';
import { canonicalJson } from '../../src/hash/index.js';
import { isCanonicalRecordBody, parseRecordBody } from '../../src/record/index.js';

const canonical = (text: string) => isCanonicalRecordBody(Buffer.from(text, 'utf8'), parseRecordBody(Buffer.from(text, 'utf8')));

t.test('canonical bodies are recognised, non-canonical ones are not', async (t) => {
  const value = { parent: null, kind: 'message', content: [{ type: 'text', text: 'héllo "quoted" \\ back\nline \u0001 😀' }], n: 1.5, big: 1e21, neg: -0.000001 };
  const body = canonicalJson(value);
  t.ok(canonical(body), 'the canonical form');
  t.notOk(canonical(body.replace('{', '{ ')), 'a space');
  t.notOk(canonical('{"parent":null,"kind":"a","b":1}'), 'keys out of order');
  t.notOk(canonical('{"n":1.0,"parent":null}'), 'a number not in its shortest form');
  t.notOk(canonical('{"a":"\\u0041","parent":null}'), 'a needless escape');
  t.notOk(canonical('{"a":"\\/","parent":null}'), 'an escaped slash');
  // Integer-like keys: JavaScript holds them first, canonical JSON sorts them as strings.
  t.ok(canonical('{"10":1,"2":2,"parent":null}'), 'integer-like keys in canonical (string) order');
  t.notOk(canonical('{"2":2,"10":1,"parent":null}'), 'integer-like keys in numeric order');
  // A lone surrogate cannot be canonical JSON (records keep such strings as blobs).
  t.notOk(canonical('{"a":"\\ud800","parent":null}'), 'an escaped lone surrogate');
  t.ok(canonical('{"a":"\\\\ud800","parent":null}'), 'a backslash followed by the letters ud800 is just text');
  t.ok(canonical(canonicalJson({ parent: null, nested: { z: [1, { b: 2, a: [{ y: 1, x: 2 }] }], a: null } })), 'nested objects sorted');
  t.notOk(canonical('{"nested":{"z":[1,{"a":2,"c":{"y":1,"x":2}}]},"parent":null}'), 'keys out of order deep inside');
});
