// The passes that need every object read first: links between objects
// (parents, blob references, chunk-list entries), then reachability from the
// roots the refs pass marked.
//
// Cascades stop at the first broken object: a link to an object whose file is
// there but unreadable gives no finding (that object has its own), and only a
// link to an object with no file at all is reported, once per linking object.
import { finding, type CheckId, type Finding } from './findings.js';
import { LinkKind, NodeFlag, NodeState, NodeType, type ObjectGraph } from './object-graph.js';

export async function checkLinks(graph: ObjectGraph, report: (f: Finding) => Promise<void>): Promise<void> {
  for (let n = 0; n < graph.size; n++) {
    if (graph.state[n] !== NodeState.Ok) continue;
    const id = graph.ids[n]!;
    if (graph.has(n, NodeFlag.ListBad) && graph.isActiveList(n)) {
      await report(finding('badChunkList', { object: id }, graph.listProblems.get(n) ?? 'does not parse'));
      continue;
    }
    if (!graph.linksActive(n)) continue;
    const start = graph.linkStart[n]!;
    const end = start + graph.linkCount[n]!;
    const reachable = graph.has(n, NodeFlag.Reachable);
    for (let l = start; l < end; l++) {
      const problem = linkProblem(graph, graph.linkKind[l]!, graph.linkTo[l]!, graph.linkSize[l]!);
      if (!problem) continue;
      // Objects reach the disk in any order and a ref moves only once its
      // whole chain is there, so an interrupted writer leaves unreachable
      // objects whose links are not all written yet. As in git, a missing
      // object matters only when something reachable needs it.
      if (!reachable && graph.state[graph.linkTo[l]!] === NodeState.Absent) {
        await report(finding('unreachableMissingLink', { object: id }, `${problem[1]} (the object is unreachable)`));
      } else {
        await report(finding(problem[0], { object: id }, problem[1]));
      }
    }
  }
}

function linkProblem(graph: ObjectGraph, kind: number, to: number, size: number): [CheckId, string] | undefined {
  const target = graph.ids[to]!;
  const state = graph.state[to];
  const absent = state === NodeState.Absent;
  if (state === NodeState.Unreadable) return undefined;
  const isBlob = graph.type[to] === NodeType.Blob;
  switch (kind) {
    case LinkKind.Parent:
      if (absent) return ['missingParent', `parent ${target} is not in the archive`];
      if (isBlob) return ['parentNotRecord', `parent ${target} is a blob, not a record`];
      return undefined;
    case LinkKind.Blob:
      if (absent) return ['missingBlob', `references blob ${target}, which is not in the archive`];
      if (!isBlob) return ['blobRefNotBlob', `references ${target} as a blob, but it is a record`];
      return undefined;
    case LinkKind.Chunk:
      if (absent) return ['missingChunk', `chunk ${target} is not in the archive`];
      if (!isBlob) return ['chunkNotBlob', `chunk ${target} is a record, not a blob`];
      if (graph.bodySize[to] !== size) {
        return ['chunkSizeMismatch', `chunk ${target} holds ${graph.bodySize[to]} bytes, the list says ${size}`];
      }
      return undefined;
    default:
      if (absent) return ['missingChunk', `nested chunk list ${target} is not in the archive`];
      if (!isBlob) return ['chunkNotBlob', `nested chunk list ${target} is a record, not a blob`];
      if (!graph.has(to, NodeFlag.Magic)) return ['chunkNotList', `entry "l ${target}" names a blob that is not a chunk list`];
      // A nested list that does not parse has its own badChunkList finding.
      if (graph.has(to, NodeFlag.ListBad)) return undefined;
      if (graph.listSize[to] !== size) {
        return ['chunkSizeMismatch', `nested chunk list ${target} stands for ${graph.listSize[to]} bytes, the list says ${size}`];
      }
      return undefined;
  }
}

/** Marks every object the roots reach (through parents, blobs, chunk lists). Run before checkLinks. */
export function markReachable(graph: ObjectGraph): void {
  const stack: number[] = [];
  for (let n = 0; n < graph.size; n++) {
    if (graph.linksActive(n)) {
      const start = graph.linkStart[n]!;
      for (let l = start; l < start + graph.linkCount[n]!; l++) graph.flags[graph.linkTo[l]!]! |= NodeFlag.Referenced;
    }
    if (graph.has(n, NodeFlag.Root)) {
      graph.flags[n]! |= NodeFlag.Reachable;
      stack.push(n);
    }
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!graph.linksActive(n)) continue;
    const start = graph.linkStart[n]!;
    for (let l = start; l < start + graph.linkCount[n]!; l++) {
      const to = graph.linkTo[l]!;
      if (graph.has(to, NodeFlag.Reachable)) continue;
      graph.flags[to]! |= NodeFlag.Reachable;
      stack.push(to);
    }
  }
}

export interface ConnectivityCounts {
  dangling: number;
  unreachable: number;
}

/**
 * Reports (through `report`, which may drop them) every readable object
 * nothing reaches as unreachable, and those of them no object links to as
 * dangling, as git does. Unreadable objects are left out: they already have
 * an error, and their links are unknown. markReachable must have run.
 */
export async function checkConnectivity(
  graph: ObjectGraph,
  report: (f: Finding) => Promise<void>,
): Promise<ConnectivityCounts> {
  const counts: ConnectivityCounts = { dangling: 0, unreachable: 0 };
  for (let n = 0; n < graph.size; n++) {
    if (graph.state[n] !== NodeState.Ok || graph.has(n, NodeFlag.Reachable)) continue;
    const id = graph.ids[n]!;
    const what = graph.type[n] === NodeType.Record ? 'record' : 'blob';
    counts.unreachable++;
    await report(finding('unreachable', { object: id }, `${what} not reachable from any ref, HEAD or reflog entry`));
    if (!graph.has(n, NodeFlag.Referenced)) {
      counts.dangling++;
      await report(finding('dangling', { object: id }, `unreachable ${what} that no other object links to`));
    }
  }
  return counts;
}
