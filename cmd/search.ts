// tapes search: find records across every session through the search index
// (.tapes/index/search.sqlite, brought level with the refs first): ranked by
// relevance, newest first among equals, one line per record with its
// abbreviated id, session, time and a snippet with the matches marked.
import type { Argv } from 'yargs';
import { location, write, type GlobalArgs } from './context.js';
import { KINDS } from './log.js';
import { startPager } from './pager.js';

interface Args extends GlobalArgs {
  query?: string[];
  _: Array<string | number>;
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

export const DEFAULT_MAX_COUNT = 20;
/** Best matches shown under each session with --sessions. */
export const PER_SESSION = 5;

export const command = 'search [query..]';
export const describe = 'Find records across every session (words, "phrases", -word, prefix*)';

export function builder(y: Argv) {
  return y
    .positional('query', { type: 'string', array: true, describe: 'Words that must all match; "exact phrase"; -word excludes; word* is a prefix' })
    .option('session', { type: 'string', requiresArg: true, describe: 'Only in this session (and its subagents), or this subagent chain (repeatable)' })
    .option('kind', { type: 'string', requiresArg: true, describe: `Only records of these kinds (repeat or separate by commas): ${KINDS.join(', ')}` })
    .option('tool', { type: 'string', requiresArg: true, describe: 'Only calls of tool <name> and their results (repeatable)' })
    .option('role', { type: 'string', requiresArg: true, describe: 'Only records of this role: user, assistant, system, developer, tool (repeatable)' })
    .option('since', { type: 'string', requiresArg: true, describe: 'Records at or after <time> (2026-01-05, 2026-01-05T14:30, 2h, 3d, today …)' })
    .option('until', { type: 'string', requiresArg: true, describe: 'Records at or before <time>' })
    .option('project', { type: 'string', requiresArg: true, describe: 'Only records whose working directory contains <text>' })
    .option('errors', { type: 'boolean', describe: 'Only failed tool results, the calls they answer, and API or system errors' })
    .option('max-count', { alias: 'n', type: 'number', requiresArg: true, describe: `Show at most <n> results (default ${DEFAULT_MAX_COUNT}; 0 for all)` })
    .option('sessions', { type: 'boolean', describe: 'Group the results by session, best session first' })
    .option('json', { type: 'boolean', describe: 'One JSON object per result (NDJSON); with --sessions, one per session' })
    .option('pager', { type: 'boolean', default: true, describe: 'Page long output on a terminal (--no-pager writes directly)' });
}

function list(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const S = await import('../src/archive/search/index.js');
  const { timeOption, validTimeZone } = await import('../src/archive/timespec/index.js');
  const { listSessions } = await import('../src/archive/sessions/index.js');
  const { resolveTarget } = await import('../src/archive/log/index.js');
  const { SESSIONS_PREFIX } = await import('../src/refs/index.js');
  const { makeChalk } = await import('../src/view/index.js');
  const { localTime, sanitize } = await import('../src/view/timeline.js');
  const io = args.state.io;

  // Words after -- count too, so that a query can start with an excluded -word.
  const query = [...(args.query ?? []), ...args._.slice(1)].map(String).join(' ');
  if (query.trim() === '') throw new UsageError('give a query: words, "a phrase", -word, prefix* (see tapes help search)');
  S.parseQuery(query);
  const kinds = list(args.kind);
  for (const k of kinds) if (!KINDS.includes(k)) throw new UsageError(`--kind ${k}: not a kind (${KINDS.join(', ')})`);
  const timeZone = validTimeZone(io.env.TZ);
  const since = args.since === undefined ? undefined : timeOption('--since', args.since, io.now(), timeZone);
  const until = args.until === undefined ? undefined : timeOption('--until', args.until, io.now(), timeZone, true);
  if (args.maxCount !== undefined && (!Number.isInteger(args.maxCount) || args.maxCount < 0)) throw new UsageError('-n needs a whole number (0 for all)');
  const limit = args.maxCount ?? DEFAULT_MAX_COUNT;

  // The archive module alone, not the whole porcelain API: start-up is most of a search's time.
  const { Archive } = await import('../src/archive/archive.js');
  const archive = await Archive.open(location(args), { now: io.now });
  const chains: string[] = [];
  for (const rev of list(args.session)) {
    const t = await resolveTarget(archive, rev);
    if (!t.ref) throw new UsageError(`--session ${rev}: not a session or subagent chain (a record id names no session here; use a session name)`, { rev });
    chains.push(t.ref);
  }
  const result = await S.searchArchive(archive, query, {
    limit: args.sessions ? 0 : limit,
    chains,
    kinds,
    tools: list(args.tool),
    roles: list(args.role),
    since,
    until,
    project: args.project,
    errors: args.errors,
  });
  for (const f of result.sync.failed) io.stderr.write(`tapes: warning: ${f.chain} is not searchable: ${f.message}\n`);
  if (result.total === 0) {
    args.state.exitCode = 2;
    return;
  }

  const chalk = makeChalk(args.color as 'auto' | 'always' | 'never' | undefined, io.env, io.stdoutIsTTY);
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
  const hitJson = async (h: (typeof result.hits)[number]) => {
    const highlights: Array<[number, number]> = [];
    let text = '';
    for (const part of h.snippet.split(/(\x02[\s\S]*?\x03)/)) {
      if (part.startsWith(S.MATCH_START)) {
        const w = part.slice(1, -1);
        highlights.push([text.length, text.length + w.length]);
        text += w;
      } else text += part.replace(/[\x02\x03]/g, '');
    }
    return { ...h, abbrev: await abbr.abbrev(h.id), snippet: text, highlights };
  };
  const line = async (h: (typeof result.hits)[number], indent: string, withSession: boolean) => {
    const where = withSession ? ' ' + chalk.cyan(`${await nameOf(h.session)}${h.agent ? `/${h.agent}` : ''}`) : h.agent ? ' ' + chalk.cyan(h.agent) : '';
    const when = h.time ? localTime(h.time, false, timeZone) : '-';
    const label = h.error ? chalk.red(`${h.label} ✗`) : h.label;
    return `${indent}${chalk.yellow(await abbr.abbrev(h.id))}${where} ${chalk.dim(when)} ${label}: ${highlight(h.snippet)}`;
  };

  const paged = startPager(io, args.pager !== false && !args.json);
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
        if (args.json) {
          out += JSON.stringify({ session, title: titles.get(SESSIONS_PREFIX + session) ?? null, matches: all.length, hits: await Promise.all(hits.map(hitJson)) }) + '\n';
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
      for (const h of result.hits) out += args.json ? JSON.stringify(await hitJson(h)) + '\n' : (await line(h, '', true)) + '\n';
      if (!args.json && result.total > result.hits.length) io.stderr.write(`tapes: ${result.total - result.hits.length} more records match (-n 0 shows all)\n`);
    }
    await write(paged.out, out);
  } finally {
    await paged.done();
  }
}
