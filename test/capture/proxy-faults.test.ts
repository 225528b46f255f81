// Faults and concurrency through the real proxy: an unreachable upstream, an
// error event mid-stream, a stream cut short, a connection cut, a client that
// goes away, error statuses and retries, parallel sessions. The proxy keeps
// serving after each.
import t, { type Test } from 'tap';
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Archive, startProxy, upstreamUrl, type RunningProxy } from '../../src/archive/index.js';
import { readContent } from '../../src/odb/index.js';
import { decodeValue, walkChain } from '../../src/record/index.js';
import { tempDir, until } from '../helpers/cli.js';
import { SSE_DIR, send, startUpstream, type Reply } from './wire-helpers.js';

const sse = (name: string) => readFileSync(join(SSE_DIR, 'anthropic', name));
const SSE_HEADERS: Array<[string, string]> = [['content-type', 'text/event-stream; charset=utf-8'], ['request-id', 'req_test']];

async function setup(t: Test, route: (req: { method: string; path: string; body: Buffer }) => Reply | undefined) {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await Archive.init({ cwd: dir, env: {} });
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const upstream = await startUpstream(route);
  t.teardown(() => upstream.close());
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}) });
  t.teardown(() => running.close(0));
  return { archive, upstream, running };
}


function body(messages: unknown[], stream = true): Buffer {
  return Buffer.from(JSON.stringify({ model: 'claude-test', max_tokens: 100, stream, system: 'You are a test.', messages }));
}

const headers = (session: string, agent?: string): Array<[string, string]> => [
  ['content-type', 'application/json'],
  ['x-api-key', 'sk-test-key'],
  ['user-agent', 'claude-cli/9.9.9 (test)'],
  ['x-claude-code-session-id', session],
  ...(agent ? ([['x-claude-code-agent-id', agent]] as Array<[string, string]>) : []),
];

async function records(archive: Archive, ref: string) {
  const store = await archive.objects();
  const tip = await archive.refs.resolve(ref);
  if (!tip) return [];
  const out = [];
  for await (const r of walkChain(store, tip)) {
    const v = r.value;
    out.push({
      id: r.id,
      kind: v.kind as string,
      content: (await decodeValue(v.content!, (id) => readContent(store, id))) as Array<Record<string, unknown>>,
      meta: (await decodeValue(v.meta!, (id) => readContent(store, id))) as Record<string, unknown>,
      capture: v.capture as Record<string, unknown>,
    });
  }
  return out.reverse();
}

async function settled(running: RunningProxy, recorded: number) {
  await until(() => running.stats.recorded + running.stats.recordFailures >= recorded);
  await running.proxy.drain();
}

t.test('upstream unreachable: 502 with a clear message, nothing recorded, still serving', async (t) => {
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await Archive.init({ cwd: dir, env: {} });
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const problems: string[] = [];
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: new URL(`http://127.0.0.1:${port}`), onProblem: (m) => problems.push(m) });
  t.teardown(() => running.close(0));
  for (let i = 0; i < 2; i++) {
    const res = await send(running.url, { path: '/v1/messages', headers: headers('s-dead'), body: body([{ role: 'user', content: 'hi' }]) });
    t.equal(res.status, 502);
    const err = JSON.parse(res.body.toString()) as { error: { type: string; message: string } };
    t.equal(err.error.type, 'proxy_error');
    t.match(err.error.message, new RegExp(`cannot reach the upstream http://127.0.0.1:${port}: ECONNREFUSED`));
  }
  await running.close();
  t.same(await archive.refs.list('refs/'), [], 'nothing recorded');
  t.equal(running.stats.upstreamErrors, 2);
  t.match(problems[0], /ECONNREFUSED/);
});

t.test('an error event mid-stream, a stream cut short, a cut connection, a client that leaves', async (t) => {
  let releaseHeld!: () => void;
  const held = new Promise<void>((r) => (releaseHeld = r));
  const gz = gzipSync(sse('messages_tool_use.sse'));
  const { archive, running } = await setup(t, (req) => {
    const text = req.body.toString();
    if (text.includes('ERROR')) return { headers: SSE_HEADERS, body: sse('messages_error_mid_stream.sse'), chunks: 3 };
    if (text.includes('TRUNCATED')) return { headers: SSE_HEADERS, body: sse('messages_truncated_stream.sse'), chunks: 2 };
    if (text.includes('CUT')) return { headers: [...SSE_HEADERS, ['content-encoding', 'gzip']], body: gz, chunks: 4, cutAfter: gz.length - 60 };
    if (text.includes('LEAVE')) return { headers: SSE_HEADERS, body: sse('messages_stream.sse'), chunks: 4, holdAfterFirst: held };
    return { headers: SSE_HEADERS, body: sse('messages_stream.sse'), chunks: 3 };
  });

  const error = await send(running.url, { path: '/v1/messages', headers: headers('s-err'), body: body([{ role: 'user', content: 'ERROR please' }]) });
  t.ok(error.body.equals(sse('messages_error_mid_stream.sse')), 'error stream: the client gets exactly what the upstream sent');
  const trunc = await send(running.url, { path: '/v1/messages', headers: headers('s-trunc'), body: body([{ role: 'user', content: 'TRUNCATED please' }]) });
  t.ok(trunc.body.equals(sse('messages_truncated_stream.sse')), 'truncated stream: exactly what the upstream sent');
  const cut = await send(running.url, { path: '/v1/messages', headers: headers('s-cut'), body: body([{ role: 'user', content: 'CUT please' }]) });
  t.ok(cut.error, `a cut connection reaches the client as one (${cut.error})`);
  t.ok(cut.body.length > 0 && gz.subarray(0, cut.body.length).equals(cut.body), 'and it has exactly the bytes that came before the cut');
  const leave = await send(running.url, { path: '/v1/messages', headers: headers('s-leave'), body: body([{ role: 'user', content: 'LEAVE early' }]), abortAfterFirst: true });
  t.equal(leave.error, 'aborted by the client');
  await settled(running, 4);
  releaseHeld();
  // Still serving.
  const ok = await send(running.url, { path: '/v1/messages', headers: headers('s-ok'), body: body([{ role: 'user', content: 'hello' }]) });
  t.ok(ok.body.equals(sse('messages_stream.sse')), 'the proxy keeps serving');
  await running.close();
  t.equal(running.stats.recordFailures, 0);

  const err = await records(archive, 'refs/sessions/s-err');
  t.same(err.map((r) => r.kind), ['user', 'assistant']);
  t.equal(err[1]!.meta.incomplete, true, 'error mid-stream: flagged incomplete');
  t.same(err[1]!.meta.error, { type: 'overloaded_error', message: 'Overloaded' });
  t.same(err[1]!.content, [{ type: 'text', text: 'Starting to answer' }], 'with what arrived');
  t.equal(err[1]!.capture.complete, false);

  const tr = await records(archive, 'refs/sessions/s-trunc');
  t.equal(tr[1]!.meta.incomplete, true);
  t.match(tr[1]!.meta.incomplete_reason, /before message_stop/);
  t.same(tr[1]!.content, [{ type: 'text', text: 'Partial respon' }]);

  const c = await records(archive, 'refs/sessions/s-cut');
  t.equal(c[1]!.meta.incomplete, true);
  t.equal(c[1]!.meta.incomplete_reason, 'upstream connection cut');
  t.equal(c[1]!.capture.end, 'upstream-cut');
  t.same(c[1]!.content[0], { type: 'text', text: "I'll check the weather for you." }, 'the part of the gzip stream that arrived is decoded and kept');

  const l = await records(archive, 'refs/sessions/s-leave');
  t.equal(l[1]!.meta.incomplete, true);
  t.equal(l[1]!.meta.incomplete_reason, 'client disconnected');
  t.equal(l[1]!.capture.end, 'client-disconnected');

  const good = await records(archive, 'refs/sessions/s-ok');
  t.equal(good[1]!.meta.incomplete, undefined, 'a whole stream is not flagged');
  t.equal(good[1]!.meta.request_id, 'req_test');
});

t.test('an error status is kept as an API error; the retry continues the chain', async (t) => {
  let calls = 0;
  const { archive, running } = await setup(t, () => {
    calls++;
    if (calls === 1) return { status: 529, headers: [['content-type', 'application/json']], body: Buffer.from('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}') };
    return { headers: [['content-type', 'application/json']], body: readFileSync(join(SSE_DIR, 'anthropic', 'messages_oneshot.json')) };
  });
  const b = body([{ role: 'user', content: 'hi' }], false);
  const first = await send(running.url, { path: '/v1/messages', headers: headers('s-retry'), body: b });
  t.equal(first.status, 529, 'the client gets the error status');
  const second = await send(running.url, { path: '/v1/messages', headers: headers('s-retry'), body: b });
  t.equal(second.status, 200);
  await running.close();
  const r = await records(archive, 'refs/sessions/s-retry');
  t.same(r.map((x) => x.kind), ['user', 'system', 'assistant'], 'the user message once, the error, then the answer');
  t.equal(r[1]!.meta.is_api_error, true);
  t.equal(r[1]!.meta.status, 529);
  t.same(r[1]!.meta.error, { type: 'overloaded_error', message: 'Overloaded' });
  t.same(r[2]!.content, [{ type: 'text', text: 'Hello! How can I help you today?' }]);
  t.equal(r[2]!.capture.stream, false);
});

t.test('parallel sessions and subagents land in the right chains, nothing lost', async (t) => {
  const { archive, running } = await setup(t, (req) => {
    const parsed = JSON.parse(req.body.toString()) as { messages: Array<{ content: string }> };
    const text = `answer to ${parsed.messages[parsed.messages.length - 1]!.content}`;
    const events = [
      { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', content: [], model: 'claude-test', stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } },
      { type: 'message_stop' },
    ];
    return { headers: SSE_HEADERS, body: Buffer.from(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('')), chunks: 3 };
  });
  const conversation = async (session: string, agent: string | undefined, turns: number) => {
    const messages: Array<{ role: string; content: string }> = [];
    for (let i = 0; i < turns; i++) {
      messages.push({ role: 'user', content: `${session}/${agent ?? 'main'} question ${i}` });
      const res = await send(running.url, { path: '/v1/messages', headers: headers(session, agent), body: body(messages) });
      t.equal(res.status, 200);
      messages.push({ role: 'assistant', content: `answer to ${messages[messages.length - 1]!.content}` });
    }
  };
  const sessions = ['p1', 'p2', 'p3', 'p4'];
  await Promise.all([...sessions.map((s) => conversation(s, undefined, 6)), conversation('p1', 'agentA', 4), conversation('p1', 'agentB', 4)]);
  await running.close();
  t.equal(running.stats.recorded, 4 * 6 + 8);
  for (const s of sessions) {
    const r = await records(archive, `refs/sessions/${s}`);
    t.equal(r.length, 12, `${s}: every turn's question and answer, once`);
    t.same(
      r.map((x) => (x.content[0] as { text: string }).text),
      Array.from({ length: 6 }, (_, i) => [`${s}/main question ${i}`, `answer to ${s}/main question ${i}`]).flat(),
      `${s}: in order`,
    );
  }
  for (const a of ['agentA', 'agentB']) {
    const r = await records(archive, `refs/agents/p1/agent-${a}`);
    t.equal(r.length, 8, `${a}: its own chain`);
    t.equal(r[0]!.meta.parent_session, 'p1');
  }
});

t.test('without a session header, the first message names the session', async (t) => {
  const { archive, running } = await setup(t, () => ({ headers: [['content-type', 'application/json']], body: readFileSync(join(SSE_DIR, 'anthropic', 'messages_oneshot.json')) }));
  const plain: Array<[string, string]> = [['content-type', 'application/json']];
  const first = [{ role: 'user', content: 'first conversation' }];
  await send(running.url, { path: '/v1/messages', headers: plain, body: body(first, false) });
  await send(running.url, { path: '/v1/messages', headers: plain, body: body([{ role: 'user', content: 'second conversation' }], false) });
  await send(running.url, { path: '/v1/messages', headers: plain, body: body([...first, { role: 'assistant', content: 'Hello! How can I help you today?' }, { role: 'user', content: 'more' }], false) });
  await running.close();
  const refs = (await archive.refs.list('refs/sessions/')).map((r) => r.name);
  t.equal(refs.length, 2, 'two conversations, two sessions');
  const lens = await Promise.all(refs.map(async (r) => (await records(archive, r)).length));
  t.same(lens.sort(), [2, 4], 'the continued conversation grew by its new message and answer');
  for (const r of refs) t.match(r, /^refs\/sessions\/capture-[0-9a-f]{16}$/);
});
