// How `tapes diff` prints a comparison of two sessions: the shared part
// collapsed to one line, then the continuations interleaved step by step
// (same, changed, only in A, only in B), optional content diffs of changed
// steps, and one summary line. The comparison itself, and the shapes it
// fills, are the model's (src/archive/diff/).
import { oneLine } from '../archive/event/index.js';
import type { DiffResult, DiffSide, DiffStep, TokenTotals } from '../archive/diff/index.js';
import type { ChalkInstance } from './color.js';
import { formatElapsed, sanitize } from './timeline.js';

export interface DiffRenderOptions {
  chalk?: ChalkInstance;
  width?: number;
  /** Record id → abbreviation that names it uniquely. */
  abbrev: (id: string) => string;
  /** Runs of more same steps than this in the continuations are collapsed. */
  collapseAfter?: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function label(s: DiffStep): string {
  return s.is_error ? `${s.label} ✗` : s.label;
}

function elapsedPair(a: DiffStep | null, b: DiffStep | null): string {
  if (!a || !b) return formatElapsed((a ?? b)?.elapsed_ms);
  const ea = formatElapsed(a.elapsed_ms);
  const eb = formatElapsed(b.elapsed_ms);
  return ea === eb ? ea : `a ${ea} b ${eb}`;
}

export function formatDuration(ms: number | null): string {
  return formatElapsed(ms).replace(/^\[|\]$/g, '');
}

export function formatTokenTotal(t: TokenTotals): string {
  const n = t.input + t.output + t.cache_read + t.cache_write;
  return `${n.toLocaleString('en-US')} tokens`;
}

function toolList(tools: Record<string, number>): string {
  const names = Object.entries(tools).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  return names.length ? names.map(([n, c]) => (c > 1 ? `${n}×${c}` : n)).join(' ') : 'no tools';
}

function sideSummary(s: DiffSide): string {
  const after = s.after;
  const parts = [
    plural(after.steps, 'step'),
    toolList(after.tools),
    formatTokenTotal(after.tokens),
    formatDuration(after.duration_ms),
    s.ended_with_error ? 'ended with an error' : after.errors ? plural(after.errors, 'error') : 'no errors',
  ];
  return parts.join(', ');
}

/** The one summary line: where the sessions diverged and what each did after. */
export function summaryLine(r: DiffResult): string {
  if (r.equal) {
    const how = r.shared.records_by_id === r.a.records && r.a.records === r.b.records ? 'the same records' : 'the same content';
    return `equal: ${plural(r.shared.steps, 'step')}, ${how}`;
  }
  const at = r.shared.steps === 0 ? 'diverged from the start' : `diverged after step ${r.shared.steps} ${elapsedPair(r.shared.a, r.shared.b)}`;
  return `${at}; a: ${sideSummary(r.a)}; b: ${sideSummary(r.b)}`;
}

function stepLine(mark: string, side: 'a' | 'b', s: DiffStep, o: DiffRenderOptions, paint: (x: string) => string): string {
  const c = o.chalk;
  const lead = `${mark} ${side} ${formatElapsed(s.elapsed_ms)} ${o.abbrev(s.record)} `;
  const head = `${label(s)}: `;
  const text = o.width ? oneLine(sanitize(s.text), Math.max(20, o.width - lead.length - head.length)) : sanitize(s.text);
  if (!c || c.level === 0) return lead + head + text;
  return paint(`${mark} ${side}`) + ' ' + c.dim(formatElapsed(s.elapsed_ms)) + ' ' + c.yellow(o.abbrev(s.record)) + ' ' + (s.is_error ? c.red(head) : head) + text;
}

/** The text output of `tapes diff`, line by line. */
export function* renderDiff(r: DiffResult, o: DiffRenderOptions): Generator<string> {
  const c = o.chalk;
  const dim = (x: string) => (c && c.level > 0 ? c.dim(x) : x);
  const red = (x: string) => (c && c.level > 0 ? c.red(x) : x);
  const green = (x: string) => (c && c.level > 0 ? c.green(x) : x);
  const yellow = (x: string) => (c && c.level > 0 ? c.yellow(x) : x);
  const bold = (x: string) => (c && c.level > 0 ? c.bold(x) : x);
  yield bold(`a: ${r.a.name}  ${plural(r.a.steps, 'step')}, ${plural(r.a.records, 'record')}`);
  yield bold(`b: ${r.b.name}  ${plural(r.b.steps, 'step')}, ${plural(r.b.records, 'record')}`);
  if (r.shared.steps > 0) {
    const how = r.shared.records_by_id > 0 ? (r.shared.steps_by_content > 0 ? 'same records, then same content' : 'same records') : 'same content';
    yield dim(`= ${plural(r.shared.steps, 'identical step')}, up to ${elapsedPair(r.shared.a, r.shared.b)} (${how})`);
  }
  const limit = o.collapseAfter ?? 3;
  const pairs = r.pairs;
  for (let k = 0; k < pairs.length; ) {
    const p = pairs[k]!;
    if (p.mark === 'same') {
      let e = k;
      while (e < pairs.length && pairs[e]!.mark === 'same') e++;
      if (e - k > limit) {
        const last = pairs[e - 1]!;
        yield dim(`= ${plural(e - k, 'identical step')}, up to ${elapsedPair(last.a, last.b)}`);
      } else {
        for (let x = k; x < e; x++) {
          const q = pairs[x]!;
          const lead = `  ${elapsedPair(q.a, q.b)} `;
          const head = `${label(q.a!)}: `;
          const text = o.width ? oneLine(sanitize(q.a!.text), Math.max(20, o.width - lead.length - head.length)) : sanitize(q.a!.text);
          yield dim(lead) + head + text;
        }
      }
      k = e;
      continue;
    }
    if (p.mark === 'changed') {
      yield stepLine('~', 'a', p.a!, o, yellow);
      yield stepLine('~', 'b', p.b!, o, yellow);
      for (const l of p.patch ?? []) {
        const line = '    ' + sanitize(l);
        yield l.startsWith('-') ? red(line) : l.startsWith('+') ? green(line) : l.startsWith('@@') ? dim(line) : line;
      }
    } else if (p.mark === 'only-a') yield stepLine('-', 'a', p.a!, o, red);
    else yield stepLine('+', 'b', p.b!, o, green);
    k++;
  }
  yield bold(summaryLine(r));
}

/** `--stat`: a line per side and the counts of the alignment. */
export function* renderDiffStat(r: DiffResult): Generator<string> {
  for (const [side, s] of [['a', r.a], ['b', r.b]] as const) {
    yield `${side}: ${s.name}  ${plural(s.steps, 'step')} (${s.after.steps} after the shared part), ${plural(s.records, 'record')}, ` +
      `${formatTokenTotal(s.tokens)}, ${formatDuration(s.duration_ms)}, tools: ${toolList(s.tools)}, ` +
      `${plural(s.errors, 'error')}${s.ended_with_error ? ', ended with an error' : ''}`;
  }
  const n = r.counts;
  yield `${plural(r.shared.steps, 'shared step')}; after: ${n.same} same, ${n.changed} changed, ${n.only_a} only in a, ${n.only_b} only in b`;
  yield summaryLine(r);
}
