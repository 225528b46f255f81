// The strip at the top of a session's HTML page: the session along one time
// axis, each turn a bar of the tokens it used (input, cache, output) with the
// cost so far drawn over them, the tool calls and failed results marked
// below, and each subagent thread as a lane of its own. Every mark links to
// its step (the page's script opens it); tables of the same numbers follow.
// Idle stretches longer than GAP_MS are drawn GAP_MS wide and marked, so a
// session resumed the next day does not squash its working hours into a line.
import type { SessionShape, ShapeLane, ShapeTurn } from '../archive/export/index.js';
import { escapeHtml } from './highlight.js';
import { formatCompact, formatCostPrecise, formatDuration, formatInt, formatLocalTime } from './sessions-table.js';
import { colourOf } from './svg-chart.js';

export const GAP_MS = 10 * 60_000;

const esc = escapeHtml;
const f1 = (n: number) => (Math.round(n * 10) / 10).toString();
const COLOURS = { input: colourOf(0), cache: colourOf(4), output: colourOf(1), cost: colourOf(3) };

export const STRIP_STYLE = `
#strip{border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin:0 0 10px;background:var(--side)}
#strip svg.chart .gap{stroke:var(--dim);stroke-dasharray:2 3}
#strip svg.chart .hit{fill:transparent}
#strip svg.chart .cost{fill:none;stroke-width:1.5}
#strip svg.chart .lane{fill-opacity:.35}
#strip svg.chart a:hover .mark{stroke:var(--fg)}
#strip table{border-collapse:collapse;width:100%;font-size:12px;margin:4px 0}
#strip th,#strip td{text-align:left;padding:2px 6px;border-bottom:1px solid var(--line);vertical-align:top}
#strip td.num,#strip th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
#strip details>summary{cursor:pointer;color:var(--dim);font-size:12px}
`;

/** Maps a time (epoch ms) to a position along the axis, idle stretches shortened; also the stretches that were. */
export function timeAxis(times: number[], gap = GAP_MS): { at: (t: number) => number; span: number; breaks: Array<{ at: number; idle: number }> } {
  const ts = [...new Set(times.filter(Number.isFinite))].sort((a, b) => a - b);
  const pos: number[] = [];
  const breaks: Array<{ at: number; idle: number }> = [];
  for (const [i, t] of ts.entries()) {
    if (i === 0) pos.push(0);
    else {
      const d = t - ts[i - 1]!;
      if (d > gap) breaks.push({ at: pos[i - 1]! + gap / 2, idle: d });
      pos.push(pos[i - 1]! + Math.min(d, gap));
    }
  }
  const at = (t: number): number => {
    if (!ts.length) return 0;
    if (t <= ts[0]!) return 0;
    if (t >= ts[ts.length - 1]!) return pos[pos.length - 1]!;
    let lo = 0, hi = ts.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! <= t) lo = mid;
      else hi = mid;
    }
    return pos[lo]! + ((t - ts[lo]!) * (pos[hi]! - pos[lo]!)) / (ts[hi]! - ts[lo]!);
  };
  return { at, span: pos.length ? pos[pos.length - 1]! : 0, breaks };
}

function turnTip(t: ShapeTurn): string {
  const head = t.n === 0 ? 'Before the first prompt' : `Turn ${t.n}${t.prompt ? `: ${t.prompt}` : ''}`;
  const tok = t.tokens;
  return `${head}\n${formatInt(tok.input)} in, ${formatInt(tok.cache_read + tok.cache_write)} cache, ${formatInt(tok.output)} out\n${t.tool_calls} tool calls, ${t.tool_errors} failed\ncost ${formatCostPrecise(t.cost_usd)}, so far ${formatCostPrecise(t.cost_so_far)}`;
}

function laneTip(l: ShapeLane): string {
  return `Subagent ${l.name}${l.description ? ` — ${l.description}` : ''}\n${l.records} records, ${l.tool_calls} tool calls, ${l.tool_errors} failed\n${formatInt(l.tokens.input + l.tokens.cache_read + l.tokens.cache_write + l.tokens.output)} tokens`;
}

const link = (id: string | null, inner: string) => (id ? `<a href="#r-${id}" data-target="r-${id}">${inner}</a>` : inner);

export function renderStrip(s: SessionShape, o: { timeZone?: string } = {}): string {
  if (s.turns.length === 0 && s.lanes.length === 0) return '';
  const timed = s.start !== null;
  // With no times, records are spaced evenly by their position.
  const when = (time: string | null, seq: number) => (timed ? (time ? Date.parse(time) : NaN) : seq);
  const times: number[] = [];
  for (const t of s.turns) times.push(when(t.start, t.from), when(t.end, t.to));
  for (const m of s.marks) times.push(when(m.time, m.seq));
  for (const l of s.lanes) times.push(when(l.start, l.from), when(l.end, l.to));
  const axis = timeAxis(times, timed ? GAP_MS : Infinity);
  const W = 1000, L = 110, R = 56, T = 18, BAR = 70, ROW = 16;
  const H = T + BAR + 6 + ROW * (1 + s.lanes.length) + 18;
  const pw = W - L - R;
  // A record without a time (a timed session has a few: snapshots, summaries) sits at the start.
  const first = Math.min(...times.filter(Number.isFinite));
  const x = (v: number) => L + (axis.span > 0 ? (axis.at(Number.isFinite(v) ? v : first) / axis.span) * pw : pw / 2);
  const parts: string[] = [];
  const maxTokens = Math.max(1, ...s.turns.map((t) => t.tokens.input + t.tokens.cache_read + t.tokens.cache_write + t.tokens.output));
  const maxCost = Math.max(0, ...s.turns.map((t) => t.cost_so_far ?? 0));
  // Legend.
  const legend: Array<[string, string]> = [
    ['input', COLOURS.input],
    ['cache', COLOURS.cache],
    ['output', COLOURS.output],
  ];
  legend.forEach(([name, c], i) => parts.push(`<g transform="translate(${L + i * 70},2)"><rect width="10" height="10" fill="${c}"/><text x="14" y="9">${name}</text></g>`));
  if (maxCost > 0) parts.push(`<g transform="translate(${L + 210},2)"><line x1="0" x2="14" y1="5" y2="5" stroke="${COLOURS.cost}" stroke-width="2"/><text x="18" y="9">cost so far (${esc(formatCostPrecise(maxCost))})</text></g>`);
  parts.push(`<text class="tick" x="${L - 6}" y="${T + BAR / 2}" text-anchor="end">tokens per turn</text>`);
  parts.push(`<text class="tick" x="${L - 6}" y="${T + BAR + 6 + 11}" text-anchor="end">tools</text>`);
  parts.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${T + BAR}" y2="${T + BAR}"/>`);
  // The turns.
  const base = T + BAR;
  for (const [i, t] of s.turns.entries()) {
    const a = x(when(t.start, t.from));
    const next = s.turns[i + 1];
    // A turn runs until the next one starts, so the bars tile the axis.
    const b = next ? x(when(next.start, next.from)) : x(when(t.end, t.to));
    const w = Math.max(2, b - a - 1);
    const segs: string[] = [];
    let y = base;
    for (const [v, c] of [
      [t.tokens.input, COLOURS.input],
      [t.tokens.cache_read + t.tokens.cache_write, COLOURS.cache],
      [t.tokens.output, COLOURS.output],
    ] as const) {
      const h = (v / maxTokens) * BAR;
      y -= h;
      if (h > 0) segs.push(`<rect x="${f1(a)}" y="${f1(y)}" width="${f1(w)}" height="${f1(h)}" fill="${c}"/>`);
    }
    const total = t.tokens.input + t.tokens.cache_read + t.tokens.cache_write + t.tokens.output;
    const tip = turnTip(t);
    parts.push(
      link(
        t.first,
        `<g data-point data-key="turn:${t.n}" data-value="${total}" data-tip="${esc(tip)}"><rect class="hit" x="${f1(a)}" y="${T}" width="${f1(w)}" height="${BAR}"/>${segs.join('')}<title>${esc(tip)}</title></g>`,
      ),
    );
  }
  // Cost so far: a step line over the bars, on its own scale (the right edge).
  if (maxCost > 0) {
    const pts: string[] = [];
    let prev = base;
    for (const t of s.turns) {
      const a = x(when(t.start, t.from));
      const b = x(when(t.end, t.to));
      pts.push(`${f1(a)},${f1(prev)}`);
      const y = base - ((t.cost_so_far ?? 0) / maxCost) * BAR;
      pts.push(`${f1(b)},${f1(y)}`);
      prev = y;
    }
    parts.push(`<polyline class="cost" points="${pts.join(' ')}" stroke="${COLOURS.cost}"/>`);
    parts.push(`<text class="tick" x="${W - R + 4}" y="${T + 8}">${esc(formatCostPrecise(maxCost))}</text><text class="tick" x="${W - R + 4}" y="${base}">$0</text>`);
  }
  // Idle stretches drawn short.
  for (const g of axis.breaks) {
    const gx = L + (axis.span > 0 ? (g.at / axis.span) * pw : 0);
    parts.push(`<line class="gap" x1="${f1(gx)}" x2="${f1(gx)}" y1="${T}" y2="${H - 18}"><title>${esc(formatDuration(g.idle))} idle</title></line>`);
  }
  // Lanes: the main line's tools, then one row per subagent thread.
  const rowY = (lane: number) => base + 6 + lane * ROW;
  for (const l of s.lanes) {
    const y = rowY(l.lane);
    const a = x(when(l.start, l.from));
    const b = x(when(l.end, l.to));
    const label = l.name.length > 16 ? l.name.slice(0, 15) + '…' : l.name;
    parts.push(`<text class="tick" x="${L - 6}" y="${y + 11}" text-anchor="end">${esc(label)}<title>${esc(l.name)}</title></text>`);
    const tip = laneTip(l);
    parts.push(link(l.first, `<rect class="lane" data-lane="${l.lane}" data-tip="${esc(tip)}" x="${f1(a)}" y="${y + 2}" width="${f1(Math.max(3, b - a))}" height="${ROW - 4}" fill="${colourOf(6)}"><title>${esc(tip)}</title></rect>`));
  }
  for (const m of s.marks) {
    const y = rowY(m.lane);
    const mx = x(when(m.time, m.seq));
    const title = `<title>${esc(m.type === 'error' ? `${m.name} failed` : `${m.name} call`)}</title>`;
    const shape =
      m.type === 'error'
        ? `<path class="mark error" data-mark="error" d="M${f1(mx - 4)},${y + ROW - 3}L${f1(mx + 4)},${y + ROW - 3}L${f1(mx)},${y + 3}Z" fill="${colourOf(3)}">${title}</path>`
        : `<rect class="mark call" data-mark="call" x="${f1(mx - 1)}" y="${y + 3}" width="2.5" height="${ROW - 6}" fill="${colourOf(9)}">${title}</rect>`;
    parts.push(link(m.id, shape));
  }
  // Times at the ends.
  if (timed && s.start && s.end) {
    parts.push(`<text class="tick" x="${L}" y="${H - 4}">${esc(formatLocalTime(s.start, o.timeZone))}</text><text class="tick" x="${W - R}" y="${H - 4}" text-anchor="end">${esc(formatLocalTime(s.end, o.timeZone))}</text>`);
  }
  const svg = `<svg id="strip-chart" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="The session's turns, tokens, cost and tool calls over time" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
  return `<div id="strip"><figure data-chart="strip" data-table="turns-table">${svg}</figure>${tables(s, o)}</div>`;
}

function num(v: number | null, text: string): string {
  return `<td class="num"${v === null ? '' : ` data-value="${v}"`}>${esc(text)}</td>`;
}

function tables(s: SessionShape, o: { timeZone?: string }): string {
  const turn = (t: ShapeTurn) =>
    `<tr data-key="turn:${t.n}"><td><a href="#r-${t.first}" data-target="r-${t.first}">${t.n === 0 ? '–' : t.n}</a></td><td>${esc(t.start ? formatLocalTime(t.start, o.timeZone).slice(11) : '-')}</td><td>${esc(t.prompt ?? '(before the first prompt)')}</td>${num(t.records, String(t.records))}${num(t.tokens.input, formatInt(t.tokens.input))}${num(t.tokens.cache_read, formatInt(t.tokens.cache_read))}${num(t.tokens.cache_write, formatInt(t.tokens.cache_write))}${num(t.tokens.output, formatInt(t.tokens.output))}${num(t.cost_usd, formatCostPrecise(t.cost_usd))}${num(t.cost_so_far, formatCostPrecise(t.cost_so_far))}${num(t.tool_calls, String(t.tool_calls))}${num(t.tool_errors, String(t.tool_errors))}</tr>`;
  const lane = (l: ShapeLane) =>
    `<tr data-lane="${l.lane}"><td>${l.first ? `<a href="#r-${l.first}" data-target="r-${l.first}">${esc(l.name)}</a>` : esc(l.name)}</td><td>${esc(l.description ?? '')}</td><td>${esc(l.start ? formatLocalTime(l.start, o.timeZone).slice(11) : '-')}</td>${num(l.records, String(l.records))}${num(l.tokens.input + l.tokens.cache_read + l.tokens.cache_write + l.tokens.output, formatCompact(l.tokens.input + l.tokens.cache_read + l.tokens.cache_write + l.tokens.output))}${num(l.tool_calls, String(l.tool_calls))}${num(l.tool_errors, String(l.tool_errors))}</tr>`;
  const turns = `<details><summary>The ${s.turns.length} turn${s.turns.length === 1 ? '' : 's'} as a table (${formatInt(s.tokens.input + s.tokens.cache_read + s.tokens.cache_write + s.tokens.output)} tokens, ${formatCostPrecise(s.cost_usd)})</summary><table id="turns-table"><thead><tr><th>Turn</th><th>Start</th><th>Prompt</th><th class="num">Records</th><th class="num">Input</th><th class="num">Cache read</th><th class="num">Cache write</th><th class="num">Output</th><th class="num">Cost</th><th class="num">So far</th><th class="num">Tool calls</th><th class="num">Errors</th></tr></thead><tbody>${s.turns.map(turn).join('')}</tbody></table></details>`;
  const lanes = s.lanes.length
    ? `<details><summary>The ${s.lanes.length} subagent lane${s.lanes.length === 1 ? '' : 's'} as a table</summary><table id="lanes-table"><thead><tr><th>Subagent</th><th>Task</th><th>Start</th><th class="num">Records</th><th class="num">Tokens</th><th class="num">Tool calls</th><th class="num">Errors</th></tr></thead><tbody>${s.lanes.map(lane).join('')}</tbody></table></details>`
    : '';
  return turns + lanes;
}
