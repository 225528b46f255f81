// A derived file in .tapes/index/: a first line of magic, version and the
// SHA-256 of the rest, then a JSON body. It is never the source of truth: a
// missing, torn, edited, older-version or linked file reads as absent (and is
// rebuilt), and one that cannot be written costs time, not correctness.
import { closeSync, openSync, readFileSync, readSync, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { entryKind } from '../odb/index.js';

/** index/ or the file itself being a link: never read or written through (docs/security.md). */
function linked(path: string): boolean {
  return entryKind(dirname(path)) === 'symlink' || entryKind(path) === 'symlink';
}

export function derivedPath(archiveDir: string, name: string): string {
  return join(archiveDir, 'index', name);
}

/** The parsed body, or undefined when the file is missing, damaged, linked or of another magic or version. */
export function readDerived(path: string, magic: string, version: number): unknown {
  const body = readDerivedBytes(path, magic, version);
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The body's bytes as written (checked against the first line's checksum), or undefined as readDerived; for a derived file whose body is not JSON. */
export function readDerivedBytes(path: string, magic: string, version: number): Buffer | undefined {
  if (linked(path)) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  // The checksum is of the body's bytes as read, so they are hashed as they are, not decoded and encoded again.
  const nl = bytes.indexOf(10);
  const head = /^(\S+) (\d+) ([0-9a-f]{64})$/.exec(nl < 0 ? '' : bytes.toString('latin1', 0, nl));
  if (!head || head[1] !== magic || Number(head[2]) !== version) return undefined;
  const body = bytes.subarray(nl + 1);
  return createHash('sha256').update(body).digest('hex') === head[3] ? body : undefined;
}

/**
 * Writes `value` through a temp file renamed over `path`; failures are
 * swallowed (see the file comment). Returns the file's first line (magic,
 * version, and the SHA-256 of the body) when it was written.
 */
export async function writeDerived(path: string, magic: string, version: number, value: unknown): Promise<string | undefined> {
  return writeDerivedBytes(path, magic, version, JSON.stringify(value));
}

/** writeDerived of a body given as it is to be written (text or bytes), not as a value to write as JSON. */
export async function writeDerivedBytes(path: string, magic: string, version: number, body: string | Uint8Array): Promise<string | undefined> {
  const head = `${magic} ${version} ${createHash('sha256').update(body).digest('hex')}`;
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  if (linked(path)) return undefined;
  try {
    await fs.mkdir(dirname(path), { recursive: true });
    await fs.writeFile(tmp, typeof body === 'string' ? `${head}\n${body}` : Buffer.concat([Buffer.from(`${head}\n`, 'latin1'), body]));
    await fs.rename(tmp, path);
    return head;
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    return undefined;
  }
}

/**
 * A derived file's first line (what writeDerived returned when it wrote the
 * file), read without its body; undefined when missing, linked or unreadable.
 * A process that wrote the file and kept what it wrote knows from this line
 * that the file still holds it (the line names the body by its SHA-256).
 */
export function derivedHead(path: string): string | undefined {
  if (linked(path)) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(256);
    const bytes = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    const nl = bytes.indexOf(10);
    return nl < 0 ? undefined : bytes.toString('latin1', 0, nl);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
