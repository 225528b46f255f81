// tapes sessions: one line per session, newest first, from the session index
// (.tapes/index/sessions.json), which is brought up to date from the refs and
// objects first. `tapes stats` shares the filters and the price file option
// (cmd/lib/session-selection.ts).
import type { CommandArgs } from './lib/run-context.js';
import type { SessionListing } from '../src/archive/sessions/index.js';
import { write } from './lib/io.js';
import { sessionJson } from '../src/view/json/sessions.js';
import { agentsBySession, listListingsReporting, readSelection, topLevel, type FilterArgs } from './lib/session-selection.js';

interface Args extends CommandArgs, FilterArgs {
  sort: 'date' | 'duration' | 'tokens' | 'cost';
  reverse?: boolean;
  maxCount?: number;
  json?: boolean;
}

interface Row {
  summary: SessionListing;
  depth: 0 | 1;
}

export async function handler(args: Args): Promise<void> {
  const { matchesFilter, sortSessions, shortSessionNames, sessionCostDetail, parentRef, modelsByUse, inputTokens } = await import(
    '../src/archive/sessions/index.js'
  );
  const { renderSessionsTable } = await import('../src/view/sessions-table.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const { filter, table } = await readSelection(ctx, args);
  const archive = await ctx.archive();
  const all = await listListingsReporting(ctx, archive);
  const agents = agentsBySession(all, parentRef);
  // Subagent chains whose session is gone are listed as sessions of their own.
  const top = topLevel(all, args.agents, parentRef);
  let picked = sortSessions(top.filter((s) => matchesFilter(s, filter)), args.sort, table);
  if (args.maxCount !== undefined) picked = picked.slice(0, Math.max(0, args.maxCount));
  if (args.reverse) picked.reverse();
  const rows: Row[] = [];
  for (const s of picked) {
    rows.push({ summary: s, depth: 0 });
    if (args.agents && s.parent_session === null) for (const a of agents.get(s.ref) ?? []) rows.push({ summary: a, depth: 1 });
  }
  const names = await shortSessionNames(
    archive,
    all,
    rows.map((r) => r.summary),
  );
  if (args.json) {
    return ctx.jsonLines(rows.map(({ summary: s }) => sessionJson(s, { id: names.get(s.ref), agents: (agents.get(s.ref) ?? []).length, cost: sessionCostDetail(s, table) })));
  }
  if (all.length === 0) io.stderr.write('hint: no sessions yet; "tapes import" reads Claude Code, Codex and Gemini CLI sessions\n');
  const chalk = await ctx.chalk();
  const timeZone = await ctx.timeZone();
  const lines = renderSessionsTable(
    rows.map(({ summary: s, depth }) => ({
      id: depth ? s.ref.split('/').pop()! : names.get(s.ref)!,
      depth,
      start: s.start,
      duration_ms: s.duration_ms,
      records: s.records,
      models: modelsByUse(s),
      tokens_in: inputTokens(s.tokens),
      tokens_out: s.tokens.output,
      cost_usd: sessionCostDetail(s, table).cost_usd,
      cwd: s.cwd,
      title: s.title,
    })),
    { chalk, timeZone, home: io.env.HOME, width: io.stdoutIsTTY ? ctx.width : undefined, bars: io.stdoutIsTTY },
  );
  if (lines.length === 0) return;
  const paged = ctx.pager(args.pager !== false);
  await write(paged.out, lines.join('\n') + '\n');
  await paged.done();
}
