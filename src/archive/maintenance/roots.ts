// Reachability roots: where gc's walk starts, so what it must keep.
import type { Archive } from '../archive.js';

/**
 * Every id gc must keep with everything it reaches: refs (all of refs/),
 * a detached HEAD, and both ids of every reflog entry. Refs come first, in
 * name order, so that packs follow sessions; a reflog's old tips mostly lie on
 * chains already walked.
 */
export async function gcRoots(archive: Archive): Promise<string[]> {
  const roots: string[] = [];
  for (const r of await archive.refs.list('refs/')) roots.push(r.id);
  const head = await archive.refs.read('HEAD').catch(() => undefined);
  if (head?.kind === 'id') roots.push(head.id);
  roots.push(...archive.refs.reflogIds());
  return roots;
}
