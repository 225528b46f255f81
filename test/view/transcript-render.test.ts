// The transcript renderers on hand-made input: what a transcript says can
// never become markup (HTML is escaped everywhere, Markdown fences outgrow
// the backticks inside them), the highlighters only add spans around
// escaped text, long outputs fold, and the HTML page loads nothing.
import t from 'tap';
import { escapeHtml, highlight, highlightJson, highlightShell } from '../../src/view/highlight.js';
import { renderHtml } from '../../src/view/html.js';
import { renderMarkdown } from '../../src/view/markdown.js';
import type { Transcript, TranscriptRecord } from '../../src/archive/export/index.js';

const EVIL = '</script><script>alert(1)</script><img src=x onerror=alert(2)> & "quotes"';

function rec(id: string, over: Partial<TranscriptRecord>): TranscriptRecord {
  return {
    id: id.repeat(64).slice(0, 64),
    abbrev: id.repeat(7).slice(0, 7),
    kind: 'user',
    label: 'user',
    role: 'user',
    time: '2026-01-02T03:04:05.000Z',
    summary: EVIL,
    error: false,
    content: [],
    meta: {},
    source: null,
    raw: null,
    tokens: null,
    damaged: null,
    ...over,
  };
}

const transcript: Transcript = {
  name: 's1',
  ref: 'refs/sessions/s1',
  tip: 'c'.repeat(64),
  title: EVIL,
  start: '2026-01-02T03:04:05.000Z',
  end: '2026-01-02T03:05:05.000Z',
  model: 'm',
  cwd: '/w',
  harness: 'claude-code',
  records: 4,
  entries: [
    { type: 'record', record: rec('a', { content: [{ type: 'text', text: `say ${EVIL}\n\`\`\`\ncode\n\`\`\`\`` }] }), threads: [] },
    {
      type: 'record',
      record: rec('b', { kind: 'assistant', label: 'tool', role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: `echo "${EVIL}" | grep -v x # done`, description: EVIL } }] }),
      threads: [
        {
          ref: 'refs/agents/s1/agent-x',
          name: 'agent-x',
          agentType: 'general',
          description: EVIL,
          entries: [{ type: 'record', record: rec('d', { content: [{ type: 'text', text: 'inside the thread' }] }), threads: [] }],
        },
      ],
    },
    {
      type: 'record',
      record: rec('e', {
        kind: 'tool_result',
        label: 'tool_result',
        error: true,
        content: [{ type: 'tool_result', tool_use_id: 'tu1', is_error: true, content: Array.from({ length: 50 }, (_, i) => `line ${i} ${EVIL}`).join('\n') }],
      }),
      threads: [],
    },
  ],
};

t.test('HTML: content is escaped everywhere; one script, one style, nothing loaded', async (t) => {
  const html = renderHtml(transcript, { timeZone: 'UTC' });
  t.equal(html.match(/<script>/g)?.length, 1, 'only the page’s own script');
  t.equal(html.match(/<\/script>/g)?.length, 1);
  t.notMatch(html, /<img src=x/);
  t.notMatch(html, /onerror=alert\(2\)>/);
  t.match(html, /&lt;\/script&gt;&lt;script&gt;alert\(1\)/);
  t.notMatch(html, /\b(src|href)="(https?:)?\/\//, 'no external URLs');
  t.match(html, /Content-Security-Policy" content="default-src 'none'/);
  t.equal(html.match(/<section class="step/g)?.length, 4, 'every record a step, the thread’s inside');
  t.match(html, /<div class="thread" data-ref="refs\/agents\/s1\/agent-x"><h3>Subagent agent-x — general: &lt;\/script&gt;/);
  t.match(html, /<section class="step label-tool_result error"/);
  t.match(html, /<details class="fold"><summary>output: 50 lines/, 'a long output folds');
  t.match(html, /<pre class="code lang-bash">echo <span class="s">&quot;&lt;\/script&gt;/, 'the command highlighted and escaped');
});

t.test('Markdown: fences outgrow the backticks inside; HTML-looking text is inert', async (t) => {
  const md = renderMarkdown(transcript, { timeZone: 'UTC' });
  t.match(md, /^# Session s1\n/);
  // Outside code fences (where it is shown as code), no tag survives: it is escaped or backslashed.
  const prose = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  t.notMatch(prose, /(^|[^\\])<(\/?script|img)/);
  t.match(prose, /&lt;\/script>&lt;script>alert\(1\)/);
  t.match(md, /```\nline 0 <\/script><script>/, 'inside a fence the text is as it was');
  // The Bash command holds no backticks: a 3-backtick fence. A text with ```` inside keeps its own.
  t.match(md, /```bash\necho "/);
  t.match(md, /\n> #### Subagent agent-x — general: /);
  t.match(md, /\*\*Tool result\*\* `tu1` \*\*✗ error\*\*\n\n<details><summary>output: 50 lines/);
  const fenced = renderMarkdown(
    { ...transcript, entries: [{ type: 'record', record: rec('f', { kind: 'tool_result', label: 'tool_result', content: [{ type: 'tool_result', tool_use_id: 'x', is_error: false, content: 'a\n````\nb' }] }), threads: [] }] },
    {},
  );
  t.match(fenced, /`````\na\n````\nb\n`````/, 'a fence one longer than the longest run inside');
});

t.test('highlighters only wrap escaped text', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  t.equal(highlightJson('{"k": "v<", "n": 12, "b": true}'), '{<span class="k">&quot;k&quot;</span>: <span class="s">&quot;v&lt;&quot;</span>, <span class="k">&quot;n&quot;</span>: <span class="n">12</span>, <span class="k">&quot;b&quot;</span>: <span class="b">true</span>}');
  t.equal(highlightShell('ls -la $HOME | grep "x" # c'), 'ls <span class="f">-la</span> <span class="v">$HOME</span> <span class="o">|</span> grep <span class="s">&quot;x&quot;</span> <span class="c"># c</span>');
  for (const lang of ['json', 'bash', 'diff', 'go', '']) {
    const out = highlight(EVIL, lang);
    t.notMatch(out, /<(script|img)/, `${lang || 'plain'}: nothing unescaped`);
    t.equal(out.replace(/<\/?span[^>]*>/g, ''), escapeHtml(EVIL), `${lang || 'plain'}: the text itself is unchanged`);
  }
});
