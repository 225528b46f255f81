// The --json shapes of `tapes status` and `tapes checkout` (one document
// each, docs/json.md): where HEAD is, by short session names.
import { shortRefName } from '../../refs/index.js';

interface HeadLike {
  state: string;
  ref: string | null;
  id: string | null;
}

/** What the shape reads of HEAD's status (the model's HeadStatus). */
export interface HeadStatusLike extends HeadLike {
  session: string | null;
  position: number | null;
  total: number | null;
  time: string | null;
  tags: string[];
}

/** status: HEAD's record, its place in its session, and what it was (`summary` as the timeline shows it). */
export function statusJson(s: HeadStatusLike, elapsedMs: number | null, summary: { label: string; text: string; isError: boolean } | null) {
  return {
    head: s.state,
    session: s.session ? shortRefName(s.session) : null,
    id: s.id,
    position: s.position,
    total: s.total,
    time: s.time,
    elapsed_ms: elapsedMs,
    label: summary?.label ?? null,
    summary: summary?.text ?? null,
    is_error: summary?.isError ?? null,
    tags: s.tags,
  };
}

/** checkout: whether HEAD moved, the session -b made, and where HEAD is now. */
export function checkoutJson(r: { moved: boolean; created: string | null; to: HeadLike }) {
  return {
    moved: r.moved,
    created: r.created ? shortRefName(r.created) : null,
    head: r.to.state,
    session: r.to.ref ? shortRefName(r.to.ref) : null,
    id: r.to.id,
  };
}
