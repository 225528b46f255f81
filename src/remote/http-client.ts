// The one HTTP client of the git-http transport: every request to a git
// server goes through httpRequest(), the ones isomorphic-git makes included
// (it is handed gitHttpClient, an adapter, instead of its own node client),
// so one redirect policy and one idle limit hold for all of them. A whole
// answer is read into memory: the transport parses it as a unit.
import * as nodeHttp from 'node:http';
import * as nodeHttps from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

/**
 * How long a request may go without a byte from the server. A git server
 * says nothing while it indexes a large pack it was sent (or builds one it
 * will send), so this is minutes, not node's default keep-alive idle limit of
 * five seconds (which made a full push of a real archive fail).
 */
export const IDLE_TIMEOUT_MS = 10 * 60_000;
export const MAX_REDIRECTS = 5;

export interface HttpAnswer {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  statusMessage: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One HTTP(S) exchange with the whole answer read, following redirects as
 * git does: 301, 302 and 303 become a GET without the body; 307 and 308
 * repeat the method and body; at most MAX_REDIRECTS of them. Credentials go
 * only where they were given: a redirect to another scheme, host or port
 * drops them (as git and curl do); other headers follow the redirect.
 */
export function httpRequest(url: string, method: string, headers: Record<string, string>, body?: Buffer, redirects = 0): Promise<HttpAnswer> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? nodeHttps : nodeHttp;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location && redirects < MAX_REDIRECTS) {
          const keep = status === 307 || status === 308;
          const next = new URL(location, u);
          const carried = next.protocol === u.protocol && next.host === u.host ? headers : withoutCredentials(headers);
          resolve(httpRequest(next.toString(), keep ? method : 'GET', carried, keep ? body : undefined, redirects + 1));
          return;
        }
        const answerHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) answerHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ url, status, statusMessage: res.statusMessage ?? '', headers: answerHeaders, body: Buffer.concat(parts) });
      });
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no answer from ${u.host} in ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A request body as isomorphic-git gives it (chunks, in an array or an async iterator), as one buffer. */
async function collect(body: GitHttpRequest['body'] | Uint8Array[]): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* once(chunk: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield chunk;
}

/** httpRequest() in the shape of isomorphic-git's HttpClient, for the calls the transport leaves to it. */
export const gitHttpClient: HttpClient = {
  async request({ url, method = 'GET', headers = {}, body }): Promise<GitHttpResponse> {
    const answer = await httpRequest(url, method, headers, await collect(body));
    return { url: answer.url, method, statusCode: answer.status, statusMessage: answer.statusMessage, headers: answer.headers, body: once(answer.body) };
  },
};

/** Headers with every credential taken out (Authorization, Proxy-Authorization, Cookie). */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!/^(authorization|proxy-authorization|cookie)$/i.test(k)) out[k] = v;
  return out;
}
