// The git wire protocol as the git-http transport speaks it: pkt-lines (a
// four-hex-digit length that counts itself, then the payload; "0000" is a
// flush) and the messages built from them, as write/parse pairs
// (isomorphic-git's wire/ is the model). Pure functions of bytes, no I/O: the
// upload-pack and receive-pack exchanges send what these write and hand what
// the server answers to these parsers. The server is untrusted: framing that
// is not pkt-lines is refused.
import { CorruptObjectError } from '../errors/index.js';

/** The flush packet: the end of a section. */
export const FLUSH_PKT = Buffer.from('0000', 'latin1');

/** One pkt-line holding `line` (which carries its own newline, if any). */
export function pktLine(line: string): Buffer {
  const body = Buffer.from(line, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

/** The payloads of a pkt-line stream; a flush packet is null. */
export function* pktLines(raw: Buffer): Generator<Buffer | null> {
  for (let i = 0; i + 4 <= raw.length; ) {
    const len = parseInt(raw.toString('latin1', i, i + 4), 16);
    if (!Number.isFinite(len) || (len !== 0 && len < 4)) throw new CorruptObjectError('the server answered with something that is not pkt-lines', { reason: 'badProtocol' });
    if (len === 0) {
      yield null;
      i += 4;
      continue;
    }
    yield raw.subarray(i + 4, i + len);
    i += len;
  }
}

/** The text lines of a pkt-line stream, each without its newline; flushes are left out. */
function* textLines(raw: Buffer): Generator<string> {
  for (const line of pktLines(raw)) if (line !== null) yield line.toString('utf8').replace(/\n$/, '');
}

/** upload-pack's request (protocol v0): the wants, the first with our capabilities, a flush, the haves, done. */
export function writeUploadPackRequest(wants: string[], haves: string[]): Buffer {
  const lines = wants.map((w, i) => pktLine(i === 0 ? `want ${w} side-band-64k ofs-delta agent=tapes\n` : `want ${w}\n`));
  lines.push(FLUSH_PKT);
  for (const h of haves) lines.push(pktLine(`have ${h}\n`));
  lines.push(pktLine('done\n'));
  return Buffer.concat(lines);
}

/**
 * upload-pack's answer: the pack, joined from side-band channel 1, or the
 * error the server gave (channel 3, or an ERR line) instead.
 */
export function parseUploadPackResponse(raw: Buffer): { pack: Buffer; error?: string } {
  const pack: Buffer[] = [];
  for (const data of pktLines(raw)) {
    if (data === null) continue;
    const text = data.toString('latin1');
    if (text.startsWith('NAK') || text.startsWith('ACK')) continue;
    if (data[0] === 1) pack.push(data.subarray(1));
    else if (data[0] === 3) return { pack: Buffer.alloc(0), error: data.subarray(1).toString('utf8').trim() };
    else if (text.startsWith('ERR ')) return { pack: Buffer.alloc(0), error: text.slice(4).trim() };
  }
  return { pack: Buffer.concat(pack) };
}

/** A ref advertisement (info/refs): every ref's value, and the capabilities after the first ref. */
export function parseRefAdvertisement(raw: Buffer): { refs: Map<string, string>; capabilities: Set<string> } {
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  for (const text of textLines(raw)) {
    if (text.startsWith('#')) continue;
    const nul = text.indexOf('\0');
    const head = nul >= 0 ? text.slice(0, nul) : text;
    if (nul >= 0) for (const c of text.slice(nul + 1).split(' ')) if (c) capabilities.add(c.split('=')[0]!);
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(head);
    if (m) refs.set(m[2]!, m[1]!);
  }
  return { refs, capabilities };
}

/** One ref update receive-pack is asked for: `old` and `value` are git ids (zeros: none). */
export interface RefCommand {
  ref: string;
  old: string;
  value: string;
}

/** receive-pack's request: the commands, the first with `capabilities`, a flush, then the pack (if any). */
export function writeReceivePackRequest(commands: RefCommand[], capabilities: string[], pack?: Buffer): Buffer {
  const lines = commands.map((c, i) => pktLine(`${c.old} ${c.value} ${c.ref}${i === 0 ? `\0${capabilities.join(' ')}` : ''}\n`));
  lines.push(FLUSH_PKT);
  return Buffer.concat([...lines, ...(pack ? [pack] : [])]);
}

/** receive-pack's report-status: how unpacking went ("ok" or the error) and each ref's outcome. */
export function parseReceivePackResponse(raw: Buffer): { unpack: string; refs: Map<string, { ok: boolean; reason: string }> } {
  const refs = new Map<string, { ok: boolean; reason: string }>();
  let unpack = '';
  for (const text of textLines(raw)) {
    if (text.startsWith('unpack ')) unpack = text.slice('unpack '.length);
    else if (text.startsWith('ok ')) refs.set(text.slice(3), { ok: true, reason: '' });
    else if (text.startsWith('ng ')) {
      const rest = text.slice(3);
      const sp = rest.indexOf(' ');
      refs.set(sp < 0 ? rest : rest.slice(0, sp), { ok: false, reason: sp < 0 ? 'rejected by the server' : rest.slice(sp + 1) });
    }
  }
  return { unpack, refs };
}
