// Masking what looks like a secret in exported text (`tapes export
// --redact`): API keys and tokens of the common providers, private key
// blocks, passwords in URLs, bearer tokens and `password=…`-style
// assignments. Each match becomes `[REDACTED:<pattern>]` and is counted by
// pattern. The set is documented in man/tapes-export.md; it is a safety net
// for sharing, not a guarantee.

export interface RedactPattern {
  id: string;
  /** Global regex; when `keep` is set, groups 1..keep are kept and the rest of the match is masked. */
  re: RegExp;
  keep?: number;
  description: string;
}

/** Order matters: specific patterns run before the generic ones that would also match them. */
export const REDACT_PATTERNS: readonly RedactPattern[] = [
  {
    id: 'private-key',
    re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END \1PRIVATE KEY\2-----/g,
    description: 'PEM private key blocks (RSA, EC, OPENSSH, PGP …), BEGIN to END',
  },
  { id: 'anthropic-key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g, description: 'Anthropic API keys (sk-ant-…)' },
  { id: 'openai-key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, description: 'OpenAI API keys (sk-…, sk-proj-…)' },
  { id: 'aws-access-key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, description: 'AWS access key ids (AKIA…, ASIA…)' },
  { id: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g, description: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)' },
  { id: 'gitlab-token', re: /\bglpat-[A-Za-z0-9_-]{20,}/g, description: 'GitLab personal access tokens (glpat-…)' },
  { id: 'slack-token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, description: 'Slack tokens (xoxb-, xoxp-, …)' },
  { id: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{35}/g, description: 'Google API keys (AIza…)' },
  { id: 'stripe-key', re: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g, description: 'Stripe secret and restricted keys' },
  { id: 'jwt', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, description: 'JSON Web Tokens (three base64url parts, eyJ….eyJ….…)' },
  { id: 'bearer-token', re: /\b(Bearer\s+)[A-Za-z0-9._~+/-]{20,}=*/g, keep: 1, description: 'the token after "Bearer " (20 characters or more)' },
  {
    id: 'url-password',
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'<>\\]+:)[^\s@/"'<>\\]+(?=@)/gi,
    keep: 1,
    description: 'the password in scheme://user:password@host',
  },
  {
    id: 'password-assignment',
    re: /(?<![a-z])((?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\\?["']?\s*[:=]\s*\\?["']?)(?!\[REDACTED:|\{\{|\$\{?[A-Za-z_])[^\s"'`,;\\]{8,}/gi,
    keep: 1,
    description: 'the value (8 characters or more, not a ${VAR} or {{template}} reference) after password=, secret:, api_key=, access_token:, auth_token=, client_secret= …',
  },
];

export class Redactor {
  private readonly found = new Map<string, number>();

  constructor(private readonly patterns: readonly RedactPattern[] = REDACT_PATTERNS) {}

  /** The text with every match masked; counts what it masked. */
  redact(text: string): string {
    let out = text;
    for (const p of this.patterns) {
      p.re.lastIndex = 0;
      if (!p.re.test(out)) continue;
      p.re.lastIndex = 0;
      out = out.replace(p.re, (...m: unknown[]) => {
        this.found.set(p.id, (this.found.get(p.id) ?? 0) + 1);
        const kept = Array.from({ length: p.keep ?? 0 }, (_, i) => String(m[i + 1] ?? '')).join('');
        return `${kept}[REDACTED:${p.id}]`;
      });
    }
    return out;
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
