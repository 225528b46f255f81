// Content blocks in the Anthropic Messages shape, normalised the one way the
// record schema keeps them (docs/format.md, "Event records"): text, thinking,
// tool calls, tool results and images with fixed members. A Claude Code
// transcript (src/import) and a captured Messages API call (src/capture)
// carry the same blocks, so both normalise them here and a record reads the
// same whichever way it was taken.

/** A JSON object as parsed: members of any kind. */
export type Obj = Record<string, unknown>;

/** A plain object: not null, not an array (the one such check; every layer above uses it). */
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * One block with the members the schema keeps; a bare string is a text block, an unknown block is kept as it is.
 * (Members are written in key order: the value codec then keeps the object as it is, hash/canonical-json.ts.)
 */
export function normaliseBlock(b: unknown): unknown {
  if (!isObj(b)) return typeof b === 'string' ? { text: b, type: 'text' } : b;
  switch (b.type) {
    case 'text':
      return { text: b.text ?? '', type: 'text' };
    case 'thinking':
      return b.signature === undefined
        ? { thinking: b.thinking ?? '', type: 'thinking' }
        : { signature: b.signature, thinking: b.thinking ?? '', type: 'thinking' };
    case 'tool_use':
    case 'server_tool_use':
      return { id: b.id ?? null, input: b.input ?? null, name: b.name ?? null, type: b.type };
    case 'tool_result':
      return {
        content: Array.isArray(b.content) ? b.content.map(normaliseBlock) : (b.content ?? ''),
        is_error: b.is_error === true,
        tool_use_id: b.tool_use_id ?? null,
        type: 'tool_result',
      };
    case 'image': {
      const src = isObj(b.source) ? b.source : {};
      return { data: src.data ?? src.url ?? null, media_type: src.media_type ?? null, source_type: src.type ?? null, type: 'image' };
    }
    default:
      return b;
  }
}

/** A message's `content` as a list of normalised blocks: none for null, one text block for a string. */
export function normaliseContent(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [{ text: v, type: 'text' }];
  if (Array.isArray(v)) return v.map(normaliseBlock);
  return [v];
}
