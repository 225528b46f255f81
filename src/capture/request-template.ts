// The exact request body as a template (docs/format.md §6.2): the JSON text
// cut at each conversation message, the system prompt and the tool
// definitions, each stored as a raw blob, with the text between them kept
// inline (or as a raw blob when long, since it holds the request parameters,
// which repeat every turn). Agents re-send the whole conversation each turn,
// so every message, the system prompt and the tools are stored once however
// many turns send them, and rendering the parts gives the body byte for byte.
import type { PutContent, TemplatePart } from '../record/index.js';

/** Glue text longer than this is stored as a raw blob (it repeats every turn). */
export const INLINE_GLUE_MAX = 256;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(t: string, i: number): number {
  while (i < t.length && WS.has(t.charCodeAt(i))) i++;
  return i;
}

function stringEnd(t: string, i: number): number {
  // t[i] is the opening quote.
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** The end (exclusive) of the JSON value starting at `i` (no leading whitespace), or -1. */
export function valueEnd(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === 0x22) return stringEnd(t, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < t.length; j++) {
      const d = t.charCodeAt(j);
      if (d === 0x22) {
        j = stringEnd(t, j) - 1;
        if (j < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < t.length && !WS.has(t.charCodeAt(j)) && !',}]'.includes(t[j]!)) j++;
  return j > i ? j : -1;
}

export interface MemberSpan {
  key: string;
  start: number;
  end: number;
}

/** Spans of the values of a top-level JSON object's members, in order; undefined if `t` is not one. */
export function topLevelMembers(t: string): MemberSpan[] | undefined {
  let i = skipWs(t, 0);
  if (t[i] !== '{') return undefined;
  i = skipWs(t, i + 1);
  const out: MemberSpan[] = [];
  if (t[i] === '}') return skipWs(t, i + 1) === t.length ? out : undefined;
  for (;;) {
    if (t[i] !== '"') return undefined;
    const ke = stringEnd(t, i);
    if (ke < 0) return undefined;
    const key = JSON.parse(t.slice(i, ke)) as string;
    i = skipWs(t, ke);
    if (t[i] !== ':') return undefined;
    i = skipWs(t, i + 1);
    const ve = valueEnd(t, i);
    if (ve < 0) return undefined;
    out.push({ key, start: i, end: ve });
    i = skipWs(t, ve);
    if (t[i] === ',') {
      i = skipWs(t, i + 1);
      continue;
    }
    if (t[i] === '}') return skipWs(t, i + 1) === t.length ? out : undefined;
    return undefined;
  }
}

/** Spans of the elements of the JSON array in t[start, end). */
export function arrayElements(t: string, start: number, end: number): Array<[number, number]> | undefined {
  if (t[start] !== '[') return undefined;
  let i = skipWs(t, start + 1);
  const out: Array<[number, number]> = [];
  if (t[i] === ']') return out;
  while (i < end) {
    const ve = valueEnd(t, i);
    if (ve < 0 || ve > end) return undefined;
    out.push([i, ve]);
    i = skipWs(t, ve);
    if (t[i] === ',') i = skipWs(t, i + 1);
    else if (t[i] === ']') return out;
    else return undefined;
  }
  return undefined;
}

export interface RequestTemplate {
  parts: TemplatePart[];
  /** Raw blob of each member value cut out whole (system, tools), by key. */
  members: Record<string, string>;
  /** Raw blob of each element of the conversation list, in order. */
  messages: string[];
}

/**
 * Builds the template of a JSON request body. `listKey` names the
 * conversation list (messages, input), `wholeKeys` the members stored whole.
 * A body that is not a JSON object in valid UTF-8 is one raw part.
 */
export async function buildRequestTemplate(body: Buffer, listKey: string, wholeKeys: string[], put: PutContent): Promise<RequestTemplate> {
  const whole = async (): Promise<RequestTemplate> => ({ parts: [{ $blob: await put(body), raw: true }], members: {}, messages: [] });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return whole();
  }
  const members = topLevelMembers(text);
  if (!members) return whole();
  const cuts: Array<{ start: number; end: number; key?: string; message?: boolean }> = [];
  for (const m of members) {
    if (m.key === listKey) {
      const els = arrayElements(text, m.start, m.end);
      if (els) for (const [s, e] of els) cuts.push({ start: s, end: e, message: true });
      else cuts.push({ start: m.start, end: m.end, key: m.key });
    } else if (wholeKeys.includes(m.key)) {
      cuts.push({ start: m.start, end: m.end, key: m.key });
    }
  }
  const out: RequestTemplate = { parts: [], members: {}, messages: [] };
  const glue = async (s: string) => {
    if (s === '') return;
    out.parts.push(s.length > INLINE_GLUE_MAX ? { $blob: await put(Buffer.from(s, 'utf8')), raw: true } : s);
  };
  let last = 0;
  for (const c of cuts) {
    await glue(text.slice(last, c.start));
    const id = await put(Buffer.from(text.slice(c.start, c.end), 'utf8'));
    out.parts.push({ $blob: id, raw: true });
    if (c.message) out.messages.push(id);
    else if (c.key) out.members[c.key] = id;
    last = c.end;
  }
  await glue(text.slice(last));
  return out;
}
