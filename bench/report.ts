// Turns measured rows into the text table the benchmark prints. Ratios are the
// point (the machine is shared, absolute times drift between runs), so they
// get their own section with the direction spelled out.
import type { MachineInfo, Stats } from './lib.js';
import type { ProfileSummary } from './cpu-profile.js';

export interface Row {
  key: string;
  step: string;
  what: string;
  time: Stats;
  /** Input bytes the step moved (for MB/s). */
  bytes?: number;
  /** Objects the step created or checked (for obj/s). */
  objects?: number;
}

export interface Ratio {
  what: string;
  tapes: string;
  git: string;
  /** tapes median time / git median time: above 1, tapes is slower. */
  ratio: number;
  /** Median of tapes[i] / git[i] over reps: each pair ran back to back, so shares the machine's load. */
  paired: number;
}

export interface Results {
  date: string;
  machine: MachineInfo;
  /** chunked: files too large for one object, stored as chunks plus a chunk list. */
  corpus: { path: string; files: number; bytes: number; chunked: number };
  reps: number;
  rows: Row[];
  ratios: Ratio[];
  notes: string[];
  profiles?: Record<string, ProfileSummary>;
}

const MB = 1e6;

export function fmtMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function table(header: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, rightAlign[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function ratioPhrase(r: number): string {
  if (r >= 1) return `git is ${r.toFixed(2)}× faster`;
  return `tapes is ${(1 / r).toFixed(2)}× faster`;
}

export function renderText(res: Results): string {
  const m = res.machine;
  const out: string[] = [];
  out.push(`tapes core benchmark  ${res.date}`);
  out.push(
    `machine  ${m.platform}; ${m.cpus} × ${m.cpuModel} (available parallelism ${m.availableParallelism}); ${m.memGiB} GiB`,
  );
  out.push(`         node ${m.node}; git ${m.git}; temp dirs in ${m.tmpdir} (${m.tmpFs})`);
  out.push(
    `         load average at start ${m.loadavgStart.join(' ')}, at end ${(m.loadavgEnd ?? []).join(' ')}`,
  );
  out.push(
    `corpus   ${res.corpus.files} files, ${(res.corpus.bytes / MB).toFixed(1)} MB (${res.corpus.chunked} stored as chunks: over the 1 MiB object bound), ${res.corpus.path}`,
  );
  out.push(`reps     ${res.reps} per measurement; median shown, min–max beside it; MB = 10^6 bytes`);
  out.push('');
  const rows = res.rows.map((r) => [
    r.step,
    r.what,
    fmtMs(r.time.median),
    `${fmtMs(r.time.min)}–${fmtMs(r.time.max)}`,
    r.bytes !== undefined ? `${(r.bytes / MB / (r.time.median / 1000)).toFixed(1)} MB/s` : '',
    r.objects !== undefined ? `${Math.round(r.objects / (r.time.median / 1000))} obj/s` : '',
    r.objects !== undefined ? String(r.objects) : '',
  ]);
  out.push(
    table(
      ['step', 'what', 'median', 'range', 'input', 'objects', 'n obj'],
      rows,
      [false, false, true, true, true, true, true],
    ),
  );
  out.push('');
  out.push('ratios of wall time, tapes/git: above 1 means tapes is slower');
  out.push('  "medians" divides the two medians; "paired" is the median of per-rep ratios of runs made back to back');
  out.push(
    table(
      ['comparison', 'medians', 'paired', ''],
      res.ratios.map((r) => [r.what, `${r.ratio.toFixed(2)}×`, `${r.paired.toFixed(2)}×`, ratioPhrase(r.ratio)]),
      [false, true, true, false],
    ),
  );
  if (res.notes.length) {
    out.push('');
    out.push('notes');
    for (const n of res.notes) out.push(`  - ${n}`);
  }
  for (const [name, p] of Object.entries(res.profiles ?? {})) {
    out.push('');
    out.push(`cpu profile: ${name} (main thread, ${fmtMs(p.totalMs)} sampled; self time)`);
    out.push(
      table(
        ['function', 'self', 'share'],
        p.byFunction.map((h) => [h.name, fmtMs(h.ms), `${(h.share * 100).toFixed(1)}%`]),
        [false, true, true],
      ),
    );
    out.push('');
    out.push(
      table(
        ['by file / package', 'self', 'share'],
        p.byFile.map((h) => [h.name, fmtMs(h.ms), `${(h.share * 100).toFixed(1)}%`]),
        [false, true, true],
      ),
    );
  }
  return out.join('\n') + '\n';
}
