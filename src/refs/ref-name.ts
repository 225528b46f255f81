// Ref names follow git's check-ref-format rules, checked in this one place, so
// that no name can escape .tapes/ or collide with a lock file.
import { InvalidRefNameError } from '../errors/index.js';

export const SESSIONS_PREFIX = 'refs/sessions/';
export const TAGS_PREFIX = 'refs/tags/';
export const REMOTES_PREFIX = 'refs/remotes/';
export const AGENTS_PREFIX = 'refs/agents/';
/**
 * The capture view of a run whose transcript holds the session's own ref:
 * refs/captures/<area>/<name> for refs/<area>/<name> (docs/format.md §7.2).
 */
export const CAPTURES_PREFIX = 'refs/captures/';

/** Refs that name a chain of records (sessions, subagent threads, capture views), so must point at a record. */
export function holdsChain(name: string): boolean {
  return name.startsWith(SESSIONS_PREFIX) || name.startsWith(AGENTS_PREFIX) || name.startsWith(CAPTURES_PREFIX);
}

/** The ref of the capture view of a session or agent chain: refs/sessions/x → refs/captures/sessions/x. */
export function captureViewRef(ref: string): string {
  return CAPTURES_PREFIX + ref.slice('refs/'.length);
}

/** The session or agent ref a capture view belongs to: refs/captures/sessions/x → refs/sessions/x; undefined for other refs. */
export function viewOwnerRef(ref: string): string | undefined {
  if (!ref.startsWith(CAPTURES_PREFIX)) return undefined;
  const owner = 'refs/' + ref.slice(CAPTURES_PREFIX.length);
  return owner.startsWith(SESSIONS_PREFIX) || owner.startsWith(AGENTS_PREFIX) ? owner : undefined;
}

/** The rule a name breaks, or undefined when it is a valid ref name. */
export function refNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a ref name cannot be empty';
  if (name === '@') return 'a ref name cannot be "@"';
  if (name.startsWith('/')) return 'a ref name cannot start with "/"';
  if (name.endsWith('/')) return 'a ref name cannot end with "/"';
  if (name.includes('//')) return 'a ref name cannot contain "//"';
  if (name.includes('..')) return 'a ref name cannot contain ".."';
  if (name.includes('@{')) return 'a ref name cannot contain "@{"';
  if (name.endsWith('.')) return 'a ref name cannot end with "."';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return 'a ref name cannot contain control characters';
    if (' ~^:?*[\\'.includes(ch)) return `a ref name cannot contain "${ch}"`;
  }
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'no part of a ref name can start with "."';
    if (part.endsWith('.lock')) return 'no part of a ref name can end with ".lock"';
  }
  return undefined;
}

/** Throws InvalidRefNameError naming the rule when `name` is not a valid ref name. */
export function checkRefName(name: string): string {
  const problem = refNameProblem(name);
  if (problem) {
    throw new InvalidRefNameError(`invalid ref name ${JSON.stringify(name)}: ${problem}`, { name, rule: problem });
  }
  return name;
}

/** A full ref name that may be stored: HEAD, or refs/… with at least two parts. */
export function checkFullRefName(name: string): string {
  if (name === 'HEAD') return name;
  checkRefName(name);
  if (!name.startsWith('refs/') || name.split('/').length < 3) {
    throw new InvalidRefNameError(`invalid ref name ${JSON.stringify(name)}: a stored ref is HEAD or refs/<area>/<name>`, {
      name,
      rule: 'full ref names start with refs/',
    });
  }
  return name;
}

/** The short form shown to people: refs/sessions/x → x, refs/tags/v → v. */
export function shortRefName(name: string): string {
  for (const p of [SESSIONS_PREFIX, TAGS_PREFIX, REMOTES_PREFIX]) {
    if (name.startsWith(p)) return name.slice(p.length);
  }
  if (name.startsWith('refs/')) return name.slice(5);
  return name;
}
