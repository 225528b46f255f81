// Bytes that look random but are the same on every run, for tests whose
// assertions depend on the content (where chunk boundaries fall, where ids
// land in a table): made from randomBytes, such a test passes or fails by
// chance.
import { createHash } from 'node:crypto';

/** `n` bytes of SHA-256 in counter mode over `label`. */
export function fixedBytes(n: number, label: string): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, at = 0; at < n; i++, at += 32) createHash('sha256').update(`${label} ${i}`).digest().copy(out, at);
  return out;
}
