// The pack side of fsck: every file in objects/pack/, every pack's checksum
// (trailer, name and index agree), every index's checksum, order, fan-out and
// bounds, and every packed object decoded from its frame and re-hashed, then
// checked like a loose object. An object in several packs (or loose and
// packed) is fine: each copy is verified, the object is counted once.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { decodeObject, loadCodec, type Codec } from '../object/index.js';
import { sha256Hex } from '../hash/index.js';
import {
  MAX_FRAME_CONTENT,
  ObjectLayout,
  PACK_HEADER_SIZE,
  PACK_TRAILER_SIZE,
  PackIndex,
  READ_NOFOLLOW,
  checkPackHeader,
  parsePackTrailer,
} from '../odb/index.js';
import { symlinkFinding } from './check-links.js';
import { checkValue, classify } from './check-objects.js';
import { finding, type Finding } from './findings.js';
import { NodeState, type ObjectGraph } from './object-graph.js';

/** Pack names (without extension) with both files, and findings about every other file. */
function listPackDir(layout: ObjectLayout): { packs: string[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const packs: string[] = [];
  const rel = (n: string) => `objects/pack/${n}`;
  for (const e of layout.scanPackDir()) {
    if (e.kind === 'pack') packs.push(e.base);
    else if (e.kind === 'indexWithoutPack') {
      findings.push(finding('badPack', { path: rel(e.name) }, 'index without its pack: the objects it lists are not in the archive'));
    } else if (e.kind === 'packWithoutIndex') {
      findings.push(finding('packWithoutIndex', { path: rel(e.name) }, `pack without an index (an interrupted gc); tapes gc removes it, or: rm '${join(layout.packDir, e.name)}'`));
    } else if (e.kind === 'symlink') {
      findings.push(symlinkFinding(rel(e.name), join(layout.packDir, e.name)));
    } else if (e.kind === 'temp') {
      findings.push(finding('tempFile', { path: rel(e.name) }, `temporary file of an interrupted gc; if no gc is running, remove it: rm '${join(layout.packDir, e.name)}'`));
    } else {
      findings.push(finding('strayFile', { path: rel(e.name) }, 'file in objects/pack/ not named like a pack or its index'));
    }
  }
  return { packs, findings };
}

/** Reads `length` bytes at `position` of an open file. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** How many packed ids a pack directory lists (for progress totals); damaged indexes count 0. */
export function countPackedObjects(objectsDir: string): number {
  const layout = new ObjectLayout(objectsDir);
  let n = 0;
  for (const base of listPackDir(layout).packs) {
    try {
      n += PackIndex.parse(readFileSync(layout.packFile(base, 'idx')), base).count;
    } catch {
      // reported by checkPacks
    }
  }
  return n;
}

/**
 * Checks objects/pack/; returns the number of packed objects read. Findings
 * about files name the file; findings about an object name the object.
 */
export async function checkPacks(
  objectsDir: string,
  graph: ObjectGraph,
  report: (f: Finding) => Promise<void>,
  progress: () => void,
): Promise<number> {
  const layout = new ObjectLayout(objectsDir);
  const listing = listPackDir(layout);
  for (const f of listing.findings) await report(f);
  let read = 0;
  const codec = listing.packs.length ? await loadCodec() : undefined;
  for (const base of listing.packs) read += await checkPack(layout, base, codec!, graph, report, progress);
  return read;
}

async function checkPack(
  layout: ObjectLayout,
  base: string,
  codec: Codec,
  graph: ObjectGraph,
  report: (f: Finding) => Promise<void>,
  progress: () => void,
): Promise<number> {
  const packRel = `objects/pack/${base}.pack`;
  const idxRel = `objects/pack/${base}.idx`;
  const bad = (detail: string) => report(finding('badPack', { path: packRel }, detail));
  const badIdx = (detail: string) => report(finding('badPackIndex', { path: idxRel }, detail));
  let index: PackIndex;
  try {
    index = PackIndex.parse(readFileSync(layout.packFile(base, 'idx')), idxRel);
  } catch (err) {
    await badIdx((err as Error).message.replace(`${idxRel}: `, ''));
    return 0;
  }
  let fd: number;
  let size: number;
  try {
    fd = openSync(layout.packFile(base, 'pack'), READ_NOFOLLOW);
    size = fstatSync(fd).size;
  } catch (err) {
    await bad(`cannot read the pack: ${(err as Error).message}`);
    return 0;
  }
  try {
    // The index on its own: checksum, order, fan-out, frames and bounds.
    const problems = index.verify(size);
    for (const p of problems) await badIdx(p);
    // The pack's checksum: over every byte before it, equal to the trailer's, the index's and the name's.
    if (size < PACK_HEADER_SIZE + PACK_TRAILER_SIZE) {
      await bad('the pack is shorter than its header and trailer');
      return 0;
    }
    const headerProblem = checkPackHeader(readAt(fd, 0, PACK_HEADER_SIZE));
    if (headerProblem) await bad(headerProblem);
    const trailer = parsePackTrailer(readAt(fd, size - PACK_TRAILER_SIZE, PACK_TRAILER_SIZE));
    if (typeof trailer === 'string') await bad(trailer);
    const hash = createHash('sha256');
    const chunk = 1 << 20;
    for (let pos = 0; pos < size - 32; pos += chunk) hash.update(readAt(fd, pos, Math.min(chunk, size - 32 - pos)));
    const sum = hash.digest();
    if (typeof trailer !== 'string') {
      if (Buffer.compare(sum, trailer.checksum) !== 0) await bad('the pack checksum does not match its content');
      if (trailer.objects !== index.count || trailer.frames !== index.frameCount) {
        await bad(`the trailer counts ${trailer.objects} objects in ${trailer.frames} frames, the index ${index.count} in ${index.frameCount}`);
      }
    }
    if (Buffer.compare(sum, index.packChecksum()) !== 0) await badIdx('the index names another pack checksum than its pack has');
    if (sum.toString('hex') !== base.slice('pack-'.length)) await bad("the file name is not the pack's checksum");

    // Every object, frame by frame.
    const byFrame = index.entriesByFrame();
    let read = 0;
    for (let f = 0; f < index.frameCount; f++) {
      const frame = index.frame(f);
      const members = byFrame.get(frame.offset) ?? [];
      byFrame.delete(frame.offset);
      let content: Uint8Array | undefined;
      let why = '';
      try {
        if (frame.offset + frame.length > size - PACK_TRAILER_SIZE) throw new Error('the frame runs past the trailer');
        content = codec.decompress(readAt(fd, frame.offset, frame.length), MAX_FRAME_CONTENT);
        if (content.length !== frame.contentLength) throw new Error(`it decodes to ${content.length} bytes, the index says ${frame.contentLength}`);
      } catch (err) {
        why = (err as Error).message;
        content = undefined;
        await bad(`frame ${f} at ${frame.offset}: ${why}`);
      }
      for (const i of members) {
        await checkPacked(index, i, content, packRel, why, graph, report);
        read++;
        progress();
      }
    }
    // Entries naming no frame were reported by index.verify; their objects cannot be read.
    for (const members of byFrame.values()) {
      for (const i of members) {
        await checkPacked(index, i, undefined, packRel, 'its index entry names no frame', graph, report);
        read++;
        progress();
      }
    }
    return read;
  } finally {
    closeSync(fd);
  }
}

async function checkPacked(
  index: PackIndex,
  i: number,
  content: Uint8Array | undefined,
  packRel: string,
  frameProblem: string,
  graph: ObjectGraph,
  report: (f: Finding) => Promise<void>,
): Promise<void> {
  const id = index.idHex(i);
  const n = graph.node(id);
  const known = graph.state[n] === NodeState.Ok;
  const unreadable = async (f: Finding) => {
    if (!known) graph.state[n] = NodeState.Unreadable;
    await report(f);
  };
  if (!content) {
    return unreadable(finding('badCompression', { object: id }, `its frame in ${packRel} cannot be read: ${frameProblem}`));
  }
  const e = index.entry(i);
  if (e.offset + e.length > content.length || e.length === 0) {
    return unreadable(finding('badPackIndex', { object: id }, `its entry in the index of ${packRel} lies outside its frame`));
  }
  const encoded = content.subarray(e.offset, e.offset + e.length);
  const actual = sha256Hex(encoded);
  if (actual !== id) return unreadable(finding('hashMismatch', { object: id }, `its copy in ${packRel} hashes to ${actual}`));
  let obj;
  try {
    obj = decodeObject(encoded);
  } catch (err) {
    const p = classify(id, err);
    return unreadable(finding(p.id, { object: id }, `in ${packRel}: ${p.detail}`));
  }
  if (known) return; // another copy was checked already; this one is sound too
  if (graph.state[n] === NodeState.Unreadable) graph.state[n] = NodeState.Listed;
  const problem = checkValue(id, n, obj, graph);
  if (problem) await report(finding(problem.id, { object: id }, problem.detail));
}
