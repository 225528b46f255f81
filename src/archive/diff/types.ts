// What `tapes diff` finds (docs/diff.md): both sides described, the part
// they share, and their continuations paired step by step. The model fills
// these; src/view/diff-render.ts prints them and `--json` writes them as
// they are.

export interface TokenTotals {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

/** One step: one content block of a conversation record (docs/diff.md). */
export interface DiffStep {
  /** 1-based number of the step in its session. */
  step: number;
  record: string;
  /** Index of the block in the record's content. */
  block: number;
  /** user, assistant, thinking, tool, tool_result (as `tapes log` labels records). */
  label: string;
  tool: string | null;
  /** The key argument of a tool call (a result: its call's). */
  key: string;
  /** One line saying what the step was. */
  text: string;
  time: string | null;
  elapsed_ms: number | null;
  is_error: boolean;
  /** The step digest (docs/diff.md): equal digests, the same step. */
  digest: string;
}

export type DiffMark = 'same' | 'changed' | 'only-a' | 'only-b';

export interface DiffPair {
  mark: DiffMark;
  a: DiffStep | null;
  b: DiffStep | null;
  /** With -p, for a changed pair: unified diff lines of the step's content. */
  patch?: string[];
}

export interface SideAfter {
  /** Steps and records after the shared part. */
  steps: number;
  records: number;
  tools: Record<string, number>;
  tokens: TokenTotals;
  /** From the last shared record (or the first record) to the last record; null when times are missing. */
  duration_ms: number | null;
  errors: number;
}

export interface DiffSide {
  rev: string;
  id: string;
  /** The session ref the revision named (short), or null. */
  session: string | null;
  /** The name the output uses. */
  name: string;
  records: number;
  steps: number;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  tokens: TokenTotals;
  tools: Record<string, number>;
  errors: number;
  /** The last step is a failed tool result or an API error. */
  ended_with_error: boolean;
  after: SideAfter;
}

export interface DiffShared {
  /** Steps both sessions share from the start. */
  steps: number;
  /** Leading records with the same ids (one stored history). */
  records_by_id: number;
  /** Steps shared after those, found by digest (the ids differ). */
  steps_by_content: number;
  /** The last shared step on each side, or null when nothing is shared. */
  a: DiffStep | null;
  b: DiffStep | null;
}

export interface DiffResult {
  equal: boolean;
  a: DiffSide;
  b: DiffSide;
  shared: DiffShared;
  counts: { same: number; changed: number; only_a: number; only_b: number };
  pairs: DiffPair[];
}
