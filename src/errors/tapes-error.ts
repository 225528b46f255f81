// Typed errors with stable codes. Tests and scripts rely on `code` and `data`,
// never on message text; the CLI maps each code to an exit status.

export const EXIT = {
  ok: 0,
  error: 1,
  notFound: 2,
  fatal: 128,
  usage: 129,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class TapesError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  readonly exitCode: ExitCode;
  /** Extra lines shown after the message (hints, candidate lists). */
  readonly hint?: string;

  constructor(
    code: string,
    message: string,
    exitCode: ExitCode,
    data: Record<string, unknown> = {},
    hint?: string,
  ) {
    super(message);
    this.name = code;
    this.code = code;
    this.exitCode = exitCode;
    this.data = data;
    this.hint = hint;
  }
}

/** The archive cannot be found or is not a tapes archive. */
export class NotAnArchiveError extends TapesError {
  static readonly code = 'NotAnArchiveError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('NotAnArchiveError', message, EXIT.fatal, data, hint);
  }
}

/** The archive exists but is damaged in a way that stops the command. */
export class BadArchiveError extends TapesError {
  static readonly code = 'BadArchiveError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('BadArchiveError', message, EXIT.fatal, data, hint);
  }
}

/** An object, ref or revision that does not exist. */
export class NotFoundError extends TapesError {
  static readonly code = 'NotFoundError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('NotFoundError', message, EXIT.notFound, data, hint);
  }
}

/** A revision prefix or name that matches several things. */
export class AmbiguousRevisionError extends TapesError {
  static readonly code = 'AmbiguousRevisionError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('AmbiguousRevisionError', message, EXIT.notFound, data, hint);
  }
}

/** A revision expression that cannot be parsed. */
export class BadRevisionError extends TapesError {
  static readonly code = 'BadRevisionError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('BadRevisionError', message, EXIT.notFound, data, hint);
  }
}

/** A ref name that breaks git's naming rules. */
export class InvalidRefNameError extends TapesError {
  static readonly code = 'InvalidRefNameError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('InvalidRefNameError', message, EXIT.error, data, hint);
  }
}

/** An object's stored bytes do not hash to its id. */
export class HashMismatchError extends TapesError {
  static readonly code = 'HashMismatchError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('HashMismatchError', message, EXIT.error, data, hint);
  }
}

/** An object file that cannot be decompressed or whose framing is wrong. */
export class CorruptObjectError extends TapesError {
  static readonly code = 'CorruptObjectError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('CorruptObjectError', message, EXIT.error, data, hint);
  }
}

/** Content that exceeds a size bound. */
export class ObjectTooLargeError extends TapesError {
  static readonly code = 'ObjectTooLargeError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('ObjectTooLargeError', message, EXIT.error, data, hint);
  }
}

/** Input that is not what was asked for (bad JSON, bad record, bad type). */
export class InvalidInputError extends TapesError {
  static readonly code = 'InvalidInputError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('InvalidInputError', message, EXIT.error, data, hint);
  }
}

/** A compare-and-swap update whose expected old value did not match. */
export class RefConflictError extends TapesError {
  static readonly code = 'RefConflictError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('RefConflictError', message, EXIT.error, data, hint);
  }
}

/** A `.lock` file is held (by a live writer or left by a crashed one). */
export class LockedError extends TapesError {
  static readonly code = 'LockedError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('LockedError', message, EXIT.error, data, hint);
  }
}

/** Wrong use of the command line. */
export class UsageError extends TapesError {
  static readonly code = 'UsageError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('UsageError', message, EXIT.usage, data, hint);
  }
}

/** A model API (a rerun's upstream) that could not be reached, refused the request, or broke off its answer. */
export class UpstreamError extends TapesError {
  static readonly code = 'UpstreamError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('UpstreamError', message, EXIT.error, data, hint);
  }
}

/** An archive already exists where `init` was asked to create one. */
export class AlreadyExistsError extends TapesError {
  static readonly code = 'AlreadyExistsError';
  constructor(message: string, data: Record<string, unknown> = {}, hint?: string) {
    super('AlreadyExistsError', message, EXIT.error, data, hint);
  }
}

export function isTapesError(err: unknown): err is TapesError {
  return err instanceof TapesError;
}
