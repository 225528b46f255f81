// tapes mcp: a Model Context Protocol server on stdio over one archive,
// opened read-only (ArchiveOptions.readOnly: nothing is written, derived
// indexes included; the search index is searched as an in-memory copy).
// Each tool runs the command a person would run for the same question, in
// this process, with --json, on that same archive, and returns a compact,
// bounded page of its answer: what an agent gets is what `tapes … --json`
// prints, cut to size, with record ids to drill down with. Every answer is
// bounded in items (MAX_ITEMS) and characters (MAX_CHARS) and carries an
// opaque cursor for the next page; a bad argument or a failing command is
// an error result (isError) with the command's own message, and the server
// goes on answering. Tools, arguments and answers: docs/mcp.md.
import { PassThrough, Readable } from 'node:stream';
import type { Io } from '../context.js';
import type { RunContext } from './run-context.js';

/** Items in one page at most (a tool's `limit` is capped here), and by default. */
export const MAX_ITEMS = 50;
const DEFAULT_ITEMS = 10;
/** Characters of one answer at most: items are dropped from the end of a page to fit (the cursor then starts at the first dropped). */
export const MAX_CHARS = 20_000;
/** Characters kept of one item's text (a snippet, a summary, a step of a diff). */
const ITEM_CHARS = 300;
/** How far a cursor may page into one answer: nothing makes the server read the whole archive into one answer. */
const MAX_OFFSET = 10_000;
/** Characters of a session's Markdown served as a resource. */
const MAX_RESOURCE_CHARS = 200_000;

const INSTRUCTIONS = `tapes is the archive of past AI coding agent sessions on this machine: every prompt, reply, tool call and tool result, by session.
Reach for it before repeating work or when something failed: "errors" lists recent failed tool calls and what was done next; "search" finds earlier sessions that met the same error message, file or command; "log" and "show" then read what happened there, by record id. Everything is read-only.`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A tool's answer: JSON text, the same object as structured content. */
function ok(value: Record<string, unknown>) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(value) }], structuredContent: value };
}

/** An error result: the model reads the message; the server goes on. */
function fail(message: string) {
  return { isError: true, content: [{ type: 'text' as const, text: message }] };
}

class ToolError extends Error {}

/** The command's complaint, as a person would read it on stderr, without hints about flags an agent cannot pass. */
function complaint(r: CliResult, what: string): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.replace(/^tapes: (error: )?/, '').trim())
    .filter((l) => l !== '' && !/^hint: .*--/.test(l) && !/^See "tapes help/.test(l));
  return lines.length ? lines.slice(0, 4).join('\n') : `${what} failed (exit ${r.code})`;
}

/** One line of text at most `chars` long. */
function cut(text: unknown, chars = ITEM_CHARS): string {
  const one = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return one.length > chars ? `${one.slice(0, chars)}…` : one;
}

// ---------------------------------------------------------------- cursors

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** The offset a cursor holds; `max`: the furthest a cursor of this tool may go. */
function decodeCursor(cursor: string | undefined, max = MAX_OFFSET): number {
  if (cursor === undefined || cursor === '') return 0;
  let o: unknown;
  try {
    o = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown }).o;
  } catch {
    o = undefined;
  }
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > max) {
    throw new ToolError(`cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this server gave (pass the next_cursor of the previous answer, or none)`);
  }
  return o;
}

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_ITEMS;
  if (!Number.isInteger(limit) || limit < 1) throw new ToolError(`limit ${limit} is not a positive whole number`);
  if (limit > MAX_ITEMS) throw new ToolError(`limit ${limit} is more than ${MAX_ITEMS}, the most one answer holds: ask for fewer and page on with next_cursor`);
  return limit;
}

/** A session, record or revision as a tool takes it: never something the command would read as an option. */
function rev(value: string, what: string): string {
  if (value.trim() === '' || value.startsWith('-')) throw new ToolError(`${what} ${JSON.stringify(value)} is not a session name or record id`);
  return value;
}

/**
 * A page of `items` (all the items from `offset` on the command gave, one
 * more than the page when more follow), cut to MAX_CHARS with the rest of
 * `answer`; `next_cursor` names where the next page starts, or is null.
 */
function page(answer: Record<string, unknown>, key: string, items: unknown[], offset: number, limit: number): Record<string, unknown> {
  let shown = items.slice(0, limit);
  let more = items.length > limit;
  const build = () => ({ ...answer, [key]: shown, next_cursor: more ? encodeCursor(offset + shown.length) : null });
  let out = build();
  while (JSON.stringify(out).length > MAX_CHARS && shown.length > 1) {
    shown = shown.slice(0, Math.max(1, Math.floor(shown.length / 2)));
    more = true;
    out = build();
  }
  if (offset + shown.length >= MAX_OFFSET) out.next_cursor = null;
  return out;
}

// ---------------------------------------------------------------- the server

export async function serveMcp(ctx: RunContext): Promise<void> {
  const io = ctx.io;
  const { Archive } = await import('../../src/archive/archive.js');
  // Found as every command finds it; opened read-only. No archive: the usual error, before serving.
  const located = await ctx.archive();
  const archive = await Archive.openAt(located.dir, { now: io.now, readOnly: true });
  const [{ McpServer, ResourceTemplate }, { StdioServerTransport }, { z }, { VERSION, createCli }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/mcp.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('zod'),
    import('../cli.js'),
  ]);

  /** Runs a tapes command in this process on the served archive; its output captured. */
  const cli = async (argv: string[]): Promise<CliResult> => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    const sub: Io = {
      cwd: io.cwd,
      env: { ...io.env, NO_COLOR: '1', FORCE_COLOR: '0', COLUMNS: '200' },
      stdin: Readable.from([]),
      stdout,
      stderr,
      stdoutIsTTY: false,
      stderrIsTTY: false,
      now: io.now,
      archive: async () => archive,
    };
    const code = await createCli(sub).run(['--color', 'never', ...argv]);
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  };
  /** A command's NDJSON lines, parsed; `empty`: the exit status that means "nothing found". */
  const lines = async (argv: string[], what: string, empty?: number): Promise<Array<Record<string, unknown>>> => {
    const r = await cli(argv);
    if (r.code !== 0) {
      if (r.code === empty && r.stdout.trim() === '' && !/\S/.test(r.stderr.replace(/^hint:.*$/gm, ''))) return [];
      throw new ToolError(complaint(r, what));
    }
    return r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  /** A command's one JSON document; `also`: another exit status that still means an answer (diff's 1: the two differ). */
  const documentOf = async (argv: string[], what: string, also?: number): Promise<Record<string, unknown>> => {
    const r = await cli(argv);
    if (r.code !== 0 && !(r.code === also && r.stdout.trim().startsWith('{'))) throw new ToolError(complaint(r, what));
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  /** Runs a tool body; a ToolError or a tapes error becomes an error result, anything else too (the server must not die). */
  const guarded =
    <A>(body: (args: A) => Promise<Record<string, unknown>>) =>
    async (args: A) => {
      try {
        return ok(await body(args));
      } catch (err) {
        return fail(err instanceof Error ? err.message : String(err));
      }
    };
  const flag = (name: string, v: string | undefined): string[] => (v === undefined || v === '' ? [] : [`--${name}`, v]);

  const server = new McpServer({ name: 'tapes', version: VERSION }, { instructions: INSTRUCTIONS });
  const limit = z.number().int().optional().describe(`Items per page (default ${DEFAULT_ITEMS}, at most ${MAX_ITEMS})`);
  const cursor = z.string().optional().describe('next_cursor of the previous answer, for the next page');
  const since = z.string().optional().describe('At or after this time: 2026-01-05, 2026-01-05T14:30, 2h, 3d, 1w');
  const until = z.string().optional().describe('At or before this time');

  server.registerTool(
    'search',
    {
      title: 'Search past sessions',
      description:
        'Full-text search over every past agent session on this machine: prompts, replies, tool calls and tool outputs. Use it BEFORE retrying something that failed or repeating an investigation: search the exact error message, a file path, a command or a function name to find what earlier sessions tried and how it ended. Query language: words all must match, "exact phrase", -excluded, prefix*. Returns record ids; read one with show, or its session around it with log.',
      inputSchema: {
        query: z.string().describe('Words that must all match; "exact phrase"; -word excludes; word* is a prefix'),
        session: z.string().optional().describe('Only in this session (and its subagents)'),
        kind: z.string().optional().describe('Only records of this kind: user, assistant, tool, tool_result, thinking, system, summary'),
        tool: z.string().optional().describe('Only calls of this tool and their results (e.g. Bash, Edit)'),
        role: z.string().optional().describe('Only records of this role: user, assistant, system, tool'),
        since,
        until,
        project: z.string().optional().describe('Only records whose working directory contains this text'),
        errors: z.boolean().optional().describe('Only failed tool results and the calls they answer'),
        limit,
        cursor,
      },
    },
    guarded(async (a: { query: string; session?: string; kind?: string; tool?: string; role?: string; since?: string; until?: string; project?: string; errors?: boolean; limit?: number; cursor?: string }) => {
      const offset = decodeCursor(a.cursor);
      const n = limitOf(a.limit);
      const argv = ['search', '--json', '-n', String(offset + n + 1), ...flag('session', a.session === undefined ? undefined : rev(a.session, 'session')), ...flag('kind', a.kind), ...flag('tool', a.tool), ...flag('role', a.role), ...flag('since', a.since), ...flag('until', a.until), ...flag('project', a.project), ...(a.errors ? ['--errors'] : []), '--', a.query];
      const hits = (await lines(argv, 'search', 2)).slice(offset);
      const items = hits.map((h) => ({ id: h.id, session: h.session, agent: h.agent, seq: h.seq, time: h.time, kind: h.label, tools: h.tools, error: h.error, snippet: cut(h.snippet) }));
      return page({ query: a.query }, 'hits', items, offset, n);
    }),
  );

  server.registerTool(
    'sessions',
    {
      title: 'List sessions',
      description:
        'Past agent sessions, newest first, with their project folder, title (the first prompt), models, records, tokens and cost. Use it to find the session about a task or project ("what did we do in this repo last week?") before reading it with log.',
      inputSchema: {
        project: z.string().optional().describe('Only sessions whose working directory contains this text'),
        since,
        until,
        model: z.string().optional().describe('Only sessions that used a model whose name contains this text'),
        harness: z.enum(['claude-code', 'codex', 'gemini']).optional().describe('Only sessions of this agent'),
        limit,
        cursor,
      },
    },
    guarded(async (a: { project?: string; since?: string; until?: string; model?: string; harness?: string; limit?: number; cursor?: string }) => {
      const offset = decodeCursor(a.cursor);
      const n = limitOf(a.limit);
      const argv = ['sessions', '--json', '-n', String(offset + n + 1), ...flag('project', a.project), ...flag('since', a.since), ...flag('until', a.until), ...flag('model', a.model), ...flag('harness', a.harness)];
      const items = (await lines(argv, 'sessions')).slice(offset).map((s) => ({
        session: s.name,
        id: s.id,
        title: cut(s.title),
        cwd: s.cwd,
        git_branch: s.git_branch,
        harness: s.harness,
        models: s.models,
        start: s.start,
        end: s.end,
        duration_ms: s.duration_ms,
        records: s.records,
        tokens: s.tokens,
        cost_usd: s.cost_usd,
        agents: s.agents,
      }));
      return page({}, 'sessions', items, offset, n);
    }),
  );

  server.registerTool(
    'log',
    {
      title: 'Read a session',
      description:
        "A session's records in the order they happened, one compact line each (id, time, kind, what was said or done), a page at a time. Use it after search or sessions to see what led up to a record and what came after; filter to tool calls of one tool or to failures. Read any record whole with show.",
      inputSchema: {
        session: z.string().describe('A session name (or its unique prefix), or a record id: its session'),
        kind: z.string().optional().describe('Only records of this kind (with the calls and results around them)'),
        tool: z.string().optional().describe('Only calls of this tool and their results'),
        errors: z.boolean().optional().describe('Only failed tool results and the calls that caused them'),
        all_records: z.boolean().optional().describe("Also the agent's bookkeeping records (attachments, request shapes, progress …), which are otherwise folded into the count \"folded\""),
        since,
        until,
        limit,
        cursor,
      },
    },
    guarded(async (a: { session: string; kind?: string; tool?: string; errors?: boolean; all_records?: boolean; since?: string; until?: string; limit?: number; cursor?: string }) => {
      const offset = decodeCursor(a.cursor);
      const n = limitOf(a.limit);
      // As `tapes log` prints it: the bookkeeping folded into a count unless
      // all_records or a kind is asked for. log --json keeps every record, so
      // the fold is made here, over the whole session (its count is the
      // session's, as log's count line is).
      const fold = !a.all_records && a.kind === undefined;
      const argv = ['log', '--json', ...(fold ? [] : ['-n', String(offset + n + 1)]), ...flag('kind', a.kind), ...flag('tool', a.tool), ...flag('since', a.since), ...flag('until', a.until), ...(a.errors ? ['--errors'] : []), '--', rev(a.session, 'session')];
      let records = await lines(argv, 'log');
      let folded = 0;
      if (fold) {
        const { isBookkeeping } = await import('../../src/record/index.js');
        const kept = records.filter((r) => !isBookkeeping({ kind: r.kind, meta: r.meta ?? {} } as never));
        folded = records.length - kept.length;
        records = kept;
      }
      const items = records.slice(offset).map((r) => ({ id: r.id, session: r.session, time: r.time, kind: r.kind, role: r.role, text: cut(recordText(r)) }));
      return page({ session: a.session, ...(fold ? { folded } : {}) }, 'records', items, offset, n);
    }),
  );

  server.registerTool(
    'show',
    {
      title: 'Read one record whole',
      description:
        'One record in full, by id (or the unique prefix of one): the prompt, reply, tool call or tool output exactly as recorded, with its session. Long records come a page of characters at a time: pass next_cursor to read on. A session name shows its first record with the session summary.',
      inputSchema: {
        id: z.string().describe('A record id or unique prefix (from search, log or errors), or a session name'),
        cursor,
      },
    },
    guarded(async (a: { id: string; cursor?: string }) => {
      // A cursor of show counts characters of one record (which the record's own length bounds).
      const offset = decodeCursor(a.cursor, Number.MAX_SAFE_INTEGER);
      const record = await documentOf(['show', '--json', '--', rev(a.id, 'id')], 'show');
      if (record.type === 'blob') throw new ToolError(`${a.id} is a blob (stored content), not a record: show takes the id of a record, as search, log and errors give them`);
      const text = JSON.stringify(record);
      const budget = MAX_CHARS - 500;
      if (offset === 0 && text.length <= budget) return { record };
      if (offset >= text.length) throw new ToolError(`the cursor is past the end of record ${String(record.id)} (${text.length} characters)`);
      const end = Math.min(text.length, offset + budget);
      return { id: record.id, session: record.session, kind: record.kind, total_chars: text.length, offset, text: text.slice(offset, end), next_cursor: end < text.length ? encodeCursor(end) : null };
    }),
  );

  server.registerTool(
    'diff',
    {
      title: 'Compare two sessions',
      description:
        'Compare two sessions (or any two records: the history up to each), e.g. a failing run with a passing one: where they diverged, the totals of each side, and the two runs aligned step by step (same, changed, only in a, only in b). Use it to find the first step where a retry went differently.',
      inputSchema: {
        a: z.string().describe('A session or record'),
        b: z.string().describe('The session or record to compare with'),
        limit,
        cursor,
      },
    },
    guarded(async (a: { a: string; b: string; limit?: number; cursor?: string }) => {
      const offset = decodeCursor(a.cursor);
      const n = limitOf(a.limit);
      const doc = await documentOf(['diff', '--json', rev(a.a, 'a'), rev(a.b, 'b')], 'diff', 1);
      const pairs = Array.isArray(doc.pairs) ? (doc.pairs as Array<Record<string, unknown>>) : [];
      const side = (s: unknown) => {
        if (!s || typeof s !== 'object') return null;
        const x = s as Record<string, unknown>;
        return { step: x.step, record: x.record, label: x.label, tool: x.tool, text: cut(x.text), is_error: x.is_error };
      };
      const first = pairs.findIndex((p) => p.mark !== 'same');
      const totals = (s: unknown) => {
        const x = (s ?? {}) as Record<string, unknown>;
        return { session: x.session, id: x.id, records: x.records, steps: x.steps, duration_ms: x.duration_ms, tokens: x.tokens, tools: x.tools, errors: x.errors, ended_with_error: x.ended_with_error };
      };
      const items = pairs.slice(offset).map((p) => ({ mark: p.mark, a: side(p.a), b: side(p.b) }));
      return page({ equal: doc.equal, a: totals(doc.a), b: totals(doc.b), shared: doc.shared, counts: doc.counts, diverged_at: first < 0 ? null : first }, 'pairs', items, offset, n);
    }),
  );

  server.registerTool(
    'stats',
    {
      title: 'Tokens, cost, tools and errors',
      description:
        'Totals for one session or a selection of sessions: tokens, estimated cost, records by kind, tool calls and failures per tool, time spent in tools. Use it to see which tools fail most or what a piece of work cost.',
      inputSchema: {
        session: z.string().optional().describe('One session (default: every session the filters select)'),
        project: z.string().optional().describe('Only sessions whose working directory contains this text'),
        since,
        until,
        model: z.string().optional().describe('Only sessions that used a model whose name contains this text'),
        harness: z.enum(['claude-code', 'codex', 'gemini']).optional(),
        limit,
        cursor,
      },
    },
    guarded(async (a: { session?: string; project?: string; since?: string; until?: string; model?: string; harness?: string; limit?: number; cursor?: string }) => {
      const offset = decodeCursor(a.cursor);
      const n = limitOf(a.limit);
      const argv = ['stats', '--json', ...flag('project', a.project), ...flag('since', a.since), ...flag('until', a.until), ...flag('model', a.model), ...flag('harness', a.harness), ...(a.session ? [rev(a.session, 'session')] : [])];
      const doc = await documentOf(argv, 'stats');
      const sessions = Array.isArray(doc.sessions) ? (doc.sessions as Array<Record<string, unknown>>) : [];
      const items = sessions.slice(offset).map((s) => ({ session: s.name, title: cut(s.title), cwd: s.cwd, start: s.start, records: s.records, tokens: s.tokens, cost_usd: s.cost_usd, tool_calls: s.tool_calls, tool_errors: s.tool_errors, tools: s.tools }));
      return page({ total: doc.total }, 'sessions', items, offset, n);
    }),
  );

  server.registerTool(
    'errors',
    {
      title: 'Failed tool calls and what came next',
      description:
        'The most recent failed tool calls across all sessions (or one session or project), newest first: the call, the error it got, and what the agent did next. Use it when a command or edit fails, to see whether it failed before and what fixed it; then search the error text or read the session with log.',
      inputSchema: {
        session: z.string().optional().describe('Only in this session (and its subagents)'),
        project: z.string().optional().describe('Only where the working directory contains this text'),
        since,
        until,
        limit,
        cursor,
      },
    },
    guarded(async (a: { session?: string; project?: string; since?: string; until?: string; limit?: number; cursor?: string }) => {
      const offset = decodeCursor(a.cursor);
      const n = limitOf(a.limit);
      const { failedCalls } = await import('../../src/archive/search/index.js');
      const { timeOption, validTimeZone } = await import('../../src/archive/timespec/index.js');
      const zone = validTimeZone(io.env.TZ);
      const time = (option: '--since' | '--until', v: string | undefined) => {
        if (v === undefined) return undefined;
        try {
          return timeOption(option, v, io.now(), zone, option === '--until');
        } catch (err) {
          throw new ToolError((err as Error).message);
        }
      };
      let chains: string[] | undefined;
      if (a.session !== undefined) {
        const { resolveTarget } = await import('../../src/archive/log/index.js');
        let ref: string | null;
        try {
          ref = (await resolveTarget(archive, a.session)).ref;
        } catch (err) {
          throw new ToolError((err as Error).message);
        }
        if (!ref) throw new ToolError(`${rev(a.session, 'session')} names no session`);
        chains = [ref];
      }
      const found = await failedCalls(archive, { chains, since: time('--since', a.since), until: time('--until', a.until), project: a.project, offset, limit: n, chars: ITEM_CHARS });
      return page({}, 'errors', found.more ? [...found.items, null] : found.items, offset, n);
    }),
  );

  server.registerResource(
    'session',
    new ResourceTemplate('tapes://session/{name}', {
      list: async () => {
        const list = await lines(['sessions', '--json', '-n', String(MAX_ITEMS * 4)], 'sessions');
        return { resources: list.map((s) => ({ uri: `tapes://session/${encodeURIComponent(String(s.name))}`, name: String(s.name), description: cut(s.title, 120), mimeType: 'text/markdown' })) };
      },
    }),
    { title: 'A session as Markdown', description: 'A whole session as tapes export --format markdown writes it (cut at 200,000 characters)', mimeType: 'text/markdown' },
    async (uri, vars) => {
      const name = decodeURIComponent(String(vars.name));
      const r = await cli(['export', '--format', 'markdown', rev(name, 'session')]);
      if (r.code !== 0) throw new Error(complaint(r, 'export'));
      const text = r.stdout.length > MAX_RESOURCE_CHARS ? `${r.stdout.slice(0, MAX_RESOURCE_CHARS)}\n\n… (cut at ${MAX_RESOURCE_CHARS} of ${r.stdout.length} characters: read on with the log and show tools)\n` : r.stdout;
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
    },
  );

  server.registerResource(
    'record',
    new ResourceTemplate('tapes://record/{id}', { list: undefined }),
    { title: 'A record as JSON', description: 'One record as tapes show --json prints it', mimeType: 'application/json' },
    async (uri, vars) => {
      const r = await cli(['show', '--json', '--', rev(String(vars.id), 'record')]);
      if (r.code !== 0) throw new Error(complaint(r, 'show'));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: r.stdout.trim() }] };
    },
  );

  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const ended = new Promise<void>((resolve) => {
    io.stdin.once('end', resolve);
    io.stdin.once('close', resolve);
  });
  await server.connect(transport);
  await ended;
  await server.close();
}

/** What a record (as log --json gives it) says, in one line: its text, its calls, its results. */
function recordText(r: Record<string, unknown>): string {
  const out: string[] = [];
  const content = Array.isArray(r.content) ? (r.content as unknown[]) : [];
  for (const b of content) {
    if (typeof b === 'string') {
      out.push(b);
      continue;
    }
    if (!b || typeof b !== 'object') continue;
    const x = b as Record<string, unknown>;
    if (x.type === 'text') out.push(String(x.text ?? ''));
    else if (x.type === 'thinking') out.push(`(thinking) ${String(x.thinking ?? '')}`);
    else if (x.type === 'tool_use' || x.type === 'server_tool_use') out.push(`${String(x.name ?? 'tool')} ${JSON.stringify(x.input ?? {})}`);
    else if (x.type === 'tool_result') {
      const c = x.content;
      const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p && typeof p === 'object' && 'text' in p ? String((p as { text: unknown }).text) : typeof p === 'string' ? p : '')).join(' ') : '';
      out.push(`${x.is_error === true ? 'error' : 'result'}: ${text}`);
    }
  }
  if (out.length === 0) {
    const meta = (r.meta ?? {}) as Record<string, unknown>;
    return String(meta.source_type ?? meta.data_type ?? r.kind ?? '');
  }
  return out.join(' | ');
}
