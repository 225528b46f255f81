// A real git server for tests: Node's HTTP server on 127.0.0.1 running git's
// own `git http-backend` as a CGI for each request, serving bare repositories
// under a temporary root. It closes itself after a while without requests, so
// a test that forgets close() cannot keep the run alive.
import { spawn, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpServer {
  root: string;
  /** http://127.0.0.1:<port>/<name>.git for a bare repository made now. */
  repo(name: string): { url: string; dir: string };
  /** Requests served, by path and query (to count round trips). */
  requests: string[];
  /** The Authorization header of each request, in the same order (undefined when none). */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

export async function startGitHttpServer(opts: { idleMs?: number; auth?: { username: string; password: string } } = {}): Promise<GitHttpServer> {
  const root = mkdtempSync(join(tmpdir(), 'tapes-git-server-'));
  const requests: string[] = [];
  const authorizations: Array<string | undefined> = [];
  let idle: NodeJS.Timeout | undefined;
  const server: Server = createServer((req, res) => {
    arm();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    authorizations.push(req.headers.authorization);
    let user = '';
    if (opts.auth) {
      const h = req.headers.authorization ?? '';
      const want = `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`;
      if (h !== want) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end();
        return;
      }
      user = opts.auth.username;
    }
    const cgi = spawn(BACKEND, [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
        SERVER_PROTOCOL: 'HTTP/1.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(cgi.stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => out.push(c));
    cgi.stderr.on('data', (c: Buffer) => err.push(c));
    cgi.on('close', () => {
      const all = Buffer.concat(out);
      let sep = all.indexOf('\r\n\r\n');
      let skip = 4;
      if (sep < 0) {
        sep = all.indexOf('\n\n');
        skip = 2;
      }
      if (sep < 0) {
        res.writeHead(500);
        res.end(Buffer.concat(err));
        return;
      }
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of all.toString('latin1', 0, sep).split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.end(all.subarray(sep + skip));
    });
  });
  const arm = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => server.close(), opts.idleMs ?? 120_000);
    idle.unref();
  };
  arm();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    root,
    requests,
    authorizations,
    repo(name) {
      const dir = join(root, `${name}.git`);
      execFileSync('git', ['init', '-q', '--bare', dir]);
      execFileSync('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
      return { url: `http://127.0.0.1:${port}/${name}.git`, dir };
    },
    close() {
      if (idle) clearTimeout(idle);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
