// tapes sessions end to end on real transcripts: every figure is computed
// again here from the raw JSONL (JSON.parse of each line), not by the code
// under test, and the filters, sorts, -n, --json, --agents and --pricing are
// checked against those figures.
import t from 'tap';
import { appendFileSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const projects = join(corpusDir, 'claude-code', 'projects');
const soph = join(projects, '-Users-soph-Work-entire-devenv-cli');
const alex = join(projects, '-Users-alex-workspace-cli');
const CLAUDE = [
  join(alex, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl'),
  join(soph, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
  join(soph, 'be437104-4a61-49d9-b754-592ad3e357ce.jsonl'),
  join(soph, '19abe528-a510-4c89-a1f8-138956474766.jsonl'),
  join(projects, '-Users-alex-workspace-cli--worktrees-2', '2b945d54-dd2b-4f60-b3b0-7b0252349003.jsonl'),
  join(alex, '0cf3db51-1c73-43bb-8d05-dc02739514a5-7e6e3ea2ad.jsonl'),
];
const showcase = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
const codexFile = join(corpusDir, 'edge-cases', 'kvsankar__agent-history', 'tests', 'fixtures', 'real_sessions', 'codex', 'session-01.jsonl');
const env = { TZ: 'UTC', HOME: '/Users/soph' };

// ---------------------------------------------------------------------------
// The oracle: figures from the raw lines.

interface Tokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

interface Expected {
  name: string;
  records: number;
  start: string;
  end: string;
  cwd: string;
  models: string[];
  tokens: Tokens;
  byModel: Record<string, Tokens>;
  toolCalls: number;
  toolErrors: number;
}

type Line = Record<string, unknown> & { message?: Record<string, unknown> };

function rawLines(path: string): string[] {
  const out = readFileSync(path, 'utf8').split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function parsed(path: string): Line[] {
  return rawLines(path).flatMap((l) => {
    try {
      const v = JSON.parse(l) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? [v as Line] : [];
    } catch {
      return [];
    }
  });
}

/** Claude Code: a message's usage is repeated on each of its lines; the last one counts. */
function claudeExpected(path: string): Expected {
  const lines = parsed(path);
  const times = lines.map((l) => l.timestamp).filter((x): x is string => typeof x === 'string').map((x) => new Date(x).toISOString()).sort();
  const lastUsage = new Map<string, { model: string; u: Record<string, number> }>();
  const models: string[] = [];
  let toolCalls = 0;
  let toolErrors = 0;
  let anon = 0;
  for (const l of lines) {
    const m = l.message;
    if (!m || typeof m !== 'object') continue;
    if (typeof m.model === 'string' && m.model !== '<synthetic>' && !models.includes(m.model)) models.push(m.model);
    if (m.usage && typeof m.usage === 'object' && m.model !== '<synthetic>') {
      const key = typeof m.id === 'string' ? m.id : typeof l.requestId === 'string' ? l.requestId : `anon-${anon++}`;
      lastUsage.set(key, { model: m.model as string, u: m.usage as Record<string, number> });
    }
    for (const b of Array.isArray(m.content) ? (m.content as Array<Record<string, unknown>>) : []) {
      if (b?.type === 'tool_use' || b?.type === 'server_tool_use') toolCalls++;
      if (b?.type === 'tool_result' && b.is_error === true) toolErrors++;
    }
  }
  const tokens = zero();
  const byModel: Record<string, Tokens> = {};
  for (const { model, u } of lastUsage.values()) {
    const x = { input: u.input_tokens ?? 0, output: u.output_tokens ?? 0, cache_read: u.cache_read_input_tokens ?? 0, cache_write: u.cache_creation_input_tokens ?? 0 };
    add(tokens, x);
    add((byModel[model] ??= zero()), x);
  }
  const cwd = lines.find((l) => typeof l.cwd === 'string')?.cwd as string;
  return { name: basename(path, '.jsonl'), records: rawLines(path).length, start: times[0]!, end: times[times.length - 1]!, cwd, models, tokens, byModel, toolCalls, toolErrors };
}

const zero = (): Tokens => ({ input: 0, output: 0, cache_read: 0, cache_write: 0 });
function add(a: Tokens, b: Tokens) {
  a.input += b.input;
  a.output += b.output;
  a.cache_read += b.cache_read;
  a.cache_write += b.cache_write;
}

// List prices per million tokens, written out here rather than read from the code.
const PRICES: Record<string, { input: number; output: number }> = {
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-6': { input: 5, output: 25 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'gpt-5': { input: 1.25, output: 10 },
};

function costOf(byModel: Record<string, Tokens>, prices = PRICES, cacheRead = (p: { input: number }) => p.input / 10): number {
  let usd = 0;
  for (const [model, t] of Object.entries(byModel)) {
    const key = Object.keys(prices).filter((k) => model.startsWith(k)).sort((a, b) => b.length - a.length)[0]!;
    const p = prices[key]!;
    usd += (t.input * p.input + t.output * p.output + t.cache_read * cacheRead(p) + t.cache_write * p.input * 1.25) / 1e6;
  }
  return usd;
}

const inTokens = (x: Tokens) => x.input + x.cache_read + x.cache_write;

function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 999_500) return (n / 1e3 >= 99.95 ? Math.round(n / 1e3) : (n / 1e3).toFixed(1)) + 'k';
  return (n / 1e6 >= 99.95 ? Math.round(n / 1e6) : (n / 1e6).toFixed(1)) + 'M';
}

// ---------------------------------------------------------------------------

interface JsonRow {
  id: string;
  ref: string;
  name: string;
  tip: string;
  parent_session: string | null;
  agents: number;
  harness: string | null;
  harness_version: string | null;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  records: number;
  models: string[];
  cwd: string | null;
  git_branch: string | null;
  title: string | null;
  tokens: Tokens;
  tokens_by_model: Record<string, Tokens>;
  tool_calls: number;
  tool_errors: number;
  cost_usd: number | null;
  unpriced_models: string[];
}

let cwd = '';
t.before(async () => {
  cwd = tempDir('tapes-sessions-cmd-');
  await tapes(['init', '-q'], { cwd });
  // Into a pack (as stats.test.ts imports): what is read is the same, without a file created and fsynced per object.
  appendFileSync(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const r = await tapes(['import', ...CLAUDE, showcase, codexFile], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
});
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

const run = (args: string[], opts: { env?: Record<string, string>; now?: () => Date } = {}) => tapes(args, { cwd, env: { ...env, ...opts.env }, now: opts.now });

async function rows(args: string[] = [], opts: { env?: Record<string, string>; now?: () => Date } = {}): Promise<JsonRow[]> {
  const r = await run(['sessions', '--json', ...args], opts);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout === '' ? [] : r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as JsonRow);
}

const SESSIONS = 10; // 6 Claude Code files, 3 showcase sessions, 1 Codex rollout

t.test('one line per session, newest first, each figure as the transcript has it', async (t) => {
  const r = await run(['sessions']);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  const out = r.stdout.trimEnd().split('\n');
  t.equal(out.length, SESSIONS + 1, 'a header and a line per session (subagents hidden)');
  t.match(out[0], /^SESSION +START +DURATION +RECORDS +MODEL +IN +OUT +COST +PROJECT +TITLE$/);
  const all = await rows();
  const starts = all.map((s) => s.start!);
  t.same(starts, [...starts].sort().reverse(), 'newest first');
  for (const path of CLAUDE) {
    const e = claudeExpected(path);
    const s = all.find((x) => x.name === e.name)!;
    t.ok(s, `${e.name} listed`);
    t.equal(s.ref, `refs/sessions/${e.name}`, 'full ref name');
    t.equal(s.records, e.records, `${e.name}: a record per line`);
    t.equal(s.start, e.start, `${e.name}: start`);
    t.equal(s.end, e.end, `${e.name}: end`);
    t.equal(s.duration_ms, Date.parse(e.end) - Date.parse(e.start), `${e.name}: duration`);
    t.equal(s.cwd, e.cwd);
    t.same(s.models, e.models, `${e.name}: models`);
    t.same(s.tokens, e.tokens, `${e.name}: tokens, last usage per message id`);
    t.same(s.tokens_by_model, e.byModel, `${e.name}: tokens by model`);
    t.equal(s.tool_calls, e.toolCalls, `${e.name}: tool_use blocks`);
    t.equal(s.tool_errors, e.toolErrors, `${e.name}: failed tool results`);
    t.ok(Math.abs(s.cost_usd! - costOf(e.byModel)) < 1e-6, `${e.name}: cost ${s.cost_usd} ≈ ${costOf(e.byModel)}`);
    t.equal(s.harness, 'claude-code');
    // The text line says the same.
    const line = out.find((l) => l.startsWith(s.id + ' '))!;
    t.ok(line, `${e.name}: a line starts with its short name ${s.id}`);
    const cells = line.split(/ {2,}/);
    t.equal(cells[1], e.start.slice(0, 16).replace('T', ' '), 'START in local time (TZ=UTC)');
    t.equal(cells[3], String(e.records), 'RECORDS');
    t.equal(cells[4], e.models[0]!.replace(/-\d{8}$/, ''), 'MODEL without its date');
    t.equal(cells[5], compact(inTokens(e.tokens)), 'IN: input, cache reads and writes');
    t.equal(cells[6], compact(e.tokens.output), 'OUT');
    t.equal(cells[7], `$${costOf(e.byModel).toFixed(2)}`, 'COST');
    t.equal(cells[8], e.cwd.replace(/^\/Users\/soph/, '~'), 'PROJECT, $HOME as ~');
  }
  t.equal(all.find((s) => s.name.startsWith('0cf3db51'))!.models.includes('<synthetic>'), false, "Claude Code's own messages are not a model");
});

t.test('short names are unique prefixes of at least 8 characters that the resolver takes back', async (t) => {
  const all = await rows(['--agents']);
  for (const s of all) {
    if (s.parent_session !== null) {
      t.equal(s.id, s.ref.slice('refs/'.length), 'a subagent chain is named in full');
      continue;
    }
    t.ok(s.name.startsWith(s.id), `${s.id} begins ${s.name}`);
    t.ok(s.id.length >= 8 || s.id === s.name, 'at least 8 characters');
    const r = await run(['rev-parse', '--symbolic-full-name', s.id]);
    t.equal(r.stdout.trim(), s.ref, `${s.id} resolves to ${s.ref}`);
  }
  // Names sharing a long prefix need more than 8 characters.
  t.equal(all.find((s) => s.name === '55550000-0000-4000-8000-000000000001')!.id, '55550000-0000-4000-8000-000000000001');
  t.equal(all.find((s) => s.name === 'be437104-4a61-49d9-b754-592ad3e357ce')!.id, 'be437104');
});

t.test('--json: one object per line with the documented members', async (t) => {
  const r = await run(['sessions', '--json', '-n', '2']);
  const out = r.stdout.split('\n');
  t.equal(out.pop(), '', 'ends with a newline');
  t.equal(out.length, 2);
  for (const l of out) {
    t.notMatch(l, /\n/);
    const o = JSON.parse(l) as JsonRow;
    t.same(Object.keys(o), [
      'id', 'ref', 'name', 'tip', 'parent_session', 'agents', 'harness', 'harness_version', 'start', 'end', 'duration_ms', 'records',
      'models', 'cwd', 'git_branch', 'title', 'tokens', 'tokens_by_model', 'tool_calls', 'tool_errors', 'cost_usd', 'unpriced_models',
    ]);
    t.match(o.tip, /^[0-9a-f]{64}$/);
    t.equal((await run(['rev-parse', o.ref])).stdout.trim(), o.tip, 'tip is where the ref points');
  }
  const showcaseSession = (await rows()).find((s) => s.name === '55550000-0000-4000-8000-000000000001')!;
  t.equal(showcaseSession.agents, 2, 'subagent chains of the session');
});

t.test('filters: --since, --until, --project, --model, --harness', async (t) => {
  const all = await rows();
  const names = (list: JsonRow[]) => list.map((s) => s.name).sort();
  // Active at or after: end >= since; started at or before: start <= until.
  const since = '2026-01-19T03:15:10Z';
  t.same(names(await rows(['--since', since])), names(all.filter((s) => Date.parse(s.end!) >= Date.parse(since))), '--since an instant');
  t.same(names(await rows(['--until', '2026-01-19'])), names(all.filter((s) => s.start! < '2026-01-20')), '--until a date: the whole day');
  t.same(
    names(await rows(['--since', '2026-01-15', '--until', '2026-01-22'])),
    names(all.filter((s) => s.end! >= '2026-01-15' && s.start! < '2026-01-23')),
    'both',
  );
  t.same(names(await rows(['--until', '2026-01-19T03:16', '--since', '2026-01-19T03:15'])), ['1b3e6441-62e3-4b41-8a0c-9d252f531f7a'], 'a session spanning the minute');
  // In another zone a date means that zone's day.
  t.same(
    names(await rows(['--until', '2026-01-15'], { env: { TZ: 'Pacific/Kiritimati' } })),
    names(all.filter((s) => s.start! < '2026-01-15T10:00:00Z')),
    'local days follow $TZ (UTC+14)',
  );
  // Relative: from the clock the command is given.
  const now = () => new Date('2026-01-22T16:00:00Z');
  t.same(names(await rows(['--since', '1h', '--until', 'now'], { now })), ['be437104-4a61-49d9-b754-592ad3e357ce'], '--since 1h --until now');
  t.same(names(await rows(['--since', '1h'], { now })), names(all.filter((s) => Date.parse(s.end!) >= now().getTime() - 3600e3)), '--since 1h');
  t.same(names(await rows(['--since', '8d'], { now })), names(all.filter((s) => Date.parse(s.end!) >= now().getTime() - 8 * 86400e3)), '--since 8d');
  t.same(names(await rows(['--since', '1w', '--until', '2d'], { now })), names(all.filter((s) => Date.parse(s.end!) >= now().getTime() - 7 * 86400e3 && Date.parse(s.start!) <= now().getTime() - 2 * 86400e3)));
  t.same(names(await rows(['--project', 'DEVENV'])), names(all.filter((s) => s.cwd?.includes('devenv'))), '--project, any case');
  t.same(names(await rows(['--project', 'example-app'])), ['55550000-0000-4000-8000-000000000001', '55550000-0000-4000-8000-000000000002', '55550000-0000-4000-8000-000000000003']);
  t.same(names(await rows(['--model', 'opus-4-6'])), ['2b945d54-dd2b-4f60-b3b0-7b0252349003']);
  t.same(names(await rows(['--model', 'HAIKU'])), names(all.filter((s) => s.models.some((m) => m.includes('haiku')))));
  t.same(names(await rows(['--harness', 'codex'])), ['session-01']);
  t.equal((await rows(['--harness', 'claude-code'])).length, SESSIONS - 1);
  t.same(await rows(['--project', 'nowhere']), [], 'no match: nothing');
  const none = await run(['sessions', '--project', 'nowhere']);
  t.equal(none.code, 0);
  t.equal(none.stdout, '', 'no header without sessions');
});

t.test('sorts, --reverse and -n', async (t) => {
  const all = await rows();
  const by = (f: (s: JsonRow) => number) => [...all].sort((a, b) => f(b) - f(a) || (a.ref < b.ref ? -1 : 1)).map((s) => s.name);
  t.same((await rows(['--sort', 'duration'])).map((s) => s.name), by((s) => s.duration_ms!), 'duration, longest first');
  t.same((await rows(['--sort', 'tokens'])).map((s) => s.name), by((s) => inTokens(s.tokens) + s.tokens.output), 'tokens, most first');
  t.same((await rows(['--sort', 'cost'])).map((s) => s.name), by((s) => s.cost_usd ?? -1), 'cost, dearest first');
  t.same((await rows(['--sort', 'date'])).map((s) => s.name), by((s) => Date.parse(s.start!)), 'date');
  t.same((await rows(['--reverse'])).map((s) => s.name), by((s) => Date.parse(s.start!)).reverse(), '--reverse: oldest first');
  t.same((await rows(['-n', '3'])).map((s) => s.name), by((s) => Date.parse(s.start!)).slice(0, 3), '-n 3');
  t.same((await rows(['--max-count=3', '--reverse'])).map((s) => s.name), by((s) => Date.parse(s.start!)).slice(0, 3).reverse(), '-n before --reverse, as in git');
  t.same((await rows(['--sort', 'cost', '-n', '1'])).map((s) => s.name), by((s) => s.cost_usd ?? -1).slice(0, 1));
  t.same(await rows(['-n', '0']), []);
  t.same(await rows(['-n', '-4']), [], 'a negative count is 0');
  const text = await run(['sessions', '--sort', 'cost', '-n', '2']);
  t.equal(text.stdout.trimEnd().split('\n').length, 3);
});

t.test('--agents: subagent chains after their session', async (t) => {
  const r = await run(['sessions', '--agents', '--project', 'example-app']);
  const out = r.stdout.trimEnd().split('\n');
  const at = out.findIndex((l) => l.startsWith('55550000-0000-4000-8000-000000000001 '));
  t.match(out[at + 1], /^└ agent-showcol1 /);
  t.match(out[at + 2], /^└ agent-showcol2 /);
  t.equal(out.length, 1 + 3 + 2);
  const json = await rows(['--agents']);
  const agents = json.filter((s) => s.parent_session !== null);
  t.same(agents.map((s) => s.ref), [
    'refs/agents/55550000-0000-4000-8000-000000000001/agent-showcol1',
    'refs/agents/55550000-0000-4000-8000-000000000001/agent-showcol2',
  ]);
  const i = json.findIndex((s) => s.name === '55550000-0000-4000-8000-000000000001');
  t.same(json.slice(i + 1, i + 3), agents, 'right after their session');
  // The subagent's own figures, from its own file.
  const file = join(showcase, '55550000-0000-4000-8000-000000000001', 'subagents', 'agent-showcol1.jsonl');
  const e = claudeExpected(file);
  t.equal(agents[0]!.records, e.records);
  t.same(agents[0]!.tokens, e.tokens);
  t.equal(agents[0]!.parent_session, '55550000-0000-4000-8000-000000000001');
  t.equal((await rows()).filter((s) => s.parent_session !== null).length, 0, 'hidden by default');
});

t.test('--pricing: the file changes the cost by exactly its prices', async (t) => {
  const name = 'be437104-4a61-49d9-b754-592ad3e357ce';
  const e = claudeExpected(join(soph, `${name}.jsonl`));
  const base = (await rows()).find((s) => s.name === name)!;
  await fs.writeFile(join(cwd, 'prices.json'), JSON.stringify({ 'claude-opus-4-5': { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 } }));
  const dear = (await rows(['--pricing', 'prices.json'])).find((s) => s.name === name)!;
  const t4 = e.byModel['claude-opus-4-5-20251101']!;
  const delta = (t4.input * 10 + t4.output * 50 + t4.cache_read * 1 + t4.cache_write * 12.5) / 1e6;
  t.ok(Math.abs(dear.cost_usd! - base.cost_usd! - delta) < 2e-6, `cost grew by ${delta}`);
  // Defaults for the cache, and a model the built-in table does not know.
  await fs.writeFile(join(cwd, 'free.json'), JSON.stringify({ claude: { input: 0, output: 0 }, 'gpt-5.5': { input: 2, output: 20 } }));
  const free = await rows(['--pricing', 'free.json']);
  for (const s of free.filter((x) => x.harness === 'claude-code')) t.equal(s.cost_usd, 0, `${s.name}: every claude model matched the file`);
  const codex = free.find((s) => s.harness === 'codex')!;
  t.ok(Math.abs(codex.cost_usd! - (codex.tokens.input * 2 + codex.tokens.output * 20 + codex.tokens.cache_read * 0.2) / 1e6) < 1e-6, 'cache reads default to a tenth of input');
  // A model without any price.
  await fs.writeFile(join(cwd, 'nothing.json'), '{}');
  const sorted = await rows(['--pricing', 'nothing.json', '--sort', 'cost']);
  t.ok(sorted.length === SESSIONS);
  const text = await run(['sessions', '--pricing', 'free.json', '-n', '1', '--project', 'devenv']);
  t.match(text.stdout, /\$0\.00/);
  // -C moves where the file is looked for.
  const other = tempDir('tapes-sessions-other-');
  t.teardown(() => rmSync(other, { recursive: true, force: true }));
  const moved = await tapes(['-C', cwd, 'sessions', '--pricing', 'prices.json', '-n', '1'], { cwd: other, env });
  t.equal(moved.code, 0, 'relative to -C');
});

t.test('bad input: exit codes and messages', async (t) => {
  const since = await run(['sessions', '--since', 'last tuesday']);
  t.equal(since.code, 129, 'bad --since: usage');
  t.match(since.stderr, /^tapes: usage: bad --since value "last tuesday": expected a date/);
  t.match(since.stderr, /tapes help sessions/);
  t.equal(since.stdout, '');
  t.equal((await run(['sessions', '--until', '2026-02-30'])).code, 129, 'no such day');
  t.equal((await run(['sessions', '--since'])).code, 129, 'no value');
  t.equal((await run(['sessions', '--sort', 'size'])).code, 129, 'unknown sort key');
  t.equal((await run(['sessions', '--harness', 'cursor'])).code, 129, 'unknown harness');
  t.equal((await run(['sessions', 'extra'])).code, 129, 'no positional arguments');
  const missing = await run(['sessions', '--pricing', 'no-such.json']);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'tapes: error: pricing file no-such.json: no such file\n');
  await fs.writeFile(join(cwd, 'bad.json'), '{"claude-opus": {"input": 5, "output": "25"}}');
  const bad = await run(['sessions', '--pricing', 'bad.json']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^tapes: error: pricing file bad\.json: "claude-opus"\.output must be a non-negative number/);
  await fs.writeFile(join(cwd, 'notjson.json'), '{claude');
  const nj = await run(['sessions', '--pricing', 'notjson.json']);
  t.equal(nj.code, 1);
  t.match(nj.stderr, /pricing file notjson\.json: not JSON/);
  t.equal((await run(['sessions', '--pricing', '.'])).code, 1, 'a directory');
  const elsewhere = tempDir('tapes-no-archive-');
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  t.equal((await tapes(['sessions'], { cwd: elsewhere })).code, 128, 'no archive');
});

t.test('an empty archive prints nothing and a hint', async (t) => {
  const empty = tempDir('tapes-empty-');
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd: empty });
  const r = await tapes(['sessions'], { cwd: empty });
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^hint: no sessions yet/);
  t.equal((await tapes(['sessions', '--json'], { cwd: empty })).stdout, '');
});

t.test('colour only when asked or on a terminal', async (t) => {
  const plain = await run(['sessions', '-n', '1']);
  t.notMatch(plain.stdout, /\x1b\[/, 'not a terminal: no colour');
  const forced = await run(['sessions', '-n', '1', '--color=always']);
  t.match(forced.stdout, /\x1b\[33m/, '--color=always: names in yellow');
  t.equal(forced.stdout.replace(/\x1b\[[0-9;]*m/g, ''), plain.stdout, 'same text under the colour');
  const env2 = await run(['sessions', '-n', '1'], { env: { FORCE_COLOR: '1' } });
  t.match(env2.stdout, /\x1b\[/, 'FORCE_COLOR');
});
