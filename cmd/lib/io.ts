// Writing to and reading from the streams the entry point hands in.
import type { Readable, Writable } from 'node:stream';

/** Writes to a stream, waiting for it to drain, so large output is not held in memory. */
export function write(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(chunk, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}

/**
 * The two forms of --json (docs/json.md): a command that reports one thing
 * prints one document, indented by two spaces; one that lists many prints
 * one compact object per line (NDJSON).
 */
export function jsonDocument(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}
