// The order a large import reads its files in. A resumed Claude Code
// session's transcript begins with its parent's lines, so its chain begins
// with its parent's records, and so do those of every later resumption; on
// the scale corpus 46 % of the chains' records are such a shared prefix. The
// import's second thread reads every chain that moved at a checkpoint
// (search/derived-update.ts) and keeps the records it read lately
// (record/head-cache.ts): a chain read soon after one it shares a prefix
// with reads only what it adds. Files as found are in name order, and a
// session's resumptions have names unrelated to its own, so they are found
// far apart, in different checkpoints. Read one after another, they are
// indexed one after another. Their first lines say which they are: the files
// of one session begin with the same line.
//
// Reading in another order changes no outcome: the records and refs a file
// gives depend on the file and on what the refs it may move held before, and
// two files that may move the same ref are always read in the order found
// (the import says which refs a file may move: archive/import.ts,
// readingCandidate). A file that may move any ref (one whose first lines do
// not tell) is read where it was found, and no file is read before it that
// was found after it.
import { hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { isClaudeLine, isGeminiLine } from '../import/index.js';

/** What the reading order knows of a file found. */
export interface ReadingCandidate {
  /** Files with the same group are read one after another (undefined: no group). */
  group?: string;
  /** What names every ref the file may move (files whose names meet may move the same ref; none: a file refused); undefined: any ref. */
  refs?: readonly string[];
  /** The SHA-256 of its first line (without its line end); null for a file never read (refused); undefined when not known. */
  begins?: string | null;
}

/**
 * The files' indexes in the order to read them: as found, except that a
 * file of a group is read right after the group's first file still to be
 * read, unless that would read it before a file found earlier that may
 * move one of its refs, or before a file that may move any ref.
 */
export function readingOrder(files: readonly ReadingCandidate[]): number[] {
  const n = files.length;
  const placed = new Uint8Array(n);
  const order: number[] = [];
  // The files of each group, and the files that may move each ref, in the order found.
  const members = new Map<string, number[]>();
  const movers = new Map<string, number[]>();
  for (const [i, f] of files.entries()) {
    if (f.group !== undefined && f.refs !== undefined) push(members, f.group, i);
    for (const r of f.refs ?? []) push(movers, r, i);
  }
  // The first file at or after each index that may move any ref.
  const barrier = new Int32Array(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i--) barrier[i] = files[i]!.refs === undefined ? i : barrier[i + 1]!;
  // Whether file j may be read before the files found between i and it that are still to be read.
  const mayGoBefore = (j: number, i: number): boolean =>
    barrier[i + 1]! > j && files[j]!.refs!.every((r) => movers.get(r)!.every((k) => k <= i || k >= j || placed[k] === 1));
  for (let i = 0; i < n; i++) {
    if (placed[i]) continue;
    placed[i] = 1;
    order.push(i);
    const group = files[i]!.refs === undefined ? undefined : files[i]!.group;
    if (group === undefined) continue;
    for (const j of members.get(group)!) {
      if (j <= i || placed[j]) continue;
      if (barrier[i + 1]! < j) break;
      if (!mayGoBefore(j, i)) continue;
      placed[j] = 1;
      order.push(j);
    }
  }
  return order;
}

/**
 * Which files the line memo can serve (import/line-memo.ts), by index: a
 * file's records can be another file's only when both begin with the same
 * line, since each record names its parent and a chain's first record holds
 * its line (files whose first lines differ share no record). So the memo
 * keys a file's lines only when another file of the import begins as it
 * does, or may: one whose first line is not known. A file whose own first
 * line is not known is keyed as before. A file left out is imported the
 * same (each of its records built); what it is spared is the hashing of its
 * every line (a quarter of the scale corpus's bytes are in files no other
 * begins as).
 */
export function memoSharers(files: readonly ReadingCandidate[]): Uint8Array {
  const count = new Map<string, number>();
  let unknown = 0;
  for (const f of files) {
    if (f.begins === undefined) unknown++;
    else if (f.begins !== null) count.set(f.begins, (count.get(f.begins) ?? 0) + 1);
  }
  return Uint8Array.from(files, (f) => (f.begins === undefined || unknown > 0 || (f.begins !== null && count.get(f.begins)! > 1) ? 1 : 0));
}

function push(m: Map<string, number[]>, key: string, i: number): void {
  const list = m.get(key);
  if (list) list.push(i);
  else m.set(key, [i]);
}

/** How much of a file is read to find its first lines. */
export const FIRST_LINES_BYTES = 64 * 1024;

/**
 * Up to `count` first lines of a file (without their line ends), as far as
 * its first FIRST_LINES_BYTES hold them whole; `whole` when they are every
 * line the file has. Undefined when it cannot be read (the import then says
 * why, reading it where it was found).
 */
export function firstLines(path: string, count: number): { lines: Buffer[]; whole: boolean } | undefined {
  let fd: number | undefined;
  let bytes: Buffer;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.allocUnsafe(FIRST_LINES_BYTES);
    bytes = buf.subarray(0, readSync(fd, buf, 0, FIRST_LINES_BYTES, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const lines: Buffer[] = [];
  let at = 0;
  while (lines.length < count) {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) {
      // The rest is the file's last line when the file ended within what was read.
      if (bytes.length < FIRST_LINES_BYTES && at < bytes.length) lines.push(bytes.subarray(at));
      return { lines, whole: bytes.length < FIRST_LINES_BYTES };
    }
    lines.push(bytes.subarray(at, end > at && bytes[end - 1] === 0x0d ? end - 1 : end));
    at = end + 1;
  }
  return { lines, whole: at >= bytes.length && bytes.length < FIRST_LINES_BYTES };
}

/** The group of a file whose first line is one of Claude Code's (isClaudeLine, and not a Gemini CLI session's): that line's SHA-256 (`digest`, when the caller has it). */
export function claudeGroup(firstLine: Buffer, value: unknown, digest?: string): string | undefined {
  return isClaudeLine(value) && !isGeminiLine(value) ? (digest ?? hash('sha256', firstLine, 'hex')) : undefined;
}
