import t from 'tap';
import { createHash } from 'node:crypto';
import { hasLoneSurrogate } from '../../src/hash/index.js';
import { buildTemplate, isStringifyLiteral, renderTemplate, stringLiterals } from '../../src/record/index.js';
import { fixedBytes } from '../helpers/fixed-bytes.js';

/** What isStringifyLiteral stands in for: JSON.stringify of the decoded value gives the literal back. */
const roundTrips = (literal: string): boolean => JSON.stringify(JSON.parse(literal)) === literal;

t.test('isStringifyLiteral agrees with a JSON.stringify round trip on every escape', async (t) => {
  const escapes = ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'];
  for (let c = 0; c < 0x80; c++) {
    const hex = c.toString(16).padStart(4, '0');
    escapes.push(`\\u${hex}`, `\\u${hex.toUpperCase()}`);
  }
  escapes.push('\\u00e9', '\\u00E9', '\\u2028', '\\ud83d\\ude00', '\\uD83D\\uDE00', '\\ud800', '\\udfff');
  let checked = 0;
  for (const e of escapes) {
    for (const lit of [`"${e}"`, `"a${e}"`, `"${e}b"`, `"x${e}y${e}z"`, `"${e}\\n${e}"`, `"\\\\${e}"`]) {
      // A literal holding a lone surrogate is decided elsewhere (on the decoded value).
      const decoded = JSON.parse(lit) as string;
      if (hasLoneSurrogate(decoded)) continue;
      t.equal(isStringifyLiteral(lit), roundTrips(lit), lit);
      checked++;
    }
  }
  t.ok(checked > 1500, `checked ${checked} literals`);
  t.equal(isStringifyLiteral('"plain text, é and 😀"'), true);
  t.equal(isStringifyLiteral('"a\\/b"'), false, 'an escaped slash is not what JSON.stringify writes');
  t.equal(isStringifyLiteral('"\\u001f"'), true);
  t.equal(isStringifyLiteral('"\\u000a"'), false, 'a newline has a short form');
});

t.test('isStringifyLiteral agrees with the round trip on mixed literals made from fixed bytes', async (t) => {
  const bytes = fixedBytes(40000, 'line-template literals');
  const pieces = ['a', ' ', 'é', '😀', '\\n', '\\t', '\\"', '\\\\', '\\/', '\\u0001', '\\u001F', '\\u00e9', '\\b', '\\r', '\\f', '\\u0041'];
  let disagree = 0;
  for (let i = 0; i < 2000; i++) {
    let lit = '"';
    for (let k = 0; k < 20; k++) lit += pieces[bytes[i * 20 + k]! % pieces.length];
    lit += '"';
    if (isStringifyLiteral(lit) !== roundTrips(lit)) disagree++;
  }
  t.equal(disagree, 0);
});

/** A store in memory, as the import's put and the export's get see it. */
function memoryStore() {
  const blobs = new Map<string, Buffer>();
  return {
    blobs,
    put: async (b: Uint8Array) => {
      const id = createHash('sha256').update(b).digest('hex');
      blobs.set(id, Buffer.from(b));
      return id;
    },
    get: async (id: string) => blobs.get(id)!,
  };
}

async function render(parts: Awaited<ReturnType<typeof buildTemplate>>, get: (id: string) => Promise<Uint8Array>): Promise<string> {
  const out: Uint8Array[] = [];
  await renderTemplate(parts, get, (b) => void out.push(b));
  return Buffer.concat(out).toString('utf8');
}

t.test('buildTemplate: long literals become blobs of their value, or raw blobs when JSON.stringify would not write them back', async (t) => {
  const long = 'x'.repeat(50);
  const cases: Array<{ name: string; value: string; raw: boolean }> = [
    { name: 'plain', value: JSON.stringify(long), raw: false },
    { name: 'newlines and quotes', value: JSON.stringify(`${long}\n"q"\t\\`), raw: false },
    { name: 'a control character', value: JSON.stringify(`${long}\u0001`), raw: false },
    { name: 'an escaped slash', value: `"${long}\\/"`, raw: true },
    { name: 'upper-case \\u escape', value: `"${long}\\u001F"`, raw: true },
    { name: 'escaped non-ASCII (as Python writes it)', value: `"${long}\\u00e9"`, raw: true },
    { name: 'a lone surrogate', value: `"${long}\\ud800"`, raw: true },
  ];
  for (const c of cases) {
    const line = `{"short":"a","long":${c.value},"n":1}`;
    const store = memoryStore();
    const parts = await buildTemplate(line, 20, store.put);
    t.equal(parts.length, 3, `${c.name}: text, blob, text`);
    const blob = parts[1] as { $blob: string; raw?: true };
    t.equal(blob.raw === true, c.raw, `${c.name}: raw is ${c.raw}`);
    const stored = store.blobs.get(blob.$blob)!.toString('utf8');
    t.equal(stored, c.raw ? c.value : (JSON.parse(c.value) as string), `${c.name}: the blob holds the ${c.raw ? 'literal' : 'value'}`);
    t.equal(await render(parts, store.get), line, `${c.name}: the line comes back byte for byte`);
  }
});

t.test('buildTemplate: short literals stay in the text; a line of no long literal is one part', async (t) => {
  const store = memoryStore();
  const line = '{"a":"' + 'y'.repeat(20) + '","b":["\\n\\"",2]}';
  t.same(await buildTemplate(line, 20, store.put), [line]);
  t.equal(store.blobs.size, 0);
  // Exactly at the threshold in UTF-8 bytes stays; one byte more goes to a blob.
  const at = `{"k":"${'é'.repeat(10)}"}`;
  t.same(await buildTemplate(at, 20, store.put), [at]);
  const over = `{"k":"${'é'.repeat(10)}z"}`;
  const parts = await buildTemplate(over, 20, store.put);
  t.equal(parts.length, 3);
  t.equal(await render(parts, store.get), over);
});

t.test('buildTemplate finds the same literals as stringLiterals, escaped quotes and backslashes included', async (t) => {
  const line = JSON.stringify({ a: 'q"'.repeat(30), b: '\\'.repeat(41), c: '\\"'.repeat(20), 'k"ey': ['\\', '"', 'z'.repeat(61)] });
  const store = memoryStore();
  const parts = await buildTemplate(line, 40, store.put);
  const long = stringLiterals(line).filter(([s, e]) => Buffer.byteLength(JSON.parse(line.slice(s, e)) as string) > 40);
  t.equal(parts.filter((p) => typeof p !== 'string').length, long.length);
  t.equal(await render(parts, store.get), line);
});
