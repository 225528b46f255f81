// The session index (.tapes/index/sessions.json) is a cache: whatever happens
// to it (deleted, torn, edited, from another version, not a file at all) the
// output is the same as from the objects; a session that grew, moved or went
// away is seen at once (thousands of sessions: sessions-2000.long.test.ts).
// Also the pieces the summaries are made of: titles, Codex token
// counts, --since values and price overrides.
import t from 'tap';
import { existsSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { Archive, BUILTIN_PRICES, withPriceOverrides, priceFor, parsePriceTable } from '../../src/archive/index.js';
import { listSessions, promptTitle, SESSION_INDEX_VERSION, summariseSession, UsageCounter } from '../../src/archive/sessions/index.js';
import { parseTimeSpec } from '../../src/archive/timespec/index.js';
import { toEventView } from '../../src/record/index.js';

const projects = join(corpusDir, 'claude-code', 'projects');
const small = join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
const withErrors = join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
const medium = join(projects, '-Users-soph-Work-entire-devenv-cli', 'be437104-4a61-49d9-b754-592ad3e357ce.jsonl');
const showcase = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
const codex = join(corpusDir, 'codex', 'sessions');
const env = { TZ: 'UTC' };

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = tempDir('tapes-sessions-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function run(cwd: string, args: string[]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

let imported: Promise<string> | undefined;
/** A scratch directory kept until the whole file ends. */
const fileScratch = () => scratch(t);

/**
 * An archive holding a few real sessions, with subagents and a Codex rollout:
 * imported once per run, and each test gets its own copy to change.
 */
async function corpusArchive(t: { teardown(fn: () => void): void }): Promise<string> {
  imported ??= (async () => {
    const dir = fileScratch();
    await run(dir, ['init', '-q']);
    // The Codex rollout by its first 40 lines of 99 (515 KB), under its name: its title is in line 2.
    const rollout = 'rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl';
    const src = fileScratch();
    writeFileSync(join(src, rollout), readFileSync(join(codex, '2026', '05', '11', rollout), 'utf8').split(/(?<=\n)/).slice(0, 40).join(''));
    // The medium transcript's first 12 lines of 28 (19 KB of 182: two tool outputs of 72 KB come after): its title is in line 3.
    writeFileSync(join(src, basename(medium)), readFileSync(medium, 'utf8').split(/(?<=\n)/).slice(0, 12).join(''));
    await run(dir, ['import', small, withErrors, join(src, basename(medium)), showcase, join(src, rollout)]);
    return dir;
  })();
  const cwd = scratch(t);
  copyArchive(await imported, cwd);
  return cwd;
}

const indexFile = (cwd: string) => join(cwd, '.tapes', 'index', 'sessions.json');

/** Everything `tapes sessions` says, in every form the tests compare. */
async function listing(cwd: string): Promise<string> {
  const text = await run(cwd, ['sessions']);
  const agents = await run(cwd, ['sessions', '--agents', '--json']);
  const stats = await run(cwd, ['stats', '--agents', '--json']);
  return text.stdout + agents.stdout + stats.stdout;
}

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

t.test('the index is written by import and holds one entry per chain', async (t) => {
  const cwd = await corpusArchive(t);
  const text = readFileSync(indexFile(cwd), 'utf8');
  t.match(text.split('\n')[0], new RegExp(`^tapes-session-index ${SESSION_INDEX_VERSION} [0-9a-f]{64}$`), 'header: magic, version, checksum');
  const entries = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Array<{ ref: string; records: number; tip_session_id: string | null; tip_format: string | null }>;
  const refs = (await run(cwd, ['show-ref'])).stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[1]!)
    .filter((r) => r.startsWith('refs/sessions/') || r.startsWith('refs/agents/'));
  t.same(entries.map((e) => e.ref).sort(), refs.sort(), 'sessions and subagent chains');
  const e = entries.find((x) => x.ref.endsWith('bc3bf53b-19fe-4209-b30a-a1acffaf6703'))!;
  t.equal(e.records, lines(withErrors).length, 'a record per line');
  t.equal(e.tip_session_id, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703', "the tip's session id, which show uses to find the chains holding a record");
  t.equal(e.tip_format, 'claude-code');
});

t.test('a deleted, torn, edited, foreign or unwritable index gives the same output', async (t) => {
  const cwd = await corpusArchive(t);
  const before = await listing(cwd);
  const good = readFileSync(indexFile(cwd), 'utf8');
  const details = join(cwd, '.tapes', 'index', 'session-details.json');
  const goodDetails = readFileSync(details, 'utf8');
  // A file's entries changed by `edit`, written back under this version with a checksum that matches.
  const rewrite = async (path: string, magic: string, text: string, edit: (entries: unknown[]) => unknown[]) => {
    const entries = JSON.parse(text.slice(text.indexOf('\n') + 1)) as unknown[];
    const body = JSON.stringify(edit(entries));
    const { createHash } = await import('node:crypto');
    await fs.writeFile(path, `${magic} ${SESSION_INDEX_VERSION} ${createHash('sha256').update(body).digest('hex')}\n${body}`);
  };
  const withBody = (edit: (entries: Array<Record<string, unknown>>) => unknown[]) =>
    rewrite(indexFile(cwd), 'tapes-session-index', good, edit as (entries: unknown[]) => unknown[]);
  // session-details.json's entries are [ref, tip, records_by_kind, tools, tool_time].
  const withDetails = (i: number, at: 1 | 2 | 3 | 4, value: unknown) =>
    rewrite(details, 'tapes-session-details', goodDetails, (entries) => entries.map((e, n) => (n === i ? (e as unknown[]).map((x, k) => (k === at ? value : x)) : e)));
  const cases: Array<[string, () => Promise<void>]> = [
    ['deleted', () => fs.rm(indexFile(cwd))],
    ['torn in half', () => fs.writeFile(indexFile(cwd), good.slice(0, good.length >> 1))],
    ['garbage', () => fs.writeFile(indexFile(cwd), Buffer.from([0xff, 0xfe, 0, 1, 2, 3]))],
    ['empty', () => fs.writeFile(indexFile(cwd), '')],
    ['plain JSON of the old layout', () => fs.writeFile(indexFile(cwd), JSON.stringify({ version: 1, sessions: {} }))],
    ['another version', () => fs.writeFile(indexFile(cwd), good.replace(/^tapes-session-index \d+ /, 'tapes-session-index 99 '))],
    // Valid JSON, plausible numbers, but not what was written: the checksum notices.
    ['a count edited', () => fs.writeFile(indexFile(cwd), good.replace(/"records":(\d+)/, (_m, n) => `"records":${Number(n) + 1000}`))],
    ['an entry of the wrong shape, checksum fixed up', () => withBody((entries) => [{ ref: 'refs/sessions/x', tip: 'nope' }, ...entries.slice(1)])],
    // Each entry right but for one field deep inside it (the checks read back every field): that entry is summarised again.
    ['a model without its cache_write tokens, checksum fixed up', () => withBody((entries) => entries.map((e, i) => (i === 1 ? { ...e, tokens_by_model: { m: { input: 1, output: 1, cache_read: 1 } } } : e)))],
    ['a model that is not a string, checksum fixed up', () => withBody((entries) => entries.map((e, i) => (i === 0 ? { ...e, models: [7] } : e)))],
    ['tokens without their output, checksum fixed up', () => withBody((entries) => entries.map((e, i) => (i === 2 ? { ...e, tokens: { input: 1, cache_read: 0, cache_write: 0 } } : e)))],
    // The details file (counts by kind and tool, times by tool), damaged the same ways.
    ['the details deleted', () => fs.rm(details)],
    ['the details torn in half', () => fs.writeFile(details, goodDetails.slice(0, goodDetails.length >> 1))],
    ['a tool count that is not a number in the details, checksum fixed up', () => withDetails(0, 3, { Bash: { calls: '1', errors: 0 } })],
    ['a tool time without its count in the details, checksum fixed up', () => withDetails(0, 4, { Read: { ms: 5 } })],
    ['a kind count that is null in the details, checksum fixed up', () => withDetails(1, 2, { user: null })],
    ['details of another tip, checksum fixed up', () => withDetails(1, 1, 'f'.repeat(64))],
  ];
  for (const [what, damage] of cases) {
    await damage();
    t.equal(await listing(cwd), before, `${what}: same output`);
    t.equal(readFileSync(indexFile(cwd), 'utf8'), good, `${what}: the index is rebuilt, byte for byte`);
    t.equal(readFileSync(details, 'utf8'), goodDetails, `${what}: and its details`);
  }
  // A directory where the index should be: nothing can be written, the answer is still right.
  await fs.rm(indexFile(cwd));
  await fs.mkdir(indexFile(cwd));
  t.equal(await listing(cwd), before, 'unwritable index: same output');
  await fs.rm(indexFile(cwd), { recursive: true });
  await fs.rm(join(cwd, '.tapes', 'index'), { recursive: true });
  t.equal(await listing(cwd), before, 'no index folder: same output');
  t.equal(readFileSync(indexFile(cwd), 'utf8'), good, 'and the folder and index are made again');
});

t.test('a warm index is trusted while the tips match; without it the objects are the truth', async (t) => {
  const cwd = await corpusArchive(t);
  const before = await listing(cwd);
  // Remove the first record of a session: a warm listing never reads it...
  const tip = (await run(cwd, ['rev-parse', 'bc3bf53b'])).stdout.trim();
  const first = (await run(cwd, ['rev-list', tip])).stdout.trim().split('\n').pop()!;
  await fs.rm(join(cwd, '.tapes', 'objects', first.slice(0, 2), first.slice(2)), { force: true });
  t.equal(await listing(cwd), before, 'same output from the index');
  // ...and a rebuild does, and says what is missing.
  await fs.rm(indexFile(cwd));
  const r = await tapes(['sessions'], { cwd, env });
  t.equal(r.code, 2, 'a missing record: exit 2');
  t.match(r.stderr, /^tapes: error: refs\/sessions\/bc3bf53b-19fe-4209-b30a-a1acffaf6703: /, 'names the session');
  t.match(r.stderr, first.slice(0, 12), 'and the record');
  const json = await tapes(['sessions', '--agents', '--json'], { cwd, env });
  const wanted = before.split('\n').filter((l) => l.startsWith('{"id"') && !l.includes('"refs/sessions/bc3bf53b'));
  t.same(json.stdout.trimEnd().split('\n'), wanted, 'the other sessions are still listed, unchanged');
  t.match(r.stdout, /\nbe437104 /);
  t.equal((await tapes(['sessions'], { cwd, env })).code, 2, 'and again: a damaged session is not cached');
});

t.test('a session that grew is summarised again; one moved back too', async (t) => {
  const cwd = scratch(t);
  await run(cwd, ['init', '-q']);
  const all = lines(withErrors);
  const file = join(cwd, 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
  await fs.writeFile(file, all.slice(0, 10).join('\n') + '\n');
  await run(cwd, ['import', file]);
  const one = () => run(cwd, ['sessions', '--json']).then((r) => JSON.parse(r.stdout) as { records: number; tip: string; tool_calls: number });
  const early = await one();
  t.equal(early.records, 10);
  await fs.writeFile(file, readFileSync(withErrors));
  await run(cwd, ['import', file]);
  const grown = await one();
  t.equal(grown.records, all.length, 'all lines after the second import');
  t.not(grown.tip, early.tip);
  t.ok(grown.tool_calls > early.tool_calls, 'the new tool calls are counted');
  // A ref moved by hand (not by import) is noticed by the next listing.
  await run(cwd, ['update-ref', 'refs/sessions/bc3bf53b-19fe-4209-b30a-a1acffaf6703', early.tip]);
  t.same(await one(), early, 'moved back: the earlier summary again');
  const text = readFileSync(indexFile(cwd), 'utf8');
  t.match(text, `"tip":"${early.tip}"`, 'the index follows');
});

t.test('a deleted ref disappears; a new or renamed one appears', async (t) => {
  const cwd = await corpusArchive(t);
  const names = async () => (await run(cwd, ['sessions', '--agents', '--json'])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ref: string }).ref);
  const before = await names();
  t.ok(before.includes('refs/sessions/1b3e6441-62e3-4b41-8a0c-9d252f531f7a'));
  await run(cwd, ['update-ref', '-d', 'refs/sessions/1b3e6441-62e3-4b41-8a0c-9d252f531f7a']);
  const after = await names();
  t.same(after, before.filter((r) => r !== 'refs/sessions/1b3e6441-62e3-4b41-8a0c-9d252f531f7a'), 'gone from the list');
  t.notMatch(readFileSync(indexFile(cwd), 'utf8'), '1b3e6441', 'and from the index');
  // The same chain under another name: listed under that name, same figures.
  const tip = (await run(cwd, ['rev-parse', 'be437104'])).stdout.trim();
  await run(cwd, ['update-ref', 'refs/sessions/copy-of-be437104', tip, '']);
  const rows = (await run(cwd, ['sessions', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const original = rows.find((r) => r.name === 'be437104-4a61-49d9-b754-592ad3e357ce')!;
  const copy = rows.find((r) => r.name === 'copy-of-be437104')!;
  t.ok(copy, 'the new ref is listed');
  for (const k of ['records', 'start', 'end', 'tokens', 'tool_calls', 'title', 'cost_usd']) t.same(copy[k], original[k], `same ${k}`);
  // A subagent ref deleted: --agents no longer shows it.
  await run(cwd, ['update-ref', '-d', 'refs/agents/55550000-0000-4000-8000-000000000001/agent-showcol1']);
  t.notOk((await names()).includes('refs/agents/55550000-0000-4000-8000-000000000001/agent-showcol1'));
});

t.test('titles skip what the harness wrote in the user turn', async (t) => {
  t.equal(promptTitle('fix the Kafka topic bug'), 'fix the Kafka topic bug');
  t.equal(promptTitle('Please review.\n<system-reminder>\ncwd changed\n</system-reminder>\nThanks'), 'Please review. Thanks');
  t.equal(promptTitle('<ide_opened_file>The user opened the file /x/mise.toml in the IDE.</ide_opened_file>'), '', 'IDE context alone is no prompt');
  t.equal(promptTitle('<ide_selection>a b</ide_selection>explain this'), 'explain this');
  t.equal(promptTitle('<command-name>/clear</command-name>\n<command-message>clear</command-message>\n<command-args></command-args>'), '', 'a bare slash command');
  t.equal(promptTitle('<command-name>/review</command-name><command-args>PR 102</command-args>'), '/review PR 102', 'a slash command with arguments');
  t.equal(promptTitle('<local-command-stdout>Connected to Visual Studio Code.</local-command-stdout>'), '');
  t.equal(promptTitle('Caveat: The messages below were generated by the user while running local commands. DO NOT respond'), '');
  t.equal(promptTitle('[Request interrupted by user]'), '');
  t.equal(promptTitle('This session is being continued from a previous conversation that ran out of context.'), '');
  t.equal(promptTitle('# AGENTS.md instructions for /x\n\n<INSTRUCTIONS>be nice</INSTRUCTIONS>'), '', 'Codex instructions');
  t.equal(promptTitle('<environment_context>\n  <cwd>/x</cwd>\n</environment_context>'), '', 'Codex environment');
  t.equal(
    promptTitle('\n# Files mentioned by the user:\n\n## a.vtt: /tmp/a.vtt\n\n## My request for Codex:\nsummarise the action items\n'),
    'summarise the action items',
    'the Codex desktop request after its attachments',
  );
  t.equal(promptTitle('x'.repeat(300)).length, 120, 'one line of at most 120 characters');

  // On real transcripts.
  const cwd = await corpusArchive(t);
  const rows = (await run(cwd, ['sessions', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; title: string | null });
  const title = (name: string) => rows.find((r) => r.name === name)?.title;
  t.equal(title('1b3e6441-62e3-4b41-8a0c-9d252f531f7a'), null, 'a session whose only user turn is IDE context has no title');
  t.equal(title('be437104-4a61-49d9-b754-592ad3e357ce'), 'running `mise run test:ci` shows a bunch of errors in the integration tests');
  t.match(title('019e1695-0522-7c83-8b39-0dd379793f80'), /^analyze trascript and summarzie action items related to codemie/, 'Codex: the user_message event, after "My request for Codex:"');
});

function codexEvent(ev: Record<string, unknown>, meta: Record<string, unknown>) {
  return toEventView('0'.repeat(64), { parent: null, kind: 'progress', role: null, time: null, content: [], meta: { harness: 'codex', event_type: 'token_count', ...meta }, ...ev } as never);
}

t.test('Codex token counts: a repeated cumulative total is not a new call', async (t) => {
  const u = new UsageCounter();
  const total1 = { input_tokens: 1000, cached_input_tokens: 200, output_tokens: 50 };
  const last1 = total1;
  const total2 = { input_tokens: 2500, cached_input_tokens: 1200, output_tokens: 80 };
  const last2 = { input_tokens: 1500, cached_input_tokens: 1000, output_tokens: 30 };
  u.add(codexEvent({}, { usage: last1 }), 'gpt-5', total1);
  u.add(codexEvent({}, { usage: last1 }), 'gpt-5', total1); // re-emitted
  u.add(codexEvent({}, { usage: last2 }), 'gpt-5', total2);
  u.add(codexEvent({}, { usage: last2 }), 'gpt-5', total2); // re-emitted
  // info without last_token_usage: the step of the cumulative count.
  const total3 = { input_tokens: 4000, cached_input_tokens: 1200, output_tokens: 100 };
  u.add(codexEvent({}, { usage: { total_token_usage: total3 } }), 'gpt-5');
  const { tokens } = u.totals();
  t.same(tokens, { input: 4000 - 1200, output: 100, cache_read: 1200, cache_write: 0 }, 'equals the last cumulative total');
  // Without totals (older rollouts), every event counts.
  const v = new UsageCounter();
  v.add(codexEvent({}, { usage: last2 }), 'gpt-5');
  v.add(codexEvent({}, { usage: last2 }), 'gpt-5');
  t.same(v.totals().tokens, { input: 1000, output: 60, cache_read: 2000, cache_write: 0 });
});

t.test('Codex rollouts on disk: re-emitted token_count events count once', async (t) => {
  const cwd = scratch(t);
  await run(cwd, ['init', '-q']);
  const ts = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s)).toISOString();
  const info = (total: object, last?: object) => ({ total_token_usage: total, ...(last ? { last_token_usage: last } : {}), model_context_window: 272000 });
  const t1 = { input_tokens: 1000, cached_input_tokens: 200, output_tokens: 50, reasoning_output_tokens: 10, total_tokens: 1050 };
  const t2 = { input_tokens: 2500, cached_input_tokens: 1200, output_tokens: 80, reasoning_output_tokens: 10, total_tokens: 2580 };
  const l2 = { input_tokens: 1500, cached_input_tokens: 1000, output_tokens: 30, reasoning_output_tokens: 0, total_tokens: 1530 };
  const rollout = [
    { timestamp: ts(0), type: 'session_meta', payload: { id: 'c0de0000-0000-4000-8000-000000000001', cwd: '/w', cli_version: '0.50.0' } },
    { timestamp: ts(1), type: 'turn_context', payload: { cwd: '/w', model: 'gpt-5' } },
    { timestamp: ts(2), type: 'event_msg', payload: { type: 'user_message', message: 'count the tokens' } },
    { timestamp: ts(3), type: 'event_msg', payload: { type: 'token_count', info: info(t1, t1) } },
    { timestamp: ts(4), type: 'event_msg', payload: { type: 'token_count', info: info(t1, t1), rate_limits: {} } },
    { timestamp: ts(5), type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] } },
    { timestamp: ts(6), type: 'event_msg', payload: { type: 'token_count', info: null } },
    { timestamp: ts(7), type: 'event_msg', payload: { type: 'token_count', info: info(t2, l2) } },
    { timestamp: ts(8), type: 'event_msg', payload: { type: 'token_count', info: info(t2, l2) } },
  ];
  const dir = join(cwd, 'sessions', '2026', '03', '01');
  await fs.mkdir(dir, { recursive: true });
  const file = join(dir, 'rollout-2026-03-01T09-00-00-c0de0000-0000-4000-8000-000000000001.jsonl');
  await fs.writeFile(file, rollout.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await run(cwd, ['import', 'codex', file]);
  const s = JSON.parse((await run(cwd, ['sessions', '--json'])).stdout) as { tokens: object; models: string[]; title: string; cost_usd: number };
  // The last cumulative total is what was used: uncached input is input minus cached.
  t.same(s.tokens, { input: t2.input_tokens - t2.cached_input_tokens, output: t2.output_tokens, cache_read: t2.cached_input_tokens, cache_write: 0 });
  t.same(s.models, ['gpt-5']);
  t.equal(s.title, 'count the tokens');
  const price = BUILTIN_PRICES['gpt-5']!;
  t.equal(s.cost_usd, Math.round(((1300 * price.input + 80 * price.output + 1200 * price.cache_read) / 1e6) * 1e6) / 1e6);
});

t.test('--since and --until values', async (t) => {
  const now = new Date('2026-01-10T12:00:00.000Z');
  t.equal(parseTimeSpec('2h', now), now.getTime() - 2 * 3600e3);
  t.equal(parseTimeSpec('90m', now), now.getTime() - 90 * 60e3);
  t.equal(parseTimeSpec('3 days ago', now), now.getTime() - 3 * 86400e3);
  t.equal(parseTimeSpec('1w', now), now.getTime() - 7 * 86400e3);
  t.equal(parseTimeSpec('30s', now), now.getTime() - 30e3);
  t.equal(parseTimeSpec('now', now), now.getTime());
  t.equal(parseTimeSpec('2026-01-05', now, 'UTC'), Date.parse('2026-01-05T00:00:00Z'));
  t.equal(parseTimeSpec('2026-01-05', now, 'UTC', true), Date.parse('2026-01-06T00:00:00Z') - 1, 'the end of the day for --until');
  t.equal(parseTimeSpec('2026-01-05', now, 'America/New_York'), Date.parse('2026-01-05T05:00:00Z'), 'local midnight');
  t.equal(parseTimeSpec('2026-07-05', now, 'Europe/Berlin'), Date.parse('2026-07-04T22:00:00Z'), 'summer time');
  t.equal(parseTimeSpec('2026-01-05T14:30', now, 'Asia/Kolkata'), Date.parse('2026-01-05T09:00:00Z'));
  t.equal(parseTimeSpec('2026-01-05 14:30:15', now, 'UTC'), Date.parse('2026-01-05T14:30:15Z'));
  t.equal(parseTimeSpec('2026-01-05T14:30:15.250Z', now, 'Asia/Kolkata'), Date.parse('2026-01-05T14:30:15.250Z'), 'Z is UTC whatever the zone');
  t.equal(parseTimeSpec('2026-01-05T14:30+02:00', now), Date.parse('2026-01-05T12:30:00Z'));
  t.equal(parseTimeSpec('2026-01-05T14:30-0500', now), Date.parse('2026-01-05T19:30:00Z'));
  t.equal(parseTimeSpec('today', now, 'UTC'), Date.parse('2026-01-10T00:00:00Z'));
  t.equal(parseTimeSpec('yesterday', now, 'UTC'), Date.parse('2026-01-09T00:00:00Z'));
  for (const bad of ['', 'soon', '2h later', '-2h', '2026-13-01', '2026-02-30', '2026-01-05T25:00', '5', 'h', '1y', '2026/01/05']) {
    t.equal(parseTimeSpec(bad, now, 'UTC'), undefined, `refused: ${JSON.stringify(bad)}`);
  }
});

t.test('a price file wins over the built-in table wherever it matches', async (t) => {
  const file = parsePriceTable('{"claude-opus-4": {"input": 1, "output": 2}, "my-model": {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}}', 'p.json');
  const table = withPriceOverrides(BUILTIN_PRICES, file);
  t.same(priceFor(table, 'claude-opus-4-5-20251101'), { input: 1, output: 2, cache_read: 0.1, cache_write: 1.25 }, 'a shorter prefix of the file beats a longer built-in one');
  t.same(priceFor(table, 'claude-sonnet-4-5-20250929'), BUILTIN_PRICES['claude-sonnet-4-5'], 'the rest of the built-in table stays');
  t.same(priceFor(table, 'my-model-v2'), { input: 0, output: 0, cache_read: 0, cache_write: 0 });
  t.equal(priceFor(BUILTIN_PRICES, 'claude-opus-4-6'), BUILTIN_PRICES['claude-opus-4-6'], 'Opus 4.6 has its own price, not Opus 4');
  for (const [text, problem] of [
    ['nope', /not JSON/],
    ['[1]', /must be a JSON object/],
    ['{"m": 5}', /"m" must be an object/],
    ['{"m": {"input": 1}}', /"m"\.output must be a non-negative number/],
    ['{"m": {"input": -1, "output": 1}}', /"m"\.input must be a non-negative number/],
    ['{"m": {"input": 1, "output": 1, "cache_write_1h": 2}}', /unknown field "cache_write_1h"/],
    ['{"": {"input": 1, "output": 1}}', /cannot be empty/],
  ] as const) {
    t.throws(() => parsePriceTable(text, 'p.json'), { code: 'InvalidInputError', message: problem }, text);
    t.throws(() => parsePriceTable(text, 'p.json'), { message: /^pricing file p\.json: / }, 'the message names the file');
  }
});

t.test('`tapes sessions` reads sessions.json alone: the details by kind and tool are for stats', async (t) => {
  const cwd = await corpusArchive(t);
  const details = join(cwd, '.tapes', 'index', 'session-details.json');
  const list = await run(cwd, ['sessions', '--json']);
  const good = readFileSync(details, 'utf8');
  await fs.rm(details);
  t.equal((await run(cwd, ['sessions', '--json'])).stdout, list.stdout, 'the same listing without the details file');
  t.notOk(existsSync(details), 'which sessions neither needed nor wrote');
  const stats = await run(cwd, ['stats', '--json']);
  t.equal(stats.code, 0, stats.stderr);
  t.equal(readFileSync(details, 'utf8'), good, 'stats wants the details: written again, byte for byte');
  t.match(stats.stdout, /"tools"/, 'and shows them');
});

t.test('a summary read back from both files is the summary made from the chain, its fields in the same order', async (t) => {
  const cwd = await corpusArchive(t);
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const listed = await listSessions(archive);
  t.ok(listed.length >= 5, `${listed.length} chains`);
  for (const s of listed) {
    const made = await summariseSession(store, s.ref, s.tip);
    t.equal(JSON.stringify(s), JSON.stringify(made), `${s.name}: the same, field for field`);
  }
});
