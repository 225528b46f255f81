// Writing a git pack (version 2), the counterpart of git-pack.ts (which
// reads one): whole objects, each once, no deltas, zlib-compressed, a SHA-1
// of the whole pack at its end. It is what receive-pack is sent for the
// commits the server lacks, built in memory. (The odb's PackWriter writes
// tapes packs to disk; this one is named for git's.)
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PACK_TYPE_CODES } from './git-pack.js';
import { gitObjectId, type GitObjectType } from './git-mirror.js';

export class GitPackWriter {
  private readonly parts: Buffer[] = [];
  private readonly seen = new Set<string>();
  /** The bytes of the objects added so far (the pack's header and trailer aside). */
  bytes = 0;

  get count(): number {
    return this.seen.size;
  }

  /** Adds an object (once: adding it again does nothing) and returns its git id. */
  add(type: GitObjectType, content: Uint8Array): string {
    const oid = gitObjectId(type, content);
    if (this.seen.has(oid)) return oid;
    this.seen.add(oid);
    const header: number[] = [];
    let size = content.length;
    let byte = (PACK_TYPE_CODES[type] << 4) | (size & 0x0f);
    size = Math.floor(size / 16);
    while (size > 0) {
      header.push(byte | 0x80);
      byte = size & 0x7f;
      size = Math.floor(size / 128);
    }
    header.push(byte);
    const part = Buffer.concat([Buffer.from(header), deflateSync(content)]);
    this.parts.push(part);
    this.bytes += part.length;
    return oid;
  }

  /** The whole pack: header, the objects in the order they were added, trailer. */
  finish(): Buffer {
    const head = Buffer.alloc(12);
    head.write('PACK', 0, 'latin1');
    head.writeUInt32BE(2, 4);
    head.writeUInt32BE(this.seen.size, 8);
    const body = Buffer.concat([head, ...this.parts]);
    return Buffer.concat([body, createHash('sha1').update(body).digest()]);
  }
}
