// The loose-object side of fsck: one walk of objects/ that lists the object
// files and reports everything else found there, and a bounded read of one
// object file. Packs, when they come, get a reader of their own beside this.
import { closeSync, constants, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_PREFIX } from '../odb/index.js';
import { MAX_OBJECT_SIZE } from '../object/index.js';
import { finding, type Finding } from './findings.js';

/**
 * No zstd frame of an object (at most MAX_OBJECT_SIZE bytes decoded) is
 * longer than zstd's compress bound of about 1 MiB + 4 KiB; the margin
 * allows for other encoders. A longer file is refused before it is read,
 * so a huge stray file can neither fill memory nor the codec's fixed heap.
 */
export const MAX_OBJECT_FILE_SIZE = MAX_OBJECT_SIZE + 64 * 1024;

/** Directories of objects/ that belong to the format but hold no loose objects. */
const RESERVED_DIRS = new Set(['pack']);

export interface LooseListing {
  /** Object ids named by the files, sorted. */
  ids: string[];
  findings: Finding[];
}

/** Lists objects/ with synchronous calls, which cost half of fs.promises for hundreds of directories. */
export function listLooseObjects(objectsDir: string): LooseListing {
  const ids: string[] = [];
  const findings: Finding[] = [];
  const rel = (...parts: string[]) => ['objects', ...parts].join('/');
  let top;
  try {
    top = readdirSync(objectsDir, { withFileTypes: true });
  } catch {
    // A missing objects/ is an empty store; discovery has already vouched for the archive.
    return { ids, findings };
  }
  top.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of top) {
    if (d.isDirectory() && RESERVED_DIRS.has(d.name)) continue;
    if (!d.isDirectory() || !/^[0-9a-f]{2}$/.test(d.name)) {
      findings.push(finding('strayFile', { path: rel(d.name) }, d.isDirectory()
        ? 'directory is not a two-hex-digit object fan-out directory'
        : 'file in objects/ outside any fan-out directory'));
      continue;
    }
    let names;
    try {
      names = readdirSync(join(objectsDir, d.name), { withFileTypes: true });
    } catch (err) {
      findings.push(finding('unreadableObject', { path: rel(d.name) }, `cannot list directory: ${(err as Error).message}`));
      continue;
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const f of names) {
      const isFile = f.isFile() || f.isSymbolicLink();
      if (isFile && /^[0-9a-f]{62}$/.test(f.name)) ids.push(d.name + f.name);
      else if (isFile && f.name.startsWith(TEMP_PREFIX)) {
        const abs = join(objectsDir, d.name, f.name);
        findings.push(finding('tempFile', { path: rel(d.name, f.name) },
          `temporary file of an interrupted object write; if no tapes process is running, remove it: rm '${abs}'`));
      } else {
        findings.push(finding('strayFile', { path: rel(d.name, f.name) }, isFile
          ? 'file name is not the 62 lowercase hex digits of an object id'
          : 'not a regular file'));
      }
    }
  }
  return { ids, findings };
}

export type RawRead = { ok: true; bytes: Buffer } | { ok: false; id: 'badCompression' | 'unreadableObject'; detail: string };

/**
 * Reads object files into one reused buffer, refusing a file too long to be
 * an object without reading the rest of it. Synchronous on purpose: object
 * files are small, and three direct system calls cost a fraction of the
 * thread-pool round trips of fs.promises, which dominated fsck's time.
 */
export class ObjectFileReader {
  private readonly buffer = Buffer.allocUnsafe(MAX_OBJECT_FILE_SIZE + 1);

  /** The file's bytes, valid only until the next call. */
  read(path: string): RawRead {
    let fd: number | undefined;
    try {
      // Non-blocking, so that a symlink to a FIFO fails instead of hanging fsck.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      let got = 0;
      while (got < this.buffer.length) {
        const n = readSync(fd, this.buffer, got, this.buffer.length - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got > MAX_OBJECT_FILE_SIZE) {
        return { ok: false, id: 'badCompression', detail: `file is more than ${MAX_OBJECT_FILE_SIZE} bytes, longer than any object's zstd frame can be` };
      }
      return { ok: true, bytes: this.buffer.subarray(0, got) };
    } catch (err) {
      return { ok: false, id: 'unreadableObject', detail: `cannot read the file: ${(err as Error).message}` };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}
