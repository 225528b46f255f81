// Reachability roots: where gc's walk starts, so what it must keep.
import type { Archive } from '../archive.js';

/**
 * Every id gc must keep with everything it reaches: refs (all of refs/),
 * a detached HEAD, and both ids of every reflog entry. Refs come first, in
 * name order, so that packs follow sessions; a reflog's old tips mostly lie on
 * chains already walked. A ref or reflog that cannot be read whole (a link,
 * permissions, a FIFO …) stops gc with an error naming it, before anything is
 * removed: what only it keeps would otherwise look unreachable.
 */
export async function gcRoots(archive: Archive): Promise<string[]> {
  return archive.refs.rootIds();
}
