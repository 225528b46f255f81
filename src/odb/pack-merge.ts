// Packs merged into one as they are: the frames of each copied into a new
// pack without being decompressed or compressed again, their index entries
// moved with them. A large import finishes a pack at each checkpoint (so that
// its refs can move and the second thread can index what they gained), and
// then leaves one pack instead of a dozen: finding an object probes every
// pack's index in turn, and a `show` after an import of a whole history cost
// some 16 ms more with twelve packs than with six (docs/import-speed.md).
//
// Each source pack is checked on the way, as a pack copied to a remote is
// (pack-copy.ts): its index as fsck checks it, and its bytes against its
// name, the SHA-256 of its content. The merged pack is written as any other
// (temp file, fsync, renamed into place before its index); only then are the
// sources removed, index first. Interrupted at any point, the archive holds
// the sources, or the merged pack beside them (the same objects twice, which
// gc resolves), never less.
import { createHash } from 'node:crypto';
import { CorruptObjectError } from '../errors/index.js';
import type { Codec } from '../object/index.js';
import type { LooseObjectStore } from './loose-store.js';
import { PACK_HEADER_SIZE, PACK_TRAILER_SIZE } from './pack-format.js';
import { PACK_PREFIX, type Pack } from './pack-reader.js';
import { PackWriter, type PackWriterOptions, type WrittenPack } from './pack-writer.js';

/** The trailer's last bytes: the SHA-256 of everything before them. */
const CHECKSUM_BYTES = 32;

/**
 * Merges the packs named `names` (without extension) in `store` into one,
 * and removes them. Returns the merged pack, or undefined when there was
 * nothing to merge (fewer than two, or one of them is gone: a gc got there
 * first). `opts` are those the merged pack is written with; its frames keep
 * the compression they had.
 */
export async function mergePacks(store: LooseObjectStore, codec: Codec, opts: PackWriterOptions, names: readonly string[]): Promise<WrittenPack | undefined> {
  store.packs.rescan();
  const open = new Map(store.packs.list.map((p) => [p.name, p]));
  const sources: Pack[] = [];
  for (const n of new Set(names)) {
    const p = open.get(n);
    if (!p) return undefined;
    sources.push(p);
  }
  if (sources.length < 2) return undefined;
  const writer = await PackWriter.create(store.layout.packDir, codec, opts);
  writer.reserve(sources.reduce((n, p) => n + p.index.count, 0));
  let merged: WrittenPack | undefined;
  try {
    for (const pack of sources) await copyFrames(pack, writer);
    merged = await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  if (!merged) return undefined;
  for (const p of sources) if (p.name !== merged.name) store.layout.removePack(p.name);
  store.packs.rescan();
  return merged;
}

/** Appends `pack`'s frames to `writer` with their objects; throws CorruptObjectError when the pack is not what its index and name say. */
async function copyFrames(pack: Pack, writer: PackWriter): Promise<void> {
  const what = `objects/pack/${pack.name}`;
  const problems = pack.index.verify(pack.size);
  if (problems.length > 0) throw new CorruptObjectError(`${what}.idx: ${problems[0]}`, { path: `${what}.idx`, reason: 'badPackIndex' });
  const byFrame = pack.index.entriesByFrame();
  const hash = createHash('sha256').update(pack.readBytes(0, PACK_HEADER_SIZE));
  for (let f = 0; f < pack.index.frameCount; f++) {
    const frame = pack.index.frame(f);
    const bytes = pack.readFrame(frame);
    hash.update(bytes);
    const objects = (byFrame.get(frame.offset) ?? []).map((i) => {
      const e = pack.index.entry(i);
      return { id: pack.index.idBytes(i), offset: e.offset, length: e.length };
    });
    await writer.addFrame(bytes, frame.contentLength, objects);
  }
  // verify() saw the frames tile the pack up to its trailer: what is left to hash is the trailer's start.
  hash.update(pack.readBytes(pack.size - PACK_TRAILER_SIZE, PACK_TRAILER_SIZE - CHECKSUM_BYTES));
  const sum = hash.digest('hex');
  if (sum !== pack.name.slice(PACK_PREFIX.length)) {
    throw new CorruptObjectError(`${what}.pack: its content hashes to ${sum}, not to its name`, { path: `${what}.pack`, reason: 'badPack' });
  }
}
