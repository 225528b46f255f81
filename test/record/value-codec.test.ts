// The value codec adds each object's keys in canonical order, so that a
// record is written by one JSON.stringify (hash/canonical-json.ts): checked
// on every line of real transcripts, normalised as the importer does, and on
// keys the codec changes ("$" keys, lone surrogates) or cannot keep.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { canonicalJson, stringifiesCanonically } from '../../src/hash/index.js';
import { normaliseClaudeLine } from '../../src/import/claude-transcript.js';
import { decodeValue, encodeValue } from '../../src/record/index.js';
import { claudeProjects, smallClaude } from '../import/import-helpers.js';
import { join } from 'node:path';

const noBlobs = async () => {
  throw new Error('no blob expected');
};

t.test('normalised Claude Code lines encode to values JSON.stringify writes canonically', async (t) => {
  const files = [smallClaude, join(claudeProjects, '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl')];
  let values = 0;
  let blobs = 0;
  const put = async (bytes: Uint8Array) => {
    blobs++;
    return bytes.length.toString(16).padStart(64, '0');
  };
  for (const f of files) {
    for (const text of readFileSync(f, 'utf8').split('\n')) {
      if (text === '') continue;
      const fields = normaliseClaudeLine(JSON.parse(text) as Record<string, unknown>);
      for (const v of [fields.content, fields.meta]) {
        const encoded = await encodeValue(v, put);
        values++;
        if (!stringifiesCanonically(encoded)) t.fail(`not in key order: ${JSON.stringify(encoded).slice(0, 200)}`);
      }
    }
  }
  t.ok(values > 300, `${values} values`);
  t.ok(blobs > 0, `${blobs} long strings stored as blobs`);
});

t.test('keys the codec changes: "$" keys, lone surrogates, "__proto__"', async (t) => {
  const value = JSON.parse('{"z":1,"$ref":2,"$$d":3,"!":4,"a\\ud800":5,"a\\udc00":6,"__proto__":{"p":1},"10":7,"9":8}') as Record<string, unknown>;
  const encoded = await encodeValue(value, noBlobs);
  // Two keys that differ only in a lone surrogate are one key stored (the last value), as ever.
  t.equal(canonicalJson(encoded), '{"!":4,"$$$d":3,"$$ref":2,"10":7,"9":8,"a\ufffd":6,"z":1}');
  t.same(await decodeValue(encoded as never, noBlobs), { z: 1, $ref: 2, $$d: 3, '!': 4, 'a\ufffd': 6, 10: 7, 9: 8 });
  const plain = await encodeValue({ b: { d: [{ y: 1, x: 2 }], c: 'x' }, $a: null, a: [] }, noBlobs);
  t.ok(stringifiesCanonically(plain), 'keys added in order');
  t.equal(JSON.stringify(plain), '{"$$a":null,"a":[],"b":{"c":"x","d":[{"x":2,"y":1}]}}');
});

t.test('long strings are stored in the order they are reached, also those before a failure', async (t) => {
  const stored: string[] = [];
  const put = async (bytes: Uint8Array) => {
    stored.push(Buffer.from(bytes).toString('utf8').slice(0, 1));
    return String(stored.length).padStart(64, '0');
  };
  const long = (c: string) => c.repeat(2000);
  const value = { z: long('z'), a: [long('a'), { m: long('m'), b: long('b') }], lone: '\ud800' + long('l') };
  const encoded = await encodeValue(value, put);
  t.same(stored, ['z', 'a', 'm', 'b', '"'], 'in the value\'s own order (the $wtf16 literal begins with a quote)');
  t.equal(
    canonicalJson(encoded),
    `{"a":[{"$blob":"${'2'.padStart(64, '0')}"},{"b":{"$blob":"${'4'.padStart(64, '0')}"},"m":{"$blob":"${'3'.padStart(64, '0')}"}}],"lone":{"$wtf16":{"$blob":"${'5'.padStart(64, '0')}"}},"z":{"$blob":"${'1'.padStart(64, '0')}"}}`,
  );
  stored.length = 0;
  let deep: unknown = [];
  for (let i = 0; i < 1100; i++) deep = [deep];
  await t.rejects(encodeValue({ first: long('f'), deep, after: long('x') }, put), { code: 'InvalidInputError' });
  t.same(stored, ['f'], 'what came before the value too deep to store was stored, nothing after it');
});
