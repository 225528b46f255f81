// tapes rerun on imported Claude Code transcripts: a Messages request
// rebuilt from the lines (a real transcript of the corpus, and small ones
// written here with the request context newer Claude Code versions record:
// prompt_snapshot attachments and api-request-shape lines), changed by
// --model, --system and --prompt, sent to a scripted loopback upstream,
// streamed and not. A Bash `touch` the model proposes is never run, whether
// or not it matches the original's call; --max-cost and several models.
import t from 'tap';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { anthropicJson, anthropicStream, bash, scriptedUpstream, text } from '../helpers/model-upstream.js';
import { importedArchive, must, touchTranscript } from './rerun-helpers.js';

const KEY = 'sk-ant-RERUN-import-test-key-0c4f2a91';
const env = { ANTHROPIC_API_KEY: KEY };
const REAL = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
const REAL_SESSION = '1b3e6441-62e3-4b41-8a0c-9d252f531f7a';
const lines = readFileSync(REAL, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const real = await importedArchive([REAL]);
t.teardown(() => rmSync(real, { recursive: true, force: true }));
/** Line 3 is the prompt; the answer after it wrote a file with Write. */
const prompt = (await must(['rev-parse', `${REAL_SESSION}~6`], real)).stdout.trim();
const write = lines[4].message.content[0];

t.test('a real transcript: the request is rebuilt from its lines; the recorded result goes back for a matching call', async (t) => {
  const dry = JSON.parse((await must(['rerun', prompt, '--json'], real)).stdout);
  const req = dry.requests[0];
  t.equal(dry.source, 'claude-code');
  t.equal(req.exact, false);
  t.equal(req.model, 'claude-opus-4-5-20251101', 'the model that answered');
  const body = JSON.parse(req.body);
  t.same(body.messages, [{ role: 'user', content: lines[2].message.content }], 'the prompt line\'s own message');
  t.same(body.tools.map((x: { name: string }) => x.name), ['Write'], 'the tool the session called, named');
  t.equal(body.system, undefined, 'this transcript records no system prompt');
  t.match(dry.requests[0].notes.join('\n'), /records no system prompt/, 'and the dry run says so');
  t.equal(body.stream, true);

  const up = await scriptedUpstream([anthropicStream([{ ...write, id: 'toolu_NEW_write' }], { model: 'claude-opus-4-5-20251101' }), anthropicJson([text('Created the file.')], { model: 'claude-opus-4-5-20251101' })]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', prompt, '--send', '--yes', '--upstream', up.url], { cwd: real, env });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, 2, 'two turns: the call matched, then the model answered');
  t.equal(up.requests[0]!.path, '/v1/messages');
  const second = up.bodies()[1]!.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  t.equal(second.length, 3);
  t.same(second[1], { role: 'assistant', content: [{ ...write, id: 'toolu_NEW_write' }] }, 'the answer goes back as the API gave it');
  t.same(second[2], { role: 'user', content: [{ ...lines[6].message.content[0], tool_use_id: 'toolu_NEW_write' }] }, 'the recorded result, addressed to the new call');
  t.notOk(existsSync(write.input.file_path), 'Write was not run');
  t.match(r.stdout, new RegExp(`^${REAL_SESSION}-rerun-1 +claude-opus-4-5-20251101 +2 `, 'm'));
  // log, show, diff and replay read the branch like any session.
  const branch = `${REAL_SESSION}-rerun-1`;
  t.match((await must(['log', branch], real)).stdout, /tool_result: File created successfully/);
  t.match((await must(['show', branch], real)).stdout, new RegExp(`session ${branch}\nRecords: +6\n`), 'show: the branch\'s summary');
  t.match((await must(['show', `${branch}~0`], real)).stdout, /Created the file\./, 'show: its last record');
  const diff = await tapes(['diff', REAL_SESSION, branch], { cwd: real });
  t.equal(diff.code, 1, 'the branch differs from the original (its last answer)');
  t.match(diff.stdout, /^= 2 identical steps/m, 'the prompt and the matching call are shared');
  t.match((await must(['replay', branch], real)).stdout, /Created the file\./);
  const tip = JSON.parse((await must(['cat-object', '-p', branch], real)).stdout);
  t.same(tip.meta.rerun.changes, [], 'nothing was changed');
  t.equal(tip.meta.rerun.model, 'claude-opus-4-5-20251101');
  t.equal(tip.meta.harness, 'tapes-rerun');
  // A rerun's branch is a captured session: asked again, its own requests come back byte for byte.
  const again = JSON.parse((await must(['rerun', `${branch}~1`, '--json'], real)).stdout);
  t.equal(again.source, 'capture');
  t.ok(Buffer.from(again.requests[0].body).equals(up.requests[1]!.body), 'the second request of the rerun, exactly');
});

t.test('--model, --system and --prompt change the request, and the dry run shows it', async (t) => {
  const sys = join(real, 'system.txt');
  writeFileSync(sys, 'You are a careful engineer.');
  const before = (await must(['rev-parse', `${REAL_SESSION}~7`], real)).stdout.trim();
  const r = await must(['rerun', before, '--model', 'claude-sonnet-4-5', '--system', 'system.txt', '--prompt', 'Add a CODEOWNERS file for the docs team only.'], real);
  t.match(r.stdout, /model: claude-opus-4-5-20251101 → claude-sonnet-4-5/);
  t.match(r.stdout, /system: \(none\) → system\.txt \(27 bytes\)/);
  t.match(r.stdout, /prompt replaced: "<ide_opened_file>The user opened the file .*" → "Add a CODEOWNERS file for the docs team only\."/, 'the prompt after the checkpoint is replaced');
  const doc = JSON.parse((await must(['rerun', before, '--model', 'claude-sonnet-4-5', '--system', 'system.txt', '--prompt', 'Add a CODEOWNERS file.', '--json'], real)).stdout);
  const body = JSON.parse(doc.requests[0].body);
  t.equal(body.model, 'claude-sonnet-4-5');
  t.equal(body.system, 'You are a careful engineer.');
  t.same(body.messages, [{ role: 'user', content: 'Add a CODEOWNERS file.' }]);
  // At the prompt itself, the prompt is history: a new one is added after it.
  const added = JSON.parse((await must(['rerun', prompt, '--prompt', 'And a README.', '--json'], real)).stdout);
  t.same(added.requests[0].changes, [{ what: 'prompt', how: 'added', from: null, to: 'And a README.' }]);
  t.same(JSON.parse(added.requests[0].body).messages.slice(-1), [{ role: 'user', content: 'And a README.' }]);
});

t.test('a Bash touch is never run: neither when it matches the original\'s call nor when it differs', async (t) => {
  const work = tempDir('tapes-rerun-work-');
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const file = join(work, 'marker');
  const other = join(work, 'other-marker');
  const session = '77770000-0000-4000-8000-000000000001';
  const dir = await importedArchive([touchTranscript(work, file, session)]);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const at = (await must(['rev-parse', `${session}~3`], dir)).stdout.trim();

  const dry = JSON.parse((await must(['rerun', at, '--json'], dir)).stdout).requests[0];
  const body = JSON.parse(dry.body);
  t.same(body.system, [{ type: 'text', text: 'You are the test agent, with tools.' }], 'the system prompt the transcript records (the later line wins)');
  t.same(body.tools.map((x: { name: string }) => x.name), ['Bash'], 'the tool definitions it records');
  t.same(dry.tools, { source: 'transcript', count: 1 });
  t.same(dry.system.source, 'transcript');

  const up = await scriptedUpstream([anthropicJson([bash('toolu_a', `touch ${file}`)]), anthropicStream([text('Done.')])]);
  t.teardown(() => up.close());
  const same = await tapes(['rerun', at, '--send', '--yes', '--upstream', up.url, '--json'], { cwd: dir, env });
  t.equal(same.code, 0, same.stderr);
  t.equal(up.requests.length, 2);
  // The request the upstream received: the recorded context, system prompt and tool definitions whole.
  const sent = up.bodies()[0]! as { model: string; system: unknown; tools: unknown[] };
  t.same(sent.system, [{ type: 'text', text: 'You are the test agent, with tools.' }], 'the upstream received the recorded system prompt');
  t.same(sent.tools, [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }], 'and the recorded tools');
  t.equal(sent.model, body.model, 'and the model the turn was asked of');
  const fed = (up.bodies()[1]!.messages as Array<{ content: unknown }>)[2];
  t.same(fed, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: '(no output)' }] }, 'the recorded result went back');
  t.equal(JSON.parse(same.stdout).branches[0].stop.reason, 'answered');
  t.notOk(existsSync(file), 'the matching touch was not run');

  const up2 = await scriptedUpstream([anthropicStream([bash('toolu_b', `touch ${other}`)])]);
  t.teardown(() => up2.close());
  const differs = await tapes(['rerun', at, '--send', '--yes', '--upstream', up2.url, '--json'], { cwd: dir, env });
  t.equal(differs.code, 0, differs.stderr);
  t.equal(up2.requests.length, 1);
  const b = JSON.parse(differs.stdout).branches[0];
  t.equal(b.stop.reason, 'diverged');
  t.same(b.stop.call, { name: 'Bash', input: { command: `touch ${other}`, description: 'run it' } });
  t.equal(b.divergence.rerun.tool, 'Bash');
  t.match(b.divergence.rerun.text, /touch .*other-marker/, 'the table names the rerun\'s step');
  t.match(b.divergence.original.text, /touch .*marker/, 'and the original\'s');
  t.notOk(existsSync(other), 'the differing touch was not run');
  t.notOk(existsSync(file));
});

t.test('--max-cost stops the rerun before a turn that would pass it, and says so', async (t) => {
  const work = tempDir('tapes-rerun-work-');
  const session = '77770000-0000-4000-8000-000000000002';
  const dir = await importedArchive([touchTranscript(work, join(work, 'm'), session)]);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const at = (await must(['rev-parse', `${session}~3`], dir)).stdout.trim();
  // claude-sonnet-4-5 costs $3 per million input tokens: this answer reports a million.
  const up = await scriptedUpstream([anthropicStream([bash('toolu_c', `touch ${join(work, 'm')}`)], { usage: { input_tokens: 1_000_000, output_tokens: 10 } })]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', at, '--send', '--yes', '--upstream', up.url, '--max-cost', '2'], { cwd: dir, env });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, 1, 'the second turn was not asked');
  t.match(r.stdout, /max-cost/);
  t.match(r.stdout, /stopped after turn 1: turn 2 not asked: \$3\.00015 spent, and the next turn is estimated at \$[\d.]+: over --max-cost 2/);
  const tiny = await tapes(['rerun', at, '--send', '--yes', '--upstream', up.url, '--max-cost', '0'], { cwd: dir, env });
  t.equal(tiny.code, 1, 'a first turn over the bound is not sent at all');
  t.match(tiny.stderr, /nothing sent: the first request is estimated at \$[\d.]+, over --max-cost 0/);
  t.equal(up.requests.length, 1);
});

t.test('several models: one branch each, and a table of where each went', async (t) => {
  const work = tempDir('tapes-rerun-work-');
  const session = '77770000-0000-4000-8000-000000000003';
  const file = join(work, 'marker');
  const dir = await importedArchive([touchTranscript(work, file, session)]);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const at = (await must(['rev-parse', `${session}~3`], dir)).stdout.trim();
  const up = await scriptedUpstream([
    anthropicStream([text('I would rather not.')], { model: 'claude-opus-4-6' }),
    anthropicStream([bash('toolu_s', `touch ${file}`)], { model: 'claude-haiku-4-5' }),
    anthropicStream([text('Made it.')], { model: 'claude-haiku-4-5' }),
  ]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', at, '--model', 'claude-opus-4-6,claude-haiku-4-5', '--send', '--yes', '--upstream', up.url, '-b', 'try'], { cwd: dir, env });
  t.equal(r.code, 0, r.stderr);
  t.same(up.bodies().map((b) => b.model), ['claude-opus-4-6', 'claude-haiku-4-5', 'claude-haiku-4-5'], 'each model asked for its own turns');
  const rows = r.stdout.split('\n');
  t.match(rows[0], /^BRANCH +MODEL +TURNS +TOKENS +COST +STOPPED +FIRST DIFFERENCE$/);
  t.match(rows[1], /^try-claude-opus-4-6 +claude-opus-4-6 +1 .* answered +step 2: original tool: Bash "touch .*"; rerun assistant: I would rather not\.$/);
  t.match(rows[2], /^try-claude-haiku-4-5 +claude-haiku-4-5 +2 .* answered +step 4: original assistant: Made it\.; rerun assistant: Made it\.$|^try-claude-haiku-4-5 +claude-haiku-4-5 +2 .* answered +none/);
  t.match((await must(['show-ref', '--sessions'], dir)).stdout, /refs\/sessions\/try-claude-haiku-4-5\n.*refs\/sessions\/try-claude-opus-4-6/);
  t.notOk(existsSync(file));
});
