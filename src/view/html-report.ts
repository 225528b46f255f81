// The usage report, `tapes stats --html`: one self-contained page (same CSP
// as the session export) with tokens and cost per day and per project
// stacked by model, the sessions as points (duration against cost, the first
// prompt on hover, a link to the session's page when the report sits beside
// them), and the tools by calls, time and failures. A table follows every
// chart with the same numbers: the chart is for looking, the table for
// copying (and for anyone who cannot see the chart).
import type { GroupModel, ReportSession, ReportTool, StatsReport } from '../archive/stats-report.js';
import type { TotalStats } from '../archive/stats.js';
import { escapeHtml } from './highlight.js';
import { page } from './html.js';
import { CHART_SCRIPT, REPORT_STYLE } from './html-report-assets.js';
import { formatCompact, formatCostPrecise, formatDuration, formatInt, formatLocalTime, shortModel, shortPath } from './sessions-table.js';
import { bars, colourOf, scatter, stackedBars, type Segment } from './svg-chart.js';

export interface ReportOptions {
  timeZone?: string;
  /** $HOME, shown as ~ in project paths. */
  home?: string;
  /** The link of a session's own page, when the report is written beside them (export --all). */
  link?: (s: ReportSession) => string | undefined;
  /** The filters the selection was made with, as typed (shown under the title). */
  filters?: string[];
  /** How many tools the slowest and most-failing charts show. Default 15. */
  top?: number;
}

const esc = escapeHtml;
/** An axis label: $0, $0.005, $2.50, $40, $1200. */
const usd = (n: number) => (n === 0 ? '$0' : n >= 100 || Number.isInteger(n) ? '$' + Math.round(n) : n >= 1 ? '$' + n.toFixed(2) : '$' + String(Number(n.toPrecision(2))));
const num = (v: number | null, text: string) => `<td class="num"${v === null ? '' : ` data-value="${v}"`}>${esc(text)}</td>`;
const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

/** Every day from the first to the last (a gap shows as a gap), then the null day; only the days with data past a year and a month. */
function dayAxis(days: GroupModel[]): string[] {
  const keys = [...new Set(days.map((d) => d.key))];
  const dated = keys.filter((k): k is string => k !== null);
  let axis = dated;
  if (dated.length > 1) {
    const first = Date.parse(dated[0]! + 'T00:00:00Z'), last = Date.parse(dated[dated.length - 1]! + 'T00:00:00Z');
    const span = Math.round((last - first) / 86_400_000) + 1;
    if (span <= 400) axis = Array.from({ length: span }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
  }
  return keys.includes(null) ? [...axis, NO_DAY] : axis;
}

const NO_DAY = '(no time)';
const NO_PROJECT = '(no project)';

function groupKey(prefix: string, g: GroupModel, none: string): string {
  return `${prefix}:${g.key ?? none}:${g.model}`;
}

function groupCharts(o: { id: string; what: string; rows: GroupModel[]; categories: string[]; none: string; models: string[]; horizontal: boolean; labels?: Map<string, string> }): string {
  const tableId = `${o.id}-table`;
  if (o.rows.length === 0) {
    return `<p class="empty">No token counts in these sessions (their harness did not record usage).</p><figure data-chart="${o.id}-tokens" data-table="${tableId}"></figure><figure data-chart="${o.id}-cost" data-table="${tableId}"></figure>${groupTable(tableId, o.what, o.rows, o.none, o.labels)}`;
  }
  const seg = (g: GroupModel, value: number, text: string): Segment => ({
    category: g.key ?? o.none,
    series: g.model,
    value,
    key: groupKey(o.id, g, o.none),
    tip: `${o.labels?.get(g.key ?? o.none) ?? g.key ?? o.none}\n${g.model}\n${text}`,
  });
  const tokens = stackedBars({
    id: `${o.id}-tokens`,
    title: `Tokens ${o.what}, by model`,
    categories: o.categories,
    labels: o.labels,
    series: o.models,
    horizontal: o.horizontal,
    format: formatCompact,
    segments: o.rows.map((g) => seg(g, g.total_tokens, `${formatInt(g.total_tokens)} tokens (${formatInt(g.tokens.input)} in, ${formatInt(g.tokens.cache_read)} cache read, ${formatInt(g.tokens.cache_write)} cache write, ${formatInt(g.tokens.output)} out)`)),
  });
  const cost = stackedBars({
    id: `${o.id}-cost`,
    title: `Estimated cost ${o.what}, by model`,
    categories: o.categories,
    labels: o.labels,
    series: o.models,
    horizontal: o.horizontal,
    format: usd,
    segments: o.rows.map((g) => seg(g, g.cost_usd ?? 0, g.cost_usd === null ? 'no price for this model' : `${formatCostPrecise(g.cost_usd)} estimated`)),
  });
  return `<h3>Tokens</h3><figure data-chart="${o.id}-tokens" data-table="${tableId}">${tokens}</figure><h3>Estimated cost</h3><figure data-chart="${o.id}-cost" data-table="${tableId}">${cost}</figure>${groupTable(tableId, o.what, o.rows, o.none, o.labels, o.models)}`;
}

function groupTable(id: string, what: string, rows: GroupModel[], none: string, labels?: Map<string, string>, models: string[] = []): string {
  const first = what === 'per day' ? 'Day' : 'Project';
  const prefix = id.replace(/-table$/, '');
  const trs = rows.map((g) => {
    const name = g.key ?? none;
    const swatch = `<span class="swatch" style="background:${colourOf(Math.max(0, models.indexOf(g.model)))}"></span>`;
    return `<tr data-key="${esc(groupKey(prefix, g, none))}"><td>${esc(labels?.get(name) ?? name)}</td><td>${swatch}${esc(g.model)}</td>${num(g.tokens.input, formatInt(g.tokens.input))}${num(g.tokens.cache_read, formatInt(g.tokens.cache_read))}${num(g.tokens.cache_write, formatInt(g.tokens.cache_write))}${num(g.tokens.output, formatInt(g.tokens.output))}${num(g.total_tokens, formatInt(g.total_tokens))}${num(g.cost_usd, formatCostPrecise(g.cost_usd))}${num(g.chains, String(g.chains))}</tr>`;
  });
  return `<details class="table" open><summary>The numbers ${esc(what)}</summary><table id="${id}"><thead><tr><th>${first}</th><th>Model</th><th class="num">Input</th><th class="num">Cache read</th><th class="num">Cache write</th><th class="num">Output</th><th class="num">Tokens</th><th class="num">Cost</th><th class="num">Sessions</th></tr></thead><tbody>${trs.join('')}</tbody></table></details>`;
}

function sessionKey(s: ReportSession): string {
  return `session:${s.ref ?? s.tip}`;
}

function sessionsSection(list: ReportSession[], o: ReportOptions): string {
  const minutes = (ms: number | null) => (ms ?? 0) / 60_000;
  const plot = scatter({
    id: 'sessions-chart',
    title: 'Sessions: duration against estimated cost',
    xLabel: 'duration (log scale)',
    yLabel: 'estimated cost (USD, log scale)',
    xFormat: (n) => formatDuration(n * 60_000),
    yFormat: usd,
    points: list.map((s) => ({
      key: sessionKey(s),
      x: minutes(s.duration_ms),
      y: s.cost_usd ?? 0,
      hollow: !s.cost_usd || !s.duration_ms,
      alt: s.parent_session !== null,
      href: o.link?.(s),
      tip: `${s.name}${s.title ? `\n“${s.title}”` : ''}\n${formatDuration(s.duration_ms)} · ${formatInt(s.total_tokens)} tokens · ${s.cost_usd === null ? 'no cost known' : formatCostPrecise(s.cost_usd)}${s.tool_calls ? ` · ${s.tool_calls} tool calls, ${s.tool_errors} failed` : ''}`,
    })),
  });
  const trs = list.map((s) => {
    const href = o.link?.(s);
    const name = href ? `<a href="${esc(href)}">${esc(s.name)}</a>` : esc(s.name);
    return `<tr data-key="${esc(sessionKey(s))}"><td>${name}</td><td>${esc(formatLocalTime(s.start, o.timeZone))}</td>${num(s.duration_ms, formatDuration(s.duration_ms))}${num(s.total_tokens, formatInt(s.total_tokens))}${num(s.cost_usd, formatCostPrecise(s.cost_usd))}${num(s.tool_calls, formatInt(s.tool_calls))}<td class="num${s.tool_errors ? ' err' : ''}" data-value="${s.tool_errors}">${formatInt(s.tool_errors)}</td><td>${esc(shortPath(s.cwd, o.home))}</td><td>${esc(s.title ?? '')}</td></tr>`;
  });
  const note = list.some((s) => !s.cost_usd || !s.duration_ms) ? '<p class="empty">Hollow points have no cost (no token counts, or no price for the model) or no duration; they sit on the axis.</p>' : '';
  return `<figure data-chart="sessions" data-table="sessions-table">${plot}</figure>${note}<details class="table" open><summary>The sessions</summary><table id="sessions-table"><thead><tr><th>Session</th><th>Start</th><th class="num">Duration</th><th class="num">Tokens</th><th class="num">Cost</th><th class="num">Tool calls</th><th class="num">Errors</th><th>Project</th><th>First prompt</th></tr></thead><tbody>${trs.join('')}</tbody></table></details>`;
}

function toolTable(id: string, prefix: string, list: ReportTool[]): string {
  const trs = list.map(
    (t) =>
      `<tr data-key="${esc(`${prefix}:${t.name}`)}"><td>${esc(t.name)}</td>${num(t.calls, formatInt(t.calls))}<td class="num${t.errors ? ' err' : ''}" data-value="${t.errors}">${formatInt(t.errors)}</td>${num(t.error_rate, pct(t.error_rate))}${num(t.timed, formatInt(t.timed))}${num(t.mean_ms, t.mean_ms === null ? '-' : seconds(t.mean_ms))}${num(t.ms, seconds(t.ms))}</tr>`,
  );
  return `<table id="${id}"><thead><tr><th>Tool</th><th class="num">Calls</th><th class="num">Errors</th><th class="num">Error rate</th><th class="num">Timed</th><th class="num">Mean time</th><th class="num">Time in all</th></tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

/** 0.4s, 12.3s, 4m05s. */
function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

function toolsSection(tools: ReportTool[], top: number): string {
  if (tools.length === 0) return '<p class="empty">No tool calls in these sessions.</p><figure data-chart="tools" data-table="tools-table"></figure>' + toolTable('tools-table', 'tool', []);
  const all = bars({
    id: 'tools-chart',
    title: 'Tool calls by tool, failed calls in red',
    format: (n) => formatCompact(n),
    bars: tools.map((t) => ({ key: `tool:${t.name}`, label: t.name, value: t.calls, part: t.errors, tip: `${t.name}\n${formatInt(t.calls)} calls, ${formatInt(t.errors)} failed (${pct(t.error_rate)})` })),
  });
  const slow = tools.filter((t) => t.mean_ms !== null).sort((a, b) => b.mean_ms! - a.mean_ms! || (a.name < b.name ? -1 : 1)).slice(0, top);
  const failing = tools.filter((t) => t.errors > 0).sort((a, b) => (b.error_rate ?? 0) - (a.error_rate ?? 0) || b.errors - a.errors || (a.name < b.name ? -1 : 1)).slice(0, top);
  const slowChart = slow.length
    ? bars({ id: 'slow-chart', title: 'Slowest tools: mean time from call to result', format: (n) => seconds(n), bars: slow.map((t) => ({ key: `slow:${t.name}`, label: t.name, value: t.mean_ms!, tip: `${t.name}\nmean ${seconds(t.mean_ms!)} over ${formatInt(t.timed)} timed results` })) })
    : '';
  const failChart = failing.length
    ? bars({ id: 'failing-chart', title: 'Most-failing tools: share of calls that failed', format: (n) => `${Math.round(n * 100)}%`, bars: failing.map((t) => ({ key: `fail:${t.name}`, label: t.name, value: t.error_rate ?? 0, tip: `${t.name}\n${formatInt(t.errors)} of ${formatInt(t.calls)} calls failed (${pct(t.error_rate)})` })) })
    : '';
  return (
    `<h3>Calls and errors</h3><figure data-chart="tools" data-table="tools-table">${all}</figure><details class="table" open><summary>Every tool</summary>${toolTable('tools-table', 'tool', tools)}</details>` +
    `<h3>Slowest tools</h3>${slow.length ? '' : '<p class="empty">No tool result carried a time.</p>'}<figure data-chart="slow" data-table="slow-table">${slowChart}</figure><details class="table" open><summary>The ${slow.length} slowest</summary>${toolTable('slow-table', 'slow', slow)}</details>` +
    `<h3>Most-failing tools</h3>${failing.length ? '' : '<p class="empty">No tool call failed.</p>'}<figure data-chart="failing" data-table="failing-table">${failChart}</figure><details class="table" open><summary>The ${failing.length} most failing</summary>${toolTable('failing-table', 'fail', failing)}</details>`
  );
}

export function renderStatsReport(r: StatsReport, total: TotalStats, o: ReportOptions = {}): string {
  const projects = [...new Set(r.projects.map((p) => p.key ?? NO_PROJECT))];
  const labels = new Map(projects.map((p) => [p, p === NO_PROJECT ? p : shortPath(p, o.home)]));
  const shortModels = r.models.map(shortModel);
  const facts: Array<[string, string]> = [
    ['sessions', formatInt(total.sessions) + (total.agents ? ` + ${formatInt(total.agents)} subagent chains` : '')],
    ['from', total.start ? formatLocalTime(total.start, o.timeZone) : '-'],
    ['to', total.end ? formatLocalTime(total.end, o.timeZone) : '-'],
    ['tokens', formatInt(total.tokens.input + total.tokens.cache_read + total.tokens.cache_write + total.tokens.output)],
    ['estimated cost', formatCostPrecise(total.cost_usd) + (total.unpriced_models.length ? ` (no price for ${total.unpriced_models.join(', ')})` : '')],
    ['tool calls', `${formatInt(total.tool_calls)}, ${formatInt(total.tool_errors)} failed`],
  ];
  const head = `<header><h1>Agent usage</h1>${o.filters?.length ? `<p class="empty">${esc(o.filters.join(' '))}</p>` : ''}<div class="facts">${facts.map(([k, v]) => `<span>${esc(k)} <b>${esc(v)}</b></span>`).join('')}</div></header>`;
  // Model names keep their dates in the tables; the legends use the short form.
  const rename = (list: GroupModel[]) => list.map((g) => ({ ...g, model: shortModel(g.model) }));
  const uniqueShort = new Set(shortModels).size === shortModels.length;
  const models = uniqueShort ? shortModels : r.models;
  const days = uniqueShort ? rename(r.days) : r.days;
  const projectRows = uniqueShort ? rename(r.projects) : r.projects;
  const body = [
    head,
    `<section id="by-day"><h2>Per day</h2>${groupCharts({ id: 'by-day', what: 'per day', rows: days, categories: dayAxis(days), none: NO_DAY, models, horizontal: false })}</section>`,
    `<section id="by-project"><h2>Per project</h2>${groupCharts({ id: 'by-project', what: 'per project', rows: projectRows, categories: projects, none: NO_PROJECT, models, horizontal: true, labels })}</section>`,
    `<section id="sessions"><h2>Sessions</h2>${sessionsSection(r.sessions, o)}</section>`,
    `<section id="tools"><h2>Tools</h2>${toolsSection(r.tools, o.top ?? 15)}</section>`,
    '<div id="tip" role="tooltip"></div>',
    `<script>${CHART_SCRIPT}</script>`,
  ];
  return page('Agent usage', `<body>${body.join('\n')}</body>`, REPORT_STYLE);
}
