// The proxy's --redact (docs/capture.md): what a recorded turn stores passes
// through the archive's secret detector first, every finding replaced by
// `[REDACTED:<rule>]`. Only the copy kept for the archive changes; the
// bytes forwarded both ways never do. Each record counts what was replaced
// in it (its own strings and the blobs it names) and carries the same
// `scrubbed` mark `tapes scrub` leaves, so `export --format original` says
// its bytes are not the ones that were sent.
import { BLOB_REF_KEY, type SecretDetector, type SecretFinding } from '../record/index.js';

/** Replacements made in what one record holds. */
export class RedactionTally {
  replacements = 0;
  readonly rules = new Set<string>();

  add(findings: readonly Pick<SecretFinding, 'rule'>[]): void {
    for (const f of findings) {
      this.replacements++;
      this.rules.add(f.rule);
    }
  }

  merge(other: RedactionTally): void {
    this.replacements += other.replacements;
    for (const r of other.rules) this.rules.add(r);
  }

  /** The record's `scrubbed` member, or undefined when nothing was replaced. */
  mark(): { replacements: number; rules: string[] } | undefined {
    return this.replacements ? { replacements: this.replacements, rules: [...this.rules].sort() } : undefined;
  }
}

/** The text with its secrets replaced (counted in `tally`). */
export function redactText(detector: SecretDetector, text: string, tally: RedactionTally): string {
  const found = detector.scan(text);
  if (!found.length) return text;
  tally.add(found);
  return detector.replace(text, found);
}

/**
 * Bytes as text with their secrets replaced; bytes with none come back as
 * they are (so a blob that holds no secret keeps its id). Invalid UTF-8 in
 * bytes that do hold one becomes U+FFFD, as `tapes scrub` rewrites blobs.
 */
export function redactBytes(detector: SecretDetector, bytes: Uint8Array, tally: RedactionTally): Uint8Array {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const found = detector.scan(text);
  if (!found.length) return bytes;
  tally.add(found);
  return Buffer.from(detector.replace(text, found), 'utf8');
}

/**
 * A copy of a JSON value with the secrets in its strings and keys replaced.
 * With `blobRefs`, the value is already encoded for a record: a `{"$blob"}`
 * reference names stored content (written through the redacting put) and its
 * id is left alone.
 */
export function redactJson<T>(detector: SecretDetector, value: T, tally: RedactionTally, blobRefs = false): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(detector, v, tally);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      v.forEach((x, i) => {
        const y = walk(x);
        if (y !== x) (copy ??= v.slice())[i] = y;
      });
      return copy ?? v;
    }
    const o = v as Record<string, unknown>;
    if (blobRefs && typeof o[BLOB_REF_KEY] === 'string') return o;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      const key = redactText(detector, k, tally);
      const y = walk(x);
      if (key !== k || y !== x) changed = true;
      out[key] = y;
    }
    return changed ? out : o;
  };
  return walk(value) as T;
}

/** Whether a JSON value holds a secret anywhere in its strings or keys. */
export function holdsSecret(detector: SecretDetector, value: unknown): boolean {
  const tally = new RedactionTally();
  redactJson(detector, value, tally);
  return tally.replacements > 0;
}
