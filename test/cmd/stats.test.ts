// tapes stats end to end on real transcripts. The expected figures are
// computed here from the raw JSONL: tool calls by name from tool_use blocks,
// errors by matching each is_error tool_result to the tool_use id it answers,
// records by kind from each line's type, tokens from the last usage of each
// message id, costs from list prices written out here.
import t from 'tap';
import { appendFileSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { Archive } from '../../src/archive/index.js';

const projects = join(corpusDir, 'claude-code', 'projects');
const soph = join(projects, '-Users-soph-Work-entire-devenv-cli');
const F_ERRORS = join(soph, 'f6833005-7be4-4178-bb37-a0e9feadc36b.jsonl'); // 78 tool calls, 10 failed
const F_SMALL = join(soph, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'); // 10 calls, 2 failed
const F_TWO_MODELS = join(soph, '4fec7ea0-3335-43ec-a178-d4ab47d5aef3.jsonl'); // Opus and Sonnet
const F_CLEAN = join(soph, 'be437104-4a61-49d9-b754-592ad3e357ce.jsonl');
const CLAUDE = [F_ERRORS, F_SMALL, F_TWO_MODELS, F_CLEAN];
const showcase = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
const codexDir = join(corpusDir, 'codex', 'sessions');
const env = { TZ: 'UTC', HOME: '/home/nobody' };

interface Tokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}
interface ToolCount {
  calls: number;
  errors: number;
}
interface ModelUsage extends Tokens {
  model: string;
  cost_usd: number | null;
}
interface Chain {
  ref: string | null;
  name: string;
  tip: string;
  parent_session: string | null;
  start: string | null;
  end: string | null;
  duration_ms: number | null;
  records: number;
  records_by_kind: Record<string, number>;
  tool_calls: number;
  tool_errors: number;
  tools: Record<string, ToolCount>;
  tokens: Tokens;
  models: ModelUsage[];
  cost_usd: number | null;
  unpriced_models: string[];
  agents: number;
  title: string | null;
}
interface Total extends Omit<Chain, 'ref' | 'name' | 'tip' | 'parent_session' | 'agents' | 'title' | 'duration_ms'> {
  sessions: number;
  agents: number;
  duration_ms: number;
}

// ---------------------------------------------------------------------------
// The oracle.

type Line = Record<string, unknown> & { message?: Record<string, unknown> };

function rawLines(path: string): string[] {
  const out = readFileSync(path, 'utf8').split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

const zero = (): Tokens => ({ input: 0, output: 0, cache_read: 0, cache_write: 0 });

interface Expected {
  name: string;
  records: number;
  kinds: Record<string, number>;
  tools: Record<string, ToolCount>;
  calls: number;
  errors: number;
  byModel: Record<string, Tokens>;
  duration: number;
}

function claudeExpected(path: string): Expected {
  const kinds: Record<string, number> = {};
  const tools: Record<string, ToolCount> = {};
  const nameOf = new Map<string, string>();
  const usage = new Map<string, { model: string; u: Record<string, number> }>();
  const times: number[] = [];
  let calls = 0;
  let errors = 0;
  for (const raw of rawLines(path)) {
    let l: Line;
    try {
      l = JSON.parse(raw) as Line;
    } catch {
      kinds.unparsed = (kinds.unparsed ?? 0) + 1;
      continue;
    }
    if (typeof l.timestamp === 'string') times.push(Date.parse(l.timestamp));
    const m = l.message;
    const content = m && Array.isArray(m.content) ? (m.content as Array<Record<string, unknown>>) : [];
    let kind = ['user', 'assistant', 'system', 'summary', 'progress'].includes(l.type as string) ? (l.type as string) : 'other';
    if (kind === 'user' && content.length > 0 && content.every((b) => b?.type === 'tool_result')) kind = 'tool_result';
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    for (const b of content) {
      if (b?.type === 'tool_use' || b?.type === 'server_tool_use') {
        calls++;
        (tools[b.name as string] ??= { calls: 0, errors: 0 }).calls++;
        nameOf.set(b.id as string, b.name as string);
      }
      if (b?.type === 'tool_result' && b.is_error === true) {
        errors++;
        (tools[nameOf.get(b.tool_use_id as string) ?? '(unknown)'] ??= { calls: 0, errors: 0 }).errors++;
      }
    }
    if (m?.usage && m.model !== '<synthetic>') usage.set(m.id as string, { model: m.model as string, u: m.usage as Record<string, number> });
  }
  const byModel: Record<string, Tokens> = {};
  for (const { model, u } of usage.values()) {
    const x = (byModel[model] ??= zero());
    x.input += u.input_tokens ?? 0;
    x.output += u.output_tokens ?? 0;
    x.cache_read += u.cache_read_input_tokens ?? 0;
    x.cache_write += u.cache_creation_input_tokens ?? 0;
  }
  return { name: basename(path, '.jsonl'), records: rawLines(path).length, kinds, tools, calls, errors, byModel, duration: Math.max(...times) - Math.min(...times) };
}

const PRICES: Record<string, { input: number; output: number }> = {
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
};

function usd(model: string, x: Tokens, prices = PRICES): number {
  const key = Object.keys(prices).filter((k) => model.startsWith(k)).sort((a, b) => b.length - a.length)[0]!;
  const p = prices[key]!;
  return (x.input * p.input + x.output * p.output + x.cache_read * (p.input / 10) + x.cache_write * p.input * 1.25) / 1e6;
}

const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 2e-6;

// ---------------------------------------------------------------------------

let cwd = '';
t.before(async () => {
  cwd = tempDir('tapes-stats-');
  await tapes(['init', '-q'], { cwd });
  // Into a pack: what is read is the same, without a file created and fsynced per object.
  appendFileSync(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const r = await tapes(['import', ...CLAUDE, showcase, codexDir], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
});
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

const run = (args: string[], extra: Record<string, string> = {}) => tapes(args, { cwd, env: { ...env, ...extra } });

async function stats(args: string[]): Promise<{ sessions: Chain[]; total: Total }> {
  const r = await run(['stats', '--json', ...args]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { sessions: Chain[]; total: Total };
}

t.test('per session: records by kind, tool calls and errors by tool, tokens and cost by model', async (t) => {
  for (const path of CLAUDE) {
    const e = claudeExpected(path);
    const { sessions, total } = await stats([e.name.slice(0, 8)]);
    t.equal(sessions.length, 1);
    const s = sessions[0]!;
    t.equal(s.ref, `refs/sessions/${e.name}`);
    t.equal(s.records, e.records, `${e.name}: records`);
    t.same(s.records_by_kind, e.kinds, `${e.name}: records by kind`);
    t.equal(s.tool_calls, e.calls, `${e.name}: tool calls`);
    t.equal(s.tool_errors, e.errors, `${e.name}: tool errors`);
    t.same(s.tools, e.tools, `${e.name}: calls and errors by tool`);
    t.equal(s.duration_ms, e.duration, `${e.name}: duration`);
    t.same(
      Object.fromEntries(s.models.map((m) => [m.model, { input: m.input, output: m.output, cache_read: m.cache_read, cache_write: m.cache_write }])),
      e.byModel,
      `${e.name}: tokens by model`,
    );
    for (const m of s.models) t.ok(near(m.cost_usd, usd(m.model, m)), `${e.name}: ${m.model} costs ${m.cost_usd}`);
    t.ok(near(s.cost_usd, Object.entries(e.byModel).reduce((a, [m, x]) => a + usd(m, x), 0)), `${e.name}: cost`);
    t.same(total.tools, s.tools, 'one session: the total is the session');
    t.equal(total.sessions, 1);
  }
  // Sorted as documented: tools by calls, kinds by count.
  const { sessions } = await stats(['f6833005']);
  const calls = Object.values(sessions[0]!.tools).map((x) => x.calls);
  t.same(calls, [...calls].sort((a, b) => b - a), 'tools, most calls first');
  const errs = claudeExpected(F_ERRORS);
  t.ok(Object.values(errs.tools).some((x) => x.errors > 0) && errs.errors === 10, 'the oracle found the 10 failed calls');
});

t.test('the text layout says the same', async (t) => {
  const e = claudeExpected(F_SMALL);
  const r = await run(['stats', 'bc3bf53b']);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
  const out = r.stdout.split('\n');
  t.equal(out[0], `session ${e.name}`);
  const field = (name: string) => out.find((l) => l.startsWith(`  ${name}:`))!.slice(13);
  t.equal(field('records').split('  ')[0], String(e.records));
  t.equal(field('tools'), `${e.calls} calls, ${e.errors} errors`);
  for (const [tool, c] of Object.entries(e.tools)) {
    const line = out.find((l) => new RegExp(`^    ${tool} +${c.calls}(  |$)`).test(l));
    t.ok(line, `a line for ${tool}`);
    if (c.errors) t.match(line, new RegExp(`  ${c.errors} errors?$`), `${tool}: ${c.errors} errors`);
    else t.notMatch(line, /error/);
  }
  t.match(field('time'), /^2026-01-28 21:45 → 21:52  \(7m16s\)$/, 'local time (TZ=UTC) and duration');
  t.match(out.find((l) => l.startsWith('    claude-opus-4-5-20251101')), /\$0\.27$/);
  t.match(field('cost'), /^\$0\.27 estimated$/);
  t.notMatch(r.stdout, /^total/m, 'one session: no total block');
  t.notMatch(r.stdout, /\x1b\[/, 'no colour off a terminal');
  t.match((await run(['stats', 'bc3bf53b', '--color=always'])).stdout, /\x1b\[31m {2}1 error|\x1b\[31m {2}2 errors/, 'errors in red');
});

t.test('no session: every session, and a total that adds them up', async (t) => {
  const { sessions, total } = await stats([]);
  const listed = (await run(['sessions', '--json'])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ref: string }).ref);
  t.same(sessions.map((s) => s.ref), listed, 'the sessions `tapes sessions` lists, in its order');
  t.equal(total.sessions, sessions.length);
  t.equal(total.agents, 0);
  t.equal(total.records, sessions.reduce((a, s) => a + s.records, 0));
  t.equal(total.tool_calls, sessions.reduce((a, s) => a + s.tool_calls, 0));
  t.equal(total.tool_errors, sessions.reduce((a, s) => a + s.tool_errors, 0));
  t.equal(total.duration_ms, sessions.reduce((a, s) => a + (s.duration_ms ?? 0), 0));
  const bash = sessions.reduce((a, s) => a + (s.tools.Bash?.errors ?? 0), 0);
  t.equal(total.tools.Bash!.errors, bash, 'errors by tool add up');
  const opus = sessions.flatMap((s) => s.models).filter((m) => m.model === 'claude-opus-4-5-20251101');
  const tm = total.models.find((m) => m.model === 'claude-opus-4-5-20251101')!;
  t.equal(tm.cache_read, opus.reduce((a, m) => a + m.cache_read, 0), 'tokens by model add up');
  t.ok(near(total.cost_usd, sessions.reduce((a, s) => a + (s.cost_usd ?? 0), 0)), 'costs add up');
  t.equal(total.start, sessions.map((s) => s.start!).sort()[0]);
  const text = await run(['stats']);
  t.match(text.stdout, new RegExp(`\\ntotal ${sessions.length} sessions\\n`));
  // The figures of the files, seen in the total.
  const all = CLAUDE.map(claudeExpected);
  t.ok(total.tool_errors >= all.reduce((a, e) => a + e.errors, 0));
});

t.test('filters narrow both the sessions and the total', async (t) => {
  const { sessions, total } = await stats(['--model', 'sonnet']);
  t.same(sessions.map((s) => s.name), ['4fec7ea0-3335-43ec-a178-d4ab47d5aef3']);
  t.equal(total.sessions, 1);
  t.same((await stats(['--harness', 'codex'])).sessions.map((s) => s.name), ['019e1695-0522-7c83-8b39-0dd379793f80']);
  t.same((await stats(['--project', 'example-app', '--until', '2026-06-15T10:30'])).sessions.map((s) => s.name), ['55550000-0000-4000-8000-000000000001']);
  // A named session that the filter leaves out is not shown.
  t.same((await stats(['bc3bf53b', '--since', '2026-02-01'])).sessions, []);
  const none = await run(['stats', '--project', 'nowhere']);
  t.equal(none.code, 0);
  t.equal(none.stdout, 'total 0 sessions\n  time:      -\n  records:   0\n  tools:     0 calls, 0 errors\n  tokens:    none reported\n  cost:      -\n');
});

t.test('--agents: subagent chains follow their session and count in the total', async (t) => {
  const without = await stats(['55550000-0000-4000-8000-000000000001']);
  t.equal(without.sessions.length, 1);
  t.equal(without.sessions[0]!.agents, 2);
  t.match((await run(['stats', '55550000-0000-4000-8000-000000000001'])).stdout, /\n {2}subagents: 2 chains, not counted here \(--agents\)\n/);
  const withAgents = await stats(['55550000-0000-4000-8000-000000000001', '--agents']);
  t.same(withAgents.sessions.map((s) => s.ref), [
    'refs/sessions/55550000-0000-4000-8000-000000000001',
    'refs/agents/55550000-0000-4000-8000-000000000001/agent-showcol1',
    'refs/agents/55550000-0000-4000-8000-000000000001/agent-showcol2',
  ]);
  t.equal(withAgents.total.sessions, 1);
  t.equal(withAgents.total.agents, 2);
  const files = [
    join(showcase, '55550000-0000-4000-8000-000000000001.jsonl'),
    join(showcase, '55550000-0000-4000-8000-000000000001', 'subagents', 'agent-showcol1.jsonl'),
    join(showcase, '55550000-0000-4000-8000-000000000001', 'subagents', 'agent-showcol2.jsonl'),
  ].map(claudeExpected);
  t.equal(withAgents.total.records, files.reduce((a, e) => a + e.records, 0), 'records of the three files');
  t.equal(withAgents.total.tool_calls, files.reduce((a, e) => a + e.calls, 0));
  t.equal(withAgents.total.tokens.output, files.reduce((a, e) => a + Object.values(e.byModel).reduce((b, x) => b + x.output, 0), 0));
  const text = (await run(['stats', '55550000-0000-4000-8000-000000000001', '--agents'])).stdout;
  t.match(text, /\nagent agents\/55550000-0000-4000-8000-000000000001\/agent-showcol1\n/);
  t.match(text, /\ntotal 1 session, 2 subagent chains\n/);
  // A subagent chain named directly.
  const one = await stats(['agents/55550000-0000-4000-8000-000000000001/agent-showcol2']);
  t.equal(one.sessions[0]!.parent_session, '55550000-0000-4000-8000-000000000001');
  t.equal(one.sessions[0]!.records, files[2]!.records);
});

t.test('revisions: HEAD, <rev>~N, a record id; each name once', async (t) => {
  const e = claudeExpected(F_SMALL);
  const tip = (await run(['rev-parse', 'bc3bf53b'])).stdout.trim();
  const back = await stats(['bc3bf53b~10']);
  t.equal(back.sessions[0]!.ref, null, 'not a ref');
  t.equal(back.sessions[0]!.name, 'bc3bf53b~10');
  t.equal(back.sessions[0]!.records, e.records - 10, 'the chain up to that record');
  t.match((await run(['stats', 'bc3bf53b~10'])).stdout, /^chain bc3bf53b~10 \([0-9a-f]{12}\)\n/);
  const byId = await stats([tip]);
  t.equal(byId.sessions[0]!.records, e.records);
  // HEAD on a session is that session.
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  await archive.refs.setSymbolic('HEAD', `refs/sessions/${e.name}`, 'test');
  const head = await stats(['HEAD']);
  t.equal(head.sessions[0]!.ref, `refs/sessions/${e.name}`);
  t.equal(head.sessions[0]!.tool_errors, e.errors);
  // The same session named three ways is shown once.
  const dup = await stats(['bc3bf53b', e.name, 'HEAD']);
  t.equal(dup.sessions.length, 1);
  t.equal(dup.total.records, e.records);
  await fs.rm(join(cwd, '.tapes', 'HEAD'));
  t.equal((await run(['stats', 'HEAD'])).code, 2, 'no HEAD: not found');
});

t.test('--pricing: a custom price changes the cost by the expected amount', async (t) => {
  const e = claudeExpected(F_TWO_MODELS);
  const base = (await stats(['4fec7ea0'])).sessions[0]!;
  await fs.writeFile(join(cwd, 'sonnet.json'), JSON.stringify({ 'claude-sonnet': { input: 6, output: 30 } }));
  const dear = (await stats(['4fec7ea0', '--pricing', 'sonnet.json'])).sessions[0]!;
  const sonnet = Object.entries(e.byModel).find(([m]) => m.startsWith('claude-sonnet'))!;
  const opus = Object.entries(e.byModel).find(([m]) => m.startsWith('claude-opus'))!;
  t.ok(near(dear.cost_usd! - base.cost_usd!, usd(sonnet[0], sonnet[1], { 'claude-sonnet': { input: 6, output: 30 } }) - usd(sonnet[0], sonnet[1])), 'only the Sonnet part changed, by twice its price');
  t.same(
    dear.models.find((m) => m.model === opus[0])!.cost_usd,
    base.models.find((m) => m.model === opus[0])!.cost_usd,
    'Opus keeps the built-in price',
  );
  await fs.writeFile(join(cwd, 'bad.json'), '{"claude-sonnet": {"input": 6}}');
  const bad = await run(['stats', '--pricing', 'bad.json']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^tapes: error: pricing file bad\.json: "claude-sonnet"\.output must be a non-negative number/);
  const gone = await run(['stats', '4fec7ea0', '--pricing', 'gone.json']);
  t.equal(gone.code, 1);
  t.match(gone.stderr, /pricing file gone\.json: no such file/);
  // A model no price covers.
  const codex = (await stats(['--harness', 'codex'])).sessions[0]!;
  t.equal(codex.cost_usd, null, 'the Codex rollout names no model');
  t.match((await run(['stats', '019e1695'])).stdout, /\n {2}cost: {6}-\n/);
});

t.test('bad input: exit codes', async (t) => {
  const unknown = await run(['stats', 'no-such-session']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^tapes: error: unknown revision 'no-such-session'/);
  t.equal(unknown.stdout, '');
  const ambiguous = await run(['stats', '5555']);
  t.equal(ambiguous.code, 2, 'an ambiguous prefix');
  t.match(ambiguous.stderr, /ambiguous/);
  t.match(ambiguous.stderr, /session refs\/sessions\/55550000-0000-4000-8000-000000000001/);
  const since = await run(['stats', '--since', 'a while']);
  t.equal(since.code, 129);
  t.match(since.stderr, /^tapes: usage: bad --since value "a while"/);
  t.match(since.stderr, /tapes help stats/);
  t.equal((await run(['stats', '--harness', 'aider'])).code, 129);
  // A blob is not a chain.
  await fs.writeFile(join(cwd, 'hello.txt'), 'hello\n');
  const blob = (await run(['hash-object', '-w', 'hello.txt'])).stdout.trim();
  const notChain = await run(['stats', blob]);
  t.equal(notChain.code, 1, 'a blob: error');
  t.equal(notChain.stdout, '');
});
