// Real captured traffic for the proxy tests: the corpus's wire turns, a
// loopback upstream that replays each recorded response for its request, and
// a plain HTTP client that keeps the response bytes exactly as they arrive.
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { corpusDir } from '../helpers/cli.js';

export const WIRE_DIR = join(corpusDir, 'wire', 'claude-20260727-019fa57e');
export const SSE_DIR = join(corpusDir, 'wire', 'sse-cases');

export interface WireTurn {
  name: string;
  method: string;
  /** Path and query as the agent sent them, without the capturing gateway's prefix. */
  path: string;
  headers: Array<[string, string]>;
  body: Buffer;
  status: number;
  responseHeaders: Array<[string, string]>;
  /** The response body exactly as sent (gzip-encoded). */
  response: Buffer;
  agentId: string | undefined;
}

export function loadWireTurns(): WireTurn[] {
  return readdirSync(WIRE_DIR)
    .filter((d) => d.startsWith('turn-'))
    .sort()
    .map((name) => {
      const dir = join(WIRE_DIR, name);
      const req = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8')) as { method: string; url: string; headers: Array<[string, string]>; body_b64: string };
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { status: number; response_headers: Array<[string, string]> };
      const url = new URL(req.url);
      const path = url.pathname.replace(/^.*(?=\/v1\/)/, '') + url.search;
      return {
        name,
        method: req.method,
        path,
        headers: req.headers,
        body: Buffer.from(req.body_b64, 'base64'),
        status: meta.status,
        responseHeaders: meta.response_headers,
        response: readFileSync(join(dir, 'response.sse')),
        agentId: req.headers.find(([k]) => k === 'x-claude-code-agent-id')?.[1],
      };
    });
}

export interface Reply {
  status?: number;
  headers: Array<[string, string]>;
  body: Buffer;
  /** Split the body into this many writes, with a pause between them. */
  chunks?: number;
  /** Wait for this before writing the second half of the body. */
  holdAfterFirst?: Promise<void>;
  /** Destroy the socket after this many body bytes (a connection cut mid-stream). */
  cutAfter?: number;
}

export interface Upstream {
  url: string;
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }>;
  /** Set when a response has been fully written (for first-byte timing checks). */
  finished: number;
  close(): Promise<void>;
}

/** A loopback upstream; `route` answers each request (undefined: 404). */
export async function startUpstream(route: (req: { method: string; path: string; body: Buffer }) => Reply | undefined): Promise<Upstream> {
  const up: Upstream = { url: '', requests: [], finished: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(parts);
      const path = req.url ?? '/';
      up.requests.push({ method: req.method ?? '', path, headers: req.headers, rawHeaders: req.rawHeaders, body });
      const reply = route({ method: req.method ?? '', path, body });
      if (!reply) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no recorded answer for ${path}` } }));
        return;
      }
      const headers = reply.headers.filter(([k]) => !['transfer-encoding', 'content-length', 'connection'].includes(k.toLowerCase()));
      res.writeHead(reply.status ?? 200, headers.flat());
      res.flushHeaders();
      const n = Math.max(1, reply.chunks ?? 1);
      const size = Math.ceil(reply.body.length / n);
      let sent = 0;
      for (let i = 0; i < n; i++) {
        const piece = reply.body.subarray(i * size, (i + 1) * size);
        if (piece.length === 0) continue;
        if (reply.cutAfter !== undefined && sent + piece.length > reply.cutAfter) {
          res.write(piece.subarray(0, reply.cutAfter - sent));
          await new Promise((r) => setTimeout(r, 20));
          res.socket?.destroy();
          return;
        }
        res.write(piece);
        sent += piece.length;
        if (i === 0 && reply.holdAfterFirst) await reply.holdAfterFirst;
        else if (n > 1) await new Promise((r) => setTimeout(r, 2));
      }
      res.end(() => {
        up.finished++;
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up;
}

/** The corpus turns as an upstream route: a request body gets the response recorded for it. */
export function wireRoute(turns: WireTurn[], opts: { chunks?: number } = {}) {
  const byBody = new Map(turns.map((t) => [t.body.toString('base64'), t]));
  return (req: { method: string; path: string; body: Buffer }): Reply | undefined => {
    const t = byBody.get(req.body.toString('base64'));
    if (!t || !req.path.startsWith('/v1/messages')) return undefined;
    return { status: t.status, headers: t.responseHeaders, body: t.response, chunks: opts.chunks ?? 8 };
  };
}

export interface ClientResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Set when the connection broke before the response ended. */
  error?: string;
}

/** Sends one request and keeps the response body as it arrives (no decoding). */
export function send(
  base: string,
  opts: { method?: string; path: string; headers?: Array<[string, string]>; body?: Buffer; onFirstChunk?: (chunk: Buffer) => void; abortAfterFirst?: boolean },
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(opts.path, base);
    const headers: Record<string, string> = {};
    for (const [k, v] of opts.headers ?? []) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') headers[k] = v;
    if (opts.body) headers['content-length'] = String(opts.body.length);
    const req = http.request(url, { method: opts.method ?? 'POST', headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      let first = true;
      res.on('data', (c: Buffer) => {
        parts.push(c);
        if (first) {
          first = false;
          opts.onFirstChunk?.(c);
          if (opts.abortAfterFirst) {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), error: 'aborted by the client' });
          }
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), error: err.message }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), error: 'aborted' }));
    });
    req.on('error', (err) => (opts.abortAfterFirst ? undefined : reject(err)));
    req.end(opts.body);
  });
}

/** A recognisable fake credential, for the never-stored checks. */
export const FAKE_KEY = 'sk-ant-FAKE-tapes-test-credential-7f3a9c1e5b';

/** The corpus headers with every redacted credential replaced by the fake key. */
export function withFakeKey(headers: Array<[string, string]>): Array<[string, string]> {
  return headers.map(([k, v]) => [k, v.startsWith('<redacted') ? (k === 'authorization' ? `Bearer ${FAKE_KEY}` : FAKE_KEY) : v]);
}
