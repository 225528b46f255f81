import t from 'tap';
import { createHash } from 'node:crypto';
import {
  MAX_OBJECT_SIZE,
  decodeObject,
  encodeObject,
  loadCodec,
  maxBodySize,
  objectId,
  readZstdFrameHeader,
} from '../../src/object/index.js';

t.test('framing is git-style and the id is sha256 of the encoded bytes', async (t) => {
  const enc = encodeObject('blob', Buffer.from('hello\n'));
  t.equal(Buffer.from(enc).toString('latin1'), 'blob 6\0hello\n');
  t.equal(objectId('blob', Buffer.from('hello\n')), createHash('sha256').update('blob 6\0hello\n').digest('hex'));
  const dec = decodeObject(enc);
  t.equal(dec.type, 'blob');
  t.equal(Buffer.from(dec.body).toString(), 'hello\n');
  t.equal(Buffer.from(encodeObject('record', Buffer.alloc(0))).toString('latin1'), 'record 0\0');
});

t.test('decode refuses malformed framing with a reason', async (t) => {
  const bad = (s: string) => Buffer.from(s, 'latin1');
  t.throws(() => decodeObject(bad('blob 6hello\n')), { code: 'CorruptObjectError', data: { reason: 'badHeader' } });
  t.throws(() => decodeObject(bad('blob 7\0hello\n')), { code: 'CorruptObjectError', data: { reason: 'badLength' } });
  t.throws(() => decodeObject(bad('blob 06\0hello\n')), { code: 'CorruptObjectError', data: { reason: 'badHeader' } });
  t.throws(() => decodeObject(bad('tree 6\0hello\n')), { code: 'CorruptObjectError', data: { reason: 'badType' } });
  t.throws(() => decodeObject(bad('')), { code: 'CorruptObjectError' });
});

t.test('the 1 MiB bound includes the header', async (t) => {
  const max = maxBodySize('blob');
  t.equal(encodeObject('blob', Buffer.alloc(max)).length, MAX_OBJECT_SIZE);
  t.throws(() => encodeObject('blob', Buffer.alloc(max + 1)), { code: 'ObjectTooLargeError' });
  t.ok(maxBodySize('record') < max);
});

t.test('codec: round trip, declared size checked before decoding', async (t) => {
  const codec = await loadCodec();
  t.equal(await loadCodec(), codec, 'loaded once per process');
  const data = Buffer.from('x'.repeat(100000) + 'tail');
  const frame = codec.compress(data);
  t.equal(readZstdFrameHeader(frame).contentSize, data.length);
  t.same(Buffer.from(codec.decompress(frame, MAX_OBJECT_SIZE)), data);
  t.throws(() => codec.decompress(frame, 1000), { code: 'ObjectTooLargeError' });
  // A frame that claims to be enormous is refused without touching the WASM heap.
  const huge = Buffer.from(frame);
  const hdr = readZstdFrameHeader(huge);
  huge.writeUInt32LE(0xffffffff, hdr.headerSize - 4);
  t.throws(() => codec.decompress(huge, MAX_OBJECT_SIZE), { code: /ObjectTooLargeError|CorruptObjectError/ });
  t.throws(() => codec.decompress(Buffer.from('not zstd at all'), MAX_OBJECT_SIZE), { code: 'CorruptObjectError' });
  t.throws(() => codec.decompress(frame.subarray(0, frame.length - 3), MAX_OBJECT_SIZE), { code: 'CorruptObjectError' });
  // Still usable after all those failures.
  t.same(Buffer.from(codec.decompress(codec.compress(Buffer.from('ok')), 10)), Buffer.from('ok'));
});
