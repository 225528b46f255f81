// The streaming JSON reader of huge lines (src/import/json-line-scanner.ts,
// json-literal.ts), on small inputs with its thresholds lowered: it must
// agree with JSON.parse on every input (value or not), whatever the pieces
// the line arrives in, and measure each long string exactly as the value
// codec and the line template would (docs/format.md 6.1.5-6.1.6).
import t, { type Test } from 'tap';
import { JsonLineScanner, type LongLiteral, type ScanLimits, type ScanResult } from '../../src/import/json-line-scanner.js';
import { LiteralDecoder } from '../../src/import/json-literal.js';
import { longTextFacts, textKey, valueKey } from '../../src/import/long-text.js';
import { hasLoneSurrogate } from '../../src/hash/index.js';

const LOW: ScanLimits = { longTextAbove: 40, heldAbove: 1_000_000 };

/** Scans `text` pushed in pieces of `size` code units (or at the given cut points). */
function scan(text: string, size: number | number[] = 7, limits: ScanLimits = LOW): ScanResult {
  const s = new JsonLineScanner(limits);
  const cuts = Array.isArray(size) ? [0, ...size, text.length] : Array.from({ length: Math.ceil(text.length / size) + 1 }, (_, i) => Math.min(i * size, text.length));
  for (let i = 1; i < cuts.length; i++) s.push(text.slice(cuts[i - 1], cuts[i]));
  return s.end();
}

function longs(r: ScanResult): LongLiteral[] {
  return r.kind === 'value' ? (r.segments.filter((s) => typeof s !== 'string') as LongLiteral[]) : [];
}

/** The value with each placeholder replaced by the text of its literal (read from the line's bytes, as the importer reads the file). */
function resolved(text: string, r: ScanResult): unknown {
  if (r.kind !== 'value') return undefined;
  const bytes = Buffer.from(text, 'utf8');
  const real = new Map(longs(r).map((l) => [l.placeholder, JSON.parse(bytes.subarray(l.start, l.end).toString('utf8')) as string]));
  return JSON.parse(JSON.stringify(r.value), (_k, v: unknown) => (typeof v === 'string' && real.has(v) ? real.get(v) : v));
}

/** What the scanner must say of `text`: JSON.parse's value, or that it is not JSON. */
function agrees(t: Test, text: string, sizes: Array<number | number[]>, limits: ScanLimits = LOW, what = JSON.stringify(text).slice(0, 80)): void {
  let expected: unknown;
  let parses = true;
  try {
    expected = JSON.parse(text);
  } catch {
    parses = false;
  }
  for (const size of sizes) {
    const r = scan(text, size, limits);
    if (!parses) {
      t.equal(r.kind, 'not-json', `${what} in pieces of ${String(size)}: not JSON`);
      continue;
    }
    t.equal(r.kind, 'value', `${what} in pieces of ${String(size)}: a value`);
    t.same(resolved(text, r), expected, `${what} in pieces of ${String(size)}: JSON.parse's value`);
    if (r.kind === 'value') {
      const bytes = Buffer.from(text, 'utf8');
      const back = r.segments.map((s) => (typeof s === 'string' ? s : bytes.subarray(s.start, s.end).toString('utf8'))).join('');
      t.equal(back, text, 'held text and long literals give the line back');
    }
  }
}

t.test('structure, numbers and words as JSON.parse reads them', async (t) => {
  for (const text of [
    '{"a":1}',
    ' [ 1 , 2.5e3 , -0 , 0.25 , 1E-7 , -12.5e+2 , true , false , null , "x" ] ',
    '{"__proto__": {"x": 1}, "a": 2, "a": 3, "10": 4, "2": 5, "b": {}}',
    '"just a string"',
    '12345',
    '-0.5',
    '[[[[[]]]],{"":{"":[]}}]',
    '{"k":"v"}\r',
  ]) {
    agrees(t, text, [1, 2, 3, 1000]);
  }
});

t.test('every kind of bad line is not JSON, as for JSON.parse', async (t) => {
  for (const text of [
    '',
    '{',
    '{"a":',
    '{"a":1,}',
    '[1,]',
    '[1 2]',
    '01',
    '1.',
    '.5',
    '-',
    '1e',
    '1e+',
    '+1',
    'tru',
    'nul',
    'trUe',
    '{"a" 1}',
    '{a:1}',
    "{'a':1}",
    '{"a":1}}',
    '[1]x',
    '"abc',
    '"a\\qb"',
    '"\\u12G4"',
    '"\\u12"',
    '"tab\there"',
    '"nul\u0000"',
    '\uFEFF{"a":1}',
    'NaN',
    '[1,,2]',
  ]) {
    agrees(t, text, [1, 3, 1000]);
  }
});

t.test('a line cut short anywhere is not JSON (a file cut mid-write)', async (t) => {
  const line = JSON.stringify({ type: 'user', message: { content: [{ type: 'tool_result', content: 'x\n'.repeat(100) + 'é😀"\\' }] }, n: [1.5, -2e3, true, null] });
  for (let cut = 0; cut < line.length; cut++) {
    const r = scan(line.slice(0, cut), 5);
    if (r.kind !== 'not-json') t.fail(`cut at ${cut}: ${r.kind}`);
  }
  t.equal(scan(line, 5).kind, 'value');
  const short = scan(line.slice(0, 30), 5);
  t.match(short, { kind: 'not-json', detail: /Unterminated string|Unexpected end/ }, 'the detail says where it stopped');
});

t.test('escapes, \\u escapes and surrogate pairs, cut at every point between pieces', async (t) => {
  const inside = 'plain é 日本 😀 \\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u001f\\u001F \\ud83d\\ude00 lone \\ud800 and \\udc00 end';
  const text = `{"k":"${inside}${'x'.repeat(60)}","after":[1]}`;
  const cuts = Array.from({ length: text.length - 1 }, (_, i) => [i + 1]);
  agrees(t, text, cuts, LOW, 'escapes cut at each point');
  // The same inside as a long literal past the sure bound (decoded as it streams).
  const long = `["${inside.repeat(150)}"]`;
  agrees(t, long, [1, 2, 3, 5, 6, 7, 64, 4096], LOW, 'a long literal of escapes');
});

t.test('a long literal is measured as the value codec and the template measure its text', async (t) => {
  const cases: Record<string, string> = {
    ascii: 'a'.repeat(2000),
    'non-ASCII': 'é日😀'.repeat(300),
    'escaped newlines and quotes': 'line "q"\n'.repeat(200),
    'a lone surrogate': 'x'.repeat(1100) + '\ud800' + 'y',
    'a lone low surrogate at the start': '\udc00' + 'x'.repeat(1100),
    'a lone high surrogate at the end': 'x'.repeat(1100) + '\ud83d',
    'control characters': '\u0001\u001f\u0000'.repeat(400),
  };
  for (const [what, value] of Object.entries(cases)) {
    for (const literal of [JSON.stringify(value), JSON.stringify(value).replace(/é/g, '\\u00e9').replace(/\//g, '\\/')]) {
      const text = `{"v":${literal}}`;
      for (const size of [3, 17, 100000]) {
        const r = scan(text, size, { longTextAbove: 100, heldAbove: 1e6 });
        const [l] = longs(r);
        if (!l) {
          t.fail(`${what}: no long literal`);
          continue;
        }
        const written = JSON.stringify(value);
        t.same(
          { ...l.stats, digest: undefined, prefix: undefined },
          {
            units: value.length,
            utf8: Buffer.byteLength(value, 'utf8'),
            loneSurrogate: hasLoneSurrogate(value),
            stringified: written.length,
            canonical: written === literal,
            digest: undefined,
            prefix: undefined,
          },
          `${what}${written === literal ? '' : ' (escaped otherwise)'} in pieces of ${size}`,
        );
        t.equal(l.stats.prefix, value.slice(0, 400));
        t.equal(textKey(l.placeholder), textKey(value), 'its placeholder keys as its text does');
        t.equal(longTextFacts(l.placeholder)?.digest, l.stats.digest);
      }
    }
  }
});

t.test('only strings of more than 1024 UTF-8 bytes are long, and never keys', async (t) => {
  const limits = { longTextAbove: 10, heldAbove: 1e6 };
  t.equal(longs(scan(JSON.stringify({ v: 'x'.repeat(1024) }), 5, limits)).length, 0, '1024 bytes: held');
  t.equal(longs(scan(JSON.stringify({ v: 'x'.repeat(1025) }), 5, limits)).length, 1, '1025 bytes: long');
  t.equal(longs(scan(JSON.stringify({ v: 'é'.repeat(513) }), 5, limits)).length, 1, '513 two-byte characters: long');
  t.equal(longs(scan(`{"v":"${'\\u0041'.repeat(1000)}"}`, 5, limits)).length, 0, '6000 characters of \\u escapes, 1000 bytes: held');
  // A lone surrogate's JSON.stringify form must be longer than 1024 too (the value codec blobs that form).
  t.equal(longs(scan(JSON.stringify({ v: '日'.repeat(400) + '\ud800' }), 5, limits)).length, 0, 'a lone surrogate in 1203 bytes of 407 characters: held');
  t.equal(longs(scan(JSON.stringify({ ['k'.repeat(5000)]: 1 }), 5, limits)).length, 0, 'a long key is held');
  const r = scan(JSON.stringify({ a: 'x'.repeat(5000), b: 'y'.repeat(5000) }), 64, { longTextAbove: 1_000_000, heldAbove: 1e6 });
  t.equal(longs(r).length, 0, 'below the setting: held');
  t.equal(longs(scan(JSON.stringify({ a: 'x'.repeat(7000) }), 64, { longTextAbove: 1_000_000, heldAbove: 1e6 })).length, 0, 'the setting is the bound, even past the sure one');
});

t.test('equal long strings have one placeholder; placeholders are strings longer than any role', async (t) => {
  const s = 'z'.repeat(3000);
  const r = scan(JSON.stringify([s, s.replace(/z/g, 'z'), `${s}!`]), 50);
  const [a, b, c] = longs(r);
  t.equal(a!.placeholder, b!.placeholder);
  t.not(a!.placeholder, c!.placeholder);
  t.ok(a!.placeholder.length > 64);
  t.same(r.kind === 'value' && r.value, [a!.placeholder, a!.placeholder, c!.placeholder]);
  t.equal(valueKey({ x: [a!.placeholder] }), valueKey({ x: [s] }), 'compared by digest, as the real text is');
  t.throws(() => textKey(`${a!.placeholder}\n${c!.placeholder}`), { name: 'NeedsWholeFile' }, 'a string built from placeholders cannot be keyed');
});

t.test('deep nesting is read without recursion; more held structure than allowed is said so', async (t) => {
  const depth = 200_000;
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  const r = scan(deep, 4096, { longTextAbove: 40, heldAbove: 10 * depth });
  t.equal(r.kind, 'value', `${depth} levels`);
  t.equal(scan('['.repeat(depth) + ']'.repeat(depth - 1), 4096, { longTextAbove: 40, heldAbove: 10 * depth }).kind, 'not-json', 'one level left open');
  t.equal(scan(deep, 4096, { longTextAbove: 40, heldAbove: 1000 }).kind, 'too-much-structure');
  const numbers = JSON.stringify(Array.from({ length: 5000 }, (_, i) => i * 1.5));
  t.equal(scan(numbers, 100, { longTextAbove: 40, heldAbove: 1000 }).kind, 'too-much-structure', 'a line of numbers');
  t.equal(scan(numbers.slice(0, -1), 100, { longTextAbove: 40, heldAbove: 1000 }).kind, 'not-json', 'past the bound, still checked to the end');
  t.equal(scan(JSON.stringify({ k: 'x'.repeat(100_000) }), 100, { longTextAbove: 40, heldAbove: 1000 }).kind, 'value', 'long strings are not held structure');
});

t.test('the decoder takes any cut of a literal, and refuses a bad one', async (t) => {
  const inside = JSON.stringify('a\u0000\ud83d\ude00\ud800é\n"\\').slice(1, -1) + '\\ud83d\\ude00\\ud83d';
  const whole = JSON.parse(`"${inside}"`) as string;
  for (let a = 0; a <= inside.length; a++) {
    for (const b of [a, Math.min(inside.length, a + 1), Math.min(inside.length, a + 5)]) {
      const d = new LiteralDecoder();
      const text = d.feed(inside.slice(0, a)) + d.feed(inside.slice(a, b)) + d.feed(inside.slice(b));
      const stats = d.finish();
      if (text + '' !== whole.slice(0, text.length) || stats.units !== whole.length) t.fail(`cut at ${a}, ${b}`);
    }
  }
  t.pass('every cut decodes to the same text');
  t.throws(() => new LiteralDecoder().feed('a\\qb'), /./, 'a bad escape');
  const cut = new LiteralDecoder();
  cut.feed('abc\\u12');
  t.throws(() => cut.finish(), /inside an escape/);
});

t.test('random lines in random pieces agree with JSON.parse', async (t) => {
  let seed = 15;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
  const atoms = ['a', 'é', '😀', '\\n', '\\"', '\\\\', '\\/', '\\u0041', '\\u00e9', '\\ud83d\\ude00', '\\ud800', '\\udc00', '\\u001f', '\\t', ' ', '日'];
  const str = (n: number) => '"' + Array.from({ length: n }, () => pick(atoms)).join('') + '"';
  const value = (d: number): string => {
    const r = rnd();
    if (d > 4 || r < 0.3) return rnd() < 0.5 ? str(Math.floor(rnd() ** 3 * 2500)) : pick(['1', '-0', '2.5e-3', 'true', 'false', 'null', '123456789012']);
    const n = Math.floor(rnd() * 5);
    if (r < 0.65) return '[' + Array.from({ length: n }, () => value(d + 1)).join(',') + ']';
    return '{' + Array.from({ length: n }, () => `${str(Math.floor(rnd() * 8))}:${value(d + 1)}`).join(', ') + '}';
  };
  let longSeen = 0;
  let bad = 0;
  for (let i = 0; i < 600; i++) {
    let text = value(0);
    if (rnd() < 0.4) {
      const at = Math.floor(rnd() * text.length);
      text = rnd() < 0.5 ? text.slice(0, at) : text.slice(0, at) + pick(['"', '\\', ',', ']', 'x', '\u0001']) + text.slice(at);
    }
    if (hasLoneSurrogate(text)) continue; // text decoded from UTF-8 never holds a lone surrogate as itself
    const limits = { longTextAbove: 2 + Math.floor(rnd() * 3000), heldAbove: 1e9 };
    const pieces: number[] = [];
    for (let at = 0; at < text.length; ) pieces.push((at += 1 + Math.floor(rnd() ** 2 * 300)));
    pieces.pop();
    const r = scan(text, pieces, limits);
    longSeen += longs(r).length;
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      if (r.kind !== 'not-json') bad++;
      continue;
    }
    if (r.kind !== 'value' || JSON.stringify(resolved(text, r)) !== JSON.stringify(expected)) bad++;
  }
  t.equal(bad, 0, 'no disagreement');
  t.ok(longSeen > 50, `${longSeen} long literals among them`);
});
