// tapes search: find records across every session through the search index
// (.tapes/index/search.sqlite, brought level with the refs first): ranked by
// relevance, newest first among equals, one line per record with its
// abbreviated id, session, time and a snippet with the matches marked.
import type { CommandArgs } from './lib/run-context.js';
import { jsonLine, write } from './lib/io.js';
import { searchHitJson, searchSessionJson } from '../src/view/json/search.js';
import { listOption, listValues } from './lib/options.js';
import { KIND } from './spec/index.js';
import { SEARCH_MAX_COUNT } from './spec/read.js';

interface Args extends CommandArgs {
  query?: string[];
  session?: string | string[];
  kind?: string | string[];
  tool?: string | string[];
  role?: string | string[];
  since?: string;
  until?: string;
  project?: string;
  errors?: boolean;
  maxCount?: number;
  sessions?: boolean;
  json?: boolean;
  pager?: boolean;
}

/** Best matches shown under each session with --sessions. */
const PER_SESSION = 5;

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const S = await import('../src/archive/search/index.js');
  const { listSessions } = await import('../src/archive/sessions/index.js');
  const { resolveTarget } = await import('../src/archive/log/index.js');
  const { SESSIONS_PREFIX } = await import('../src/refs/index.js');
  const { localTime, sanitize } = await import('../src/view/timeline.js');
  const ctx = args.ctx;
  const io = ctx.io;

  // Words after -- count too, so that a query can start with an excluded -word.
  const query = [...(args.query ?? []), ...args._].map(String).join(' ');
  if (query.trim() === '') throw new UsageError('give a query: words, "a phrase", -word, prefix* (see tapes help search)');
  S.parseQuery(query);
  const kinds = listOption(KIND, args.kind);
  const timeZone = await ctx.timeZone();
  const since = await ctx.time('--since', args.since);
  const until = await ctx.time('--until', args.until);
  if (args.maxCount !== undefined && (!Number.isInteger(args.maxCount) || args.maxCount < 0)) throw new UsageError('-n needs a whole number (0 for all)');
  const limit = args.maxCount ?? SEARCH_MAX_COUNT;

  const archive = await ctx.archive();
  const chains: string[] = [];
  for (const rev of listValues(args.session)) {
    const t = await resolveTarget(archive, rev);
    if (!t.ref) throw new UsageError(`--session ${rev}: not a session or subagent chain (a record id names no session here; use a session name)`, { rev });
    chains.push(t.ref);
  }
  const result = await S.searchArchive(archive, query, {
    limit: args.sessions ? 0 : limit,
    // With --sessions every hit is counted but only a few per session shown: their snippets are built below.
    snippets: !args.sessions,
    chains,
    kinds,
    tools: listValues(args.tool),
    roles: listValues(args.role),
    since,
    until,
    project: args.project,
    errors: args.errors,
  });
  for (const f of result.sync.failed) io.stderr.write(`tapes: warning: ${f.chain} is not searchable: ${f.message}\n`);
  if (result.total === 0) {
    ctx.exitCode = 2;
    return;
  }

  const chalk = await ctx.chalk();
  const abbr = await S.resultAbbreviator(archive);
  await abbr.prepare(result.hits.map((h) => h.id));
  const sessionNames = new Map<string, string>();
  const nameOf = async (session: string) => {
    let n = sessionNames.get(session);
    if (n === undefined) {
      n = await abbr.sessionName(SESSIONS_PREFIX + session);
      sessionNames.set(session, n);
    }
    return n;
  };
  // Each part sanitized on its own, so the match marks never meet the text's own control characters.
  const highlight = (snippet: string) =>
    snippet
      .split(/(\x02[\s\S]*?\x03)/)
      .map((part) => (part.startsWith(S.MATCH_START) ? chalk.red.bold(sanitize(part.slice(1, -1))) : sanitize(part.replace(/[\x02\x03]/g, ''))))
      .join('');
  const hitJson = async (h: (typeof result.hits)[number]) => searchHitJson(h, await abbr.abbrev(h.id));
  const line = async (h: (typeof result.hits)[number], indent: string, withSession: boolean) => {
    const where = withSession ? ' ' + chalk.cyan(`${await nameOf(h.session)}${h.agent ? `/${h.agent}` : ''}`) : h.agent ? ' ' + chalk.cyan(h.agent) : '';
    const when = h.time ? localTime(h.time, false, timeZone) : '-';
    const label = h.error ? chalk.red(`${h.label} ✗`) : h.label;
    return `${indent}${chalk.yellow(await abbr.abbrev(h.id))}${where} ${chalk.dim(when)} ${label}: ${highlight(h.snippet)}`;
  };

  const paged = ctx.pager(args.pager !== false && !args.json);
  let out = '';
  try {
    if (args.sessions) {
      // Sessions in the order of their best match; within one, by relevance; -n counts sessions.
      const groups = new Map<string, typeof result.hits>();
      for (const h of result.hits) groups.set(h.session, [...(groups.get(h.session) ?? []), h]);
      const shown = [...groups.entries()].slice(0, limit > 0 ? limit : undefined);
      const titles = new Map((await listSessions(archive)).map((s) => [s.ref, s.title]));
      for (const [n, [session, all]] of shown.entries()) {
        const hits = all.slice(0, PER_SESSION);
        await S.addSnippets(archive, hits, query);
        if (args.json) {
          out += jsonLine(searchSessionJson(session, titles.get(SESSIONS_PREFIX + session) ?? null, all.length, await Promise.all(hits.map(hitJson))));
          continue;
        }
        if (n > 0) out += '\n';
        const title = titles.get(SESSIONS_PREFIX + session);
        out += `${chalk.bold(`Session ${await nameOf(session)}`)}  ${all.length} match${all.length === 1 ? '' : 'es'}${title ? `  ${chalk.dim(sanitize(title))}` : ''}\n`;
        for (const h of hits) out += (await line(h, '  ', false)) + '\n';
        if (all.length > hits.length) out += chalk.dim(`  … ${all.length - hits.length} more (tapes search --session ${await nameOf(session)} …)`) + '\n';
      }
      if (!args.json && groups.size > shown.length) io.stderr.write(`tapes: ${groups.size - shown.length} more sessions match (-n 0 shows all)\n`);
    } else {
      for (const h of result.hits) out += args.json ? jsonLine(await hitJson(h)) : (await line(h, '', true)) + '\n';
      if (!args.json && result.total > result.hits.length) io.stderr.write(`tapes: ${result.total - result.hits.length} more records match (-n 0 shows all)\n`);
    }
    await write(paged.out, out);
  } finally {
    await paged.done();
  }
}
