// A loopback model server for the end-to-end suite: 127.0.0.1, port 0, each
// request answered by `answer` from its path and parsed body, every request
// kept. It closes itself after two minutes whatever happens.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelRequest {
  path: string;
  body: Record<string, unknown>;
}

export interface ScriptedModel {
  url: string;
  requests: ModelRequest[];
  close(): Promise<void>;
}

export interface ModelReply {
  contentType: string;
  body: string;
}

export async function startModel(answer: (req: ModelRequest) => ModelReply): Promise<ScriptedModel> {
  const requests: ModelRequest[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = {};
      }
      const request = { path: req.url ?? '/', body };
      requests.push(request);
      const reply = answer(request);
      res.writeHead(200, { 'content-type': reply.contentType });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  setTimeout(() => void close(), 120_000).unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close };
}

/** Server-sent events, one per [event, data]. */
export function sse(events: Array<[string, unknown]>): string {
  return events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join('');
}
