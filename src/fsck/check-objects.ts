// The per-object pass: each object file is read once, verified (zstd frame,
// hash, framing), parsed when it is a record or a chunk list, and reduced to
// the few numbers and links the later passes need, in id order.
import { isTapesError } from '../errors/index.js';
import type { VerifyingStore } from '../odb/index.js';
import { decodeChunkList, startsWithChunkMagic, type TapesObject } from '../object/index.js';
import { decodeUtf8, isCanonicalRecordText, parseRecordJson, type ParsedRecord } from '../record/index.js';
import { finding, type CheckId, type Finding } from './findings.js';
import { ObjectFileReader, type RawRead } from './loose-layout.js';
import { LinkKind, NodeFlag, NodeState, NodeType, type ObjectGraph } from './object-graph.js';

const FRAMING_REASONS = new Set<string>(['badCompression', 'badHeader', 'badType', 'badLength']);

export async function checkObjects(
  store: VerifyingStore,
  ids: string[],
  graph: ObjectGraph,
  report: (f: Finding) => Promise<void>,
  progress: (done: number) => void,
): Promise<void> {
  // Every listed id gets its node first, so a link to an object read later
  // already finds it Listed rather than Absent.
  const nodes = ids.map((id) => graph.node(id));
  for (const n of nodes) graph.state[n] = NodeState.Listed;
  const reader = new ObjectFileReader();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const problem = checkOne(store, id, nodes[i]!, reader.read(store.pathOf(id)), graph);
    if (problem) await report(finding(problem.id, { object: id }, problem.detail));
    progress(i + 1);
  }
}

export type Problem = { id: CheckId; detail: string } | undefined;

function checkOne(store: VerifyingStore, id: string, n: number, raw: RawRead, graph: ObjectGraph): Problem {
  if (!raw.ok) {
    graph.state[n] = NodeState.Unreadable;
    return { id: raw.id, detail: raw.detail };
  }
  let obj: TapesObject;
  try {
    obj = store.verify(id, raw.bytes);
  } catch (err) {
    graph.state[n] = NodeState.Unreadable;
    return classify(id, err);
  }
  return checkValue(id, n, obj, graph);
}

/**
 * The checks on a verified object's content (record or chunk list), and the
 * node's type, size and links. Called once per node (a second copy of an
 * object, in another pack, is only verified).
 */
export function checkValue(id: string, n: number, obj: TapesObject, graph: ObjectGraph): Problem {
  graph.state[n] = NodeState.Ok;
  graph.bodySize[n] = obj.body.length;
  if (obj.type === 'record') {
    graph.type[n] = NodeType.Record;
    return checkRecord(id, n, obj.body, graph);
  }
  graph.type[n] = NodeType.Blob;
  if (!startsWithChunkMagic(obj.body)) return undefined;
  graph.flags[n]! |= NodeFlag.Magic;
  try {
    const list = decodeChunkList(obj.body);
    graph.listSize[n] = list.size;
    graph.setLinks(
      n,
      list.entries.map((e) => ({ to: e.id, kind: e.kind === 'c' ? LinkKind.Chunk : LinkKind.List, size: e.size })),
    );
  } catch (err) {
    // Reported later, once it is known whether this blob is a list at all
    // (see ObjectGraph.isActiveList).
    graph.flags[n]! |= NodeFlag.ListBad;
    graph.listProblems.set(n, (err as Error).message);
  }
  return undefined;
}

function checkRecord(id: string, n: number, body: Uint8Array, graph: ObjectGraph): Problem {
  let parsed: ParsedRecord;
  let text: string;
  try {
    text = decodeUtf8(body, `record ${id}`);
    parsed = parseRecordJson(text, `record ${id}`);
  } catch (err) {
    return { id: 'badRecord', detail: stripSubject(id, (err as Error).message) };
  }
  const links: Array<{ to: string; kind: LinkKind; size: number }> = [];
  if (parsed.parent !== null) links.push({ to: parsed.parent, kind: LinkKind.Parent, size: 0 });
  for (const b of new Set(parsed.blobs)) links.push({ to: b, kind: LinkKind.Blob, size: 0 });
  graph.setLinks(n, links);
  if (!isCanonicalRecordText(text, parsed)) {
    return { id: 'nonCanonicalRecord', detail: 'body differs from the canonical JSON (RFC 8785) of its own value' };
  }
  return undefined;
}

export function classify(id: string, err: unknown): NonNullable<Problem> {
  const message = stripSubject(id, (err as Error).message ?? String(err));
  if (!isTapesError(err)) return { id: 'unreadableObject', detail: message };
  if (err.code === 'HashMismatchError') return { id: 'hashMismatch', detail: message };
  const reason = err.data.reason;
  if (typeof reason === 'string' && FRAMING_REASONS.has(reason)) return { id: reason as CheckId, detail: message };
  return { id: 'badCompression', detail: message };
}

/** Messages from lower layers start with "object <id>: "; the finding already names it. */
function stripSubject(id: string, message: string): string {
  for (const prefix of [`object ${id}: `, `record ${id}: `, `record ${id} `]) {
    if (message.startsWith(prefix)) return message.slice(prefix.length);
  }
  return message;
}
