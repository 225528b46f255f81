// The --json shapes of `tapes search` (NDJSON, docs/json.md): one object per
// result, or with --sessions one per session; tapes-search(1), OUTPUT.

/** A snippet's matches are marked \x02 … \x03 (the model's contract); JSON gives the text and their [start, end) offsets. */
function snippetJson(snippet: string): { snippet: string; highlights: Array<[number, number]> } {
  const highlights: Array<[number, number]> = [];
  let text = '';
  for (const part of snippet.split(/(\x02[\s\S]*?\x03)/)) {
    if (part.startsWith('\x02')) {
      const w = part.slice(1, -1);
      highlights.push([text.length, text.length + w.length]);
      text += w;
    } else text += part.replace(/[\x02\x03]/g, '');
  }
  return { snippet: text, highlights };
}

/** One result: every field of the hit, its abbreviated id, the snippet as plain text and where its matches are. */
export function searchHitJson<H extends { snippet: string }>(h: H, abbrev: string) {
  const { snippet, highlights } = snippetJson(h.snippet);
  return { ...h, abbrev, snippet, highlights };
}

/** One session with --sessions: its matches in all and the best of them (already shaped). */
export function searchSessionJson(session: string, title: string | null, matches: number, hits: unknown[]) {
  return { session, title, matches, hits };
}
