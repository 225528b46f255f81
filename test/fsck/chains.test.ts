// Links between objects: parents, blob references and chunk lists, each
// broken on purpose, plus records and lists that are well hashed but badly
// formed (hand-written objects with the right id).
import t from 'tap';
import { promises as fs } from 'node:fs';
import { encodeChunkList } from '../../src/object/index.js';
import { fsckJson, makeFixture, objectPath, record, writeRawObject, type JsonFinding } from './fixtures/archive.js';

const MISSING = 'ab'.repeat(32);

function pairs(findings: JsonFinding[]): Array<[string, string | undefined]> {
  return findings.map((f) => [f.id, f.object ?? f.path]);
}

t.test('a record whose parent file is gone', async (t) => {
  const fx = await makeFixture(t);
  // r2, unlike r1 and r3, is named by no reflog entry.
  await fs.rm(objectPath(fx.dir, fx.ids.r2));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 2, 'chains bit only');
  t.same(pairs(report.findings), [['missingParent', fx.ids.r3]]);
  t.equal(report.findings[0]!.detail, `parent ${fx.ids.r2} is not in the archive`);
  t.equal(report.findings[0]!.area, 'chains');
});

t.test('parents and blob references of the wrong type', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const blobParent = await store.write('record', record({ kind: 'user', parent: fx.ids.hello }));
  const recordAsBlob = await store.write('record', record({ kind: 'user', parent: null, x: { $blob: fx.ids.r1 } }));
  const missingBlob = await store.write('record', record({ kind: 'user', parent: null, a: [{ $blob: MISSING }, { $blob: MISSING }] }));
  const missingParent = await store.write('record', record({ kind: 'user', parent: MISSING }));
  // Missing links matter when something reachable needs them: tag each one.
  for (const [i, id] of [blobParent, recordAsBlob, missingBlob, missingParent].entries()) {
    await fx.archive.refs.update(`refs/tags/t${i}`, id);
  }
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 2);
  t.same(
    pairs(report.findings).sort(),
    [
      ['parentNotRecord', blobParent],
      ['blobRefNotBlob', recordAsBlob],
      ['missingBlob', missingBlob],
      ['missingParent', missingParent],
    ].sort(),
    'a blob referenced twice by one record is reported once',
  );
});

t.test('chunk lists: missing, wrong type, wrong size, not a list', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const { hello, world, inner, r1 } = fx.ids;
  const lists = {
    missing: encodeChunkList({ size: 9, entries: [{ kind: 'c', id: hello, size: 6 }, { kind: 'c', id: MISSING, size: 3 }] }),
    record: encodeChunkList({ size: 9, entries: [{ kind: 'c', id: hello, size: 6 }, { kind: 'c', id: r1, size: 3 }] }),
    size: encodeChunkList({ size: 12, entries: [{ kind: 'c', id: hello, size: 6 }, { kind: 'c', id: world, size: 6 }] }),
    nestedSize: encodeChunkList({ size: 12, entries: [{ kind: 'l', id: inner, size: 10 }, { kind: 'c', id: world, size: 2 }] }),
    notList: encodeChunkList({ size: 11, entries: [{ kind: 'l', id: hello, size: 6 }, { kind: 'c', id: world, size: 5 }] }),
  };
  const ids: Record<string, string> = {};
  for (const [k, v] of Object.entries(lists)) {
    ids[k] = await store.write('blob', v);
    await fx.archive.refs.update(`refs/tags/${k}`, ids[k]!);
  }
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 2);
  t.same(
    pairs(report.findings).sort(),
    [
      ['missingChunk', ids.missing],
      ['chunkNotBlob', ids.record],
      ['chunkSizeMismatch', ids.size],
      ['chunkSizeMismatch', ids.nestedSize],
      ['chunkSizeMismatch', ids.nestedSize],
      ['chunkNotList', ids.notList],
    ].sort(),
  );
  const details = report.findings.filter((f) => f.object === ids.nestedSize).map((f) => f.detail).sort();
  t.same(details, [
    `chunk ${world} holds 5 bytes, the list says 2`,
    `nested chunk list ${inner} stands for 11 bytes, the list says 10`,
  ]);
});

t.test('a chunk of the big blob deleted', async (t) => {
  const fx = await makeFixture(t);
  const gone = fx.ids.bigChunks[1]!;
  await fs.rm(objectPath(fx.dir, gone));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 2);
  t.same(pairs(report.findings), [['missingChunk', fx.ids.big]]);
  t.equal(report.findings[0]!.detail, `chunk ${gone} is not in the archive`);
});

t.test('a nested list deleted', async (t) => {
  const fx = await makeFixture(t);
  await fs.rm(objectPath(fx.dir, fx.ids.inner));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 2);
  t.same(pairs(report.findings), [['missingChunk', fx.ids.outer]]);
  t.match(report.findings[0]!.detail, /^nested chunk list/);
});

t.test('a blob with the chunk-list magic that does not parse', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const bad = Buffer.from('tapes-chunks 1\nsize 3\nc nope 3\n', 'latin1');
  const asContent = await store.write('blob', bad);
  await store.write('record', record({ kind: 'user', parent: null, x: { $blob: asContent } }));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1, 'objects bit: the list itself is malformed');
  t.same(pairs(report.findings), [['badChunkList', asContent]]);
  t.match(report.findings[0]!.detail, /line 3/);
});

t.test('data that only looks like a chunk list, used as a plain chunk, is data', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const looksLikeList = Buffer.from(`tapes-chunks 1\nsize 99\nc ${MISSING} 99\n`, 'latin1');
  const chunk = await store.write('blob', looksLikeList);
  const list = await store.write('blob', encodeChunkList({
    size: 6 + looksLikeList.length,
    entries: [{ kind: 'c', id: fx.ids.hello, size: 6 }, { kind: 'c', id: chunk, size: looksLikeList.length }],
  }));
  await store.write('record', record({ kind: 'user', parent: null, x: { $blob: list } }));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 0, 'no missingChunk for the "entry" inside a data chunk');
  t.same(report.findings, []);
});

t.test('hand-made objects with the right id but the wrong form', async (t) => {
  const fx = await makeFixture(t);
  const frame = (header: string, body: string) => Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from(body, 'utf8')]);
  const body = '{ "parent": null, "kind": "user" }';
  const nonCanonical = await writeRawObject(fx.dir, frame(`record ${Buffer.byteLength(body)}\0`, body));
  const unsorted = '{"parent":null,"kind":"user"}';
  const unsortedId = await writeRawObject(fx.dir, frame(`record ${unsorted.length}\0`, unsorted));
  const notJson = await writeRawObject(fx.dir, frame('record 5\0', 'hello'));
  const noParent = await writeRawObject(fx.dir, frame('record 15\0', '{"kind":"user"}'));
  const badUtf8 = await writeRawObject(fx.dir, Buffer.concat([Buffer.from('record 3\0'), Buffer.from([0x22, 0xff, 0x22])]));
  const badType = await writeRawObject(fx.dir, frame('tree 5\0', 'hello'));
  const badLength = await writeRawObject(fx.dir, frame('blob 9\0', 'hello'));
  const badHeader = await writeRawObject(fx.dir, frame('blob  5\0', 'hello'));
  const noNul = await writeRawObject(fx.dir, frame('blob 5 ', 'hello'));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1);
  t.same(
    pairs(report.findings).sort(),
    [
      ['nonCanonicalRecord', nonCanonical],
      ['nonCanonicalRecord', unsortedId],
      ['badRecord', notJson],
      ['badRecord', noParent],
      ['badRecord', badUtf8],
      ['badType', badType],
      ['badLength', badLength],
      ['badHeader', badHeader],
      ['badHeader', noNul],
    ].sort(),
  );
  const detail = (id: string) => report.findings.find((f) => f.object === id)!.detail;
  t.match(detail(notJson), /^is not JSON/, 'the detail does not repeat the id');
  t.match(detail(badLength), /declares 9 bytes but the body has 5/);
});

t.test('a non-canonical record still has its links checked', async (t) => {
  const fx = await makeFixture(t);
  const body = `{"parent": "${MISSING}"}`;
  const id = await writeRawObject(fx.dir, Buffer.concat([Buffer.from(`record ${body.length}\0`), Buffer.from(body)]));
  await fx.archive.refs.update('refs/tags/noncanonical', id);
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 1 | 2);
  t.same(pairs(report.findings), [['nonCanonicalRecord', id], ['missingParent', id]]);
});

t.test('a missing link from an unreachable object is a warning (an interrupted write), not an error', async (t) => {
  const fx = await makeFixture(t);
  const store = await fx.archive.objects();
  const orphan = await store.write('record', record({ kind: 'user', parent: MISSING }));
  const orphanBlobRef = await store.write('record', record({ kind: 'user', parent: null, a: { $blob: MISSING } }));
  const { code, report } = await fsckJson(fx.root);
  t.equal(code, 0, 'warnings never set the exit status');
  t.same(pairs(report.findings).sort(), [
    ['unreachableMissingLink', orphan],
    ['unreachableMissingLink', orphanBlobRef],
  ].sort());
  t.ok(report.findings.every((f) => f.severity === 'warning'));
  // Once a ref reaches it, the same missing parent is an error again.
  await fx.archive.refs.update('refs/sessions/orphan', orphan);
  const again = await fsckJson(fx.root);
  t.equal(again.code, 2);
  t.same(pairs(again.report.findings).sort(), [['missingParent', orphan], ['unreachableMissingLink', orphanBlobRef]].sort());
});
