// Pack frames decoded only as far as a read needs (object/compress.ts
// progressiveFrame, odb/pack-reader.ts): every prefix is the start of what
// the whole frame decodes to, reading on continues where it stopped, a read
// of one object early in a frame decodes only part of it, and a damaged
// frame is an error, never wrong bytes.
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackSet, PackWriter, MAX_FRAME_CONTENT } from '../../src/odb/index.js';
import { decompressFrame, encodeObject, loadCodec, objectId, progressiveFrame, type ObjectType } from '../../src/object/index.js';
import { corpusDir, tempDir } from '../helpers/cli.js';

const JS_ONLY = { decompress: (f: Uint8Array, max: number) => decompressFrame(f, max), progressive: progressiveFrame };

/** Real text: the lines of fixture transcripts, as records and blobs of a pack written at level 9 (as gc writes). */
async function realPack(dir: string) {
  const lines = readdirSync(join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli'))
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((n) => readFileSync(join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', n), 'utf8').split('\n'))
    .filter((l) => l.length > 0);
  const objs: Array<{ id: string; type: ObjectType; body: Buffer }> = [];
  const seen = new Set<string>();
  for (const [i, l] of lines.entries()) {
    const type: ObjectType = i % 3 === 0 ? 'blob' : 'record';
    const body = Buffer.from(l);
    const id = objectId(type, body);
    if (seen.has(id)) continue;
    seen.add(id);
    objs.push({ id, type, body });
  }
  const w = await PackWriter.create(dir, await loadCodec(), { frameSize: 2 * 1024 * 1024, recordFrameSize: 512 * 1024, level: 9 });
  for (const o of objs) await w.add(o.id, encodeObject(o.type, o.body));
  await w.finish();
  return objs;
}

t.test('every prefix is the start of the whole frame, and reading on continues', async (t) => {
  const dir = tempDir('tapes-progressive-');
  await realPack(dir);
  const set = new PackSet(dir, JS_ONLY);
  const pack = set.list[0]!;
  let frames = 0;
  for (let i = 0; i < pack.index.frameCount; i++) {
    const f = pack.index.frame(i);
    const compressed = pack.readFrame(f);
    const whole = decompressFrame(compressed, MAX_FRAME_CONTENT);
    const p = progressiveFrame(compressed, MAX_FRAME_CONTENT)!;
    t.equal(p.size, whole.length, `frame ${i}: the declared size`);
    let prev = 0;
    for (const need of [1, Math.floor(whole.length / 3), Math.floor(whole.length / 3) + 5, whole.length - 1, whole.length]) {
      const got = p.upTo(need);
      if (got.length < need || got.length < prev) t.fail(`frame ${i}: upTo(${need}) gave ${got.length} bytes`);
      if (!Buffer.from(got).equals(Buffer.from(whole.subarray(0, got.length)))) t.fail(`frame ${i}: the first ${got.length} bytes differ`);
      prev = got.length;
    }
    t.ok(p.complete, `frame ${i}: complete at the end`);
    frames++;
  }
  t.ok(frames >= 2, `${frames} frames`);
});

t.test('reading objects through a PackSet decodes only as far as they lie, and all are right', async (t) => {
  const dir = tempDir('tapes-progressive-');
  const objs = await realPack(dir);
  const first = new PackSet(dir, JS_ONLY);
  const pack = first.list[0]!;
  // The object at the start of the largest frame: read alone, its frame is not decoded whole.
  let early: string | undefined;
  let biggest = 0;
  for (let i = 0; i < pack.index.count; i++) {
    const at = pack.locate(i);
    if (at.offset === 0 && at.frame.contentLength > biggest) {
      biggest = at.frame.contentLength;
      early = pack.index.idHex(i);
    }
  }
  t.ok(early && biggest > 100_000, `a frame of ${biggest} bytes`);
  t.ok(first.read(early!), 'the object at its start reads');
  t.equal(first.framesDecoded, 0, 'and the frame is not decoded whole');
  // Every object, in a shuffled order, through one set: each verified against its id (read throws otherwise).
  const set = new PackSet(dir, JS_ONLY);
  const order = objs.map((o, i) => ({ o, k: (i * 7919) % objs.length })).sort((a, b) => a.k - b.k);
  let wrong = 0;
  for (const { o } of order) {
    const got = set.read(o.id);
    if (!got || got.type !== o.type || !Buffer.from(got.body).equals(o.body)) wrong++;
  }
  t.equal(wrong, 0, `all ${objs.length} objects read back as written`);
});

t.test('a damaged frame is an error, never other bytes', async (t) => {
  const dir = tempDir('tapes-progressive-');
  const objs = await realPack(dir);
  const name = readdirSync(dir).find((n) => n.endsWith('.pack'))!;
  const path = join(dir, name);
  const bytes = readFileSync(path);
  // A byte in the middle of the first data frame's compressed blocks.
  const set0 = new PackSet(dir, JS_ONLY);
  const f0 = set0.list[0]!.index.frame(0);
  bytes[f0.offset + Math.floor(f0.length / 2)] ^= 0x55;
  writeFileSync(path, bytes);
  const set = new PackSet(dir, JS_ONLY);
  let errors = 0;
  let wrong = 0;
  for (const o of objs) {
    try {
      const got = set.read(o.id);
      if (got && !Buffer.from(got.body).equals(o.body)) wrong++;
    } catch (err) {
      errors++;
      if (!/objects\/pack\/|hashes to|frame/.test((err as Error).message)) t.fail(`unexpected error: ${(err as Error).message}`);
    }
  }
  t.equal(wrong, 0, 'no object read as other bytes');
  t.ok(errors > 0, `${errors} reads failed, naming the pack`);
});
