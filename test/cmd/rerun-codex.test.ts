// tapes rerun on an imported Codex rollout: an OpenAI Responses request
// rebuilt from the rollout's items (its base instructions, its prompts, the
// tools it called), answered by a loopback upstream streamed and not — with
// the corpus's own Responses streams, and with scripted answers whose call
// matches the original's, so that the recorded output goes back under the
// new call id.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { corpusDir, tapes } from '../helpers/cli.js';
import { responsesJson, responsesStream, scriptedUpstream } from '../helpers/model-upstream.js';
import { SSE_DIR } from '../capture/wire-helpers.js';
import { importedArchive, must, occurrences } from './rerun-helpers.js';

const KEY = 'sk-RERUN-openai-test-key-4e7f19';
const env = { OPENAI_API_KEY: KEY };
const SESSION = '019e1695-0522-7c83-8b39-0dd379793f80';
const ROLLOUT = join(corpusDir, 'codex', 'sessions', '2026', '05', '11', `rollout-2026-05-11T13-28-45-${SESSION}.jsonl`);
/**
 * The rollout's first 20 lines of 99 (109 KB of 515), under its name: the
 * reruns start at line 2 and replay what lines 3-5 record; the rest of the
 * session was only imported.
 */
const KEPT = 20;
const src = mkdtempSync(join(tmpdir(), 'tapes-rerun-codex-src-'));
t.teardown(() => rmSync(src, { recursive: true, force: true }));
writeFileSync(join(src, basename(ROLLOUT)), readFileSync(ROLLOUT, 'utf8').split(/(?<=\n)/).slice(0, KEPT).join(''));
const lines = readFileSync(join(src, basename(ROLLOUT)), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const dir = await importedArchive([join(src, basename(ROLLOUT))]);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
/** Line 2 is the first prompt (a user_message event: this rollout writes no user message items); lines 3-4 the answer. */
const prompt = `${SESSION}~${KEPT - 2}`;

t.test('the dry run: a Responses request of the rollout\'s items, and what the rollout does not record', async (t) => {
  const r = await must(['rerun', prompt], dir);
  t.match(r.stdout, /provider +openai, Responses API/);
  t.match(r.stdout, /endpoint +https:\/\/api\.openai\.com\/v1\/responses/);
  t.match(r.stdout, /the rollout does not record the model/);
  t.match(r.stdout, /^\(model not recorded\)/m);
  const doc = JSON.parse((await must(['rerun', prompt, '--model', 'gpt-5', '--json'], dir)).stdout);
  const body = JSON.parse(doc.requests[0].body);
  t.equal(body.model, 'gpt-5');
  t.equal(body.instructions, lines[0].payload.base_instructions.text, 'the base instructions as the rollout records them');
  t.same(body.input, [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: lines[1].payload.message }] }], 'the prompt');
  const names = body.tools.map((x: { name?: string; type: string }) => x.name ?? x.type);
  t.ok(names.includes('exec_command'), 'the tools the session called');
  t.ok(names.includes('automation_update'), 'and the dynamic tools its session_meta defines');
  t.equal(body.stream, true);
  t.equal(body.store, false);
  const send = await tapes(['rerun', prompt, '--send', '--yes'], { cwd: dir, env });
  t.equal(send.code, 1);
  t.match(send.stderr, /does not record which model answered: name one with --model/);
});

t.test('a call that matches gets the recorded output under its new call id; the answer is recorded', async (t) => {
  const call = lines[3].payload;
  const up = await scriptedUpstream([
    responsesStream(
      [
        { type: 'reasoning', id: 'rs_new', summary: [], encrypted_content: 'gAAAA-new' },
        { type: 'function_call', id: 'fc_new', call_id: 'call_NEW', name: call.name, arguments: call.arguments },
      ],
      { model: 'gpt-5-2025-08-07' },
    ),
    responsesJson([{ type: 'message', id: 'msg_new', role: 'assistant', content: [{ type: 'output_text', text: 'Here are the action items.' }] }], { model: 'gpt-5-2025-08-07' }),
  ]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', prompt, '--model', 'gpt-5', '--send', '--yes', '--upstream', up.url, '--json'], { cwd: dir, env });
  t.equal(r.code, 0, r.stderr);
  t.equal(up.requests.length, 2);
  t.equal(up.requests[0]!.path, '/v1/responses');
  t.equal(up.requests[0]!.headers.authorization, `Bearer ${KEY}`);
  const input = up.bodies()[1]!.input as Array<Record<string, unknown>>;
  t.equal(input.length, 4);
  t.same(input[1], { type: 'reasoning', summary: [], encrypted_content: 'gAAAA-new' }, 'the answer\'s items go back without their ids');
  t.same(input[2], { type: 'function_call', call_id: 'call_NEW', name: call.name, arguments: call.arguments });
  t.same(input[3], { ...lines[4].payload, call_id: 'call_NEW' }, 'the recorded output, under the new call id');
  const doc = JSON.parse(r.stdout);
  const b = doc.branches[0];
  t.equal(b.stop.reason, 'answered');
  t.same(b.answered_by, ['gpt-5-2025-08-07']);
  t.equal(b.tokens.input, 400, 'input tokens as the API reported them');
  const log = await must(['log', b.session, '--oneline'], dir);
  t.match(log.stdout, /assistant: Here are the action items\./);
  t.match(log.stdout, /tool: exec_command /);
  t.same((await occurrences(dir, KEY)).hits, [], 'the key is stored nowhere');
});

t.test('the corpus\'s Responses streams and their one-shot twin, as answers', async (t) => {
  for (const [name, type] of [
    ['stream.sse', 'text/event-stream'],
    ['chatgpt_stream.sse', 'text/event-stream'],
    ['oneshot.json', 'application/json'],
  ] as const) {
    const up = await scriptedUpstream([{ headers: [['content-type', type]], body: readFileSync(join(SSE_DIR, 'openai_responses', name)) }]);
    t.teardown(() => up.close());
    const r = await tapes(['rerun', prompt, '--model', 'gpt-4o-mini', '--send', '--yes', '--upstream', up.url, '--json'], { cwd: dir, env });
    t.equal(r.code, 0, `${name}: ${r.stderr}`);
    const b = JSON.parse(r.stdout).branches[0];
    t.equal(b.stop.reason, 'answered', `${name}: the model answered`);
    t.equal(up.requests.length, 1);
    const tip = JSON.parse((await must(['cat-object', '-p', b.session], dir)).stdout);
    t.match(JSON.stringify(tip.content), /paper-codex-ok|paper-codex-sse-ok|chatgpt-probe-ok/, `${name}: its text is recorded`);
    t.equal(tip.capture.stream, type === 'text/event-stream');
  }
});
