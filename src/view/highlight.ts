// Small syntax highlighters for the HTML export: JSON, shell command lines,
// diffs and patches, and a generic one for code (strings, comments, numbers,
// keywords). Each returns escaped HTML with <span class="…"> around tokens;
// the stylesheet in html-assets.ts colours them. Deliberately simple: they
// only colour, so a token they misjudge is still shown exactly.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const span = (cls: string, text: string) => `<span class="${cls}">${escapeHtml(text)}</span>`;

/** Tokenises with one regex of alternatives; each named group is a class. */
function byRegex(text: string, re: RegExp): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(re)) {
    const groups = m.groups ?? {};
    const cls = Object.keys(groups).find((k) => groups[k] !== undefined);
    if (!cls) continue;
    out += escapeHtml(text.slice(last, m.index)) + span(cls, m[0]);
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

const JSON_RE = /(?<k>"(?:[^"\\\n]|\\.)*"(?=\s*:))|(?<s>"(?:[^"\\\n]|\\.)*")|(?<n>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|(?<b>\b(?:true|false|null)\b)/g;

export function highlightJson(text: string): string {
  return byRegex(text, JSON_RE);
}

const SHELL_RE =
  /(?<c>(?:^|(?<=\s))#[^\n]*)|(?<s>'[^']*'|"(?:[^"\\]|\\.)*")|(?<v>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)|(?<o>&&|\|\||[|;><]+)|(?<f>(?<=\s)--?[A-Za-z0-9][\w-]*)|(?<kw>\b(?:if|then|else|elif|fi|for|while|do|done|case|esac|in|function|export|cd|sudo)\b)/gm;

export function highlightShell(text: string): string {
  return byRegex(text, SHELL_RE);
}

export function highlightDiff(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (/^(\+\+\+|---|\*\*\* )/.test(l)) return span('dh', l);
      if (l.startsWith('@@')) return span('dr', l);
      if (l.startsWith('+')) return span('da', l);
      if (l.startsWith('-')) return span('dd', l);
      return escapeHtml(l);
    })
    .join('\n');
}

const CODE_RE =
  /(?<c>\/\/[^\n]*|\/\*[\s\S]*?\*\/|(?:^|(?<=\s))#(?![!{])[^\n]*)|(?<s>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|(?<n>\b\d+(?:\.\d+)?\b)|(?<kw>\b(?:function|const|let|var|return|if|else|for|while|import|export|from|class|interface|type|def|func|package|struct|async|await|new|true|false|null|nil|None|True|False|fn|pub|use|impl|match)\b)/gm;

export function highlightCode(text: string): string {
  return byRegex(text, CODE_RE);
}

/** Picks a highlighter: `json`, `bash`, `diff`, a language name, or '' for plain text. */
export function highlight(text: string, lang: string): string {
  if (lang === 'json') return highlightJson(text);
  if (lang === 'bash') return highlightShell(text);
  if (lang === 'diff') return highlightDiff(text);
  if (lang === '') return escapeHtml(text);
  return highlightCode(text);
}
