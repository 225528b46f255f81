// A session as one self-contained HTML page (`tapes export --format html`):
// the timeline on the side, each record a step that opens to show its
// content, tool calls with their command or input highlighted and their
// results (long ones folded), errors marked, subagent threads nested in the
// step that spawned them, a search box and j/k navigation (html-assets.ts).
// Above the steps, a strip shows the session's shape (html-strip.ts); the
// agent's bookkeeping records (record/bookkeeping.ts) are folded away, with
// their count and a button that shows them.
// Nothing is loaded from anywhere: the Content-Security-Policy allows only
// the inline style and script and data: images.
import { isBookkeeping, type EventView } from '../record/index.js';
import { transcriptRecords, type SessionShape, type Transcript, type TranscriptEntry, type TranscriptRecord, type TranscriptThread, type IndexRow } from '../archive/export/index.js';
import { escapeHtml, highlight } from './highlight.js';
import { HTML_SCRIPT, HTML_STYLE } from './html-assets.js';
import { CHART_SCRIPT, CHART_STYLE } from './html-report-assets.js';
import { STRIP_STYLE, renderStrip } from './html-strip.js';
import { editDiff } from './record-render.js';
import { formatTokens, localTime } from './timeline.js';
import { LABEL, commandOf, isObj, languageOf, pathOf, resultText } from './transcript.js';

export interface HtmlOptions {
  timeZone?: string;
  /** Tool output over this many lines is folded. Default 30. */
  foldLines?: number;
  /** The session's shape, drawn as the strip above the steps; no strip without it. */
  shape?: SessionShape;
}

const noise = (r: TranscriptRecord) => r.damaged === null && isBookkeeping(r as unknown as Pick<EventView, 'kind' | 'meta'>);

/** The one Content-Security-Policy of every page tapes writes: nothing loads but the page's own inline style and script, and data: images. */
export const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";


interface Ctx {
  o: Required<Omit<HtmlOptions, 'shape'>>;
  /** tool_use id → the call, to show a result in its file's language. */
  calls: Map<string, { name: string; input: unknown }>;
}

function pre(text: string, lang: string, ctx: Ctx, foldTitle?: string): string {
  const body = `<pre class="code${lang ? ` lang-${lang}` : ''}">${highlight(text, lang)}</pre>`;
  const lines = text.split('\n').length;
  if (lines <= ctx.o.foldLines) return body;
  return `<details class="fold"><summary>${escapeHtml(foldTitle ?? 'output')}: ${lines} lines, ${text.length} characters</summary>${body}</details>`;
}

function looksJson(text: string): boolean {
  if (!/^\s*[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function toolCall(b: Record<string, unknown>, ctx: Ctx): string {
  const name = String(b.name ?? 'tool');
  const input = b.input;
  const path = pathOf(input);
  const head = `Tool call: <b>${escapeHtml(name)}</b>${typeof b.id === 'string' ? ` <code>${escapeHtml(b.id)}</code>` : ''}${path ? ` <code>${escapeHtml(path)}</code>` : ''}`;
  let body: string;
  const cmd = commandOf(name, input);
  if (cmd !== null) {
    const rest = isObj(input) ? Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'command' && k !== 'cmd')) : {};
    body = pre(cmd, 'bash', ctx, 'command') + (Object.keys(rest).length ? pre(JSON.stringify(rest, null, 2), 'json', ctx) : '');
  } else if (isObj(input) && ['Edit', 'MultiEdit', 'Write'].includes(name)) {
    const diff = editDiff(name, input, path, false);
    body = diff.length ? pre(diff.join('\n'), 'diff', ctx, 'diff') : pre(JSON.stringify(input, null, 2), 'json', ctx, 'input');
  } else if (typeof input === 'string') {
    body = pre(input, /^\*\*\* Begin Patch|^(---|diff --git) /m.test(input) ? 'diff' : '', ctx, 'input');
  } else body = pre(JSON.stringify(input ?? null, null, 2), 'json', ctx, 'input');
  return `<div class="tool call"><div class="tool-head">${head}</div>${body}</div>`;
}

function image(b: Record<string, unknown>): string {
  const media = typeof b.media_type === 'string' ? b.media_type : 'image';
  if (b.source_type === 'base64' && typeof b.data === 'string' && /^image\/[a-z0-9.+-]+$/i.test(media) && /^[A-Za-z0-9+/=\s]*$/.test(b.data)) {
    return `<img class="shot" alt="${escapeHtml(media)}" src="data:${media};base64,${b.data.replace(/\s+/g, '')}">`;
  }
  return `<p class="meta">[image: ${escapeHtml(media)}${typeof b.data === 'string' && b.source_type !== 'base64' ? ` ${escapeHtml(b.data)}` : ''}]</p>`;
}

function toolResult(b: Record<string, unknown>, ctx: Ctx): string {
  const { text, images } = resultText(b.content);
  const err = b.is_error === true;
  const call = typeof b.tool_use_id === 'string' ? ctx.calls.get(b.tool_use_id) : undefined;
  const lang = looksJson(text) ? 'json' : call?.name === 'Read' ? languageOf(pathOf(call.input)) : '';
  const head = `Tool result${call ? ` of <b>${escapeHtml(call.name)}</b>` : ''}${typeof b.tool_use_id === 'string' ? ` <code>${escapeHtml(b.tool_use_id)}</code>` : ''}${err ? ' ✗ error' : ''}`;
  const body = text === '' && images.length === 0 ? '<p class="meta">(no output)</p>' : (text === '' ? '' : pre(text, lang, ctx)) + images.map(image).join('');
  return `<div class="tool result${err ? ' error' : ''}"><div class="tool-head">${head}</div>${body}</div>`;
}

function blocks(r: TranscriptRecord, ctx: Ctx): string {
  const out: string[] = [];
  for (const b of r.content) {
    if (typeof b === 'string') out.push(`<div class="text">${escapeHtml(b)}</div>`);
    else if (!isObj(b)) out.push(pre(JSON.stringify(b, null, 2), 'json', ctx));
    else if (b.type === 'text') out.push(`<div class="text">${escapeHtml(String(b.text ?? ''))}</div>`);
    else if (b.type === 'thinking') {
      const t = String(b.thinking ?? '');
      out.push(`<div class="thinking">${escapeHtml(t || (r.meta.encrypted_reasoning !== undefined ? '(encrypted)' : '(no text)'))}</div>`);
    } else if (b.type === 'redacted_thinking') out.push('<div class="thinking">(redacted)</div>');
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') out.push(toolCall(b, ctx));
    else if (b.type === 'tool_result') out.push(toolResult(b, ctx));
    else if (b.type === 'image') out.push(image(b));
    else out.push(`<div class="tool"><div class="tool-head">${escapeHtml(String(b.type ?? 'block'))}</div>${pre(JSON.stringify(b, null, 2), 'json', ctx)}</div>`);
  }
  if (r.content.length === 0 && r.raw !== null) out.push(pre(r.raw, r.kind === 'unparsed' ? '' : 'json', ctx, r.kind === 'unparsed' ? 'the line as found' : 'data'));
  if (r.damaged !== null) out.push(`<p class="tool error"><span class="tool-head">✗ ${escapeHtml(r.damaged)}</span></p>`);
  const facts: string[] = [];
  if (typeof r.meta.model === 'string' && r.label !== 'user') facts.push(escapeHtml(r.meta.model));
  if (r.tokens) facts.push(escapeHtml(formatTokens(r.tokens)));
  if (r.source) facts.push(`${escapeHtml(r.source.format)} line ${r.source.line}`);
  facts.push(`<code>${escapeHtml(r.id)}</code>`);
  out.push(`<p class="meta">${facts.join(' · ')}</p>`);
  return out.join('');
}

function step(r: TranscriptRecord, n: string, threads: TranscriptThread[], ctx: Ctx): string {
  const cls = `step label-${r.label}${r.error ? ' error' : ''}${noise(r) ? ' noise' : ''}`;
  const time = r.time ? `<time datetime="${escapeHtml(r.time)}">${escapeHtml(localTime(r.time, true, ctx.o.timeZone).slice(11, 19))}</time>` : '';
  const summary = `<summary><span class="n">${n}</span><span class="label">${escapeHtml(LABEL[r.label] ?? r.label)}${r.error ? ' ✗' : ''}</span>${time}<code class="id">${escapeHtml(r.abbrev)}</code><span class="sum">${escapeHtml(r.summary)}</span></summary>`;
  const nested = threads.length ? `<div class="threads">${threads.map((t, i) => thread(t, `${n}.${threads.length > 1 ? `${i + 1}.` : ''}`, ctx)).join('')}</div>` : '';
  return `<section class="${cls}" id="r-${r.id}" data-id="${r.id}"><details>${summary}<div class="body">${blocks(r, ctx)}</div>${nested}</details></section>`;
}

function thread(t: TranscriptThread, prefix: string, ctx: Ctx): string {
  const what = [t.agentType, t.description].filter(Boolean).join(': ');
  return `<div class="thread" data-ref="${escapeHtml(t.ref)}"><h3>Subagent ${escapeHtml(t.name)}${what ? ` — ${escapeHtml(what)}` : ''}</h3>${entries(t.entries, prefix, ctx)}</div>`;
}

function entries(list: TranscriptEntry[], prefix: string, ctx: Ctx): string {
  let n = 0;
  return list
    .map((e) => {
      if (e.type === 'thread') return thread(e.thread, `${prefix}${n}.`, ctx);
      n++;
      return step(e.record, `${prefix}${n}`, e.threads, ctx);
    })
    .join('');
}

function timeline(list: TranscriptEntry[], ctx: Ctx): string {
  const item = (r: TranscriptRecord, inner: string) =>
    `<li${noise(r) ? ' class="noise"' : ''}><a href="#r-${r.id}" data-target="r-${r.id}" class="${r.error ? 'error' : ''}"><span class="t">${r.time ? escapeHtml(localTime(r.time, true, ctx.o.timeZone).slice(11, 19)) : '--:--:--'}</span> <span class="l">${escapeHtml(LABEL[r.label] ?? r.label)}</span>${r.error ? ' <span class="x">✗</span>' : ''} ${escapeHtml(r.summary)}</a>${inner}</li>`;
  const threadItem = (t: TranscriptThread) => `<li><div class="thread-name">${escapeHtml(t.name)}${t.description ? ` — ${escapeHtml(t.description)}` : ''}</div>${timeline(t.entries, ctx)}</li>`;
  const items = list.map((e) => (e.type === 'thread' ? threadItem(e.thread) : item(e.record, e.threads.length ? `<ol>${e.threads.map(threadItem).join('')}</ol>` : '')));
  return `<ol>${items.join('')}</ol>`;
}

/** A whole self-contained page: the CSP, the title, `style` inlined, then `body`. */
export function page(title: string, body: string, style = HTML_STYLE): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="tapes">
<title>${escapeHtml(title)}</title><style>${style}</style></head>
${body}
</html>
`;
}

export function renderHtml(t: Transcript, opts: HtmlOptions = {}): string {
  const ctx: Ctx = { o: { timeZone: opts.timeZone as string, foldLines: opts.foldLines ?? 30 }, calls: new Map() };
  let folded = 0;
  for (const r of transcriptRecords(t.entries)) {
    if (noise(r)) folded++;
    for (const b of r.content) {
      if (isObj(b) && (b.type === 'tool_use' || b.type === 'server_tool_use') && typeof b.id === 'string') ctx.calls.set(b.id, { name: String(b.name ?? 'tool'), input: b.input });
    }
  }
  const facts: Array<[string, string | null]> = [
    ['Project', t.cwd],
    ['Model', t.model],
    ['Harness', t.harness],
    ['Started', t.start ? localTime(t.start, true, ctx.o.timeZone) : null],
    ['Ended', t.end ? localTime(t.end, true, ctx.o.timeZone) : null],
    ['Records', String(t.records)],
  ];
  const side = `<aside id="side"><header><h1>Session ${escapeHtml(t.name)}</h1>${t.title ? `<p class="title">${escapeHtml(t.title)}</p>` : ''}<dl>${facts
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(v!)}</dd>`)
    .join('')}</dl><input id="search" type="search" placeholder="Search steps (/)" autocomplete="off" aria-label="Search steps"><span id="count"></span>${
    folded ? `<button id="noise" type="button" aria-pressed="false" data-count="${folded}">Show ${folded} bookkeeping record${folded === 1 ? '' : 's'}</button>` : ''
  }</header><nav id="timeline">${timeline(t.entries, ctx)}</nav></aside>`;
  const strip = opts.shape ? renderStrip(opts.shape, { timeZone: opts.timeZone }) : '';
  const main = `<main id="main">${strip}${entries(t.entries, '', ctx)}</main>`;
  const help = '<p class="help">j/k next/previous step · o or Enter open · / search · Esc clear</p>';
  const tip = strip ? `<div id="tip" role="tooltip"></div><script>${CHART_SCRIPT}</script>` : '';
  return page(`Session ${t.name}${t.title ? ` — ${t.title}` : ''}`, `<body class="fold-noise">${side}${main}${help}${tip}<script>${HTML_SCRIPT}</script></body>`, HTML_STYLE + CHART_STYLE + STRIP_STYLE);
}

export function renderHtmlIndex(rows: IndexRow[], opts: { timeZone?: string } = {}): string {
  const style = `body{display:block;height:auto;padding:16px 24px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}a{color:var(--accent)}`;
  const trs = rows
    .map(
      (r) =>
        `<tr><td><a href="${escapeHtml(encodeURI(r.file))}">${escapeHtml(r.name)}</a></td><td>${r.start ? escapeHtml(localTime(r.start, false, opts.timeZone)) : ''}</td><td class="num">${r.records}</td><td>${escapeHtml(r.cwd ?? '')}</td><td>${escapeHtml(r.title ?? '')}</td></tr>`,
    )
    .join('\n');
  return page(
    'Sessions',
    `<body><style>${style}</style><h1>Sessions</h1><table><thead><tr><th>Session</th><th>Started</th><th>Records</th><th>Project</th><th>Title</th></tr></thead><tbody>
${trs}
</tbody></table></body>`,
  );
}
