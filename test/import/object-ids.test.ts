// The ids an import gives, pinned. Every object's bytes and id are the
// on-disk format (docs/format.md), and the importing thread's fast paths
// (canonical JSON written by JSON.stringify when it is already canonical,
// sorted keys from the value codec, lines parsed only when a record is built
// from them, docs/import-speed.md) must give exactly the ids the plain paths
// gave. The pins were taken with the importer before those paths existed:
// the whole fixture corpus (Claude Code, Codex, Gemini, edge cases), and a
// transcript of lines made to take the slow paths (keys that are array
// indices or start with "$", "__proto__", lone surrogates, invalid UTF-8,
// blank lines, repeated lines, a resumed copy, deep nesting, long strings
// with and without escapes).
import t from 'tap';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive, importTranscripts } from '../../src/archive/index.js';
import { LineMemo } from '../../src/import/index.js';
import { corpusDir, newArchive, showRef } from './import-helpers.js';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

async function allIds(cwd: string): Promise<string[]> {
  const store = await (await Archive.openAt(join(cwd, '.tapes'))).objects();
  const ids: string[] = [];
  for await (const id of store.ids()) ids.push(id);
  return ids.sort();
}

/** Lines that take every slow path of the importer, as bytes (some are not valid UTF-8 or JSON). */
function trickyLines(): Buffer[] {
  const session = '0f0e0d0c-0b0a-4908-8706-050403020100';
  const base = (uuid: string, extra: Record<string, unknown>) => ({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd: '/work/x',
    sessionId: session,
    version: '2.1.30',
    gitBranch: 'main',
    type: 'user',
    uuid,
    timestamp: '2026-01-19T03:15:09.400Z',
    ...extra,
  });
  const long = 'x'.repeat(3000);
  const escaped = 'line one\n\t"quoted" \\ back\u0001 \u00e9\u4e2d'.repeat(200);
  const lines: string[] = [
    JSON.stringify(base('u1', { message: { role: 'user', content: 'hello' } })),
    // Keys that are array indices (V8 enumerates them first), "$" keys, an empty key.
    JSON.stringify(base('u2', { message: { role: 'user', content: [{ type: 'text', text: 'a' }] }, data: { 10: 'ten', 9: 'nine', $schema: 'x', $$d: 1, '': 'empty', '!': 'bang', a0: [1, 2.5, -0, 1e21, 1e-7] } })),
    // A "__proto__" key, as JSON.parse gives it (an own property).
    '{"type":"user","uuid":"u3","sessionId":"' + session + '","message":{"role":"user","content":"p"},"__proto__":{"polluted":true},"meta":{"__proto__":7}}',
    // Lone surrogates in a value and in a key; a long one.
    '{"type":"assistant","uuid":"u4","sessionId":"' + session + '","message":{"role":"assistant","content":[{"type":"text","text":"lone \\ud800 here"}]},"k\\udc00ey":"v","big":"' + '\\ud83d'.repeat(300) + '"}',
    // Long strings: plain, escaped the way JSON.stringify escapes, and escaped another way (\\u00e9 for é, upper-case hex).
    JSON.stringify(base('u5', { message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: long }] }, toolUseResult: { stdout: long, other: escaped } })),
    JSON.stringify(base('u6', { message: { role: 'user', content: escaped } })).replace(/é/g, '\\u00e9').replace(/\\u0001/g, '\\u0001'),
    '{"type":"user","uuid":"u7","sessionId":"' + session + '","message":{"role":"user","content":"' + '\\u00E9'.repeat(400) + '"}}',
    // Not JSON, blank, empty, not UTF-8.
    '{"type":"user", "uuid": oops}',
    '   \t ',
    '',
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('latin1'),
    // A non-object JSON value, an array, a number.
    '[1,2,{"b":1,"a":2}]',
    '42',
    // Deep nesting (past the codec's limit: kept whole).
    '{"type":"user","uuid":"u8","sessionId":"' + session + '","message":{"role":"user","content":[{"type":"tool_use","input":' + '['.repeat(1100) + ']'.repeat(1100) + '}]}}',
    // The same line again (a line memo hit needs the same parent: this is not one), and odd times.
    JSON.stringify(base('u1', { message: { role: 'user', content: 'hello' } })),
    JSON.stringify(base('u9', { timestamp: '2026-01-19 03:15:09', message: { role: 'system', content: null }, type: 'system' })),
    JSON.stringify(base('u10', { timestamp: 1760000000, type: 'summary', summary: 'a summary', leafUuid: 'u9' })),
    // "__proto__" and "$" keys where the value codec sees them (a tool call's input).
    '{"type":"assistant","uuid":"u12","sessionId":"' + session + '","message":{"role":"assistant","content":[{"type":"tool_use","id":"t2","name":"n","input":{"z":1,"__proto__":{"p":1},"$ref":"r","a\\ud800":1,"a\\udc00":2}}]}}',
    // Integer-like keys nested in content, a non-plain number key order.
    JSON.stringify(base('u11', { type: 'assistant', message: { role: 'assistant', model: 'm', id: 'msg', usage: { b: 1, a: 2 }, content: [{ type: 'tool_use', id: 't', name: 'n', input: { 2: 'b', 1: 'a', z: { 0: [] } } }] } })),
  ];
  return lines.map((l) => (/[\u0080-\u00ff]/.test(l) && l.startsWith('{"a"') ? Buffer.from(l, 'latin1') : Buffer.from(l, 'utf8')));
}

t.test('the fixture corpus imports to the ids it always had', async (t) => {
  const cwd = await newArchive(t);
  // Into a pack (as an import of more than import.packAbove does): an id is
  // the hash of the object's bytes wherever they are stored, and 3187 loose
  // objects were 3187 files created and fsynced, most of this file's time.
  // The tricky lines below go to loose objects.
  await fs.appendFile(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const summary = await importTranscripts(archive, { kind: 'auto', paths: [corpusDir], cwd, env: {} });
  t.ok(summary.records_added > 1000, `${summary.records_added} records`);
  t.same((await fs.readdir(join(cwd, '.tapes', 'objects'))).filter((n) => n !== 'pack'), [], 'packed: no loose object');
  const refs = await showRef(cwd);
  const ids = await allIds(cwd);
  t.equal(ids.length, 3187, 'objects');
  t.equal(digest(ids.join('\n')), 'ab81be7ae8bc8b4198f45fa01f5f23754cc3b3327018772e51409a56328109bc', 'every object id');
  t.equal(digest(refs), 'c0cdecf83f144c0fb3731ad6f7a29f2f217de58a34177395b2d09510ee167ad5', 'every ref');
});

t.test('lines made to take the slow paths import to the ids they always had', async (t) => {
  const cwd = await newArchive(t);
  const lines = trickyLines();
  const file = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  await fs.writeFile(join(cwd, 'a-tricky.jsonl'), file);
  // Resumed: the same lines, then more, and a last line without a newline.
  await fs.writeFile(join(cwd, 'b-tricky.jsonl'), Buffer.concat([file, lines[4]!, Buffer.from('\n'), lines[0]!]));
  const memo = new LineMemo();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const summary = await importTranscripts(archive, { kind: 'claude', paths: ['a-tricky.jsonl', 'b-tricky.jsonl'], cwd, env: {}, lineMemo: memo });
  t.equal(summary.files_refused, 0);
  t.equal(memo.hits, 13, 'the resumed copy\'s object lines are answered by the memo');
  const ids = await allIds(cwd);
  t.equal(ids.length, 27, 'objects');
  t.equal(digest(ids.join('\n')), '587890d7aa3fd3de21977f7ebf27cd5d34b5ffb1f6762098bf86bbaa8b04ca13', 'every object id');
  t.equal(digest(await showRef(cwd)), '24816f8b8788ed072bfbfd4f5b2628ef6a57c1fba1cfab65859265a3b280f208', 'every ref');
});
