// What a system error (an errno from the file system) means, in words, so
// that no command prints "ENOSPC: no space left on device, write" alone: the
// caller says what it was doing and with what the user gave (a file, a
// session), and this says why it failed and what to do.
import { InvalidInputError, isTapesError, type TapesError } from './tapes-error.js';

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENAMETOOLONG: 'the name is too long',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  EIO: 'an input/output error (the disk may be failing)',
};

const HINTS: Record<string, string> = {
  ENOSPC: 'Free some space, then run the command again: what was stored before is intact.',
  EDQUOT: 'Free some space, then run the command again: what was stored before is intact.',
};

/** The reason in words, for an error with an errno code; undefined for anything else. */
export function systemReason(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return undefined;
  return REASONS[code] ?? ((err as Error).message.replace(/^E[A-Z]+: /, '').replace(/, \w+.*$/, '') || code);
}

/** A hint for a system error (what to do), when there is one. */
export function systemHint(err: unknown): string | undefined {
  return HINTS[(err as { code?: string }).code ?? ''];
}

/**
 * A typed error for a system error met while doing `what` ("cannot write
 * x.jsonl", "importing a.jsonl"); other errors are returned as they are.
 */
export function systemError(err: unknown, what: string, data: Record<string, unknown> = {}): unknown {
  if (isTapesError(err)) return err;
  const reason = systemReason(err);
  if (reason === undefined) return err;
  const code = (err as { code: string }).code;
  return new InvalidInputError(`${what}: ${reason}`, { ...data, errno: code }, systemHint(err)) as TapesError;
}
