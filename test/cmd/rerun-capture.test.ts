// tapes rerun on a captured session: the corpus's recorded Claude Code turns
// (test/fixtures/corpus/wire), asked again from a loopback upstream that
// answers with the recorded responses. The rebuilt request is the recorded
// one byte for byte; the dry run sends nothing; --send sends exactly the
// expected requests, feeds back the recorded tool results while the model
// makes the original's calls, stops at the first call that differs (never
// running it), and stores no key anywhere.
import t from 'tap';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Archive, planRerun } from '../../src/archive/index.js';
import { tapes } from '../helpers/cli.js';
import { anthropicStream, bash, scriptedUpstream, type Reply } from '../helpers/model-upstream.js';
import { WIRE_SESSION, capturedArchive, must, occurrences, refsOf } from './rerun-helpers.js';

const KEY = 'sk-ant-RERUN-tapes-test-key-5d1e9b7a3c';
const cap = await capturedArchive();
t.teardown(() => rmSync(cap.dir, { recursive: true, force: true }));

/** The record just before a turn's answer: the checkpoint whose next turn is that one. */
/** The conversation's turns (the first main turn is Claude Code's title query, a conversation of its own). */
const conv = cap.turns.filter((x) => (JSON.parse(x.body.toString('utf8')).tools ?? []).length > 0);
const checkpointOf = (turn: { record: string }) => cap.chain[cap.chain.indexOf(turn.record) - 1]!;
const recorded = (turn: { response: Buffer; responseHeaders: Array<[string, string]>; status: number }): Reply => ({ status: turn.status, headers: turn.responseHeaders, body: turn.response, chunks: 4 });
const messagesOf = (body: Buffer | Record<string, unknown>) => (Buffer.isBuffer(body) ? JSON.parse(body.toString('utf8')) : body).messages as Array<Record<string, unknown>>;

t.test('the rebuilt request of every captured turn is the recorded request, byte for byte', async (t) => {
  t.equal(cap.turns.length, 15, 'the main chain has 15 turns: the title query and 14 of the conversation');
  t.equal(conv.length, 14);
  t.equal(cap.all.length, 17, 'and the subagent\'s two');
  const archive = await Archive.openAt(join(cap.dir, '.tapes'));
  for (const turn of cap.all) {
    const plan = await planRerun(archive, turn.before);
    t.equal(plan.original.name, turn.agentId ? `agents/${WIRE_SESSION}/agent-${turn.agentId}` : WIRE_SESSION, `${turn.name}: its session`);
    t.equal(plan.original.source, 'capture');
    t.ok(plan.requests[0]!.body.equals(turn.body), `${turn.name}: ${turn.body.length} bytes, identical`);
    t.equal(plan.endpoint.href, 'https://api.anthropic.com/v1/messages?beta=true', `${turn.name}: the provider's endpoint, the path as recorded`);
    t.equal(plan.requests[0]!.estimate.input_from, 'recorded', 'the input tokens are the provider\'s own count of this request');
  }
  // Through the command: --json carries the exact body.
  const last = cap.turns[cap.turns.length - 1]!;
  const r = await must(['rerun', checkpointOf(last), '--json'], cap.dir);
  const doc = JSON.parse(r.stdout);
  t.equal(doc.dry_run, true);
  t.equal(doc.requests[0].exact, true);
  t.ok(Buffer.from(doc.requests[0].body, 'utf8').equals(last.body), '--json prints the recorded body exactly');
  t.equal(doc.requests[0].messages, 27);
  t.equal(doc.requests[0].tools.count, 28);
});

t.test('the dry run makes no request and writes nothing', async (t) => {
  const up = await scriptedUpstream([]);
  t.teardown(() => up.close());
  const before = await refsOf(cap.dir);
  const first = conv[0]!;
  const text = await must(['rerun', checkpointOf(first), '--upstream', up.url, '--model', 'claude-opus-4-6'], cap.dir, { ANTHROPIC_API_KEY: KEY });
  t.match(text.stdout, /Nothing was sent/);
  t.match(text.stdout, /model: claude-sonnet-4-6 → claude-opus-4-6/, 'the change is shown');
  t.match(text.stdout, new RegExp(`endpoint +${up.url}/v1/messages\\?beta=true`));
  const json = JSON.parse((await must(['rerun', checkpointOf(first), '--upstream', up.url, '--model', 'claude-opus-4-6', '--json'], cap.dir)).stdout);
  const body = JSON.parse(json.requests[0].body);
  t.equal(body.model, 'claude-opus-4-6', 'the body sends the model asked for');
  t.same({ ...body, model: 'claude-sonnet-4-6' }, JSON.parse(first.body.toString('utf8')), 'and is otherwise the recorded body');
  t.equal(Buffer.byteLength(json.requests[0].body), first.body.length + 'claude-opus-4-6'.length - 'claude-sonnet-4-6'.length, 'only the model value changed');
  t.equal(up.requests.length, 0, 'no request reached the upstream');
  t.equal(await refsOf(cap.dir), before, 'no ref moved');
});

t.test('--send: the model makes the original\'s calls, gets the recorded results, and ends as the original did', async (t) => {
  const from = 3;
  const turns = conv.slice(from);
  const up = await scriptedUpstream(turns.map(recorded));
  t.teardown(() => up.close());
  const r = await tapes(['rerun', checkpointOf(turns[0]!), '--send', '--yes', '--upstream', up.url, '-b', 'replayed'], { cwd: cap.dir, env: { ANTHROPIC_API_KEY: KEY } });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, turns.length, `exactly ${turns.length} requests: one per turn, to the end`);
  t.ok(up.requests[0]!.body.equals(turns[0]!.body), 'the first request is the recorded one, byte for byte');
  for (const [i, req] of up.requests.entries()) {
    t.equal(req.path, '/v1/messages?beta=true');
    t.equal(req.headers['x-api-key'], KEY, 'the key from the environment is sent');
    t.equal(req.headers.authorization, undefined, 'and no other credential');
    t.equal(req.headers['x-claude-code-session-id'], undefined, 'nothing that names the agent\'s session');
    t.equal(req.headers['anthropic-version'], '2023-06-01', 'the API version as recorded');
    t.match(req.headers['anthropic-beta'], /^claude-code-20250219,interleaved-thinking-2025-05-14,/, 'the betas as recorded');
    t.notMatch(req.headers['anthropic-beta'], /oauth/, 'but the OAuth one, which goes with a subscription token, not a key');
    const sent = messagesOf(req.body);
    const original = messagesOf(turns[i]!.body);
    t.equal(sent.length, original.length, `request ${i + 1}: as many messages as the original's`);
    // The last message holds the recorded tool results, re-addressed to the answer's own call ids.
    const strip = (m: Record<string, unknown>) => JSON.parse(JSON.stringify(m, (k, v) => (k === 'cache_control' ? undefined : v)));
    t.same(strip(sent[sent.length - 1]!), strip(original[original.length - 1]!), `request ${i + 1}: its last message is the original's`);
  }
  t.match(r.stdout, /^BRANCH +MODEL +TURNS +TOKENS +COST +STOPPED +FIRST DIFFERENCE$/m);
  t.match(r.stdout, new RegExp(`^replayed +claude-sonnet-4-6 +${turns.length} .* answered +none: the same \\d+ steps$`, 'm'));
  t.match(r.stdout, new RegExp(`replayed: stopped after turn ${turns.length}: the model ended its turn \\(end_turn\\)`));
  // The branch: its first record's parent is the checkpoint; it reads like any session.
  const list = (await must(['rev-list', '--reverse', 'replayed'], cap.dir)).stdout.trim().split('\n');
  const at = list.indexOf(checkpointOf(turns[0]!));
  t.same(list.slice(0, at + 1), cap.chain.slice(0, at + 1), 'the shared part is the original\'s own records');
  const first = JSON.parse((await must(['cat-object', '-p', list[at + 1]!], cap.dir)).stdout);
  t.equal(first.parent, checkpointOf(turns[0]!), 'the first record of the branch has the checkpoint as parent');
  const diff = await tapes(['diff', '--json', WIRE_SESSION, 'replayed'], { cwd: cap.dir });
  t.equal(diff.code, 0, 'diff: the rerun said what the original said');
  const last = JSON.parse((await must(['cat-object', '-p', 'replayed'], cap.dir)).stdout);
  t.equal(last.meta.rerun.stop.reason, 'answered');
  t.equal(last.meta.rerun.session, WIRE_SESSION);
  t.equal(last.meta.rerun.checkpoint, checkpointOf(turns[0]!));
  t.equal(last.meta.model, 'claude-sonnet-4-6', 'which model answered');
  const fsck = await tapes(['fsck'], { cwd: cap.dir });
  t.equal(fsck.code, 0, `fsck is clean with the branch: ${fsck.stdout}`);
  // No key anywhere in the archive, derived indexes included.
  await must(['sessions'], cap.dir);
  await must(['search', 'widget'], cap.dir);
  const found = await occurrences(cap.dir, KEY);
  t.ok(found.searched > 100, `searched ${found.searched} objects and files`);
  t.same(found.hits, [], 'the key is in no object, ref, reflog or index file');
});

t.test('--max-turns stops the rerun and says so', async (t) => {
  const turns = conv;
  const up = await scriptedUpstream(turns.map(recorded));
  t.teardown(() => up.close());
  const r = await tapes(['rerun', checkpointOf(turns[0]!), '--send', '--yes', '--upstream', up.url, '--max-turns', '3', '--json'], { cwd: cap.dir, env: { ANTHROPIC_API_KEY: KEY } });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, 3, 'three turns asked, no more');
  const doc = JSON.parse(r.stdout);
  const b = doc.branches[0];
  t.equal(b.turns, 3);
  t.equal(b.stop.reason, 'max-turns');
  t.match(b.stop.message, /--max-turns 3/);
  t.equal(b.session, `${WIRE_SESSION}-rerun-1`, 'named <session>-rerun-<n>');
  t.equal(b.divergence.rerun, null, 'the rerun went as the original did, as far as it went');
  const tokens = b.tokens.input + b.tokens.output + b.tokens.cache_read + b.tokens.cache_write;
  t.ok(tokens > 0 && b.cost_usd > 0, 'tokens and cost from the answers\' usage');
});

t.test('a call that differs stops the rerun there, recorded and never run', async (t) => {
  const dir = join(cap.dir, 'work');
  const file = join(dir, 'touched-by-the-model');
  const turns = conv;
  const up = await scriptedUpstream([recorded(turns[0]!), anthropicStream([bash('toolu_touch', `touch ${file}`)])]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', checkpointOf(turns[0]!), '--send', '--yes', '--upstream', up.url, '-b', 'touchy'], { cwd: cap.dir, env: { ANTHROPIC_API_KEY: KEY } });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, 2, 'the first turn matched; the second diverged and nothing more was asked');
  t.match(r.stdout, /touchy: stopped after turn 2: the model called Bash \{"command":"touch .*touched-by-the-model"/);
  t.notOk(existsSync(file), 'the file was never created: no tool runs');
  const tip = JSON.parse((await must(['cat-object', '-p', 'touchy'], cap.dir)).stdout);
  t.equal(tip.meta.rerun.stop.reason, 'diverged');
  t.same(tip.meta.rerun.stop.call, { name: 'Bash', input: { command: `touch ${file}`, description: 'run it' } }, 'the proposed call is recorded as the divergence point');
  t.equal(tip.content[0].name, 'Bash', 'and is the branch\'s last record, unexecuted');
  const log = await must(['log', 'touchy', '--oneline', '-n', '1', '--reverse'], cap.dir);
  t.match(log.stdout, /tool: Bash "touch /, 'log shows the proposed call');
  t.notOk(existsSync(file), 'still not there');
  t.match(gunzipSync(turns[0]!.response).toString('utf8'), /"name":"Skill"/, 'the first answer, the recorded one, called Skill');
  const first = JSON.parse((await must(['cat-object', '-p', 'touchy~2'], cap.dir)).stdout);
  t.equal(first.content.find((b: { type: string }) => b.type === 'tool_use').name, 'Skill', 'and is on the branch');
});
