// The content digest (DESIGN.md §3, docs/format.md §6.3): the hash of what a
// record *says* — its role and its content — and nothing of when or where it
// was said. Two runs of the same prompt, or the same conversation captured by
// an import and by the proxy, give the same digests step by step although
// their record ids, times, tool-call ids and signatures differ.
import { canonicalJson, hasLoneSurrogate, sha256Hex, type JsonValue } from '../hash/index.js';
import { readContent, type ObjectStore } from '../odb/index.js';
import { decodeValue } from './value-codec.js';

export const CONTENT_DIGEST_VERSION = 1;

/** Members that identify an occurrence rather than what was said. */
const DROPPED_BLOCK_KEYS: Record<string, readonly string[]> = {
  thinking: ['signature'],
  redacted_thinking: ['data'],
  tool_use: ['id'],
  server_tool_use: ['id'],
  tool_result: ['tool_use_id'],
};
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const DROPPED_EVERYWHERE = ['cache_control', 'citations'];

/**
 * The projection a digest is taken of, from decoded content blocks: each
 * block without the members that name an occurrence (tool-call ids, thinking
 * signatures, cache-control markers), strings made well-formed, tool-result
 * content projected the same way.
 */
export function projectContent(content: unknown): unknown {
  if (!Array.isArray(content)) return projectValue(content);
  return content.map(projectBlock);
}

export function projectBlock(block: unknown): unknown {
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return projectValue(block);
  const b = block as Record<string, unknown>;
  const type = typeof b.type === 'string' ? b.type : '';
  const dropped = new Set([...(DROPPED_BLOCK_KEYS[type] ?? []), ...DROPPED_EVERYWHERE]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) {
    if (dropped.has(k) || v === undefined) continue;
    out[k] = type === 'tool_result' && k === 'content' && Array.isArray(v) ? v.map(projectBlock) : projectValue(v);
  }
  return out;
}

function projectValue(v: unknown): unknown {
  if (typeof v === 'string') return hasLoneSurrogate(v) ? v.replace(LONE_SURROGATE, '\ufffd') : v;
  if (Array.isArray(v)) return v.map(projectValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = projectValue(x);
    return out;
  }
  return v;
}

/** The digest of decoded `role` and `content`: 64 hex. */
export function contentDigestOf(role: string | null, content: unknown): string {
  return sha256Hex(Buffer.from(canonicalJson({ v: CONTENT_DIGEST_VERSION, role, content: projectContent(content) }), 'utf8'));
}

/** The digest of one decoded content block (for aligning block by block). */
export function blockDigestOf(role: string | null, block: unknown): string {
  return contentDigestOf(role, [block]);
}

/** The content digest of a stored record's `role` and `content` (blobs read). */
export async function contentDigest(store: ObjectStore, record: { role: string | null; content: JsonValue[] }): Promise<string> {
  const content = await decodeValue(record.content, (id) => readContent(store, id));
  return contentDigestOf(record.role, content);
}

/**
 * The digest of a tool call: its tool name and input, nothing of its id
 * (`tapes rerun` compares a new answer's calls with the original's by it).
 */
export function callDigestOf(name: unknown, input: unknown): string {
  return contentDigestOf(null, [{ type: 'tool_use', name: name ?? null, input: input ?? null }]);
}
