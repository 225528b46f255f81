// The tables of the commands that read sessions.
import { ALL_RECORDS, KIND, MAX_COUNT, PAGER, TOOL, json, timeRange, type CommandSpec, type OptionSpec } from './types.js';

/** The options `sessions` and `stats` share. */
const SESSION_FILTERS: OptionSpec[] = [
  ...timeRange('<when>', 'Only sessions active at or after <when> (2026-01-05, 2026-01-05T14:30, 2h, 3d, 1w)', 'Only sessions started at or before <when>'),
  { name: 'project', type: 'string', arg: '<text>', describe: 'Only sessions whose working directory contains <text>' },
  { name: 'model', type: 'string', arg: '<text>', describe: 'Only sessions that used a model whose name contains <text>' },
  { name: 'harness', type: 'string', arg: '<harness>', choices: ['claude-code', 'codex', 'gemini'], describe: 'Only sessions captured from <harness>' },
  { name: 'agents', type: 'boolean', describe: 'Include subagent chains (refs/agents/…), each after its session' },
  { name: 'pricing', type: 'string', arg: '<file>', describe: 'Prices from <file> (JSON) over the built-in table', complete: 'file' },
  PAGER,
];

const RECORD_TIMES = timeRange('<time>', 'Records at or after <time> (2026-01-05, 2026-01-05T14:30, 2h, 3d, today …)', 'Records at or before <time>');

export const sessions: CommandSpec = {
  name: 'sessions',
  describe: 'List sessions, newest first: start, duration, records, models, tokens, cost, project, title',
  group: 'read',
  positionals: [],
  options: [
    ...SESSION_FILTERS,
    { name: 'sort', type: 'string', arg: '<key>', choices: ['date', 'duration', 'tokens', 'cost'], default: 'date', describe: 'Order by start, duration, tokens or cost, largest or newest first' },
    { name: 'reverse', type: 'boolean', describe: 'Reverse the order (after -n)' },
    MAX_COUNT('Show at most <n> sessions'),
    json('Print one JSON object per session (NDJSON)'),
  ],
};

export const stats: CommandSpec = {
  name: 'stats',
  describe: 'Show duration, records, tool calls and errors, tokens and estimated cost, per session and in total',
  group: 'read',
  positionals: [{ name: 'session', variadic: true, describe: 'Sessions (or any revisions: the chain ending there); default: all', complete: 'session' }],
  options: [
    ...SESSION_FILTERS,
    json('Print {"sessions": [...], "total": {...}} as one JSON document'),
    { name: 'html', type: 'boolean', describe: 'Write a self-contained HTML page of charts and tables: per day, per project, sessions, tools' },
    { name: 'output', alias: 'o', type: 'string', arg: '<file>', describe: 'With --html: write the page to <file> instead of standard output', complete: 'file' },
  ],
  conflicts: [['json', 'html']],
};

export const log: CommandSpec = {
  name: 'log',
  describe: 'Show the records of a session in captured order',
  group: 'read',
  positionals: [{ name: 'rev', describe: 'Session or record (default: HEAD, else the most recently active session); more after --', complete: 'session' }],
  rest: true,
  options: [
    { name: 'oneline', type: 'boolean', describe: 'One line per record: id and summary, no tree or times' },
    MAX_COUNT('Show only the first <n> records (in display order)'),
    ...RECORD_TIMES,
    KIND,
    TOOL,
    { name: 'errors', type: 'boolean', describe: 'Only failed tool results and the calls that caused them' },
    { name: 'reverse', type: 'boolean', describe: 'Newest first' },
    { name: 'stat', type: 'boolean', describe: 'Add token counts to each record and a total' },
    ALL_RECORDS,
    json('One JSON record per line (NDJSON), blobs read back'),
    { name: 'subagents', type: 'boolean', default: true, describe: 'Show subagents under the call that spawned them (--no-subagents hides them)' },
    PAGER,
  ],
  conflicts: [['json', ['oneline', 'stat']]],
};

export const show: CommandSpec = {
  name: 'show',
  describe: 'Show a record in full (a session: its summary and first record)',
  group: 'read',
  positionals: [{ name: 'rev', variadic: true, describe: 'Records or sessions to show, each in turn (after -- too)', complete: 'session' }],
  rest: true,
  options: [
    { name: 'full', type: 'boolean', describe: 'Show long tool outputs and inputs whole' },
    { name: 'raw', type: 'boolean', describe: 'Print the record as stored (canonical JSON)' },
    { name: 'source', type: 'boolean', describe: 'Print the original line the record was imported from' },
    { name: 'wire', type: 'boolean', describe: 'Print the exact HTTP request and response of the model turn behind the record' },
    json('Print each record as JSON with every blob read back (NDJSON)'),
    { name: 'context', type: 'boolean', describe: 'Print the request context of the model turn behind the record: system prompt, tools and model' },
    PAGER,
  ],
  conflicts: [
    ['raw', ['source', 'json', 'wire', 'context']],
    ['source', ['json', 'wire', 'context']],
    ['wire', ['context']],
  ],
};

export const replay: CommandSpec = {
  name: 'replay',
  describe: 'Step through a session, one record at a time',
  group: 'read',
  positionals: [{ name: 'session', describe: 'Session (or any revision: the chain ending there); default HEAD, else the latest session', complete: 'session' }],
  options: [ALL_RECORDS],
};

/** Results search shows when -n is not given. */
export const SEARCH_MAX_COUNT = 20;

export const search: CommandSpec = {
  name: 'search',
  describe: 'Find records across every session (words, "phrases", -word, prefix*)',
  group: 'read',
  positionals: [{ name: 'query', variadic: true, describe: 'Words that must all match; "exact phrase"; -word excludes; word* is a prefix' }],
  rest: true,
  options: [
    { name: 'session', type: 'string', arg: '<session>', describe: 'Only in this session (and its subagents), or this subagent chain (repeatable)', complete: 'session' },
    KIND,
    TOOL,
    { name: 'role', type: 'string', arg: '<role>', describe: 'Only records of this role: user, assistant, system, developer, tool (repeatable)' },
    ...timeRange('<when>', 'Records at or after <when> (2026-01-05, 2026-01-05T14:30, 2h, 3d, today …)', 'Records at or before <when>'),
    { name: 'project', type: 'string', arg: '<text>', describe: 'Only records whose working directory contains <text>' },
    { name: 'errors', type: 'boolean', describe: 'Only failed tool results, the calls they answer, and API or system errors' },
    MAX_COUNT(`Show at most <n> results (default ${SEARCH_MAX_COUNT}; 0 for all)`),
    { name: 'sessions', type: 'boolean', describe: 'Group the results by session, best session first' },
    json('One JSON object per result (NDJSON); with --sessions, one per session'),
    PAGER,
  ],
};

export const exportCmd: CommandSpec = {
  name: 'export',
  describe: 'Write a session out: original bytes, JSONL records, Markdown or HTML',
  group: 'read',
  positionals: [{ name: 'session', describe: 'Session (or any revision: the chain ending there)', complete: 'session' }],
  options: [
    { name: 'format', type: 'string', arg: '<format>', choices: ['original', 'jsonl', 'markdown', 'html'], default: 'original', describe: 'Output format' },
    { name: 'output', alias: 'o', type: 'string', arg: '<file>', describe: 'Write to <file> instead of standard output (with --all: the folder)', complete: 'file' },
    { name: 'all', type: 'boolean', describe: 'Every session, one file each, into the folder -o names (with an index page for markdown and html)' },
    { name: 'redact', type: 'boolean', describe: 'Mask strings that look like secrets (keys, tokens, private keys, passwords in URLs)' },
    { ...ALL_RECORDS, describe: "markdown: keep the agent's bookkeeping records (attachments, request shapes, progress …) instead of folding them into a count; original and jsonl always keep every record" },
  ],
};

export const mcp: CommandSpec = {
  name: 'mcp',
  describe: 'Serve the archive to agents over MCP on stdio, read-only',
  group: 'read',
  positionals: [],
  options: [],
};
