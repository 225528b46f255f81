// The proxy against real traffic: the 17 recorded Claude Code turns replayed
// from a loopback upstream, sent through the real proxy by a real HTTP client.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Archive, startProxy, upstreamUrl } from '../../src/archive/index.js';
import { matchDigest, parseRequest, zlibCanDecode } from '../../src/capture/index.js';
import { readContent } from '../../src/odb/index.js';
import { decodeValue, renderTemplate, walkChain, type TemplatePart } from '../../src/record/index.js';
import { tempDir } from '../helpers/cli.js';
import { FAKE_KEY, loadWireTurns, send, startUpstream, wireRoute, withFakeKey, type Reply } from './wire-helpers.js';

const turns = loadWireTurns();
const SESSION = 'ac9b5a71-50d4-47c2-b771-4d5c3e96d899';
const AGENT = 'a0c0778e223db598c';

/** An independent reading of a recorded SSE body: the text, tool inputs and stop reason. */
function expected(sse: Buffer) {
  const text = gunzipSync(sse).toString('utf8');
  const blocks: Array<Record<string, unknown> & { json?: string }> = [];
  let stop: unknown;
  let usage: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const d = JSON.parse(line.slice(6));
    if (d.type === 'message_start') usage = { ...d.message.usage };
    if (d.type === 'content_block_start') blocks[d.index] = { ...d.content_block, json: '' };
    if (d.type === 'content_block_delta') {
      const b = blocks[d.index]!;
      if (d.delta.type === 'text_delta') b.text = String(b.text) + d.delta.text;
      if (d.delta.type === 'input_json_delta') b.json += d.delta.partial_json;
      if (d.delta.type === 'signature_delta') b.signature = String(b.signature ?? '') + d.delta.signature;
    }
    if (d.type === 'message_delta') {
      stop = d.delta.stop_reason;
      usage = { ...usage, ...d.usage };
    }
  }
  return { blocks, stop, usage };
}

t.test('17 real turns through the proxy', async (t) => {
  t.equal(turns.length, 17, 'the corpus has 17 turns');
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await Archive.init({ cwd: dir, env: {} });
  let clock = Date.parse('2026-07-27T21:32:31.000Z');
  const archive = await Archive.openAt(join(dir, '.tapes'), { now: () => new Date((clock += 1000)) });

  // One turn is held mid-stream by the upstream until the client has its first chunk.
  const held = turns.find((x) => x.name.endsWith('00000013'))!;
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const route = wireRoute(turns);
  const upstream = await startUpstream((req) => {
    if (req.method === 'GET' && req.path === '/v1/models') return { headers: [['content-type', 'application/json']], body: Buffer.from('{"data":[{"id":"claude-sonnet-4-6"}]}') };
    if (req.path.startsWith('/v1/messages/count_tokens')) return { headers: [['content-type', 'application/json']], body: Buffer.from('{"input_tokens":42}') };
    const r = route(req);
    if (r && req.body.equals(held.body)) return { ...r, chunks: 4, holdAfterFirst: hold } satisfies Reply;
    return r;
  });
  t.teardown(() => upstream.close());
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}) });
  t.teardown(() => running.close(0));

  for (const turn of turns) {
    const headers = [...withFakeKey(turn.headers), ['x-api-key', FAKE_KEY], ['cookie', `session=${FAKE_KEY}`]] as Array<[string, string]>;
    if (turn === held) {
      const finishedBefore = upstream.finished;
      let firstAt = -1;
      const pending = send(running.url, {
        path: turn.path,
        headers,
        body: turn.body,
        onFirstChunk: () => {
          firstAt = upstream.finished;
          release();
        },
      });
      const res = await pending;
      t.equal(firstAt, finishedBefore, 'the client had the first chunk while the upstream was still holding the rest of the stream');
      t.ok(res.body.equals(turn.response), `${turn.name}: the client received exactly the upstream bytes`);
      continue;
    }
    const res = await send(running.url, { path: turn.path, headers, body: turn.body });
    t.equal(res.status, turn.status, `${turn.name}: status`);
    t.equal(res.headers['content-encoding'], 'gzip', `${turn.name}: still gzip-encoded`);
    t.ok(res.body.equals(turn.response), `${turn.name}: the client received exactly the upstream bytes (${turn.response.length})`);
  }

  // Paths that are not model turns pass through untouched and are not recorded.
  await running.proxy.drain();
  const tipsBefore = await archive.refs.list('refs/');
  const models = await send(running.url, { method: 'GET', path: '/v1/models', headers: [['x-api-key', FAKE_KEY]] });
  t.equal(models.body.toString(), '{"data":[{"id":"claude-sonnet-4-6"}]}', 'GET /v1/models is forwarded');
  const count = await send(running.url, { path: '/v1/messages/count_tokens?beta=true', headers: [['x-api-key', FAKE_KEY]], body: turns[1]!.body });
  t.equal(count.body.toString(), '{"input_tokens":42}', 'count_tokens is forwarded');
  await running.close();
  t.same(await archive.refs.list('refs/'), tipsBefore, 'and nothing was recorded for them');
  t.equal(running.stats.recorded, 17, 'every turn was recorded');
  t.equal(running.stats.recordFailures, 0);

  // What reached the upstream: credentials forwarded (the agent's own), zstd not requested.
  const first = upstream.requests[0]!;
  t.equal(first.headers.authorization, `Bearer ${FAKE_KEY}`, 'credentials are forwarded upstream');
  if (zlibCanDecode('zstd')) t.equal(first.headers['accept-encoding'], 'gzip, deflate, br, zstd', 'zstd is requested where Node decodes it');
  else t.equal(first.headers['accept-encoding'], 'gzip, deflate, br', 'zstd (not decodable by this Node) is not requested');
  t.equal(first.path, '/v1/messages?beta=true');
  t.ok(first.body.equals(turns[0]!.body), 'the request body is forwarded as sent');

  const store = await archive.objects();
  const mainRef = `refs/sessions/${SESSION}`;
  const agentRef = `refs/agents/${SESSION}/agent-${AGENT}`;
  t.same((await archive.refs.list('refs/')).map((r) => r.name).sort(), [agentRef, mainRef].sort(), 'one session chain and one subagent chain');

  const chain = async (ref: string) => {
    const out = [];
    for await (const rec of walkChain(store, (await archive.refs.resolve(ref))!)) out.push(rec);
    return out.reverse();
  };
  const decoded = async (v: unknown) => decodeValue(v as never, (id) => readContent(store, id));

  // The main chain: the title query (2 records), then the conversation of the
  // last main turn (27 request messages) and its response — each once.
  const main = await chain(mainRef);
  const mainTurns = turns.filter((x) => !x.agentId);
  const last = mainTurns[mainTurns.length - 1]!;
  const lastReq = parseRequest('anthropic-messages', last.body)!;
  t.equal(lastReq.messages.length, 27);
  t.equal(main.length, 2 + 27 + 1, 'the main chain holds each message exactly once');
  const digests = [];
  for (const r of main) digests.push(matchDigest(r.value.role as string | null, (await decoded(r.value.content)) as unknown[]));
  t.equal(new Set(digests).size, digests.length, 'no record repeats another');
  const conv = digests.slice(2);
  t.same(conv.slice(0, 27), lastReq.messages.map((m) => matchDigest(m.role, m.content)), 'the records are the conversation, in order');
  t.same(main.map((r) => r.value.kind), ['user', 'assistant', ...lastReq.messages.map((m) => m.kind), 'assistant'], 'kinds');
  t.equal(main.filter((r) => r.value.kind === 'assistant' && (r.value.capture as { status?: number }).status === 200).length, mainTurns.length, 'one response record per main turn');
  t.equal(main[0]!.parent, null);
  t.equal((main[2]!.value.capture as { continues?: unknown }).continues, null, 'the conversation after the title query is marked as starting afresh');

  // Every response record: its content, usage, timings, raw bytes and the exact request.
  const responses = main.filter((r) => (r.value.capture as { status?: number }).status !== undefined);
  const byTurn = new Map(mainTurns.map((x, i) => [x, responses[i]!]));
  for (const [turn, rec] of byTurn) {
    const v = rec.value as Record<string, never>;
    const cap = v.capture as unknown as Record<string, any>;
    const meta = (await decoded(v.meta)) as Record<string, any>;
    const content = (await decoded(v.content)) as Array<Record<string, any>>;
    const exp = expected(turn.response);
    t.equal(cap.complete, true, `${turn.name}: complete`);
    t.equal(meta.stop_reason, exp.stop, `${turn.name}: stop reason`);
    t.same(meta.usage, exp.usage, `${turn.name}: usage, cache tokens included`);
    t.equal(meta.model, 'claude-sonnet-4-6');
    t.equal(meta.request_id, turn.responseHeaders.find(([k]) => k === 'request-id')![1], 'request id');
    t.equal(meta.session_id, SESSION);
    t.equal(meta.harness, 'claude-code');
    t.equal(meta.harness_version, '2.1.219');
    t.ok(cap.timing.ttfb_ms >= 0 && cap.timing.ttfb_ms <= cap.timing.total_ms, 'timings');
    t.equal(content.length, exp.blocks.length, `${turn.name}: one block per streamed block`);
    exp.blocks.forEach((b, i) => {
      const got = content[i]!;
      t.equal(got.type, b.type);
      if (b.type === 'text') t.equal(got.text, b.text);
      if (b.type === 'thinking') t.ok(typeof got.signature === 'string' && got.signature === b.signature && got.signature.length > 100, 'thinking keeps its signature');
      if (b.type === 'tool_use') {
        t.same(got.input, b.json ? JSON.parse(b.json) : {}, 'tool input parsed');
        t.equal(got.id, b.id);
      }
    });
    const raw = await readContent(store, cap.response.body.$blob);
    t.ok(Buffer.from(raw).equals(turn.response), `${turn.name}: the verbatim response bytes are kept`);
    const parts: Buffer[] = [];
    await renderTemplate(cap.request.body as TemplatePart[], (id) => readContent(store, id), (b) => void parts.push(Buffer.from(b)));
    t.ok(Buffer.concat(parts).equals(turn.body), `${turn.name}: the exact request body can be rebuilt`);
  }
  // System prompt, tools and parameters: one blob each however many turns send them.
  const caps = [...byTurn.values()].slice(1).map((r) => r.value.capture as unknown as Record<string, any>);
  t.equal(new Set(caps.map((c) => c.request.tools.$blob)).size, 1, 'the tool definitions are stored once');
  t.equal(new Set(caps.map((c) => c.request.params.$blob)).size, 1, 'the request parameters are stored once');
  const tools = JSON.parse(Buffer.from(await readContent(store, caps[0]!.request.tools.$blob)).toString('utf8'));
  t.equal(tools.length, 28, 'the tools blob holds the tool definitions');

  // The subagent's chain: its two turns, linked to the session.
  const sub = await chain(agentRef);
  t.same(sub.map((r) => r.value.kind), ['user', 'assistant', 'tool_result', 'assistant'], 'the subagent thread has its own chain');
  const subMeta = (await decoded(sub[0]!.value.meta)) as Record<string, unknown>;
  t.equal(subMeta.parent_session, SESSION);
  t.equal(subMeta.agent_id, AGENT);

  // No credential anywhere: every object decompressed, refs and reflogs too.
  let objects = 0;
  const needle = Buffer.from(FAKE_KEY);
  for await (const id of store.ids()) {
    const obj = await store.read(id);
    objects++;
    t.equal(Buffer.from(obj.body).indexOf(needle), -1, `object ${id} holds no credential`) || t.fail('credential stored');
  }
  t.ok(objects > 50, `searched ${objects} objects`);
  const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));
  for (const f of files(join(dir, '.tapes')).filter((f) => !f.includes('/objects/'))) t.equal(readFileSync(f).indexOf(needle), -1, `${f} holds no credential`);
});
