// Charts as inline SVG, drawn here rather than by a charting library: the
// pages that hold them must work offline under a CSP that loads nothing, and
// three chart shapes (stacked bars, a scatter, a strip) do not need one
// (docs/report.md says why). Every mark that stands for a number is an
// element with `data-point`, the exact value in `data-value` and the key of
// the table row holding the same number in `data-key`, so the page's script
// can tie a mark to its row and a test can count marks against rows.
import { escapeHtml } from './highlight.js';

/** Colours for series (models), distinguishable in light and dark pages and in print. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** A value a chart draws: where it goes, what it is, what the hover says. */
export interface Segment {
  category: string;
  series: string;
  value: number;
  /** The table row with the same number. */
  key: string;
  tip: string;
  href?: string;
}

export interface BarsOptions {
  id: string;
  title: string;
  /** In drawing order (x left to right, or y top to bottom). */
  categories: string[];
  /** Labels for the categories when they differ from the keys. */
  labels?: Map<string, string>;
  /** Stacking order and colours. */
  series: string[];
  segments: Segment[];
  format: (n: number) => string;
  horizontal?: boolean;
  width?: number;
}

const esc = escapeHtml;
const f1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** 0, a round step and its multiples up to at least `max`. */
export function ticks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v < max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < max) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

/** One mark: `tag` with its geometry `attrs`, the data attributes, and a <title> (the hover text where no script runs). */
function point(s: Pick<Segment, 'key' | 'value' | 'tip' | 'href'>, tag: string, attrs: string, fill: string): string {
  const body = `<${tag} ${attrs} fill="${fill}" data-point data-key="${esc(s.key)}" data-value="${s.value}" data-tip="${esc(s.tip)}"><title>${esc(s.tip)}</title></${tag}>`;
  return s.href ? `<a href="${esc(s.href)}">${body}</a>` : body;
}

function legend(series: string[], x: number, y: number): string {
  let dx = 0;
  return series
    .map((name, i) => {
      const out = `<g transform="translate(${f1(x + dx)},${y})"><rect width="10" height="10" fill="${colourOf(i)}"/><text x="14" y="9">${esc(name)}</text></g>`;
      dx += 24 + name.length * 6.5;
      return out;
    })
    .join('');
}

/** Bars stacked by series, one bar per category; vertical (categories along x) unless `horizontal`. */
export function stackedBars(o: BarsOptions): string {
  const W = o.width ?? 960;
  const colour = new Map(o.series.map((s, i) => [s, colourOf(i)]));
  const byCat = new Map<string, Segment[]>(o.categories.map((c) => [c, []]));
  for (const s of o.segments) byCat.get(s.category)?.push(s);
  const order = new Map(o.series.map((s, i) => [s, i]));
  for (const list of byCat.values()) list.sort((a, b) => (order.get(a.series) ?? 0) - (order.get(b.series) ?? 0));
  const sums = [...byCat.values()].map((l) => l.reduce((a, s) => a + Math.max(0, s.value), 0));
  const scale = ticks(Math.max(0, ...sums));
  const top = scale[scale.length - 1]!;
  const label = (c: string) => o.labels?.get(c) ?? c;
  const parts: string[] = [];
  let H: number;
  if (!o.horizontal) {
    H = 260;
    const L = 64, R = 12, T = 28, B = 44;
    const pw = W - L - R, ph = H - T - B;
    const band = pw / Math.max(1, o.categories.length);
    const bw = Math.max(1, band * 0.8);
    for (const v of scale) {
      const y = T + ph - (v / top) * ph;
      parts.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${f1(y)}" y2="${f1(y)}"/><text class="tick" x="${L - 6}" y="${f1(y + 4)}" text-anchor="end">${esc(o.format(v))}</text>`);
    }
    // As many category labels as fit, evenly spread.
    const every = Math.max(1, Math.ceil(o.categories.length / Math.max(1, Math.floor(pw / 70))));
    o.categories.forEach((c, i) => {
      const x = L + i * band + (band - bw) / 2;
      let y = T + ph;
      for (const s of byCat.get(c)!) {
        const h = (Math.max(0, s.value) / top) * ph;
        y -= h;
        parts.push(point(s, 'rect', `x="${f1(x)}" y="${f1(y)}" width="${f1(bw)}" height="${f1(h)}"`, colour.get(s.series)!));
      }
      if (i % every === 0) parts.push(`<text class="tick" x="${f1(L + i * band + band / 2)}" y="${T + ph + 16}" text-anchor="middle">${esc(label(c))}</text>`);
    });
    parts.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${T + ph}" y2="${T + ph}"/>`);
    parts.push(legend(o.series, L, 8));
  } else {
    const L = 240, R = 16, T = 28, B = 24, row = 18;
    H = T + B + row * Math.max(1, o.categories.length);
    const pw = W - L - R;
    for (const v of scale) {
      const x = L + (v / top) * pw;
      parts.push(`<line class="grid" x1="${f1(x)}" x2="${f1(x)}" y1="${T}" y2="${H - B}"/><text class="tick" x="${f1(x)}" y="${H - B + 14}" text-anchor="middle">${esc(o.format(v))}</text>`);
    }
    o.categories.forEach((c, i) => {
      const y = T + i * row + 2;
      let x = L;
      const text = label(c);
      parts.push(`<text class="tick" x="${L - 6}" y="${y + 11}" text-anchor="end">${esc(text.length > 36 ? '…' + text.slice(-35) : text)}<title>${esc(text)}</title></text>`);
      for (const s of byCat.get(c)!) {
        const w = (Math.max(0, s.value) / top) * pw;
        parts.push(point(s, 'rect', `x="${f1(x)}" y="${y}" width="${f1(w)}" height="${row - 4}"`, colour.get(s.series)!));
        x += w;
      }
    });
    parts.push(`<line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`);
    parts.push(legend(o.series, L, 8));
  }
  return svg(o.id, o.title, W, H, parts);
}

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** A part of the value drawn over the bar in the error colour (a tool's failed calls). */
  part?: number;
  tip: string;
}

/** One horizontal bar per row, largest scale first as given, each labelled with its value. */
export function bars(o: { id: string; title: string; bars: Bar[]; format: (n: number) => string; width?: number }): string {
  const W = o.width ?? 960;
  const L = 240, R = 80, T = 8, B = 24, row = 18;
  const H = T + B + row * Math.max(1, o.bars.length);
  const pw = W - L - R;
  const scale = ticks(Math.max(0, ...o.bars.map((b) => b.value)));
  const top = scale[scale.length - 1]!;
  const parts: string[] = [];
  for (const v of scale) {
    const x = L + (v / top) * pw;
    parts.push(`<line class="grid" x1="${f1(x)}" x2="${f1(x)}" y1="${T}" y2="${H - B}"/><text class="tick" x="${f1(x)}" y="${H - B + 14}" text-anchor="middle">${esc(o.format(v))}</text>`);
  }
  o.bars.forEach((b, i) => {
    const y = T + i * row + 2;
    const w = (Math.max(0, b.value) / top) * pw;
    parts.push(`<text class="tick" x="${L - 6}" y="${y + 11}" text-anchor="end">${esc(b.label.length > 36 ? b.label.slice(0, 35) + '…' : b.label)}<title>${esc(b.label)}</title></text>`);
    parts.push(point(b, 'rect', `x="${L}" y="${y}" width="${f1(w)}" height="${row - 4}"`, colourOf(0)));
    if (b.part) parts.push(`<rect class="part" x="${L}" y="${y}" width="${f1((Math.max(0, b.part) / top) * pw)}" height="${row - 4}" fill="${colourOf(3)}"><title>${esc(b.tip)}</title></rect>`);
    parts.push(`<text class="tick" x="${f1(L + w + 4)}" y="${y + 11}">${esc(o.format(b.value))}</text>`);
  });
  parts.push(`<line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`);
  return svg(o.id, o.title, W, H, parts);
}

export interface ScatterPoint {
  key: string;
  x: number;
  y: number;
  tip: string;
  href?: string;
  /** Drawn hollow: the value is unknown and drawn at 0. */
  hollow?: boolean;
  /** Drawn in the second colour (a subagent chain). */
  alt?: boolean;
}

/** A logarithmic axis: whole powers of ten around the positive values (values at or below 0 sit on its low end). */
export function logDomain(values: number[]): { lo: number; hi: number; ticks: number[] } {
  const pos = values.filter((v) => v > 0);
  if (!pos.length) return { lo: 1, hi: 10, ticks: [1, 10] };
  let lo = 10 ** Math.floor(Math.log10(Math.min(...pos)));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(...pos)));
  if (hi <= lo) hi = lo * 10;
  // Wide ranges keep every other power, so labels do not collide.
  const n = Math.round(Math.log10(hi / lo));
  const step = n > 8 ? 2 : 1;
  const ticks: number[] = [];
  for (let i = 0; i <= n; i += step) ticks.push(Number((lo * 10 ** i).toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) {
    hi = ticks[ticks.length - 1]! * 10 ** step;
    ticks.push(Number(hi.toPrecision(12)));
  }
  lo = ticks[0]!;
  return { lo, hi, ticks };
}

/** Points on two logarithmic axes: session durations and costs span several powers of ten. */
export function scatter(o: { id: string; title: string; points: ScatterPoint[]; xLabel: string; yLabel: string; xFormat: (n: number) => string; yFormat: (n: number) => string; width?: number }): string {
  const W = o.width ?? 960, H = 340;
  const L = 64, R = 16, T = 16, B = 44;
  const pw = W - L - R, ph = H - T - B;
  const xd = logDomain(o.points.map((p) => p.x));
  const yd = logDomain(o.points.map((p) => p.y));
  const at = (v: number, d: { lo: number; hi: number }) => (v <= d.lo ? 0 : Math.log10(v / d.lo) / Math.log10(d.hi / d.lo));
  const parts: string[] = [];
  for (const v of yd.ticks) {
    const y = T + ph - at(v, yd) * ph;
    parts.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${f1(y)}" y2="${f1(y)}"/><text class="tick" x="${L - 6}" y="${f1(y + 4)}" text-anchor="end">${esc(o.yFormat(v))}</text>`);
  }
  for (const v of xd.ticks) {
    const x = L + at(v, xd) * pw;
    parts.push(`<line class="grid" x1="${f1(x)}" x2="${f1(x)}" y1="${T}" y2="${T + ph}"/><text class="tick" x="${f1(x)}" y="${T + ph + 16}" text-anchor="middle">${esc(o.xFormat(v))}</text>`);
  }
  parts.push(`<text class="label" x="${L + pw / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text class="label" transform="translate(12,${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // Larger values first, so small points drawn later stay on top and can be hovered.
  const sorted = [...o.points].sort((a, b) => b.y - a.y || b.x - a.x);
  for (const p of sorted) {
    const cx = L + at(p.x, xd) * pw, cy = T + ph - at(p.y, yd) * ph;
    const c = p.alt ? colourOf(1) : colourOf(0);
    parts.push(point({ value: p.y, key: p.key, tip: p.tip, href: p.href }, 'circle', `class="dot${p.hollow ? ' hollow' : ''}" cx="${f1(cx)}" cy="${f1(cy)}" r="5" stroke="${c}"`, p.hollow ? 'none' : c));
  }
  return svg(o.id, o.title, W, H, parts);
}

function svg(id: string, title: string, w: number, h: number, parts: string[]): string {
  return `<svg id="${esc(id)}" class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
