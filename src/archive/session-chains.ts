// What a session takes with it: its subagent chains and capture views
// (docs/format.md §7.2). A module of its own so that push, which runs all
// day, does not load the capture code views.ts needs.
import { AGENTS_PREFIX, SESSIONS_PREFIX, captureViewRef } from '../refs/index.js';
import type { Archive } from './archive.js';

/**
 * The chains that go with a session wherever it goes (push, scrub): the
 * ref itself, its subagent chains when it is a session, then the capture
 * view of each of those that has one. `id` is the ref's value.
 */
export async function sessionChains(archive: Archive, ref: string, id: string): Promise<Array<{ name: string; id: string }>> {
  const chains = [{ name: ref, id }];
  if (ref.startsWith(SESSIONS_PREFIX)) chains.push(...(await archive.refs.list(`${AGENTS_PREFIX}${ref.slice(SESSIONS_PREFIX.length)}/`)));
  const out = [...chains];
  for (const c of chains) {
    if (!c.name.startsWith(SESSIONS_PREFIX) && !c.name.startsWith(AGENTS_PREFIX)) continue;
    const view = captureViewRef(c.name);
    const viewTip = await archive.refs.resolve(view);
    if (viewTip) out.push({ name: view, id: viewTip });
  }
  return out;
}
