// The proxy in bounded memory and bounded time: bodies larger than it holds
// are forwarded intact and stored as they pass; an upstream that stalls gets
// the client a 504 (or a cut, mid-body) instead of a hang; stopping the proxy
// records every turn that began (issue 16, item 10).
import t, { type Test } from 'tap';
import net from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Archive, startProxy, upstreamUrl } from '../../src/archive/index.js';
import { readContent } from '../../src/odb/index.js';
import { decodeValue, walkChain } from '../../src/record/index.js';
import { binPath, tapes, tempDir } from '../helpers/cli.js';
import { SSE_DIR, send, startUpstream, type Reply } from './wire-helpers.js';

const MiB = 1024 * 1024;
const reply = readFileSync(join(SSE_DIR, 'anthropic', 'messages_stream.sse'));
const SSE: Array<[string, string]> = [['content-type', 'text/event-stream']];

async function archiveIn(t: Test) {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await Archive.init({ cwd: dir, env: {} });
  return { dir, archive: await Archive.openAt(join(dir, '.tapes')) };
}

async function chain(archive: Archive, ref: string) {
  const store = await archive.objects();
  const tip = await archive.refs.resolve(ref);
  const out = [];
  for await (const r of walkChain(store, tip!)) {
    out.push({ kind: r.value.kind as string, meta: (await decodeValue(r.value.meta!, (id) => readContent(store, id))) as Record<string, unknown>, capture: r.value.capture as Record<string, any> });
  }
  return out.reverse();
}

/** A request body of about `size` bytes: one user message with a long text. */
function bigRequest(size: number): Buffer {
  const text = 'x'.repeat(size);
  return Buffer.from(JSON.stringify({ model: 'claude-test', stream: true, max_tokens: 10, messages: [{ role: 'user', content: text }] }));
}

t.test('a request and a response larger than the proxy holds pass intact and are stored raw', async (t) => {
  const { archive } = await archiveIn(t);
  const bigAnswer = Buffer.concat([reply, Buffer.from(`: ${'y'.repeat(3 * MiB)}\n\n`)]);
  const upstream = await startUpstream((req) => ({ headers: SSE, body: req.body.length > MiB ? bigAnswer : reply, chunks: 40 }));
  t.teardown(() => upstream.close());
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}), memoryLimit: MiB });
  t.teardown(() => running.close(0));
  const body = bigRequest(3 * MiB + 17);
  const res = await send(running.url, { path: '/v1/messages', headers: [['x-claude-code-session-id', 'big']], body });
  t.equal(res.status, 200);
  t.ok(upstream.requests[0]!.body.equals(body), 'the upstream got every byte of the request');
  t.ok(res.body.equals(bigAnswer), 'the client got every byte of the response');
  await running.proxy.drain();
  t.equal(running.stats.recorded, 1, 'the turn is recorded');
  const recs = await chain(archive, 'refs/sessions/big');
  t.equal(recs.length, 1, 'one record: nothing parsed out of a body the proxy did not hold');
  const [rec] = recs;
  t.equal(rec!.kind, 'system');
  t.match(rec!.meta, { unreduced: true, reason: `response body of ${bigAnswer.length} bytes was stored as it passed, not reduced` });
  const store = await archive.objects();
  const reqBlob = rec!.capture.request.body[0].$blob as string;
  t.ok(Buffer.from(await readContent(store, reqBlob)).equals(body), 'the stored request body is the request, byte for byte');
  t.ok(Buffer.from(await readContent(store, rec!.capture.response.body.$blob)).equals(bigAnswer), 'the stored response body is the response');
  t.equal(rec!.capture.response.bytes, bigAnswer.length);

  // A body within the limit is parsed as before, on the same proxy.
  const small = await send(running.url, { path: '/v1/messages', headers: [['x-claude-code-session-id', 'small']], body: bigRequest(1000) });
  t.ok(small.body.equals(reply));
  await running.proxy.drain();
  t.same((await chain(archive, 'refs/sessions/small')).map((r) => r.kind), ['user', 'assistant']);
  const fsck = await tapes(['fsck'], { cwd: join(archive.dir, '..') });
  t.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
});

/** An upstream that sends `prefix` on each connection and then says nothing more. */
async function stallingUpstream(t: Test, prefix: string) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => s.write(prefix));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

t.test('an upstream that stalls inside its headers gets the client a 504, and the proxy goes on', async (t) => {
  const { archive } = await archiveIn(t);
  const url = await stallingUpstream(t, 'HTTP/1.1 200 OK\r\nContent-Ty');
  const problems: string[] = [];
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: new URL(url), upstreamTimeoutMs: 300, onProblem: (m) => problems.push(m) });
  t.teardown(() => running.close(0));
  for (const n of [1, 2]) {
    const res = await send(running.url, { path: '/v1/messages', headers: [['x-claude-code-session-id', 's']], body: bigRequest(10) });
    t.equal(res.status, 504, `request ${n}: 504`);
    t.match(JSON.parse(res.body.toString()), { type: 'error', error: { type: 'proxy_error', message: `tapes proxy: the upstream ${url} sent no response in 0 s` } });
  }
  t.equal(running.stats.upstreamTimeouts, 2);
  t.match(problems[0], /POST \/v1\/messages: tapes proxy: the upstream .* sent no response/);
});

t.test('an upstream that stalls mid-body: the client sees a cut and the turn is kept, incomplete', async (t) => {
  const { archive } = await archiveIn(t);
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
  const part = reply.subarray(0, 300);
  const url = await stallingUpstream(t, `${head}${part.length.toString(16)}\r\n${part.toString('latin1')}\r\n`);
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: new URL(url), upstreamTimeoutMs: 300 });
  t.teardown(() => running.close(0));
  const res = await send(running.url, { path: '/v1/messages', headers: [['x-claude-code-session-id', 'cut']], body: bigRequest(10) });
  t.equal(res.status, 200);
  t.ok(res.error, 'the client sees the response cut, not a clean end');
  t.ok(res.body.equals(part), 'and everything that arrived before the stall');
  await running.proxy.drain();
  const recs = await chain(archive, 'refs/sessions/cut');
  t.same(recs.map((r) => r.kind), ['user', 'assistant']);
  t.match(recs[1]!.meta, { incomplete: true, incomplete_reason: 'upstream connection cut' });
});

/** The built binary as a proxy, and a client whose turns stream slowly. */
async function proxyProcess(t: Test, dir: string, upstream: string) {
  const child = spawn(process.execPath, [binPath, 'proxy', '--listen', '127.0.0.1:0', '--upstream', upstream], { cwd: dir, env: { PATH: process.env.PATH, FORCE_COLOR: '0' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  t.teardown(() => child.kill('SIGKILL'));
  for (let i = 0; i < 1000 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 10));
  return { child, url: out.trim(), exited, err: () => err };
}

for (const signals of [1, 2]) {
  t.test(`${signals === 1 ? 'one SIGTERM lets turns in flight finish' : 'a second SIGTERM cuts them'}; every turn is recorded before exit`, async (t) => {
    const { dir } = await archiveIn(t);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const upstream = await startUpstream((): Reply => ({ headers: SSE, body: reply, chunks: 4, holdAfterFirst: held }));
    t.teardown(() => upstream.close());
    const p = await proxyProcess(t, dir, upstream.url);
    t.match(p.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    let firsts = 0;
    const turns = ['a', 'b'].map((s) => send(p.url, { path: '/v1/messages', headers: [['x-claude-code-session-id', s]], body: bigRequest(10), onFirstChunk: () => firsts++ }));
    for (let i = 0; i < 1000 && firsts < 2; i++) await new Promise((r) => setTimeout(r, 10));
    t.equal(firsts, 2, 'both responses have begun');
    p.child.kill('SIGTERM');
    for (let i = 0; i < 1000 && !p.err().includes('finishing'); i++) await new Promise((r) => setTimeout(r, 10));
    t.match(p.err(), /SIGTERM: finishing 2 exchanges in flight; interrupt again to cut them/);
    if (signals === 2) p.child.kill('SIGTERM');
    else release();
    const results = await Promise.all(turns);
    const { code, signal } = await p.exited;
    release();
    t.same({ code, signal }, { code: 0, signal: null }, 'the proxy exits by itself, cleanly');
    t.match(p.err(), /stopped after 2 requests, 2 turns recorded/);
    for (const [i, s] of ['a', 'b'].entries()) {
      if (signals === 1) t.ok(results[i]!.body.equals(reply) && !results[i]!.error, `${s}: the client got the whole answer`);
      else t.ok(results[i]!.error, `${s}: the client sees the cut`);
      const log = await tapes(['log', '--oneline', s], { cwd: dir });
      t.equal(log.code, 0, `${s} is in the archive`);
      const archive = await Archive.openAt(join(dir, '.tapes'));
      const recs = await chain(archive, `refs/sessions/${s}`);
      t.same(recs.map((r) => r.kind), ['user', 'assistant']);
      if (signals === 1) t.notOk(recs[1]!.meta.incomplete, `${s}: complete`);
      else t.match(recs[1]!.meta, { incomplete: true, incomplete_reason: 'proxy stopped' });
    }
    const fsck = await tapes(['fsck'], { cwd: dir });
    t.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
  });
}
