// A chunk list is a blob whose body lists, in order, the objects whose
// concatenation is a piece of content too large for one object:
//
//   tapes-chunks 1 LF
//   size <total content bytes> LF
//   ( "c" | "l" ) SP <id> SP <content bytes> LF   ...one per entry
//
// "c" names a chunk (a plain blob); "l" names a nested chunk list, used when
// one list would itself exceed the object bound. A content root is a chunk
// list exactly when its body starts with CHUNK_LIST_MAGIC; content that starts
// with those bytes is therefore always stored as a list, however small.
import { InvalidInputError } from '../errors/index.js';
import { isObjectId } from '../hash/index.js';

export const CHUNK_LIST_MAGIC = 'tapes-chunks 1\n';
const MAGIC_BYTES = Buffer.from(CHUNK_LIST_MAGIC, 'latin1');

export interface ChunkEntry {
  kind: 'c' | 'l';
  id: string;
  size: number;
}

export interface ChunkList {
  size: number;
  entries: ChunkEntry[];
}

export function startsWithChunkMagic(body: Uint8Array): boolean {
  if (body.length < MAGIC_BYTES.length) return false;
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (body[i] !== MAGIC_BYTES[i]) return false;
  return true;
}

export function encodeChunkList(list: ChunkList): Uint8Array {
  const lines = [CHUNK_LIST_MAGIC, `size ${list.size}\n`];
  for (const e of list.entries) lines.push(`${e.kind} ${e.id} ${e.size}\n`);
  return Buffer.from(lines.join(''), 'latin1');
}

/** Parses a chunk list body; throws InvalidInputError naming the bad line. */
export function decodeChunkList(body: Uint8Array): ChunkList {
  const text = Buffer.from(body).toString('latin1');
  if (!text.startsWith(CHUNK_LIST_MAGIC)) throw new InvalidInputError('not a chunk list', {});
  if (!text.endsWith('\n')) throw new InvalidInputError('chunk list does not end with a newline', {});
  const lines = text.slice(0, -1).split('\n');
  const sizeMatch = /^size (0|[1-9][0-9]*)$/.exec(lines[1] ?? '');
  if (!sizeMatch) throw new InvalidInputError('chunk list line 2 is not "size <n>"', { line: 2 });
  const size = Number(sizeMatch[1]);
  const entries: ChunkEntry[] = [];
  let sum = 0;
  for (let i = 2; i < lines.length; i++) {
    const m = /^([cl]) ([0-9a-f]{64}) ([1-9][0-9]*)$/.exec(lines[i]!);
    if (!m || !isObjectId(m[2]!)) {
      throw new InvalidInputError(`chunk list line ${i + 1} is not "<c|l> <id> <size>"`, { line: i + 1 });
    }
    const entry: ChunkEntry = { kind: m[1] as 'c' | 'l', id: m[2]!, size: Number(m[3]) };
    sum += entry.size;
    entries.push(entry);
  }
  if (sum !== size) {
    throw new InvalidInputError(`chunk list declares ${size} bytes but its entries add up to ${sum}`, {
      declared: size,
      actual: sum,
    });
  }
  return { size, entries };
}
