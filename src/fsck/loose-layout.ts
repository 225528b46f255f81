// The loose-object side of fsck: one walk of objects/ that lists the object
// files and reports everything else found there, and a bounded read of one
// object file. Packs, when they come, get a reader of their own beside this.
import { promises as fs } from 'node:fs';
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

export async function listLooseObjects(objectsDir: string): Promise<LooseListing> {
  const ids: string[] = [];
  const findings: Finding[] = [];
  const rel = (...parts: string[]) => ['objects', ...parts].join('/');
  let top;
  try {
    top = await fs.readdir(objectsDir, { withFileTypes: true });
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
      names = await fs.readdir(join(objectsDir, d.name), { withFileTypes: true });
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

/** Reads one object file, refusing (without reading) one too long to be an object. */
export async function readObjectFile(path: string): Promise<RawRead> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(path, 'r');
    const { size } = await handle.stat();
    if (size > MAX_OBJECT_FILE_SIZE) {
      return { ok: false, id: 'badCompression', detail: `file is ${size} bytes, longer than any object's zstd frame can be` };
    }
    const bytes = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await handle.read(bytes, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { ok: true, bytes: got === size ? bytes : bytes.subarray(0, got) };
  } catch (err) {
    return { ok: false, id: 'unreadableObject', detail: `cannot read the file: ${(err as Error).message}` };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
