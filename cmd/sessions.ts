// tapes sessions: one line per session, newest first, from the session index
// (.tapes/index/sessions.json), which is brought up to date from the refs and
// objects first. `tapes stats` shares the filters and the price file option.
import type { Argv } from 'yargs';
import { openArchive, write, type GlobalArgs } from './context.js';
import { startPager } from './pager.js';
import type { SessionFilter, SessionSummary } from '../src/archive/sessions/index.js';
import type { PriceTable } from '../src/archive/pricing.js';
import type { Archive } from '../src/archive/archive.js';

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

interface Args extends GlobalArgs, FilterArgs {
  sort: 'date' | 'duration' | 'tokens' | 'cost';
  reverse?: boolean;
  maxCount?: number;
  json?: boolean;
}

export const command = 'sessions';
export const describe = 'List sessions, newest first: start, duration, records, models, tokens, cost, project, title';

/** The options `sessions` and `stats` share. */
export function filterOptions(y: Argv) {
  return y
    .option('since', { type: 'string', requiresArg: true, describe: 'Only sessions active at or after <when> (2026-01-05, 2026-01-05T14:30, 2h, 3d, 1w)' })
    .option('until', { type: 'string', requiresArg: true, describe: 'Only sessions started at or before <when>' })
    .option('project', { type: 'string', requiresArg: true, describe: 'Only sessions whose working directory contains <text>' })
    .option('model', { type: 'string', requiresArg: true, describe: 'Only sessions that used a model whose name contains <text>' })
    .option('harness', { type: 'string', choices: ['claude-code', 'codex'], requiresArg: true, describe: 'Only sessions captured from <harness>' })
    .option('agents', { type: 'boolean', describe: 'Include subagent chains (refs/agents/…), each after its session' })
    .option('pricing', { type: 'string', requiresArg: true, describe: 'Prices from <file> (JSON) over the built-in table' })
    .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager: never)' });
}

export function builder(y: Argv) {
  return filterOptions(y)
    .option('sort', { choices: ['date', 'duration', 'tokens', 'cost'], default: 'date', describe: 'Order by start, duration, tokens or cost, largest or newest first' })
    .option('reverse', { type: 'boolean', describe: 'Reverse the order (after -n)' })
    .option('max-count', { alias: 'n', type: 'number', requiresArg: true, describe: 'Show at most <n> sessions' })
    .option('json', { type: 'boolean', describe: 'Print one JSON object per session (NDJSON)' });
}

export interface Selection {
  filter: SessionFilter;
  table: PriceTable;
  timeZone?: string;
}

/** Parses the shared options before anything is read, so bad values fail fast (exit 129 or 1). */
export async function readSelection(args: GlobalArgs & FilterArgs): Promise<Selection> {
  const { timeOption, validTimeZone } = await import('../src/archive/timespec/index.js');
  const { BUILTIN_PRICES, loadPriceTable } = await import('../src/archive/pricing.js');
  const { workingDir } = await import('../src/archive/index.js');
  const { resolve } = await import('node:path');
  const io = args.state.io;
  const timeZone = validTimeZone(io.env.TZ);
  const now = io.now();
  const filter: SessionFilter = {};
  if (args.since !== undefined) filter.since = timeOption('--since', args.since, now, timeZone);
  if (args.until !== undefined) filter.until = timeOption('--until', args.until, now, timeZone, true);
  if (args.project !== undefined) filter.project = args.project;
  if (args.model !== undefined) filter.model = args.model;
  if (args.harness !== undefined) filter.harness = args.harness;
  const table =
    args.pricing === undefined
      ? BUILTIN_PRICES
      : await loadPriceTable(resolve(workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }), args.pricing), args.pricing);
  return { filter, table, timeZone };
}

export interface Row {
  summary: SessionSummary;
  depth: 0 | 1;
}

/** Lists the chains, reporting each one that cannot be read on stderr and in the exit status, as log does for a damaged record. */
export async function listReporting(args: GlobalArgs, archive: Archive): Promise<SessionSummary[]> {
  const { listSessions } = await import('../src/archive/sessions/index.js');
  const state = args.state;
  return listSessions(archive, {
    onError: (ref, err) => {
      const e = err as { message?: string; exitCode?: number };
      state.io.stderr.write(`tapes: error: ${ref}: ${e.message ?? String(err)}\n`);
      if (state.exitCode === 0) state.exitCode = typeof e.exitCode === 'number' ? e.exitCode : 1;
    },
  });
}

/** Subagent chains by the ref of their session. */
export function agentsBySession(all: SessionSummary[], parentRef: (s: SessionSummary) => string | null): Map<string, SessionSummary[]> {
  const out = new Map<string, SessionSummary[]>();
  for (const s of all) {
    const p = parentRef(s);
    if (p) out.set(p, [...(out.get(p) ?? []), s]);
  }
  for (const list of out.values()) list.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || a.ref.localeCompare(b.ref));
  return out;
}

export async function handler(args: Args): Promise<void> {
  const { matchesFilter, sortSessions, shortSessionNames, sessionCostDetail, parentRef, modelsByUse, inputTokens } = await import(
    '../src/archive/sessions/index.js'
  );
  const { renderSessionsTable } = await import('../src/view/sessions-table.js');
  const { makeChalk } = await import('../src/view/color.js');
  const io = args.state.io;
  const { filter, table, timeZone } = await readSelection(args);
  const archive = await openArchive(args);
  const all = await listReporting(args, archive);
  const sessionRefs = new Set(all.filter((s) => s.parent_session === null).map((s) => s.ref));
  const agents = agentsBySession(all, parentRef);
  // Subagent chains whose session is gone are listed as sessions of their own.
  const top = all.filter((s) => s.parent_session === null || (args.agents && !sessionRefs.has(parentRef(s)!)));
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
    let out = '';
    for (const { summary: s } of rows) {
      const cost = sessionCostDetail(s, table);
      out +=
        JSON.stringify({
          id: names.get(s.ref),
          ref: s.ref,
          name: s.name,
          tip: s.tip,
          parent_session: s.parent_session,
          agents: (agents.get(s.ref) ?? []).length,
          harness: s.harness,
          harness_version: s.harness_version,
          start: s.start,
          end: s.end,
          duration_ms: s.duration_ms,
          records: s.records,
          models: s.models,
          cwd: s.cwd,
          git_branch: s.git_branch,
          title: s.title,
          tokens: s.tokens,
          tokens_by_model: s.tokens_by_model,
          tool_calls: s.tool_calls,
          tool_errors: s.tool_errors,
          cost_usd: cost.cost_usd,
          unpriced_models: cost.unpriced_models,
        }) + '\n';
    }
    return write(io.stdout, out);
  }
  if (all.length === 0) io.stderr.write('hint: no sessions yet; "tapes import" reads Claude Code and Codex transcripts\n');
  const chalk = makeChalk(args.color as 'auto' | 'always' | 'never' | undefined, io.env, io.stdoutIsTTY);
  const columns = (io.stdout as { columns?: number }).columns ?? (Number(io.env.COLUMNS) || 80);
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
    { chalk, timeZone, home: io.env.HOME, width: io.stdoutIsTTY ? columns : undefined },
  );
  if (lines.length === 0) return;
  const paged = startPager(io, args.pager !== false);
  await write(paged.out, lines.join('\n') + '\n');
  await paged.done();
}
