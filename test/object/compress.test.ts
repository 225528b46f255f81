// The WebAssembly codec keeps its vectors between calls up to
// KEPT_VECTOR_BYTES (src/object/compress.ts, WasmCodec): its frames must be
// byte for byte those zstd-codec's own `Simple` class makes, whatever the
// order of small and large calls, compressions and decompressions; a call
// larger than the kept vectors frees them first, so that the largest calls
// have the fixed heap as they had before.
import t from 'tap';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEPT_VECTOR_BYTES, WasmCodec, loadCodec, type ZstdBinding } from '../../src/object/compress.js';
import { fixedBytes } from '../helpers/fixed-bytes.js';
import { claudeProjects } from '../import/import-helpers.js';

const require = createRequire(import.meta.url);

interface Simple {
  compress(bytes: Uint8Array, level?: number): Uint8Array | null;
  decompress(bytes: Uint8Array): Uint8Array | null;
}

/** zstd-codec's binding (a module of its own) and its Simple class (another). */
async function codecs(): Promise<{ binding: ZstdBinding; simple: Simple }> {
  // Wrapped: the module has a `then` (Emscripten's), and a promise resolved with it would wait on it forever.
  const { binding } = await new Promise<{ binding: ZstdBinding }>((resolve) =>
    (require('zstd-codec/lib/module.js') as { run(cb: (b: ZstdBinding) => void): void }).run((b) => resolve({ binding: b })),
  );
  const simple = await new Promise<Simple>((resolve) =>
    (require('zstd-codec') as { ZstdCodec: { run(cb: (z: { Simple: new () => Simple }) => void): void } }).ZstdCodec.run((z) => resolve(new z.Simple())),
  );
  return { binding, simple };
}

/** Real transcript text (compresses as records and blobs do), `size` bytes of it, starting at `from`. */
const text = readFileSync(join(claudeProjects, '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl'));
function sample(size: number, from: number): Uint8Array {
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += text.length - from) text.copy(out, at, from, Math.min(text.length, from + size - at));
  return out;
}

t.test('the same frames as Simple, in any order of sizes, levels and calls; each decodes back', async (t) => {
  const { binding, simple } = await codecs();
  const codec = new WasmCodec(binding);
  // Sizes below, at and above the kept vectors' bound, growing and shrinking, and one of random bytes (incompressible: its bound is above its size).
  const inputs: Array<[Uint8Array, number]> = [
    [sample(128 * 1024, 0), 1],
    [sample(100 * 1024, 777), 1],
    [sample(256 * 1024, 5), 1],
    [sample(KEPT_VECTOR_BYTES, 3), 3],
    [fixedBytes(KEPT_VECTOR_BYTES - 100, 'incompressible'), 1],
    [sample(KEPT_VECTOR_BYTES + 1, 9), 3],
    [sample(2 * 1024 * 1024, 11), 9],
    [sample(64 * 1024, 13), 1],
    [sample(1, 0), 3],
    [sample(1024 * 1024, 17), 3],
    [sample(200 * 1024, 19), 1],
  ];
  let differ = 0;
  let wrong = 0;
  for (const [bytes, level] of inputs) {
    const ours = codec.compress(bytes, level);
    const theirs = simple.compress(bytes, level);
    if (!ours || !theirs || !Buffer.from(ours).equals(Buffer.from(theirs))) differ++;
    // Decoded by both, interleaved with the compressions.
    const back = ours && codec.decompress(ours);
    if (!back || !Buffer.from(back).equals(Buffer.from(bytes))) wrong++;
    if (ours && !Buffer.from(simple.decompress(ours)!).equals(Buffer.from(bytes))) wrong++;
  }
  t.equal(differ, 0, `every frame as Simple makes it (${inputs.length} inputs)`);
  t.equal(wrong, 0, 'every frame decodes back to its input');
  // (Malformed frames never reach it unchecked: checkedDecode walks a frame's blocks first; the last test and
  // test/object/decoders.test.ts send them through loadCodec's codec.)
});

t.test('a call larger than the kept vectors frees them: the heap then serves what it served before', async (t) => {
  const { binding } = await codecs();
  let live = 0;
  let made = 0;
  // The binding, its vectors counted (made and not deleted).
  const counted: ZstdBinding = Object.create(binding) as ZstdBinding;
  counted.VectorU8 = class {
    constructor() {
      const v = new binding.VectorU8();
      made++;
      live++;
      const del = v.delete.bind(v);
      v.delete = () => {
        live--;
        del();
      };
      return v;
    }
  } as unknown as ZstdBinding['VectorU8'];
  const codec = new WasmCodec(counted);
  for (let i = 0; i < 20; i++) codec.compress(sample(100 * 1024 + i * 1000, i), 1);
  t.equal(made, 2, 'twenty small compressions made two vectors, kept');
  t.equal(live, 2);
  const big = codec.compress(sample(3 * 1024 * 1024, 1), 5)!;
  t.equal(live, 0, 'a large one freed the kept vectors and its own');
  t.ok(Buffer.from(codec.decompress(big)!).equals(sample(3 * 1024 * 1024, 1)));
  t.equal(live, 0, 'and so did a large decompression');
  codec.decompress(codec.compress(sample(1000, 5), 1)!);
  t.equal(live, 2, 'small calls keep two again');
  t.equal(made, 8);
});

t.test('after a large frame, a small object copies out no more than about its own size', async (t) => {
  const { binding } = await codecs();
  const copied: number[] = [];
  const counted: ZstdBinding = Object.create(binding) as ZstdBinding;
  counted.cloneAsTypedArray = (v) => {
    const out = binding.cloneAsTypedArray(v);
    copied.push(out.length);
    return out;
  };
  const codec = new WasmCodec(counted);
  codec.compress(sample(400 * 1024, 1), 3);
  t.ok(copied[0]! >= 400 * 1024, `the large frame's room copied out once (${copied[0]})`);
  const small = sample(900, 7);
  for (let i = 0; i < 5; i++) codec.compress(small, 3);
  t.ok(copied.slice(1).every((n) => n < 4096), `each small object copied out less than 4 KiB (${copied.slice(1).join(', ')})`);
  // Frames of alternating sizes within twice each other (record and blob frames) keep the larger room: no zeros written each time.
  copied.length = 0;
  for (let i = 0; i < 6; i++) codec.compress(sample(i % 2 ? 256 * 1024 : 128 * 1024, i), 1);
  t.ok(copied.every((n) => n <= 2 * 256 * 1024 + 4096), 'and frames copy out at most twice their room');
});

t.test('loadCodec gives the kept-vector codec behind the usual checks', async (t) => {
  const codec = await loadCodec();
  const bytes = sample(300 * 1024, 21);
  const frame = codec.compress(bytes, 1);
  t.ok(Buffer.from(codec.decompress(frame, bytes.length)).equals(bytes));
  t.throws(() => codec.decompress(frame, bytes.length - 1), /more than the/, 'the declared size is checked against the bound first');
  t.throws(() => codec.decompress(frame.subarray(0, frame.length - 3), bytes.length), /zstd frame/, 'a frame cut short is refused before it is decoded');
  t.throws(() => codec.decompress(new Uint8Array(16), bytes.length), /zstd/, 'sixteen zero bytes are no frame');
  t.ok(Buffer.from(codec.decompress(frame, bytes.length)).equals(bytes), 'and the codec works after refusing them');
});
