// What `sessions` and `stats` share: their filter options read before
// anything else, the listing with damaged chains reported, and which chains
// are listed at the top level.
import type { Archive } from '../../src/archive/archive.js';
import type { SessionFilter, SessionListing, SessionSummary } from '../../src/archive/sessions/index.js';
import type { PriceTable } from '../../src/archive/pricing.js';
import type { RunContext } from './run-context.js';
import { compareStrings } from '../../src/archive/sessions/filter.js';

/** The filter options of the table's SESSION_FILTERS. */
export interface FilterArgs {
  since?: string;
  until?: string;
  project?: string;
  model?: string;
  harness?: string;
  agents?: boolean;
  pricing?: string;
  pager?: boolean;
}

export interface Selection {
  filter: SessionFilter;
  table: PriceTable;
}

/** Parses the filter options before anything is read, so bad values fail fast (exit 129 or 1). */
export async function readSelection(ctx: RunContext, args: FilterArgs): Promise<Selection> {
  const { BUILTIN_PRICES, loadPriceTable } = await import('../../src/archive/pricing.js');
  const filter: SessionFilter = {};
  const since = await ctx.time('--since', args.since);
  const until = await ctx.time('--until', args.until);
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (args.project !== undefined) filter.project = args.project;
  if (args.model !== undefined) filter.model = args.model;
  if (args.harness !== undefined) filter.harness = args.harness;
  const table = args.pricing === undefined ? BUILTIN_PRICES : await loadPriceTable(ctx.path(args.pricing), args.pricing);
  return { filter, table };
}

/** Lists the chains, reporting each one that cannot be read on stderr and in the exit status, as log does for a damaged record. */
export async function listReporting(ctx: RunContext, archive: Archive): Promise<SessionSummary[]> {
  const { listSessions } = await import('../../src/archive/sessions/index.js');
  return listSessions(archive, { onError: reportTo(ctx) });
}

/** listReporting of what `tapes sessions` lists: the summaries without their details by kind and tool (listSessionListings). */
export async function listListingsReporting(ctx: RunContext, archive: Archive): Promise<SessionListing[]> {
  const { listSessionListings } = await import('../../src/archive/sessions/index.js');
  return listSessionListings(archive, { onError: reportTo(ctx) });
}

function reportTo(ctx: RunContext): (ref: string, err: unknown) => void {
  return (ref, err) => {
    const e = err as { message?: string; exitCode?: number };
    ctx.io.stderr.write(`tapes: error: ${ref}: ${e.message ?? String(err)}\n`);
    if (ctx.exitCode === 0) ctx.exitCode = typeof e.exitCode === 'number' ? e.exitCode : 1;
  };
}

/** Subagent chains by the ref of their session, oldest first. */
export function agentsBySession<T extends SessionListing>(all: readonly T[], parentRef: (s: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const s of all) {
    const p = parentRef(s);
    if (p) out.set(p, [...(out.get(p) ?? []), s]);
  }
  for (const list of out.values()) list.sort((a, b) => compareStrings(a.start ?? '', b.start ?? '') || compareStrings(a.ref, b.ref));
  return out;
}

/** The chains listed at the top level: sessions, and with --agents the subagent chains whose session is gone. */
export function topLevel<T extends SessionListing>(all: readonly T[], agents: boolean | undefined, parentRef: (s: T) => string | null): T[] {
  const sessionRefs = new Set(all.filter((s) => s.parent_session === null).map((s) => s.ref));
  return all.filter((s) => s.parent_session === null || (agents && !sessionRefs.has(parentRef(s)!)));
}
