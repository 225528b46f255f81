// Bars and sparklines drawn with block characters, for the terminal: the
// `tapes sessions` bar columns and the `tapes stats` tool bars and per-day
// sparklines. Only shown when standard output is a terminal; piped output and
// --json stay plain (tapes-sessions(1), tapes-stats(1)).

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** `value` as a bar of up to `width` cells against `max`, in eighths of a cell; a non-zero value shows at least a sliver. */
export function bar(value: number | null, max: number, width: number): string {
  if (value === null || !(value > 0) || !(max > 0)) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

/** One cell per value, its height against the largest; a gap (no value) is a space, a zero the lowest block's absence too. */
export function sparkline(values: Array<number | null>): string {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return values
    .map((v) => {
      if (v === null || !(v > 0) || max === 0) return ' ';
      return LEVELS[Math.min(7, Math.max(0, Math.ceil((v / max) * 8) - 1))]!;
    })
    .join('');
}
