// Masking what looks like a secret in exported text (`tapes export
// --redact`): API keys and tokens of the common providers, private key
// blocks, passwords in URLs, bearer tokens and `password=…`-style
// assignments. Each match becomes `[REDACTED:<pattern>]` and is counted by
// pattern. The rules are the shared detector's (src/record/secrets.ts). The set is documented in man/tapes-export.md; it is a safety net
// for sharing, not a guarantee.
import { SECRET_RULES, SecretDetector, type SecretRule } from '../../record/index.js';

export type RedactPattern = SecretRule;

/** The shared detector's rules (src/record/secrets.ts). */
export const REDACT_PATTERNS: readonly RedactPattern[] = SECRET_RULES;

export class Redactor {
  private readonly found = new Map<string, number>();

  private readonly patterns: readonly RedactPattern[];

  constructor(private readonly detector: SecretDetector = new SecretDetector()) {
    this.patterns = detector.rules;
  }

  /** The text with every match masked; counts what it masked. */
  redact(text: string): string {
    const found = this.detector.scan(text);
    for (const f of found) this.found.set(f.rule, (this.found.get(f.rule) ?? 0) + 1);
    return found.length ? this.detector.replace(text, found) : text;
  }

  /** Every string inside a value redacted (keys are left alone). */
  redactValue<T>(v: T): T {
    if (typeof v === 'string') return this.redact(v) as T;
    if (Array.isArray(v)) return v.map((x) => this.redactValue(x)) as T;
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.redactValue(x)])) as T;
    return v;
  }

  get total(): number {
    let n = 0;
    for (const c of this.found.values()) n += c;
    return n;
  }

  /** Masked strings by pattern id, in the order of the pattern table. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.patterns) if (this.found.has(p.id)) out[p.id] = this.found.get(p.id)!;
    return out;
  }
}
