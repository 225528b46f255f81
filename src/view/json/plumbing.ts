// The --json shapes of the plumbing commands (docs/json.md): each lists
// many things, one object a line. The types name only what a shape reads,
// so any source of the data fits.

/** hash-object: one input, hashed. */
export function hashedJson(r: { id: string; type: string; size: number; chunked: boolean }, input: string) {
  return { id: r.id, type: r.type, size: r.size, chunked: r.chunked, input };
}

/** rev-parse: what one revision resolves to. */
export function revisionJson(rev: string, r: { id: string; type: string; ref: string | null }) {
  return { rev, id: r.id, type: r.type, ref: r.ref };
}

/** rev-parse --tapes-dir: the archive directory, the line before the revisions. */
export function tapesDirJson(dir: string) {
  return { tapes_dir: dir };
}

/** show-ref: one ref and the id it holds. */
export function refJson(r: { name: string; id: string }) {
  return { ref: r.name, id: r.id };
}

/** for-each-ref: one ref, the id it holds and that object's type. */
export function refRowJson(r: { ref: string; id: string; type: string }) {
  return { ref: r.ref, id: r.id, type: r.type };
}

/** rev-list: one record of a chain and its parent. */
export function chainLinkJson(r: { id: string; parent: string | null }) {
  return { id: r.id, parent: r.parent };
}

/** rev-list --count. */
export function countJson(count: number) {
  return { count };
}
