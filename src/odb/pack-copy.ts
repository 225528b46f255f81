// A pack copied as it is into another archive's objects/pack: what a push to
// a file remote does with a local pack whose every object the remote lacks
// (remote/file-transport.ts), as git reuses its packed objects instead of
// compressing them again. No frame is decompressed or compressed: the copy
// costs what reading and writing the file costs. It is checked on the way:
// the index as fsck checks it (its checksum, order, frames that tile the
// pack), and the copied bytes against the pack's name, which is the SHA-256
// of its content, so what lands is byte for byte the pack whose objects the
// caller has read and verified. It is written as PackWriter writes a pack:
// temp files, fsync, the pack renamed into place before its index.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CorruptObjectError } from '../errors/index.js';
import { PACK_PREFIX, type Pack } from './pack-reader.js';
import { PACK_TEMP_PREFIX, syncDir } from './pack-writer.js';
import { entryKind, symlinkError } from './no-follow.js';

/** How much of the pack is read and written at a time. */
const COPY_CHUNK = 1024 * 1024;
/** The pack's last bytes: the SHA-256 of everything before them (docs/format.md §3.4). */
const CHECKSUM_BYTES = 32;

/**
 * Copies `pack` into `dir` (another archive's objects/pack); returns the
 * bytes written (0 when a pack of that name is there already: the same
 * name is the same content).
 */
export async function copyPack(pack: Pack, dir: string): Promise<number> {
  const what = `objects/pack/${pack.name}`;
  const archiveDir = dirname(dirname(dir));
  for (const d of [dirname(dir), dir]) if (entryKind(d) === 'symlink') throw symlinkError(archiveDir, d);
  mkdirSync(dir, { recursive: true });
  if (entryKind(join(dir, `${pack.name}.pack`)) === 'file' && entryKind(join(dir, `${pack.name}.idx`)) === 'file') return 0;
  const problems = pack.index.verify(pack.size);
  if (problems.length > 0) throw new CorruptObjectError(`${what}.idx: ${problems[0]}`, { path: `${what}.idx`, reason: 'badPackIndex' });
  const checksum = pack.name.slice(PACK_PREFIX.length);
  const unique = randomBytes(8).toString('hex');
  const packTemp = join(dir, `${PACK_TEMP_PREFIX}${unique}.pack`);
  const idxTemp = join(dir, `${PACK_TEMP_PREFIX}${unique}.idx`);
  try {
    const out = await fs.open(packTemp, 'wx', 0o444);
    try {
      const hash = createHash('sha256');
      for (let at = 0; at < pack.size; at += COPY_CHUNK) {
        const bytes = pack.readBytes(at, Math.min(COPY_CHUNK, pack.size - at));
        // The checksum covers everything before its own 32 bytes, the trailer's start included.
        const end = Math.min(bytes.length, pack.size - CHECKSUM_BYTES - at);
        if (end > 0) hash.update(end === bytes.length ? bytes : bytes.subarray(0, end));
        await out.write(bytes, 0, bytes.length, at);
      }
      const sum = hash.digest('hex');
      if (sum !== checksum) throw new CorruptObjectError(`${what}.pack: its content hashes to ${sum}, not to its name`, { path: `${what}.pack`, reason: 'badPack' });
      await out.sync();
    } finally {
      await out.close();
    }
    const idx = await fs.open(idxTemp, 'wx', 0o444);
    try {
      await idx.writeFile(pack.index.bytes);
      await idx.sync();
    } finally {
      await idx.close();
    }
    await fs.rename(packTemp, join(dir, `${pack.name}.pack`));
    await syncDir(dir);
    await fs.rename(idxTemp, join(dir, `${pack.name}.idx`));
    await syncDir(dir);
  } catch (err) {
    for (const p of [packTemp, idxTemp]) if (existsSync(p)) await fs.rm(p, { force: true });
    throw err;
  }
  return pack.size + pack.index.bytes.length;
}
