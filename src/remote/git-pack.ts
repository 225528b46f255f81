// Reading a git pack (version 2 or 3) as a server sends it to a fetch:
// whole objects and deltas (against an earlier offset, or a base named by
// id), every object zlib-compressed, a SHA-1 of the whole pack at its end.
// The pack comes from an untrusted server, so every length, offset and delta
// instruction is checked; a bad pack is refused with what is wrong and where.
// (Reading it here, in memory, replaces indexing it on disk with
// isomorphic-git and reading each object back, which cost most of a fetch.)
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { CorruptObjectError } from '../errors/index.js';
import { gitObjectId, type GitObjectType } from './git-mirror.js';

export interface GitObject {
  type: GitObjectType | 'tag';
  content: Buffer;
}

/** A whole object's type code in a pack entry's header, as git numbers them. */
export const PACK_TYPE_CODES: Record<GitObject['type'], number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const TYPES = Object.fromEntries(Object.entries(PACK_TYPE_CODES).map(([type, code]) => [code, type])) as Record<number, GitObject['type']>;
const OFS_DELTA = 6;
const REF_DELTA = 7;

function bad(detail: string): CorruptObjectError {
  return new CorruptObjectError(`the server sent a damaged pack: ${detail}`, { reason: 'badPack', detail });
}

/** Reads a LEB128-style size (as in delta headers) at `pos`. */
function deltaSize(delta: Buffer, pos: { i: number }): number {
  let size = 0;
  let shift = 0;
  for (;;) {
    if (pos.i >= delta.length) throw bad('a delta header is cut short');
    const c = delta[pos.i++]!;
    size += (c & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(c & 0x80)) return size;
    if (shift > 49) throw bad('a delta size is too large');
  }
}

/** Applies a git delta to `base`. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const pos = { i: 0 };
  const sourceSize = deltaSize(delta, pos);
  if (sourceSize !== base.length) throw bad(`a delta expects a base of ${sourceSize} bytes, not ${base.length}`);
  const targetSize = deltaSize(delta, pos);
  const out = Buffer.allocUnsafe(targetSize);
  let o = 0;
  while (pos.i < delta.length) {
    const op = delta[pos.i++]!;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset += delta[pos.i++]! * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) size += delta[pos.i++]! * 2 ** (8 * bit);
      if (size === 0) size = 0x10000;
      if (pos.i > delta.length || offset + size > base.length || o + size > targetSize) throw bad('a delta copies outside its base or target');
      base.copy(out, o, offset, offset + size);
      o += size;
    } else if (op > 0) {
      if (pos.i + op > delta.length || o + op > targetSize) throw bad('a delta inserts past its end');
      delta.copy(out, o, pos.i, pos.i + op);
      pos.i += op;
      o += op;
    } else {
      throw bad('a delta holds the reserved instruction 0');
    }
  }
  if (o !== targetSize) throw bad(`a delta makes ${o} bytes, not the ${targetSize} it declares`);
  return out;
}

/** Every object of a pack, by git id. */
export function readPack(pack: Buffer): Map<string, GitObject> {
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw bad('it does not start with "PACK"');
  const version = pack.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw bad(`version ${version}`);
  const count = pack.readUInt32BE(8);
  const end = pack.length - 20;
  const sum = createHash('sha1').update(pack.subarray(0, end)).digest();
  if (!sum.equals(pack.subarray(end))) throw bad('its SHA-1 trailer does not match its content');

  const byOffset = new Map<number, GitObject>();
  const byId = new Map<string, GitObject>();
  // REF_DELTA objects whose base comes later in the pack.
  let waiting: { at: number; base: string; delta: Buffer }[] = [];
  const add = (at: number, obj: GitObject): void => {
    byOffset.set(at, obj);
    byId.set(gitObjectId(obj.type as GitObjectType, obj.content), obj);
  };
  let i = 12;
  for (let n = 0; n < count; n++) {
    const at = i;
    if (i >= end) throw bad(`it holds fewer than the ${count} objects it declares`);
    let c = pack[i++]!;
    const type = (c >> 4) & 7;
    let size = c & 0x0f;
    let shift = 4;
    while (c & 0x80) {
      if (i >= end) throw bad(`object at offset ${at}: header cut short`);
      c = pack[i++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let baseOffset: number | undefined;
    let baseId: string | undefined;
    if (type === OFS_DELTA) {
      c = pack[i++]!;
      let rel = c & 0x7f;
      while (c & 0x80) {
        c = pack[i++]!;
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      baseOffset = at - rel;
      if (baseOffset < 12 || !byOffset.has(baseOffset)) throw bad(`object at offset ${at}: its delta base (offset ${baseOffset}) is not an object before it`);
    } else if (type === REF_DELTA) {
      baseId = pack.toString('hex', i, i + 20);
      i += 20;
    } else if (!TYPES[type]) {
      throw bad(`object at offset ${at} has type ${type}`);
    }
    let data: Buffer;
    try {
      const r = inflateSync(pack.subarray(i, end), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      data = r.buffer;
      i += r.engine.bytesWritten;
    } catch (err) {
      throw bad(`object at offset ${at} does not inflate: ${(err as Error).message}`);
    }
    if (data.length !== size) throw bad(`object at offset ${at} inflates to ${data.length} bytes, not ${size}`);
    if (baseOffset !== undefined) {
      const base = byOffset.get(baseOffset)!;
      add(at, { type: base.type, content: applyDelta(base.content, data) });
    } else if (baseId !== undefined) {
      const base = byId.get(baseId);
      if (base) add(at, { type: base.type, content: applyDelta(base.content, data) });
      else waiting.push({ at, base: baseId, delta: data });
    } else {
      add(at, { type: TYPES[type]!, content: data });
    }
  }
  if (i !== end) throw bad(`${end - i} bytes follow its last object`);
  while (waiting.length) {
    const still = waiting.filter((w) => {
      const base = byId.get(w.base);
      if (!base) return true;
      add(w.at, { type: base.type, content: applyDelta(base.content, w.delta) });
      return false;
    });
    if (still.length === waiting.length) throw bad(`object at offset ${still[0]!.at} is a delta against ${still[0]!.base}, which is not in the pack`);
    waiting = still;
  }
  return byId;
}
