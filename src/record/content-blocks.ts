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

/** One block with the members the schema keeps; a bare string is a text block, an unknown block is kept as it is. */
export function normaliseBlock(b: unknown): unknown {
  if (!isObj(b)) return typeof b === 'string' ? { type: 'text', text: b } : b;
  switch (b.type) {
    case 'text':
      return { type: 'text', text: b.text ?? '' };
    case 'thinking':
      return b.signature === undefined
        ? { type: 'thinking', thinking: b.thinking ?? '' }
        : { type: 'thinking', thinking: b.thinking ?? '', signature: b.signature };
    case 'tool_use':
    case 'server_tool_use':
      return { type: b.type, id: b.id ?? null, name: b.name ?? null, input: b.input ?? null };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: b.tool_use_id ?? null,
        content: Array.isArray(b.content) ? b.content.map(normaliseBlock) : (b.content ?? ''),
        is_error: b.is_error === true,
      };
    case 'image': {
      const src = isObj(b.source) ? b.source : {};
      return { type: 'image', media_type: src.media_type ?? null, source_type: src.type ?? null, data: src.data ?? src.url ?? null };
    }
    default:
      return b;
  }
}

/** A message's `content` as a list of normalised blocks: none for null, one text block for a string. */
export function normaliseContent(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [{ type: 'text', text: v }];
  if (Array.isArray(v)) return v.map(normaliseBlock);
  return [v];
}
