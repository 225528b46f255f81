// tapes run points each agent at the proxy the way that agent listens:
// Codex 0.169 through a model provider on its command line (it ignores
// OPENAI_BASE_URL), Gemini CLI through GOOGLE_GEMINI_BASE_URL with a session
// id it is given and told to send. Stand-ins named `codex` and `gemini` (found
// on PATH, as the real ones are) report what they were given and talk to the
// proxy as the real agents do. A run that records nothing says why.
import t, { type Test } from 'tap';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';
import { geminiStream, responsesStream, scriptedUpstream } from '../helpers/model-upstream.js';
import { occurrences } from './rerun-helpers.js';

const CODEX_SESSION = '01a24492-3e59-7c90-ad82-81582f02eb86';
const OPENAI_KEY = 'sk-openai-agents-test-4d1f';
const GEMINI_KEY = 'gemini-agents-test-key-77c2';

const POST = `
const http = require('node:http');
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
`;

// Codex: reads its provider's base_url from -c, sends one Responses turn as 0.169 does (session-id header).
const CODEX = `#!/usr/bin/env node
${POST}
const args = process.argv.slice(2);
console.log('ARGS ' + JSON.stringify(args));
console.log('ENV ' + JSON.stringify({ openai: process.env.OPENAI_BASE_URL || null }));
const flag = args.map((a, i) => (args[i - 1] === '-c' ? a : null)).find((a) => a && a.startsWith('model_providers.tapes.base_url='));
if (process.env.FAKE_SILENT) process.exit(0);
const base = JSON.parse(flag.slice('model_providers.tapes.base_url='.length));
post(base + '/responses', { authorization: 'Bearer ' + process.env.OPENAI_API_KEY, 'session-id': '${CODEX_SESSION}', 'user-agent': 'codex_exec/0.169.0 (Debian 12.0.0; x86_64)' },
  { model: 'gpt-5', stream: true, instructions: 'You are Codex.', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'write the proof file' }] }] })
  .then((r) => console.log('GOT ' + r.length));
`;

// Gemini CLI: the session id it was given, the headers it was told to send, two turns with one tool call.
const GEMINI = `#!/usr/bin/env node
${POST}
const args = process.argv.slice(2);
console.log('ARGS ' + JSON.stringify(args));
const extra = {};
for (const h of (process.env.GEMINI_CLI_CUSTOM_HEADERS || '').split(',')) { const i = h.indexOf(':'); if (i > 0) extra[h.slice(0, i).trim()] = h.slice(i + 1).trim(); }
console.log('HEADERS ' + JSON.stringify(extra));
const url = process.env.GOOGLE_GEMINI_BASE_URL + '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse';
const headers = { 'x-goog-api-key': process.env.GEMINI_API_KEY, 'user-agent': 'GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64; terminal)', ...extra };
const contents = [{ role: 'user', parts: [{ text: 'write the proof file' }] }];
(async () => {
  await post(url, headers, { contents, systemInstruction: { parts: [{ text: 'You are Gemini CLI.' }] }, tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }] });
  // The model's turn goes back whole; the CLI gives the call an id of its own and sends it back with the call.
  contents.push({ role: 'model', parts: [{ text: 'I will write it.' }, { functionCall: { id: 'run_shell_command_1_0', name: 'run_shell_command', args: { command: 'echo proof > proof.txt' } } }] });
  contents.push({ role: 'user', parts: [{ functionResponse: { id: 'run_shell_command_1_0', name: 'run_shell_command', response: { output: 'Output: proof' } } }] });
  await post(url, headers, { contents, systemInstruction: { parts: [{ text: 'You are Gemini CLI.' }] }, tools: [{ functionDeclarations: [{ name: 'run_shell_command' }] }] });
})();
`;

function agentDir(root: string): string {
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of [['codex', CODEX], ['gemini', GEMINI]] as const) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

async function setup(t: Test) {
  const dir = tempDir('tapes-agents-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal((await tapes(['init'], { cwd: dir })).code, 0);
  const bin = agentDir(dir);
  return { dir, PATH: `${bin}:${dirname(process.execPath)}` };
}

const argsOf = (out: string): string[] => JSON.parse(/^ARGS (.*)$/m.exec(out)![1]!) as string[];

t.test('tapes run -- codex: a model provider on its command line, pointed at the proxy', async (t) => {
  const { dir, PATH } = await setup(t);
  const upstream = await scriptedUpstream([responsesStream([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] }])]);
  t.teardown(() => upstream.close());
  const r = await tapes(['run', '--upstream', upstream.url, '--', 'codex', 'exec', 'write the proof file'], { cwd: dir, env: { PATH, OPENAI_API_KEY: OPENAI_KEY } });
  t.equal(r.code, 0, r.stderr);
  const args = argsOf(r.stdout);
  const port = /model_providers\.tapes\.base_url="http:\/\/127\.0\.0\.1:(\d+)\/v1"/.exec(args.join(' '))?.[1];
  t.ok(port, 'base_url is the proxy, with /v1');
  t.same(args, [
    '-c', 'model_provider="tapes"',
    '-c', 'model_providers.tapes.name="tapes"',
    '-c', `model_providers.tapes.base_url="http://127.0.0.1:${port}/v1"`,
    '-c', 'model_providers.tapes.wire_api="responses"',
    '-c', 'model_providers.tapes.env_key="OPENAI_API_KEY"',
    'exec', 'write the proof file',
  ], 'the flags come first, then the command as given');
  t.match(r.stdout, /GOT \d+/, 'the turn went through the proxy');
  t.equal(upstream.requests[0]!.path, '/v1/responses');
  t.match(r.stderr, new RegExp(`recorded session ${CODEX_SESSION}: 1 turn, \\+2 records`), "0.169's session-id header names the session");
  t.notMatch(r.stderr, /warning/);
  const found = await occurrences(dir, OPENAI_KEY);
  t.ok(found.searched > 0);
  t.same(found.hits, [], 'the key is not stored');
});

t.test('a run that records nothing is a warning naming the likely cause', async (t) => {
  const { dir, PATH } = await setup(t);
  const r = await tapes(['run', '--upstream', 'http://127.0.0.1:9', '--', 'codex', 'exec', 'hi'], { cwd: dir, env: { PATH, FAKE_SILENT: '1' } });
  t.equal(r.code, 0);
  t.match(r.stderr, /^tapes run: warning: no model turns recorded \(0 requests forwarded\): Codex never reached the proxy: signed in with a ChatGPT account/m);
  const quiet = await tapes(['run', '-q', '--upstream', 'http://127.0.0.1:9', '--', process.execPath, '-e', '0'], { cwd: dir, env: { PATH } });
  t.match(quiet.stderr, /warning: no model turns recorded \(0 requests forwarded\): the agent never reached the proxy: it did not read ANTHROPIC_BASE_URL/, 'a warning even with --quiet');
  const json = await tapes(['run', '--json', '--upstream', 'http://127.0.0.1:9', '--', 'codex', 'exec', 'hi'], { cwd: dir, env: { PATH, FAKE_SILENT: '1' } });
  const doc = JSON.parse(json.stdout.trim().split('\n').pop()!) as { turns: number; warnings: string[] };
  t.equal(doc.turns, 0);
  t.match(doc.warnings, [/^no model turns recorded .*ChatGPT/], '--json carries the warning too');
  // Requests that reached the proxy but were no model call.
  writeFileSync(join(dir, 'models.cjs'), `require('node:http').get(process.env.ANTHROPIC_BASE_URL + '/v1/models', (res) => res.resume());`);
  const upstream = await scriptedUpstream([]);
  t.teardown(() => upstream.close());
  const other = await tapes(['run', '--upstream', upstream.url, '--', process.execPath, 'models.cjs'], { cwd: dir, env: { PATH } });
  t.match(other.stderr, /no model turns recorded \(1 request forwarded\): the agent reached the proxy, but with no model call it records/);
});

t.test('tapes run -- gemini: its base URL, a session id it is given and sends, the Gemini API recorded', async (t) => {
  const { dir, PATH } = await setup(t);
  const call = { functionCall: { name: 'run_shell_command', args: { command: 'echo proof > proof.txt' } } };
  const upstream = await scriptedUpstream([geminiStream([{ text: 'I will write it.' }, call]), geminiStream([{ text: 'Done: ' }, { text: 'the file says proof.' }])]);
  t.teardown(() => upstream.close());
  const r = await tapes(['run', '--upstream', upstream.url, '--', 'gemini', '-p', 'write the proof file', '--yolo'], { cwd: dir, env: { PATH, GEMINI_API_KEY: GEMINI_KEY, GEMINI_CLI_CUSTOM_HEADERS: 'x-team:qa' } });
  t.equal(r.code, 0, r.stderr);
  const args = argsOf(r.stdout);
  t.equal(args[0], '--session-id', 'given a session id first');
  const sid = args[1]!;
  t.match(sid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.same(args.slice(2), ['-p', 'write the proof file', '--yolo']);
  t.same(JSON.parse(/^HEADERS (.*)$/m.exec(r.stdout)![1]!), { 'x-team': 'qa', 'x-session-id': sid }, 'told to send it, after the headers it already had');
  t.equal(upstream.requests.length, 2);
  t.match(upstream.requests[0]!.path, /^\/v1beta\/models\/gemini-2\.5-pro:streamGenerateContent\?alt=sse$/);
  t.match(r.stderr, new RegExp(`recorded session ${sid}: 2 turns, \\+4 records`), 'the re-sent call is matched, not stored again');
  const log = (await tapes(['log', '--json', sid], { cwd: dir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; content: Array<Record<string, unknown>>; meta: Record<string, unknown> });
  t.same(log.map((x) => x.kind), ['user', 'assistant', 'tool_result', 'assistant'], 'prompt, call, result, answer');
  t.same(log[1]!.content, [{ type: 'text', text: 'I will write it.' }, { type: 'tool_use', id: null, name: 'run_shell_command', input: { command: 'echo proof > proof.txt' } }]);
  t.same(log[2]!.content, [{ type: 'tool_result', tool_use_id: null, content: 'Output: proof', is_error: false, call_id: 'run_shell_command_1_0', name: 'run_shell_command' }]);
  t.same(log[3]!.content, [{ type: 'text', text: 'Done: the file says proof.' }], 'streamed text joined');
  t.equal(log[3]!.meta.model, 'gemini-2.5-pro');
  t.same(log[3]!.meta.usage, { promptTokenCount: 120, candidatesTokenCount: 12, totalTokenCount: 132 });
  const found = await occurrences(dir, GEMINI_KEY);
  t.same(found.hits, [], 'the API key is not stored');
  // A session id the user gives is the one sent; a resumed session gets none.
  const given = await tapes(['run', '--upstream', 'http://127.0.0.1:9', '--', 'gemini', '--session-id=abc-123', '-p', 'x'], { cwd: dir, env: { PATH, GEMINI_API_KEY: GEMINI_KEY } });
  t.same(argsOf(given.stdout), ['--session-id=abc-123', '-p', 'x']);
  t.same(JSON.parse(/^HEADERS (.*)$/m.exec(given.stdout)![1]!), { 'x-session-id': 'abc-123' });
  const resumed = await tapes(['run', '--upstream', 'http://127.0.0.1:9', '--', 'gemini', '--resume', 'latest'], { cwd: dir, env: { PATH, GEMINI_API_KEY: GEMINI_KEY } });
  t.same(argsOf(resumed.stdout), ['--resume', 'latest']);
  t.same(JSON.parse(/^HEADERS (.*)$/m.exec(resumed.stdout)![1]!), {});
  // --provider gemini is a choice of its own (the same as the name implies).
  const named = await tapes(['run', '--provider', 'gemini', '--upstream', 'http://127.0.0.1:9', '--', 'gemini', '--resume', 'latest'], { cwd: dir, env: { PATH, GEMINI_API_KEY: GEMINI_KEY } });
  t.not(named.code, 129, `--provider gemini is accepted (${named.stderr.split('\n')[0]})`);
  t.same(argsOf(named.stdout), ['--resume', 'latest']);
});
