// The credentials a git server is sent, and what happens when it refuses
// them. They come from the environment (TAPES_GIT_TOKEN, or
// TAPES_GIT_USERNAME and TAPES_GIT_PASSWORD), else from git's own credential
// helpers (`git credential fill`), the way `git push` gets them: whatever the
// user configured (a keychain, the cache or store helper, a manager) answers
// for the server's protocol, host and path. Nothing here is written to the
// archive; `approve` and `reject` let the helper keep or forget what worked
// or failed, as git does.
import { spawn } from 'node:child_process';
import { InvalidInputError } from '../errors/index.js';
import { httpRequest } from './http-client.js';

export interface GitCredentials {
  username: string;
  password: string;
}

type Env = Record<string, string | undefined>;

/** Credentials from the environment: TAPES_GIT_USERNAME and TAPES_GIT_PASSWORD, or TAPES_GIT_TOKEN. */
export function gitCredentialsFromEnv(env: Env): GitCredentials | undefined {
  if (env.TAPES_GIT_TOKEN) return { username: env.TAPES_GIT_USERNAME || 'x-access-token', password: env.TAPES_GIT_TOKEN };
  if (env.TAPES_GIT_USERNAME) return { username: env.TAPES_GIT_USERNAME, password: env.TAPES_GIT_PASSWORD ?? '' };
  return undefined;
}

/** The `git credential` input for a URL (without any user info in it). */
function describe(url: string, creds?: GitCredentials): string {
  const u = new URL(url);
  const lines = [`protocol=${u.protocol.replace(/:$/, '')}`, `host=${u.host}`, `path=${u.pathname.replace(/^\//, '')}`];
  if (creds) lines.push(`username=${creds.username}`, `password=${creds.password}`);
  return lines.join('\n') + '\n\n';
}

function runGitCredential(action: 'fill' | 'approve' | 'reject', input: string, env: Env, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let child;
    try {
      // Never prompt: a transfer must not hang waiting for a terminal.
      child = spawn('git', ['credential', action], {
        env: { ...env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
    } catch {
      resolve(undefined);
      return;
    }
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? Buffer.concat(out).toString('utf8') : undefined);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** What the user's git credential helpers give for `url`, if anything. */
async function credentialFill(url: string, env: Env, timeoutMs = 30_000): Promise<GitCredentials | undefined> {
  const out = await runGitCredential('fill', describe(url), env, timeoutMs);
  if (out === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const username = fields.get('username');
  const password = fields.get('password');
  return username !== undefined && password !== undefined ? { username, password } : undefined;
}

/** Tells the helpers that credentials worked (`approve`) or were refused (`reject`). */
async function credentialReport(action: 'approve' | 'reject', url: string, creds: GitCredentials, env: Env): Promise<void> {
  await runGitCredential(action, describe(url, creds), env, 10_000);
}

/** isomorphic-git's authentication callbacks (its answer to a 401). */
export interface IsomorphicGitAuth {
  onAuth: () => Promise<GitCredentials | { cancel: true }>;
  onAuthFailure: () => { cancel: true };
}

/**
 * The credentials of one remote, for one transport: the environment's, else
 * the helpers' (asked once, and only when the server asks for credentials),
 * with the helpers told whether theirs were taken.
 */
export class GitAuth {
  private creds?: GitCredentials;
  private helperCreds?: GitCredentials;
  private helperAsked = false;

  /** `helperEnv`: the environment `git credential` runs in (undefined: no helper is asked). */
  constructor(
    private readonly url: string,
    credentials?: GitCredentials,
    private readonly helperEnv?: Env,
  ) {
    this.creds = credentials;
  }

  /** A request to `path` under the remote's URL; a 401 is answered once with the credential helper's credentials. */
  async request(path: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: Buffer): Promise<{ status: number; raw: Buffer }> {
    for (let attempt = 0; ; attempt++) {
      const res = await httpRequest(`${this.url.replace(/\/$/, '')}/${path}`, method, { ...headers, ...this.header() }, body);
      if (res.status === 401 && attempt === 0 && !this.creds && (await this.fromHelper())) continue;
      if (res.status === 401 || res.status === 403) {
        await this.verdict(false);
        throw this.refused(res.status);
      }
      await this.verdict(true);
      return { status: res.status, raw: res.body };
    }
  }

  /**
   * Runs a call that isomorphic-git authenticates (through the callbacks it
   * is given), with a refusal answered as request() answers one.
   */
  async viaIsomorphicGit<T>(call: (auth: IsomorphicGitAuth) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call({
        onAuth: async () => this.creds ?? (await this.fromHelper()) ?? { cancel: true },
        onAuthFailure: () => ({ cancel: true }),
      });
    } catch (err) {
      // isomorphic-git reports a 401 it was told to give up on as a cancel.
      const e = err as { code?: string; data?: { statusCode?: number } };
      const status = e.code === 'UserCanceledError' ? 401 : e.data?.statusCode;
      if (status === 401 || status === 403) {
        await this.verdict(false);
        throw this.refused(status);
      }
      throw err;
    }
    await this.verdict(true);
    return result;
  }

  private header(): Record<string, string> {
    const c = this.creds;
    return c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {};
  }

  /** Credentials from git's credential helpers, asked once per transport. */
  private async fromHelper(): Promise<GitCredentials | undefined> {
    if (this.helperAsked || !this.helperEnv) return undefined;
    this.helperAsked = true;
    this.helperCreds = await credentialFill(this.url, this.helperEnv);
    if (this.helperCreds) this.creds = this.helperCreds;
    return this.helperCreds;
  }

  /** Tells the helper whether its credentials worked (once: later answers say nothing new). */
  private async verdict(ok: boolean): Promise<void> {
    const c = this.helperCreds;
    if (!c || !this.helperEnv) return;
    this.helperCreds = undefined;
    await credentialReport(ok ? 'approve' : 'reject', this.url, c, this.helperEnv);
  }

  private refused(status: number): InvalidInputError {
    return new InvalidInputError(
      `${this.url}: the server ${this.creds ? 'refused the credentials' : 'asks for credentials'} (HTTP ${status}); set TAPES_GIT_TOKEN (or TAPES_GIT_USERNAME and TAPES_GIT_PASSWORD), or configure a git credential helper`,
      { status },
    );
  }
}
