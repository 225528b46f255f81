// The one secret detector shared by `export --redact`, the proxy's --redact,
// `push` (which refuses to send secrets) and `scrub`: provider key formats,
// private key blocks, JWTs, passwords in URLs and assignments, a high-entropy
// rule for quoted or assigned values, custom rules from .tapes/config and an
// allow-list of (rule, value digest) pairs. It lives in src/record because
// every layer that handles stored text (capture, archive) sits above it.
// docs/secrets.md lists the rules and what they do not promise.
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/index.js';
import { BLOB_REF_KEY } from './record.js';
import type { JsonValue } from '../hash/index.js';

export interface SecretRule {
  id: string;
  /** Global regex; when `keep` is set, groups 1..keep are kept and the rest of the match is the secret. */
  re: RegExp;
  keep?: number;
  /**
   * Cheap necessary conditions: text that any of them does not match holds
   * no match of `re` (each is a literal, or a short pattern, that every
   * match contains). Most stored strings are code and prose with none of
   * them, and testing a literal is far cheaper than running the rule.
   * Custom rules have none and always run.
   */
  hints?: readonly RegExp[];
  description: string;
}

/**
 * Words that every match of the password-assignment and high-entropy rules
 * holds (password and passwd hold "pass", api_key "key", access_token and
 * auth_token "token"): most long text lacks them all, and one search for
 * them, shared by the two rules, skips both before their own hints.
 */
const KEY_WORDS = /key|token|secret|pass|pwd|auth|credential/i;

/** Order matters: specific rules run before the generic ones that would also match them. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'private-key',
    re: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END \1PRIVATE KEY\2-----/g,
    hints: [/PRIVATE KEY/],
    description: 'PEM private key blocks (RSA, EC, OPENSSH, PGP …), BEGIN to END',
  },
  { id: 'anthropic-key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g, hints: [/sk-ant-/], description: 'Anthropic API keys (sk-ant-…)' },
  { id: 'openai-key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, hints: [/sk-/], description: 'OpenAI API keys (sk-…, sk-proj-…)' },
  { id: 'aws-access-key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, hints: [/A[KS]IA/], description: 'AWS access key ids (AKIA…, ASIA…)' },
  { id: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g, hints: [/gh[pousr]_|github_pat_/], description: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)' },
  { id: 'gitlab-token', re: /\bglpat-[A-Za-z0-9_-]{20,}/g, hints: [/glpat-/], description: 'GitLab personal access tokens (glpat-…)' },
  { id: 'slack-token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, hints: [/xox[abposr]-/], description: 'Slack tokens (xoxb-, xoxp-, …)' },
  { id: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{35}/g, hints: [/AIza/], description: 'Google API keys (AIza…)' },
  { id: 'stripe-key', re: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g, hints: [/k_(?:live|test)_/], description: 'Stripe secret and restricted keys' },
  { id: 'jwt', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, hints: [/eyJ/], description: 'JSON Web Tokens (three base64url parts, eyJ….eyJ….…)' },
  { id: 'bearer-token', re: /\b(Bearer\s+)[A-Za-z0-9._~+/-]{20,}=*/g, keep: 1, hints: [/Bearer/], description: 'the token after "Bearer " (20 characters or more)' },
  {
    id: 'url-password',
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'<>\\]+:)[^\s@/"'<>\\]+(?=@)/gi,
    keep: 1,
    hints: [/:\/\//],
    description: 'the password in scheme://user:password@host (database connection strings and the like)',
  },
  {
    id: 'password-assignment',
    re: /(?<![a-z])((?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\\?["']?\s*[:=]\s*\\?["']?)(?!\[REDACTED:|\{\{|\$\{?[A-Za-z_]|[p]rocess\.env\.|os\.environ|os\.getenv|env\.)[^\s"'`,;\\]{8,}/gi,
    keep: 1,
    hints: [/passw(?:or)?d|secret|api[_-]?key|access[_-]?token|auth[_-]?token/i],
    description: 'the value (8 characters or more, not a ${VAR}, {{template}} or environment lookup in code) after password=, secret:, api_key=, access_token:, auth_token=, client_secret= …',
  },
  {
    id: 'high-entropy',
    // A quoted string or the value of an assignment to a key-like name; the
    // candidate must also pass isHighEntropy (below), which the regex cannot say.
    re: /(?<![A-Za-z0-9])((?:[A-Za-z_][A-Za-z0-9_]*(?:key|token|secret|pass|pwd|auth|credential)s?[A-Za-z0-9_]*)\\?["']?\s*[:=]\s*\\?["'])([A-Za-z0-9+/_=.-]{24,})(?=\\?["'])/gi,
    keep: 1,
    hints: [/[:=](?:\s|\\[ntr])*\\?["'][A-Za-z0-9+/_=.-]{24}/, KEY_WORDS],
    description: 'a quoted value of 24+ characters, assigned to a name containing key, token, secret, pass, auth or credential, whose characters look random (Shannon entropy ≥ 4 bits/char, mixed classes)',
  },
];

/**
 * JSON's whitespace escapes (\n, \t, \r) as two spaces; other escapes (\\, \") kept, each pair read as one:
 * an n, t or r is an escape when an odd run of backslashes comes before it (the pairs
 * before it are kept). A replacement string, not a function: no call per escape.
 */
export function maskWhitespaceEscapes(text: string): string {
  return text.replace(/(?<!\\)((?:\\\\)*)\\[ntr]/g, '$1  ');
}

/** The built-in entropy rule (a copy of it, as in tests, is run plainly). */
const HIGH_ENTROPY = SECRET_RULES.find((r) => r.id === 'high-entropy')!;

/** Where a value of the entropy rule can begin: a ":" or "=" that a quoted run of 24 value characters follows. */
const ASSIGNED_VALUE = /[:=](?=\s*\\?["'][A-Za-z0-9+/_=.-]{24,}\\?["'])/g;
const SPACE = /\s/;
/** The entropy rule's regex, sticky: tried at one place. */
let assignedValueAt: RegExp | undefined;

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * What `re.exec(subject)` gives for the high-entropy rule (the next match at
 * or after re.lastIndex, which it moves past the match), found by trying the
 * regex only where a match can start. Its regex, /(?<![A-Za-z0-9])(NAME
 * \\?["']?\s*[:=]\s*\\?["'])(VALUE{24,})(?=\\?["'])/gi, tried at every position
 * of a long text, was the dearest pass of push's scan. Every match has a
 * ":" or "=" followed by a quoted run of 24 value characters
 * (ASSIGNED_VALUE), and starts in the run of name characters that ends just
 * before it (past an optional backslash, quote and spaces), at the run's
 * start or after an underscore (the look-behind). The runs before successive
 * such places come one after the other, so trying them in order, and their
 * starting positions in order, finds the leftmost match, the one the plain
 * search finds; the regex itself decides each try.
 */
function nextAssignedValue(subject: string, re: RegExp): RegExpExecArray | null {
  const from = re.lastIndex;
  const sticky = (assignedValueAt ??= new RegExp(re.source, re.flags.replace('g', '') + 'y'));
  ASSIGNED_VALUE.lastIndex = from;
  for (let a = ASSIGNED_VALUE.exec(subject); a !== null; a = ASSIGNED_VALUE.exec(subject)) {
    // Back from the ":" or "=": spaces, then at most a quote, then at most a backslash, then the name.
    let end = a.index;
    while (end > 0 && SPACE.test(subject[end - 1]!)) end--;
    if (end > 0 && (subject[end - 1] === '"' || subject[end - 1] === "'")) end--;
    if (end > 0 && subject[end - 1] === '\\') end--;
    let start = end;
    while (start > 0 && isNameChar(subject.charCodeAt(start - 1))) start--;
    for (let at = Math.max(start, from); at < end; at++) {
      if (at > start && subject.charCodeAt(at - 1) !== 95) continue;
      sticky.lastIndex = at;
      const m = sticky.exec(subject);
      if (m !== null) {
        re.lastIndex = sticky.lastIndex;
        return m;
      }
    }
  }
  re.lastIndex = 0;
  return null;
}

/**
 * The rules whose hints are tested one by one: those most text holds (code
 * assigns to names with key or token in them, quotes long values after a
 * colon), and the URL rule, whose "://" is a literal search of its own,
 * far quicker than as one more branch of the one-pass test (a colon is on
 * every line of JSON). The other rules' first hints are tested in one pass
 * first (SecretDetector).
 */
const COMMON_HINTS = new Set(['password-assignment', 'high-entropy', 'url-password']);

/** From this length on, text skips the one-pass test of every rule's first hint (it nearly always passes). */
const LONG_TEXT = 256;

/** The rules whose every match holds one of KEY_WORDS (tested once per text, first). */
const KEYWORD_RULES = new Set(['password-assignment', 'high-entropy']);

/** Whether the text passes every hint (`known`, already tested and passed, is not tested again). */
function passesHints(hints: readonly RegExp[], text: string, known?: RegExp): boolean {
  for (const h of hints) if (h !== known && !h.test(text)) return false;
  return true;
}

/** Bits per character of a string's character distribution. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Random-looking: high entropy, digits and letters of both cases, no long run of one class (words, hex hashes of commits are excluded by the case rule). */
export function isHighEntropy(s: string): boolean {
  if (s.length < 24) return false;
  if (!/[0-9]/.test(s) || !/[a-z]/.test(s) || !/[A-Z]/.test(s)) return false;
  if (/^[A-Za-z]+(?:[._-][A-Za-z]+)*$/.test(s)) return false;
  return shannonEntropy(s) >= 4;
}

/** `${DB_PASS}`, `$TOKEN`, `{{ secret }}`, `%PASSWORD%`: a placeholder a shell or template fills in, not a password. */
export function isVariableReference(value: string): boolean {
  return /^(?:\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}|%[A-Za-z_][A-Za-z0-9_]*%)$/.test(value);
}

/**
 * An unquoted value that reads as code referring to something else
 * (`client_secret: clientSecret,`, `"api_key": config.APIKey`): a
 * camelCase identifier or a dotted path, without digits. Found on the
 * scale corpus, where every unquoted hit of the assignment rule was such
 * code; a real secret nearly always has a digit or a symbol.
 */
export function isCodeReference(value: string): boolean {
  const v = value.replace(/[),;]+$/, '');
  if (!/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(v) || /[0-9]/.test(v)) return false;
  return v.includes('.') || /[a-z][A-Z]/.test(v);
}

export interface CustomRuleSpec {
  id: string;
  pattern: string;
  /** Where it was written, for the error an invalid pattern gets. */
  source?: { path: string; line: number };
}

/** A custom rule from its config text; a bad id or regex is an error naming the config file and line. */
export function customRule(spec: CustomRuleSpec): SecretRule {
  const where = spec.source ? `${spec.source.path}:${spec.source.line}: ` : '';
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(spec.id)) {
    throw new InvalidInputError(`${where}secret rule name ${JSON.stringify(spec.id)}: use letters, digits and -`, { rule: spec.id, ...spec.source });
  }
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern, 'g');
  } catch (err) {
    throw new InvalidInputError(`${where}secret rule ${spec.id}: invalid regex ${JSON.stringify(spec.pattern)}: ${(err as Error).message}`, {
      rule: spec.id,
      ...spec.source,
    });
  }
  if (re.test('')) throw new InvalidInputError(`${where}secret rule ${spec.id}: the regex ${JSON.stringify(spec.pattern)} matches the empty string`, { rule: spec.id, ...spec.source });
  return { id: `custom-${spec.id}`, re, description: `custom rule from .tapes/config: /${spec.pattern}/` };
}

/** The digest an allow-list entry names: sha256 of the secret's UTF-8 bytes, hex, first 16 characters suffice. */
export function valueDigest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** What a finding is replaced by. */
export function redactionMark(rule: string): string {
  return `[REDACTED:${rule}]`;
}

export interface SecretFinding {
  rule: string;
  /** UTF-16 offsets of the secret (the kept prefix excluded) in the scanned text. */
  start: number;
  end: number;
  value: string;
  digest: string;
}

export interface AllowEntry {
  rule: string;
  /** A prefix (at least 12 hex digits) of valueDigest(value). */
  digest: string;
}

export class SecretDetector {
  readonly rules: readonly SecretRule[];

  constructor(custom: readonly SecretRule[] = [], private readonly allow: readonly AllowEntry[] = []) {
    this.rules = [...SECRET_RULES, ...custom];
  }

  /**
   * One pass for all the rules' first hints (case-insensitive, so a superset
   * of each): text it does not match holds no match of any hinted rule, and
   * most text (code, prose) is turned away by this one search instead of
   * one per rule. Null when no rule has hints. Built on first use, from the
   * rules the detector has.
   */
  private prefilter?: RegExp | null;

  private anyHint(text: string): boolean {
    if (this.prefilter === undefined) {
      const firsts = this.rules.filter((r) => r.hints?.length).map((r) => `(?:${r.hints![0]!.source})`);
      this.prefilter = firsts.length ? new RegExp(firsts.join('|'), 'i') : null;
    }
    return this.prefilter === null || this.prefilter.test(text);
  }

  /**
   * One pass for the first hints of the rules whose hints are rare in text
   * (every rule but COMMON_HINTS): long text fails it nearly always, and
   * then none of those rules' hints is tested one by one (each a pass over
   * the text). Case-insensitive when any of them is, so a superset of each.
   */
  private rareGate?: RegExp | null;

  private anyRareHint(text: string): boolean {
    if (this.rareGate === undefined) {
      const rare = this.rules.filter((r) => r.hints?.length && !COMMON_HINTS.has(r.id)).map((r) => r.hints![0]!);
      this.rareGate = rare.length ? new RegExp(rare.map((h) => `(?:${h.source})`).join('|'), rare.some((h) => h.flags.includes('i')) ? 'i' : '') : null;
    }
    return this.rareGate === null || this.rareGate.test(text);
  }

  /** Whether some rule has no hints (a custom rule): it runs on every text. Found on first use, from the rules the detector has. */
  private unhintedRule?: boolean;

  private get unhinted(): boolean {
    return (this.unhintedRule ??= this.rules.some((r) => r.hints === undefined));
  }

  private allowed(rule: string, digest: string): boolean {
    return this.allow.some((a) => a.rule === rule && digest.startsWith(a.digest.toLowerCase()));
  }

  /** Every secret in the text, by position; overlaps are resolved in favour of the earlier rule. */
  scan(text: string): SecretFinding[] {
    // No built-in rule matches fewer than 8 characters (scheme://u:p@). Long
    // text nearly always holds some rule's first hint (a URL, a quoted value
    // after a colon): the one-pass test of them all is left to short text,
    // which it mostly turns away.
    const hinted = text.length >= 8 && (text.length >= LONG_TEXT || this.anyHint(text));
    if (!hinted && !this.unhinted) return [];
    const out: SecretFinding[] = [];
    const taken: Array<[number, number]> = [];
    // The marks earlier replacements left are never findings, nor part of one
    // (a custom rule may match inside "[REDACTED:custom-acme]").
    if (text.includes('[REDACTED:')) {
      const marks = /\[REDACTED:[A-Za-z0-9-]+\]/g;
      for (let m = marks.exec(text); m !== null; m = marks.exec(text)) taken.push([m.index, m.index + m[0].length]);
    }
    const overlaps = (s: number, e: number): boolean => taken.some(([a, b]) => s < b && a < e);
    // Stored text is often JSON text (a line template's parts), where a key
    // printed on a line of its own follows a "\n" escape: the rules' word
    // boundaries would see the "n". The rules run on a copy in which each
    // \n, \t and \r escape is two spaces (the same length, so positions hold);
    // values are taken from the text itself.
    let subject: string | undefined;
    let rare: boolean | undefined;
    let words: boolean | undefined;
    for (const r of this.rules) {
      if (r.hints !== undefined) {
        if (!hinted) continue;
        if (!COMMON_HINTS.has(r.id) && !(rare ??= this.anyRareHint(text))) continue;
        if (KEYWORD_RULES.has(r.id) && !(words ??= KEY_WORDS.test(text))) continue;
        if (!passesHints(r.hints, text, KEY_WORDS)) continue;
      }
      subject ??= text.includes('\\') ? maskWhitespaceEscapes(text) : text;
      // exec with lastIndex, not matchAll: matchAll makes a new RegExp per
      // call, which over the millions of strings a push scans cost more than
      // the matching itself.
      const re = r.re;
      re.lastIndex = 0;
      // The entropy rule's regex is tried only where one of its matches can start (nextAssignedValue).
      const anchored = r === HIGH_ENTROPY;
      const next = anchored ? () => nextAssignedValue(subject!, re) : () => re.exec(subject!);
      for (let m = next(); m !== null; m = next()) {
        if (m[0] === '') {
          re.lastIndex++;
          continue;
        }
        let prefix = '';
        for (let i = 1; i <= (r.keep ?? 0); i++) prefix += m[i] ?? '';
        const start = m.index! + prefix.length;
        const value = text.slice(start, m.index! + m[0].length);
        if (value === '') continue;
        if (r.id === 'high-entropy' && !isHighEntropy(value)) continue;
        if (r.id === 'url-password' && isVariableReference(value)) continue;
        if (r.id === 'password-assignment' && !/["'`]$/.test(prefix) && isCodeReference(value)) continue;
        const end = start + value.length;
        if (overlaps(start, end)) continue;
        const digest = valueDigest(value);
        if (this.allowed(r.id, digest)) continue;
        taken.push([start, end]);
        out.push({ rule: r.id, start, end, value, digest });
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /** The text with every finding replaced by `[REDACTED:<rule>]`. */
  replace(text: string, findings = this.scan(text)): string {
    let out = '';
    let at = 0;
    for (const f of findings) {
      out += text.slice(at, f.start) + redactionMark(f.rule);
      at = f.end;
    }
    return out + text.slice(at);
  }
}

export interface ValueFinding extends Omit<SecretFinding, 'value'> {
  /** JSON path of the string inside the record ("$.message.content[2].text"). */
  path: string;
  /** The blob holding the string, when it was stored as one. */
  blob?: string;
  value: string;
}

/** A record's members that are not text: its link, and the marks of an earlier scrub (rule names and counts). */
const NOT_TEXT = new Set(['parent', 'scrubbed']);

/** Where a stored value's strings are: a string of the record, or the text of a blob it names. */
function isBlobRef(v: { [key: string]: JsonValue }): v is { [BLOB_REF_KEY]: string } {
  return typeof v[BLOB_REF_KEY] === 'string';
}

/** A blob a stored value names, where it names it: its findings go there. */
export interface BlobPart {
  blob: string;
  path: string;
}

/**
 * The findings in a stored value's own strings and keys, in document order,
 * with a marker for each blob it names where the blob's findings belong:
 * one synchronous walk (a push scans millions of strings: no promise per
 * string, and a path is spelled out only for a finding). The record's
 * `parent` and the ids inside blob references are links, not text, and are
 * not scanned. scanStoredValue reads the blobs; push's walk
 * (archive/push-walk.ts) may leave a blob to the thread that reads it.
 */
export function storedValueParts(detector: SecretDetector, value: JsonValue, path = '$'): Array<ValueFinding[] | BlobPart> {
  const parts: Array<ValueFinding[] | BlobPart> = [];
  const segs: string[] = [path];
  const here = () => segs.join('');
  const walk = (v: JsonValue, top: boolean): void => {
    if (typeof v === 'string') {
      const found = detector.scan(v);
      if (found.length) parts.push(found.map((f) => ({ ...f, path: here() })));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (x === null || (typeof x !== 'object' && typeof x !== 'string')) continue;
        segs.push(`[${i}]`);
        walk(x, false);
        segs.pop();
      }
      return;
    }
    if (isBlobRef(v)) {
      parts.push({ blob: v[BLOB_REF_KEY], path: here() });
      return;
    }
    for (const k of Object.keys(v)) {
      if (top && NOT_TEXT.has(k)) continue;
      const kf = detector.scan(k);
      if (kf.length) parts.push(kf.map((f) => ({ ...f, path: `${here()}{key}` })));
      const x = v[k]!;
      if (x === null || (typeof x !== 'object' && typeof x !== 'string')) continue;
      segs.push(`.${k}`);
      walk(x, false);
      segs.pop();
    }
  };
  walk(value, path === '$');
  return parts;
}

/**
 * Secrets in every string (and object key) of a stored record value, blobs
 * read through `get` (a `{"$blob"}` reference, and a line template's raw
 * part `{"$blob", "raw": true}`, are read as text), in document order.
 */
export async function scanStoredValue(
  detector: SecretDetector,
  value: JsonValue,
  get: (id: string) => Promise<Uint8Array>,
  path = '$',
  /** What was found in each blob already scanned (by id): a blob named again is neither read nor scanned again. */
  blobMemo?: Map<string, SecretFinding[]>,
): Promise<ValueFinding[]> {
  // The record's own strings first; the blobs it names are read after, their
  // findings put back in document order.
  const out: ValueFinding[] = [];
  for (const p of storedValueParts(detector, value, path)) {
    if (Array.isArray(p)) {
      out.push(...p);
      continue;
    }
    let found = blobMemo?.get(p.blob);
    if (!found) {
      found = detector.scan(Buffer.from(await get(p.blob)).toString('utf8'));
      blobMemo?.set(p.blob, found);
    }
    for (const f of found) out.push({ ...f, path: p.path, blob: p.blob });
  }
  return out;
}

export interface StoredValueRedaction {
  value: JsonValue;
  /** Every replacement made, in document order (a blob's, the first time that blob is met through `blobs`). */
  found: ValueFinding[];
  /** Blobs the new value names in place of old ones (old id → new id). */
  blobs: Map<string, string>;
  /** The findings of blobs redacted before (through `memo`) that this value names: replaced here too, reported where first met. */
  reused: ValueFinding[];
}

/**
 * The stored value with every finding replaced by `[REDACTED:<rule>]`: in the
 * record's own strings and keys, and in the text of each blob it names, which
 * is written again (`put`) with the replacements, its reference then naming
 * the new blob. `memo` maps a blob already redacted (old id → new id and
 * what was found in it), so a blob shared by many records is read and written
 * once and reported once. A blob that is not valid UTF-8 is redacted in its
 * UTF-8 decoding (invalid bytes become U+FFFD), as push's scan reads it.
 */
export async function redactStoredValue(
  detector: SecretDetector,
  value: JsonValue,
  get: (id: string) => Promise<Uint8Array>,
  put: (bytes: Uint8Array) => Promise<string>,
  memo: Map<string, { id: string; found: ValueFinding[] }>,
): Promise<StoredValueRedaction> {
  const found: ValueFinding[] = [];
  const reused: ValueFinding[] = [];
  const blobs = new Map<string, string>();
  const out = await walkStrings(
    value,
    '$',
    true,
    async (text, at, blob) => {
      if (blob !== undefined) {
        const seen = memo.get(blob);
        if (seen) {
          if (seen.id === blob) return undefined;
          blobs.set(blob, seen.id);
          reused.push(...seen.found);
          return seen.id;
        }
      }
      const fs = detector.scan(text);
      const here = fs.map((f) => ({ ...f, path: at, ...(blob ? { blob } : {}) }));
      found.push(...here);
      if (blob === undefined) return fs.length ? detector.replace(text, fs) : undefined;
      const id = fs.length ? await put(Buffer.from(detector.replace(text, fs), 'utf8')) : blob;
      memo.set(blob, { id, found: here });
      if (id !== blob) blobs.set(blob, id);
      return id === blob ? undefined : id;
    },
    get,
  );
  return { value: out, found, blobs, reused };
}

/**
 * Calls `visit` on every string and key of a stored value, and on the text of
 * every blob it names (with that blob's id); where visit returns a string, the
 * copy returned holds it instead (for a blob, the new blob's id).
 */
async function walkStrings(
  value: JsonValue,
  path: string,
  top: boolean,
  visit: (text: string, path: string, blob?: string) => Promise<string | undefined>,
  get: (id: string) => Promise<Uint8Array>,
): Promise<JsonValue> {
  if (typeof value === 'string') return (await visit(value, path)) ?? value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = await walkStrings(value[i]!, `${path}[${i}]`, false, visit, get);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return copy ?? value;
  }
  if (isBlobRef(value)) {
    const blob = value[BLOB_REF_KEY];
    const text = Buffer.from(await get(blob)).toString('utf8');
    const id = await visit(text, path, blob);
    return id === undefined ? value : { ...value, [BLOB_REF_KEY]: id };
  }
  let changed = false;
  const out: { [key: string]: JsonValue } = {};
  for (const k of Object.keys(value)) {
    if (top && NOT_TEXT.has(k)) {
      out[k] = value[k]!;
      continue;
    }
    const key = (await visit(k, `${path}{key}`)) ?? k;
    const v = await walkStrings(value[k]!, `${path}.${k}`, false, visit, get);
    if (key !== k || v !== value[k]) changed = true;
    out[key] = v;
  }
  return changed ? out : value;
}
