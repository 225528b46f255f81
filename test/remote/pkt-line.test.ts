// The wire codec: pkt-line framing both ways, and each message the git-http
// transport writes or parses, checked against the bytes git itself uses
// (gitprotocol-pack, gitprotocol-http). A stream that is not pkt-lines is
// refused with a typed error.
import t from 'tap';
import {
  FLUSH_PKT,
  parseReceivePackResponse,
  parseRefAdvertisement,
  parseUploadPackResponse,
  pktLine,
  pktLines,
  writeReceivePackRequest,
  writeUploadPackRequest,
} from '../../src/remote/pkt-line.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const texts = (raw: Buffer) => [...pktLines(raw)].map((l) => (l === null ? null : l.toString('utf8')));

t.test('framing: a length that counts itself, "0000" a flush, read back as written', async (t) => {
  t.equal(pktLine('done\n').toString('latin1'), '0009done\n');
  t.equal(pktLine('').toString('latin1'), '0004');
  t.equal(FLUSH_PKT.toString('latin1'), '0000');
  t.equal(pktLine('é\n').toString('latin1', 0, 4), '0007', 'the length counts bytes, not characters');
  const raw = Buffer.concat([pktLine('one\n'), FLUSH_PKT, pktLine('two'), pktLine('')]);
  t.same(texts(raw), ['one\n', null, 'two', '']);
  t.same(texts(Buffer.alloc(0)), [], 'an empty stream has no lines');
});

t.test('framing that is not pkt-lines is refused', async (t) => {
  t.throws(() => [...pktLines(Buffer.from('zzzzhello'))], { code: 'CorruptObjectError' });
  t.throws(() => [...pktLines(Buffer.from('0003'))], { code: 'CorruptObjectError' }, 'a length below 4 (and not a flush)');
  t.throws(() => [...pktLines(Buffer.from('<!DOCTYPE html>'))], { code: 'CorruptObjectError' }, 'an HTML page');
});

t.test('upload-pack: the request, and the pack and errors of the answer', async (t) => {
  t.same(texts(writeUploadPackRequest([A, B], [Z])), [`want ${A} side-band-64k ofs-delta agent=tapes\n`, `want ${B}\n`, null, `have ${Z}\n`, 'done\n']);
  t.same(texts(writeUploadPackRequest([A], [])), [`want ${A} side-band-64k ofs-delta agent=tapes\n`, null, 'done\n'], 'no haves');

  const band = (n: number, data: string) => Buffer.concat([Buffer.from([n]), Buffer.from(data, 'latin1')]);
  const frame = (payload: Buffer) => Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'latin1'), payload]);
  const answer = Buffer.concat([pktLine('NAK\n'), frame(band(2, 'Counting objects\n')), frame(band(1, 'PACK')), frame(band(1, '\0\0\0\x02')), FLUSH_PKT]);
  t.same(parseUploadPackResponse(answer), { pack: Buffer.from('PACK\0\0\0\x02', 'latin1') }, 'channel 1 joined, progress (2) and NAK left out');
  t.same(parseUploadPackResponse(Buffer.concat([frame(band(1, 'PA')), frame(band(3, 'upload-pack: not our ref\n'))])).error, 'upload-pack: not our ref', 'channel 3 is an error');
  t.same(parseUploadPackResponse(pktLine('ERR access denied\n')).error, 'access denied', 'so is an ERR line');
});

t.test('a ref advertisement: the refs and the capabilities after the first', async (t) => {
  const raw = Buffer.concat([
    pktLine('# service=git-receive-pack\n'),
    FLUSH_PKT,
    pktLine(`${A} refs/tapes/sessions/x\0report-status delete-refs agent=git/2.43.0 object-format=sha1\n`),
    pktLine(`${B} refs/heads/main\n`),
    pktLine('not a ref line\n'),
    FLUSH_PKT,
  ]);
  const ad = parseRefAdvertisement(raw);
  t.same([...ad.refs], [['refs/tapes/sessions/x', A], ['refs/heads/main', B]]);
  t.same([...ad.capabilities].sort(), ['agent', 'delete-refs', 'object-format', 'report-status'], 'capability names without their values');
  const empty = parseRefAdvertisement(pktLine(`${Z} capabilities^{}\0report-status\n`));
  t.same([...empty.refs], [['capabilities^{}', Z]], 'an empty repository advertises its capabilities on a placeholder');
  t.ok(empty.capabilities.has('report-status'));
});

t.test('receive-pack: the commands and pack, and the status report', async (t) => {
  const pack = Buffer.from('PACK…', 'utf8');
  const body = writeReceivePackRequest(
    [
      { ref: 'refs/tapes/sessions/x', old: Z, value: A },
      { ref: 'refs/tapes/tags/t', old: B, value: Z },
    ],
    ['report-status', 'agent=tapes'],
    pack,
  );
  t.ok(body.subarray(body.length - pack.length).equals(pack), 'the pack follows the flush as it is');
  t.same(texts(body.subarray(0, body.length - pack.length)), [`${Z} ${A} refs/tapes/sessions/x\0report-status agent=tapes\n`, `${B} ${Z} refs/tapes/tags/t\n`, null]);
  t.same(texts(writeReceivePackRequest([{ ref: 'refs/tapes/tags/t', old: B, value: Z }], ['report-status'])), [`${B} ${Z} refs/tapes/tags/t\0report-status\n`, null], 'a delete sends no pack');

  const report = parseReceivePackResponse(
    Buffer.concat([pktLine('unpack ok\n'), pktLine('ok refs/tapes/sessions/x\n'), pktLine('ng refs/tapes/tags/t failed to update ref\n'), pktLine('ng refs/tapes/tags/u\n'), FLUSH_PKT]),
  );
  t.equal(report.unpack, 'ok');
  t.same([...report.refs], [
    ['refs/tapes/sessions/x', { ok: true, reason: '' }],
    ['refs/tapes/tags/t', { ok: false, reason: 'failed to update ref' }],
    ['refs/tapes/tags/u', { ok: false, reason: 'rejected by the server' }],
  ]);
  t.equal(parseReceivePackResponse(pktLine('unpack index-pack abnormal exit\n')).unpack, 'index-pack abnormal exit');
  t.equal(parseReceivePackResponse(FLUSH_PKT).unpack, '', 'no report at all');
});
