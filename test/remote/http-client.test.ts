// The git-http transport's one HTTP client against a loopback server: its
// redirect policy (git's: 301/302/303 become a GET without the body, 307/308
// repeat method and body, at most five are followed), the answer read whole
// with the URL that gave it, and isomorphic-git's requests carried the same
// way. The server listens on 127.0.0.1 only and closes itself when idle.
import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_REDIRECTS, gitHttpClient, httpRequest } from '../../src/remote/http-client.js';

interface Seen {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

const seen: Seen[] = [];
const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    arm();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push({ method: req.method ?? '', path: url.pathname, body: Buffer.concat(parts).toString('utf8'), headers: req.headers });
    // /redirect/<status>/<hops>: that many redirects with that status, then /end.
    const m = /^\/redirect\/(\d+)\/(\d+)$/.exec(url.pathname);
    if (m) {
      const hops = Number(m[2]);
      res.writeHead(Number(m[1]), { Location: hops > 1 ? `/redirect/${m[1]}/${hops - 1}` : '/end' });
      res.end('moved');
      return;
    }
    if (url.pathname === '/absolute') {
      res.writeHead(302, { Location: `http://127.0.0.1:${port}/end` });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Two': ['a', 'b'] });
    res.end(`${req.method} ${url.pathname} ${Buffer.concat(parts).toString('utf8')}`);
  });
});
let idle: NodeJS.Timeout | undefined;
const arm = (): void => {
  if (idle) clearTimeout(idle);
  idle = setTimeout(() => server.close(), 60_000);
  idle.unref();
};
arm();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const base = `http://127.0.0.1:${port}`;
t.teardown(() => {
  if (idle) clearTimeout(idle);
  server.close();
});

const since = (n: number) => seen.slice(n).map((s) => `${s.method} ${s.path} ${s.body}`);

t.test('a plain answer: status, headers (joined when repeated), the whole body, its URL', async (t) => {
  const a = await httpRequest(`${base}/end`, 'POST', { 'X-Mine': 'yes' }, Buffer.from('hello'));
  t.equal(a.status, 200);
  t.equal(a.statusMessage, 'OK');
  t.equal(a.url, `${base}/end`);
  t.equal(a.body.toString(), 'POST /end hello');
  t.equal(a.headers['content-type'], 'text/plain');
  t.equal(a.headers['x-two'], 'a, b');
  const last = seen[seen.length - 1]!;
  t.equal(last.headers['x-mine'], 'yes', 'the caller’s headers are sent');
  t.equal(last.headers['content-length'], '5', 'with the body’s length');
});

for (const status of [301, 302, 303]) {
  t.test(`${status}: followed as a GET without the body`, async (t) => {
    const n = seen.length;
    const a = await httpRequest(`${base}/redirect/${status}/1`, 'POST', {}, Buffer.from('payload'));
    t.equal(a.status, 200);
    t.equal(a.url, `${base}/end`, 'the answer names the URL that gave it');
    t.same(since(n), [`POST /redirect/${status}/1 payload`, 'GET /end ']);
  });
}

for (const status of [307, 308]) {
  t.test(`${status}: followed with the same method and body`, async (t) => {
    const n = seen.length;
    const a = await httpRequest(`${base}/redirect/${status}/2`, 'POST', { 'X-Mine': 'kept' }, Buffer.from('payload'));
    t.equal(a.body.toString(), 'POST /end payload');
    t.same(since(n), [`POST /redirect/${status}/2 payload`, `POST /redirect/${status}/1 payload`, 'POST /end payload']);
    t.equal(seen[seen.length - 1]!.headers['x-mine'], 'kept', 'the headers go along');
  });
}

t.test('an absolute Location is followed too', async (t) => {
  const a = await httpRequest(`${base}/absolute`, 'GET', {});
  t.equal(a.status, 200);
  t.equal(a.body.toString(), 'GET /end ');
});

t.test(`at most ${MAX_REDIRECTS} redirects: the one after is answered as it is`, async (t) => {
  t.equal(MAX_REDIRECTS, 5);
  const n = seen.length;
  const five = await httpRequest(`${base}/redirect/302/${MAX_REDIRECTS}`, 'GET', {});
  t.equal(five.status, 200, 'five are followed');
  t.equal(seen.length - n, MAX_REDIRECTS + 1);
  const six = await httpRequest(`${base}/redirect/302/${MAX_REDIRECTS + 1}`, 'GET', {});
  t.equal(six.status, 302, 'the sixth is not');
  t.equal(six.body.toString(), 'moved');
  t.equal(six.headers.location, '/end');
});

t.test('isomorphic-git’s requests go through the same client', async (t) => {
  const n = seen.length;
  const res = await gitHttpClient.request({
    url: `${base}/redirect/307/1`,
    method: 'POST',
    headers: { 'Git-Protocol': 'version=2' },
    body: [Buffer.from('ab'), Buffer.from('cd')] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  t.equal(res.statusCode, 200);
  t.equal(res.url, `${base}/end`);
  t.equal(res.headers?.['content-type'], 'text/plain');
  const chunks: Uint8Array[] = [];
  for await (const c of res.body!) chunks.push(c);
  t.equal(Buffer.concat(chunks).toString(), 'POST /end abcd', 'the body arrives whole, the chunks joined');
  t.same(since(n), ['POST /redirect/307/1 abcd', 'POST /end abcd'], 'the redirect policy holds for it too');
  t.equal(seen[seen.length - 1]!.headers['git-protocol'], 'version=2');
  const get = await gitHttpClient.request({ url: `${base}/end` });
  t.equal(get.statusCode, 200, 'GET without a body by default');
});

t.test('a server that is not there is an error, not a hang', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const gone = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await t.rejects(httpRequest(`http://127.0.0.1:${gone}/`, 'GET', {}), { code: 'ECONNREFUSED' });
});
