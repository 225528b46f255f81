// The loose-object side of fsck: the entries of objects/ as the store's
// layout lists them (ObjectLayout.scan), turned into object ids and findings
// about everything else, and a bounded read of one object file.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectLayout, type LooseEntry } from '../odb/index.js';
import { MAX_OBJECT_SIZE } from '../object/index.js';
import { finding, type Finding } from './findings.js';
import { symlinkFinding } from './check-links.js';

/**
 * No zstd frame of an object (at most MAX_OBJECT_SIZE bytes decoded) is
 * longer than zstd's compress bound of about 1 MiB + 4 KiB; the margin
 * allows for other encoders. A longer file is refused before it is read,
 * so a huge stray file can neither fill memory nor the codec's fixed heap.
 */
export const MAX_OBJECT_FILE_SIZE = MAX_OBJECT_SIZE + 64 * 1024;

export interface LooseListing {
  /** Object ids named by the files, sorted. */
  ids: string[];
  findings: Finding[];
}

const STRAY: Record<Extract<LooseEntry, { kind: 'stray' }>['reason'], string> = {
  notFanout: 'directory is not a two-hex-digit object fan-out directory',
  outsideFanout: 'file in objects/ outside any fan-out directory',
  notObjectName: 'file name is not the 62 lowercase hex digits of an object id',
  notRegular: 'not a regular file',
};

export function listLooseObjects(objectsDir: string): LooseListing {
  const ids: string[] = [];
  const findings: Finding[] = [];
  for (const e of new ObjectLayout(objectsDir).scan()) {
    if (e.kind === 'object') {
      ids.push(e.id);
      continue;
    }
    const path = `objects/${e.path}`;
    if (e.kind === 'temp') {
      findings.push(finding('tempFile', { path }, `temporary file of an interrupted object write; if no tapes process is running, remove it: rm '${e.abs}'`));
    } else if (e.kind === 'stray') {
      findings.push(finding('strayFile', { path }, STRAY[e.reason]));
    } else if (e.kind === 'symlink') {
      findings.push(symlinkFinding(path, join(objectsDir, e.path)));
    } else {
      findings.push(finding('unreadableObject', { path }, `cannot list directory: ${e.message}`));
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
      // Never through a link (scan lists none as an object; this holds even
      // if one appears meanwhile), and non-blocking, so a FIFO cannot hang fsck.
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
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
