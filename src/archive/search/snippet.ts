// Snippets for search results, built from the record's own text. The index
// keeps no copy of the text (a contentless FTS5 table: the copy was two
// thirds of its size, docs/search.md), so FTS5's snippet() has nothing to
// cut from; this does what it did: in the column with the most matching
// terms, the window of SNIPPET_TOKENS tokens holding the most of them, each
// matching token marked, "…" where the text goes on.
import type { QueryTerm } from './search.js';

export const SNIPPET_TOKENS = 16;
const ELLIPSIS = '…';

interface Token {
  start: number;
  end: number;
  norm: string;
}

/** Case and diacritics folded as FTS5's unicode61 tokenizer (remove_diacritics 2) folds them. */
export function foldToken(token: string): string {
  return token.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}\p{Co}]+/gu)) out.push({ start: m.index, end: m.index + m[0].length, norm: foldToken(m[0]) });
  return out;
}

/** Where each (wanted) term occurs: a phrase instance is `len` tokens from token `at`. */
function instances(toks: Token[], terms: QueryTerm[]): Array<{ at: number; len: number; term: number }> {
  const out: Array<{ at: number; len: number; term: number }> = [];
  terms.forEach((term, k) => {
    if (term.negated) return;
    const want = term.tokens.map(foldToken);
    for (let i = 0; i + want.length <= toks.length; i++) {
      let ok = true;
      for (let j = 0; j < want.length && ok; j++) {
        const last = j === want.length - 1;
        ok = term.prefix && last ? toks[i + j]!.norm.startsWith(want[j]!) : toks[i + j]!.norm === want[j];
      }
      if (ok) out.push({ at: i, len: want.length, term: k });
    }
  });
  return out.sort((a, b) => a.at - b.at || a.term - b.term);
}

/** Tokens that begin a sentence, as FTS5 finds them: the first, and any after "." or ":" and white space. */
function sentenceStarts(text: string, toks: Token[]): number[] {
  const out = [0];
  for (let i = 1; i < toks.length; i++) {
    let j = toks[i]!.start - 1;
    while (j >= 0 && /[ \t\n\r]/.test(text[j]!)) j--;
    if (j !== toks[i]!.start - 1 && j >= 0 && (text[j] === '.' || text[j] === ':')) out.push(i);
  }
  return out;
}

/**
 * FTS5's score of the window of `n` tokens from `pos`: 1000 for each term
 * found in it, 1 for each further occurrence; and where it would centre a
 * window around those occurrences.
 */
function windowScore(inst: Array<{ at: number; len: number; term: number }>, pos: number, n: number, size: number): { score: number; centred: number } {
  const seen = new Set<number>();
  let score = 0;
  let first = -1;
  let last = 0;
  for (const h of inst) {
    if (h.at < pos || h.at >= pos + n) continue;
    score += seen.has(h.term) ? 1 : 1000;
    seen.add(h.term);
    if (first < 0) first = h.at;
    last = h.at + h.len;
  }
  let centred = first - Math.trunc((n - (last - first)) / 2);
  if (centred + n > size) centred = size - n;
  if (centred < 0) centred = 0;
  return { score, centred };
}

/**
 * A snippet of the best of `columns` for `terms`, matching phrases between
 * `open` and `close`, chosen and cut as FTS5's snippet() does (SQLite's
 * ext/fts5/fts5_aux.c): for each occurrence, the window centred on the
 * occurrences from it on, then (in a column longer than the window) the
 * window from the start of its sentence, scored 100 more (120 at the start
 * of the text); the first best score wins. Without any occurrence, the
 * start of the first column.
 */
export function buildSnippet(columns: readonly string[], terms: QueryTerm[], open: string, close: string, n = SNIPPET_TOKENS): string {
  const cols = columns.map((text) => {
    const toks = tokens(text);
    return { text, toks, inst: instances(toks, terms) };
  });
  let bestCol = 0;
  let bestStart = 0;
  let bestScore = 0;
  cols.forEach((c, i) => {
    const firsts = sentenceStarts(c.text, c.toks);
    for (const h of c.inst) {
      const w = windowScore(c.inst, h.at, n, c.toks.length);
      if (w.score > bestScore) [bestScore, bestCol, bestStart] = [w.score, i, w.centred];
      if (c.toks.length <= n) continue;
      let f = 0;
      while (f + 1 < firsts.length && firsts[f + 1]! <= h.at) f++;
      const sentence = firsts[f]!;
      if (sentence >= h.at) continue;
      const score = windowScore(c.inst, sentence, n, c.toks.length).score + (sentence === 0 ? 120 : 100);
      if (score > bestScore) [bestScore, bestCol, bestStart] = [score, i, sentence];
    }
  });
  const best = cols[bestCol];
  if (!best || best.toks.length === 0) return best?.text ?? '';
  const { text, toks, inst } = best;
  const start = bestStart;
  const end = Math.min(toks.length, start + n);
  // Occurrences that overlap are marked as one; one that begins before the window is not marked.
  const spans: Array<[number, number]> = [];
  for (const h of inst) {
    const last = spans[spans.length - 1];
    if (last && h.at <= last[1]) last[1] = Math.max(last[1], h.at + h.len - 1);
    else spans.push([h.at, h.at + h.len - 1]);
  }
  // From the start of the text when the window starts there (white space and punctuation included).
  let out = start > 0 ? ELLIPSIS : '';
  let at = start > 0 ? toks[start]!.start : 0;
  for (const [a, b0] of spans) {
    if (a < start || a >= end) continue;
    const b = Math.min(b0, end - 1);
    out += text.slice(at, toks[a]!.start) + open + text.slice(toks[a]!.start, toks[b]!.end) + close;
    at = toks[b]!.end;
  }
  out += text.slice(at, toks[end - 1]!.end);
  if (end < toks.length) out += ELLIPSIS;
  else out += text.slice(toks[end - 1]!.end);
  return out;
}
