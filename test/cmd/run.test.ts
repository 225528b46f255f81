// tapes run -- <agent>: a real child process that finds the proxy through its
// base URL variable, talks to it, and exits with a status passed through.
import t from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tapes, tempDir } from '../helpers/cli.js';
import { SSE_DIR, startUpstream } from '../capture/wire-helpers.js';

// The fake agent: two turns of one conversation, then exits with its first argument.
const AGENT = `
const http = require('node:http');
const base = process.env.ANTHROPIC_BASE_URL || process.env.OPENAI_BASE_URL;
function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-agent-secret-123', 'x-claude-code-session-id': 'run-session', 'user-agent': 'claude-cli/1.2.3 (fake)' } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
(async () => {
  console.log('agent base url ' + base);
  const messages = [{ role: 'user', content: 'hello' }];
  const first = await post('/v1/messages', { model: 'm', stream: true, messages });
  messages.push({ role: 'assistant', content: 'Hello! How can I help you today?' }, { role: 'user', content: 'bye' });
  await post('/v1/messages', { model: 'm', stream: true, messages });
  console.log('agent got ' + first.length + ' bytes');
  process.exit(Number(process.argv[2] || 0));
})();
`;

t.test('tapes run spawns the agent against the proxy and passes its status through', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tapes(['init'], { cwd: dir });
  writeFileSync(join(dir, 'fake-agent.cjs'), AGENT);
  const reply = readFileSync(join(SSE_DIR, 'anthropic', 'messages_stream.sse'));
  const upstream = await startUpstream(() => ({ headers: [['content-type', 'text/event-stream']], body: reply }));
  t.teardown(() => upstream.close());
  const r = await tapes(['run', '--upstream', upstream.url, '--', process.execPath, 'fake-agent.cjs', '3'], { cwd: dir, env: { PATH: '' } });
  t.equal(r.code, 3, 'the agent exit status is passed through');
  t.match(r.stdout, /agent base url http:\/\/127\.0\.0\.1:\d+\n/, 'the agent got ANTHROPIC_BASE_URL pointing at the proxy');
  t.match(r.stdout, new RegExp(`agent got ${reply.length} bytes`), 'and its answers through it');
  t.match(r.stderr, /recorded session run-session: 2 turns, \+4 records; see tapes log run-session/);
  t.equal(upstream.requests.length, 2);
  t.equal(upstream.requests[0]!.headers['x-api-key'], 'sk-agent-secret-123', 'the agent key went upstream');
  const log = await tapes(['log', '--json', 'run-session'], { cwd: dir });
  const recs = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
  t.same(recs.map((x) => x.kind), ['user', 'assistant', 'user', 'assistant']);
  const ok = await tapes(['run', '--json', '--upstream', upstream.url, '--', process.execPath, 'fake-agent.cjs'], { cwd: dir });
  t.equal(ok.code, 0);
  const summary = JSON.parse(ok.stdout.trim().split('\n').pop()!) as { status: number; turns: number; sessions: Array<{ name: string; records_added: number }> };
  t.equal(summary.status, 0);
  t.equal(summary.turns, 2);
  t.same(summary.sessions.map((s) => s.name), ['run-session']);
  t.equal(summary.sessions[0]!.records_added, 2, 'a second run of the same conversation adds only the new answers');
});

t.test('tapes run: OpenAI agents get OPENAI_BASE_URL; errors', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tapes(['init'], { cwd: dir });
  writeFileSync(join(dir, 'env.cjs'), 'console.log(JSON.stringify({a: process.env.ANTHROPIC_BASE_URL || null, o: process.env.OPENAI_BASE_URL || null}))');
  const r = await tapes(['run', '--provider', 'openai', '--upstream', 'http://127.0.0.1:9', '--', process.execPath, 'env.cjs'], { cwd: dir });
  t.equal(r.code, 0);
  const env = JSON.parse(r.stdout) as { a: string | null; o: string | null };
  t.equal(env.a, null);
  t.match(env.o, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  t.match(r.stderr, /no model turns recorded \(0 requests forwarded\)/);
  const missing = await tapes(['run', '--upstream', 'http://127.0.0.1:9', '--', 'no-such-agent-xyz'], { cwd: dir, env: { PATH: '/nonexistent' } });
  t.equal(missing.code, 127, 'a command that does not exist: 127, as a shell says');
  t.match(missing.stderr, /cannot run no-such-agent-xyz: command not found/);
  const none = await tapes(['run'], { cwd: dir });
  t.equal(none.code, 129);
  t.match(none.stderr, /name the agent to run after --/);
});
