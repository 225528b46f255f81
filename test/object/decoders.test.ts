// The two zstd decoders (object/compress.ts): fzstd, used while a process has
// decoded little, and zstd-codec's WebAssembly, used for bulk work. They must
// give the same bytes and refuse the same frames with the same errors.
import t from 'tap';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JS_DECODE_BUDGET, MAX_OBJECT_SIZE, jsDecoder, loadCodec, readZstdFrameHeader, zstdFrameLength } from '../../src/object/index.js';
import { repoRoot } from '../helpers/cli.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'zstd');

function inputs(): Record<string, Buffer> {
  let text = '';
  for (let i = 0; text.length < 300000; i++) text += 'line ' + i + ' of a transcript with some words ' + ((i * 7919) % 1000) + '\n';
  const random = Buffer.alloc(200000);
  let h = Buffer.from('seed');
  for (let o = 0; o < random.length; o += 32) {
    h = createHash('sha256').update(h).digest();
    h.copy(random, o);
  }
  return { 'text-check': Buffer.from(text), 'text-nocheck': Buffer.from(text), 'random-check': random, 'zeros-check': Buffer.alloc(150000) };
}

t.test('frames of the reference zstd CLI (checksums, raw and RLE blocks, level 19) decode the same with both', async (t) => {
  const codec = await loadCodec();
  for (const [name, input] of Object.entries(inputs())) {
    const frame = readFileSync(join(FIXTURES, `${name}.zst`));
    t.equal(zstdFrameLength(frame, readZstdFrameHeader(frame)), frame.length, `${name}: the block walk ends where the file does`);
    t.same(Buffer.from(jsDecoder.decompress(frame, MAX_OBJECT_SIZE)), input, `${name}: fzstd`);
    t.same(Buffer.from(codec.decompress(frame, MAX_OBJECT_SIZE)), input, `${name}: zstd-codec`);
  }
});

t.test("tapes' own frames, many sizes, decode the same with both", async (t) => {
  const codec = await loadCodec();
  let seed = Buffer.from('sizes');
  for (const size of [1, 2, 255, 256, 257, 65535, 65536, 131072, 131073, 500000, MAX_OBJECT_SIZE]) {
    seed = createHash('sha256').update(seed).digest();
    const data = Buffer.alloc(size);
    for (let o = 0; o < size; o++) data[o] = seed[o % 32]! ^ (o % 7 === 0 ? o & 0xff : 0);
    const frame = codec.compress(data);
    t.same(Buffer.from(jsDecoder.decompress(frame, MAX_OBJECT_SIZE)), data, `${size} bytes`);
  }
});

t.test('both refuse the same bad frames, with the same error', async (t) => {
  const codec = await loadCodec();
  const good = codec.compress(Buffer.from('a record body '.repeat(10000)));
  const hdr = readZstdFrameHeader(good);
  const huge = Buffer.from(good);
  huge.writeUInt32LE(0xffffffff, hdr.headerSize - 4);
  const reservedBlock = Buffer.from(good);
  reservedBlock[hdr.headerSize] = reservedBlock[hdr.headerSize]! | 0b110;
  const bigBlock = Buffer.from(good);
  bigBlock.writeUIntLE(((200000 << 3) | (bigBlock[hdr.headerSize]! & 7)) >>> 0, hdr.headerSize, 3);
  // A second frame after the first, declaring far more than the bound: never decoded.
  const second = Buffer.from(good);
  second.writeUInt32LE(0x7fffffff, hdr.headerSize - 4);
  const cases: Array<[string, Uint8Array, RegExp, string]> = [
    ['too large', huge, /ObjectTooLargeError/, 'more than the'],
    ['not zstd', Buffer.from('not zstd at all'), /CorruptObjectError/, 'bad magic'],
    ['cut short', good.subarray(0, good.length - 3), /CorruptObjectError/, 'cut short'],
    ['a block of the reserved type', reservedBlock, /CorruptObjectError/, 'reserved type'],
    ['a block too large', bigBlock, /CorruptObjectError/, 'more than a block may hold'],
    ['trailing bytes', Buffer.concat([good, Buffer.from('junk')]), /CorruptObjectError/, 'followed by 4 more bytes'],
    ['a second frame', Buffer.concat([good, second]), /CorruptObjectError/, `followed by ${second.length} more bytes`],
    ['no content', codec.compress(Buffer.alloc(0)), /CorruptObjectError/, 'content'],
  ];
  for (const [what, frame, code, message] of cases) {
    for (const [name, d] of [['fzstd', jsDecoder], ['zstd-codec', codec]] as const) {
      t.throws(() => d.decompress(frame, MAX_OBJECT_SIZE), { code, message: new RegExp(message) }, `${what}: ${name}`);
    }
  }
  t.throws(() => jsDecoder.decompress(good, 100), { code: 'ObjectTooLargeError' }, 'the bound is the caller’s');
  t.same(Buffer.from(jsDecoder.decompress(good, MAX_OBJECT_SIZE)), Buffer.from('a record body '.repeat(10000)), 'still decodes after the failures');
});

t.test('a process decodes with fzstd until the budget, then with zstd-codec', async (t) => {
  // A fresh process: the codec is loaded once per process, and other tests here have loaded it.
  const child = `
    const m = await import(${JSON.stringify(join(repoRoot, 'build', 'src', 'object', 'compress.js'))});
    const frame = new Uint8Array(Buffer.from(process.argv[1], 'base64'));
    for (let i = 0; i < 400; i++) {
      if (m.codecWanted()) await m.loadCodec();
      m.decompressFrame(frame, ${MAX_OBJECT_SIZE});
    }
    console.log(JSON.stringify(m.decodeCounts));
  `;
  const codec = await loadCodec();
  const frame = codec.compress(Buffer.from('x'.repeat(20000) + 'y'.repeat(20000)));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child, Buffer.from(frame).toString('base64')], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const counts = JSON.parse(r.stdout) as { js: number; wasm: number };
  const budgetFrames = Math.floor(JS_DECODE_BUDGET / 40000) + 1;
  t.ok(counts.js >= budgetFrames, `fzstd decoded the first ${budgetFrames} frames (${counts.js})`);
  t.ok(counts.js < 400 && counts.wasm > 0, `then zstd-codec took over (${counts.wasm} frames)`);
  t.equal(counts.js + counts.wasm, 400);
});
