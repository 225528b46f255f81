// Sequence alignment for `tapes diff` (steps) and its `-p` text diffs (lines).
//
// align() pairs the items of two sequences so that the total pair score is
// highest (a weighted longest common subsequence: Needleman–Wunsch with free
// gaps). To stay fast on long sessions it first takes the common prefix and
// suffix off, then anchors on items whose exact value occurs once on each
// side (patience diff, as git's --patience), keeping the longest run of
// anchors in order, and runs the dynamic programme only in the gaps between
// anchors. A gap whose table would exceed `maxCells` is cut into pieces along
// its diagonal and each piece aligned alone: the result is then no longer
// optimal, but time and memory stay bounded (documented in docs/diff.md).

export interface AlignInput {
  /** Exact identity of each item (equal numbers: the same item). */
  a: Int32Array;
  b: Int32Array;
  /** Score of pairing a[i] with b[j]; 0 or less: they cannot be paired. */
  score(i: number, j: number): number;
}

/** One step of an alignment: indices into a and b, -1 on the side that has nothing. */
export type AlignedPair = [number, number];

export const DEFAULT_MAX_CELLS = 16_000_000;

export function align(input: AlignInput, maxCells = DEFAULT_MAX_CELLS): AlignedPair[] {
  const { a, b } = input;
  const out: AlignedPair[] = [];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    out.push([start, start]);
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  const tail: AlignedPair[] = [];
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    tail.push([endA, endB]);
  }
  let i = start;
  let j = start;
  for (const [ai, bj] of anchors(a, b, start, endA, start, endB)) {
    gap(input, i, ai, j, bj, out, maxCells);
    out.push([ai, bj]);
    i = ai + 1;
    j = bj + 1;
  }
  gap(input, i, endA, j, endB, out, maxCells);
  for (let k = tail.length - 1; k >= 0; k--) out.push(tail[k]!);
  return out;
}

/** Items unique on both sides within the ranges, paired, longest increasing run kept. */
function anchors(a: Int32Array, b: Int32Array, a0: number, a1: number, b0: number, b1: number): AlignedPair[] {
  const countA = new Map<number, number>();
  const posA = new Map<number, number>();
  for (let i = a0; i < a1; i++) {
    countA.set(a[i]!, (countA.get(a[i]!) ?? 0) + 1);
    posA.set(a[i]!, i);
  }
  const countB = new Map<number, number>();
  const posB = new Map<number, number>();
  for (let j = b0; j < b1; j++) {
    countB.set(b[j]!, (countB.get(b[j]!) ?? 0) + 1);
    posB.set(b[j]!, j);
  }
  const pairs: AlignedPair[] = [];
  for (let i = a0; i < a1; i++) {
    const v = a[i]!;
    if (countA.get(v) === 1 && countB.get(v) === 1) pairs.push([i, posB.get(v)!]);
  }
  return longestIncreasing(pairs);
}

/** The longest subsequence of pairs (ordered by a) whose b indices increase (patience sorting, n log n). */
function longestIncreasing(pairs: AlignedPair[]): AlignedPair[] {
  const tails: number[] = []; // index into pairs of the smallest tail of each length
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const bj = pairs[k]![1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < bj) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const out: AlignedPair[] = [];
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k >= 0; k = prev[k]!) out.push(pairs[k]!);
  return out.reverse();
}

/** Aligns a[a0..a1) with b[b0..b1), appending to out. */
function gap(input: AlignInput, a0: number, a1: number, b0: number, b1: number, out: AlignedPair[], maxCells: number): void {
  const n = a1 - a0;
  const m = b1 - b0;
  if (n === 0 || m === 0) {
    for (let i = a0; i < a1; i++) out.push([i, -1]);
    for (let j = b0; j < b1; j++) out.push([-1, j]);
    return;
  }
  if ((n + 1) * (m + 1) > maxCells) {
    // Too big for one table: cut both sides into the same number of pieces.
    const pieces = Math.ceil(Math.sqrt(((n + 1) * (m + 1)) / maxCells)) + 1;
    for (let p = 0; p < pieces; p++) {
      const sa = a0 + Math.floor((n * p) / pieces);
      const ea = a0 + Math.floor((n * (p + 1)) / pieces);
      const sb = b0 + Math.floor((m * p) / pieces);
      const eb = b0 + Math.floor((m * (p + 1)) / pieces);
      gap(input, sa, ea, sb, eb, out, maxCells);
    }
    return;
  }
  // Scores row by row, directions kept for the walk back: 1 diagonal, 2 up (a only), 3 left (b only).
  const dir = new Uint8Array((n + 1) * (m + 1));
  let prevRow = new Float64Array(m + 1);
  let row = new Float64Array(m + 1);
  for (let j = 1; j <= m; j++) dir[j] = 3;
  for (let i = 1; i <= n; i++) {
    row[0] = 0;
    dir[i * (m + 1)] = 2;
    for (let j = 1; j <= m; j++) {
      const up = prevRow[j]!;
      const left = row[j - 1]!;
      // Ties go to b-only here, so that walking back puts b's items last: a's before b's, as diff prints them.
      let best = up;
      let d = 2;
      if (left >= best) {
        best = left;
        d = 3;
      }
      const s = input.score(a0 + i - 1, b0 + j - 1);
      if (s > 0 && prevRow[j - 1]! + s >= best) {
        best = prevRow[j - 1]! + s;
        d = 1;
      }
      row[j] = best;
      dir[i * (m + 1) + j] = d;
    }
    [prevRow, row] = [row, prevRow];
  }
  const rev: AlignedPair[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const d = dir[i * (m + 1) + j];
    if (d === 1) {
      rev.push([a0 + i - 1, b0 + j - 1]);
      i--;
      j--;
    } else if (d === 2) {
      rev.push([a0 + i - 1, -1]);
      i--;
    } else {
      rev.push([-1, b0 + j - 1]);
      j--;
    }
  }
  for (let k = rev.length - 1; k >= 0; k--) out.push(rev[k]!);
}

/** Gives each distinct string a number (for align's identity arrays). */
export class Interner {
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let n = this.ids.get(s);
    if (n === undefined) {
      n = this.ids.size;
      this.ids.set(s, n);
    }
    return n;
  }
}

// ---------------------------------------------------------------- text

export interface Hunk {
  /** 1-based first line and line count on each side (as in unified diff headers). */
  aStart: number;
  aLines: number;
  bStart: number;
  bLines: number;
  lines: string[];
}

/** A unified diff of two texts, line by line, with `context` lines around each change. */
export function unifiedDiff(aText: string, bText: string, context = 3, maxCells = 4_000_000): Hunk[] {
  const al = aText === '' ? [] : aText.split('\n');
  const bl = bText === '' ? [] : bText.split('\n');
  const names = new Interner();
  const a = Int32Array.from(al, (l) => names.id(l));
  const b = Int32Array.from(bl, (l) => names.id(l));
  const pairs = align({ a, b, score: (i, j) => (a[i] === b[j] ? 1 : 0) }, maxCells);
  // Each pair: ' ' both (equal), '-' a only, '+' b only; unequal diagonal pairs cannot occur (score 0).
  type Op = { op: ' ' | '-' | '+'; ai: number; bj: number };
  const ops: Op[] = [];
  for (const [i, j] of pairs) {
    if (i >= 0 && j >= 0 && a[i] === b[j]) ops.push({ op: ' ', ai: i, bj: j });
    else {
      if (i >= 0) ops.push({ op: '-', ai: i, bj: -1 });
      if (j >= 0) ops.push({ op: '+', ai: -1, bj: j });
    }
  }
  const hunks: Hunk[] = [];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.op === ' ') k++;
    if (k >= ops.length) break;
    let s = Math.max(0, k - context);
    let e = k;
    // Extend while the next change is within 2*context lines.
    for (;;) {
      while (e < ops.length && ops[e]!.op !== ' ') e++;
      let next = e;
      while (next < ops.length && ops[next]!.op === ' ') next++;
      if (next < ops.length && next - e <= 2 * context) e = next;
      else {
        e = Math.min(ops.length, e + context);
        break;
      }
    }
    const slice = ops.slice(s, e);
    const firstA = slice.find((o) => o.ai >= 0)?.ai;
    const firstB = slice.find((o) => o.bj >= 0)?.bj;
    const aLines = slice.filter((o) => o.op !== '+').length;
    const bLines = slice.filter((o) => o.op !== '-').length;
    hunks.push({
      aStart: aLines ? firstA! + 1 : (firstA ?? precedingA(ops, s)) ,
      aLines,
      bStart: bLines ? firstB! + 1 : (firstB ?? precedingB(ops, s)),
      bLines,
      lines: slice.map((o) => o.op + (o.op === '+' ? bl[o.bj] : al[o.ai])),
    });
    k = e;
    s = e;
  }
  return hunks;
}

function precedingA(ops: Array<{ ai: number }>, s: number): number {
  for (let k = s - 1; k >= 0; k--) if (ops[k]!.ai >= 0) return ops[k]!.ai + 1;
  return 0;
}

function precedingB(ops: Array<{ bj: number }>, s: number): number {
  for (let k = s - 1; k >= 0; k--) if (ops[k]!.bj >= 0) return ops[k]!.bj + 1;
  return 0;
}
