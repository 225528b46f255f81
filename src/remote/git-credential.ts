// Credentials from git's own credential helpers (`git credential fill`), the
// way `git push` gets them: whatever the user configured (a keychain, the
// cache or store helper, a manager) answers for the server's protocol, host
// and path. Nothing here is written to the archive; `approve` and `reject`
// let the helper keep or forget what worked or failed, as git does.
import { spawn } from 'node:child_process';

export interface HelperCredentials {
  username: string;
  password: string;
}

/** The `git credential` input for a URL (without any user info in it). */
function describe(url: string, creds?: HelperCredentials): string {
  const u = new URL(url);
  const lines = [`protocol=${u.protocol.replace(/:$/, '')}`, `host=${u.host}`, `path=${u.pathname.replace(/^\//, '')}`];
  if (creds) lines.push(`username=${creds.username}`, `password=${creds.password}`);
  return lines.join('\n') + '\n\n';
}

function runGitCredential(action: 'fill' | 'approve' | 'reject', input: string, env: Record<string, string | undefined>, timeoutMs: number): Promise<string | undefined> {
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
export async function credentialFill(url: string, env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<HelperCredentials | undefined> {
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
export async function credentialReport(action: 'approve' | 'reject', url: string, creds: HelperCredentials, env: Record<string, string | undefined>): Promise<void> {
  await runGitCredential(action, describe(url, creds), env, 10_000);
}
