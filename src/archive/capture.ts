// `tapes proxy` and `tapes run`: the recording proxy started on an archive,
// and an agent run with its base URL pointed at it (docs/capture.md).
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { InvalidInputError, UsageError } from '../errors/index.js';
import { CaptureProxy, SessionRecorder, type ProxyStats, type TurnResult } from '../capture/index.js';
import { shortRefName, viewOwnerRef } from '../refs/index.js';
import type { Archive } from './archive.js';
import { archiveSecretDetector } from './secrets.js';
import { relinkViews } from './views.js';

export type Provider = 'anthropic' | 'openai' | 'gemini';
export const PROVIDERS: readonly Provider[] = ['anthropic', 'openai', 'gemini'];

export const DEFAULT_UPSTREAM: Record<Provider, string> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com',
  gemini: 'https://generativelanguage.googleapis.com',
};
/** Where each provider's clients read their base URL from, and the path they expect under it. */
export const BASE_URL_ENV: Record<Provider, { name: string; suffix: string }> = {
  anthropic: { name: 'ANTHROPIC_BASE_URL', suffix: '' },
  openai: { name: 'OPENAI_BASE_URL', suffix: '/v1' },
  gemini: { name: 'GOOGLE_GEMINI_BASE_URL', suffix: '' },
};
export const DEFAULT_PROXY_PORT = 8787;

export interface ListenAddress {
  host: string;
  port: number;
}

/** `--listen`: PORT, HOST, HOST:PORT or [IPv6]:PORT. */
export function parseListen(spec: string | undefined, defaultPort = DEFAULT_PROXY_PORT): ListenAddress {
  if (spec === undefined || spec === '') return { host: '127.0.0.1', port: defaultPort };
  const bad = () => new UsageError(`--listen ${spec}: expected PORT, HOST or HOST:PORT (for example 127.0.0.1:${DEFAULT_PROXY_PORT})`, { listen: spec });
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(spec);
  if (v6) [host, port] = [v6[1]!, v6[2]];
  else if (/^\d+$/.test(spec)) [host, port] = ['127.0.0.1', spec];
  else if ((spec.match(/:/g) ?? []).length === 1) [host, port] = spec.split(':') as [string, string];
  else if (spec.includes(':')) [host, port] = [spec, undefined];
  else [host, port] = [spec, undefined];
  if (host === '') host = '127.0.0.1';
  const n = port === undefined || port === '' ? defaultPort : Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw bad();
  return { host, port: n };
}

/** Loopback addresses: 127.0.0.0/8, ::1 (and its IPv4-mapped form), localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  return v4 !== null && v4[1] === '127';
}

export function checkListen(addr: ListenAddress, allowRemote: boolean): void {
  if (isLoopback(addr.host) || allowRemote) return;
  throw new UsageError(
    `--listen ${addr.host}:${addr.port}: not a loopback address; other machines could send model traffic through this proxy and have it recorded (add --allow-remote if that is what you want)`,
    { host: addr.host },
  );
}

/**
 * The upstream URL: --upstream, else $TAPES_UPSTREAM, else the provider's
 * public API. ANTHROPIC_BASE_URL and OPENAI_BASE_URL are not read: they may
 * well point at this proxy, which would then forward to itself.
 */
export function upstreamUrl(given: string | undefined, provider: Provider, env: Record<string, string | undefined>): URL {
  const raw = given ?? (env.TAPES_UPSTREAM || undefined) ?? DEFAULT_UPSTREAM[provider];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--upstream ${raw}: not a URL (expected http://… or https://…)`, { upstream: raw });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--upstream ${raw}: only http and https upstreams are supported`, { upstream: raw });
  if (url.username || url.password) throw new UsageError('--upstream: a URL with credentials in it is refused (the agent sends its own key)', {});
  if (url.search || url.hash) throw new UsageError(`--upstream ${raw}: a base URL has no query or fragment`, { upstream: raw });
  return url;
}

export interface SessionTally {
  ref: string;
  name: string;
  turns: number;
  records_added: number;
  incomplete: number;
  api_errors: number;
  tip: string;
}

export interface RunningProxy {
  url: string;
  address: ListenAddress;
  upstream: string;
  proxy: CaptureProxy;
  stats: ProxyStats;
  /** Sessions that received turns, in the order they first did. */
  sessions(): SessionTally[];
  close(graceMs?: number): Promise<void>;
}

export interface StartProxyOptions {
  listen: ListenAddress;
  upstream: URL;
  allowRemote?: boolean;
  /** Forward only, record nothing (a dry run). */
  record?: boolean;
  /**
   * Replace the secrets the archive's detector finds (built-in and
   * .tapes/config rules) in everything recorded; what is forwarded is untouched.
   */
  redact?: boolean;
  onTurn?: (result: TurnResult) => void;
  onProblem?: (message: string) => void;
  /** See ProxyOptions: bytes of a body held in memory, and how long the upstream may stay silent. */
  memoryLimit?: number;
  upstreamTimeoutMs?: number;
}

export async function startProxy(archive: Archive, opts: StartProxyOptions): Promise<RunningProxy> {
  checkListen(opts.listen, Boolean(opts.allowRemote));
  // Read before listening: an invalid custom rule stops the proxy before any traffic reaches it.
  const detector = opts.redact ? await archiveSecretDetector(archive.dir) : undefined;
  // Runs stored before captures and transcripts were linked: linked first, so turns go where the layout says.
  if (opts.record !== false) await relinkViews(archive);
  const store = await archive.objectWriter();
  const recorder = opts.record === false ? undefined : new SessionRecorder(store, archive.refs, detector);
  const tallies = new Map<string, SessionTally>();
  const proxy = new CaptureProxy({
    upstream: opts.upstream,
    recorder,
    now: archive.now,
    onTurn: (r) => {
      // A session's turns are one tally, whichever of its views they went to (an import may move it meanwhile).
      const owner = viewOwnerRef(r.ref) ?? r.ref;
      const t = tallies.get(owner) ?? { ref: r.ref, name: shortRefName(owner), turns: 0, records_added: 0, incomplete: 0, api_errors: 0, tip: r.tip };
      t.ref = r.ref;
      t.turns++;
      t.records_added += r.added.length;
      t.tip = r.tip;
      if (r.status >= 200 && r.status < 300 && !r.complete) t.incomplete++;
      if (r.status < 200 || r.status >= 300) t.api_errors++;
      tallies.set(owner, t);
      opts.onTurn?.(r);
    },
    onProblem: opts.onProblem,
    memoryLimit: opts.memoryLimit,
    upstreamTimeoutMs: opts.upstreamTimeoutMs,
  });
  let address;
  try {
    address = await proxy.listen(opts.listen.host, opts.listen.port);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EADDRNOTAVAIL' ? 'no such local address' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new InvalidInputError(`cannot listen on ${opts.listen.host}:${opts.listen.port}: ${why}`, { code: e.code ?? null });
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    address: { host: address.address, port: address.port },
    upstream: opts.upstream.href.replace(/\/$/, ''),
    proxy,
    stats: proxy.stats,
    sessions: () => [...tallies.values()],
    close: (graceMs?: number) => proxy.close(graceMs),
  };
}

export interface AgentStdio {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export interface AgentExit {
  /** The exit status to pass on: the agent's code, or 128 + the signal's number. */
  status: number;
  code: number | null;
  signal: string | null;
}

function fdOf(stream: unknown): number | undefined {
  const fd = (stream as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : undefined;
}

/**
 * Runs the agent with `env`, its standard streams joined to ours (the
 * terminal itself when ours are one, so an interactive agent works as
 * usual). `onSignal` hands the caller's SIGTERM and SIGHUP on to the agent;
 * SIGINT is not passed on, because Ctrl-C already reaches the agent from the
 * terminal and a second one would count twice.
 */
export function runAgent(
  command: string[],
  opts: { cwd: string; env: Record<string, string | undefined>; stdio: AgentStdio; onSignal?: (listener: (signal: string) => void) => () => void },
): Promise<AgentExit> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    if (!file) {
      reject(new UsageError('tapes run needs the agent command after --', {}));
      return;
    }
    const ins = fdOf(opts.stdio.stdin);
    const outs = fdOf(opts.stdio.stdout);
    const errs = fdOf(opts.stdio.stderr);
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: Object.fromEntries(Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined)),
      stdio: [ins ?? 'pipe', outs ?? 'pipe', errs ?? 'pipe'],
    });
    if (ins === undefined && child.stdin) {
      opts.stdio.stdin.pipe(child.stdin);
      child.stdin.on('error', () => undefined);
    }
    if (outs === undefined) child.stdout?.pipe(opts.stdio.stdout, { end: false });
    if (errs === undefined) child.stderr?.pipe(opts.stdio.stderr, { end: false });
    const unsubscribe = opts.onSignal?.((signal) => {
      if (signal !== 'SIGINT') child.kill(signal as NodeJS.Signals);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      unsubscribe?.();
      const why = err.code === 'ENOENT' ? 'command not found' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(Object.assign(new InvalidInputError(`cannot run ${file}: ${why}`, { command: file, code: err.code ?? null }), { agentStatus: err.code === 'ENOENT' ? 127 : 126 }));
    });
    child.on('close', (code, signal) => {
      unsubscribe?.();
      const signum = signal ? ((osConstants.signals as Record<string, number>)[signal] ?? 0) : 0;
      resolve({ status: code ?? 128 + signum, code, signal });
    });
  });
}

/** The environment the agent runs in: ours, with its provider's base URL pointed at the proxy. */
export function agentEnv(env: Record<string, string | undefined>, proxyUrl: string, providers: readonly Provider[]): Record<string, string | undefined> {
  const out = { ...env };
  for (const p of providers) out[BASE_URL_ENV[p].name] = proxyUrl + BASE_URL_ENV[p].suffix;
  return out;
}

/** The agent a command runs, from its program's name (codex, gemini, claude, …). */
export function agentName(command: string[]): string {
  return (command[0] ?? '').split(/[\\/]/).pop()!.toLowerCase();
}

/** The provider an agent command talks to when --provider is not given: Codex speaks OpenAI, Gemini CLI Gemini, the rest Anthropic. */
export function providerFor(command: string[]): Provider {
  const name = agentName(command);
  return /^codex/.test(name) ? 'openai' : /^gemini/.test(name) ? 'gemini' : 'anthropic';
}

/** The model provider `tapes run` defines for Codex on its command line. */
export const CODEX_PROVIDER = 'tapes';

export interface AgentLaunch {
  command: string[];
  env: Record<string, string | undefined>;
  /** The session id `tapes run` chose for the agent (Gemini CLI), when it chose one. */
  session?: string;
}

/**
 * How the agent is started so that its model traffic reaches the proxy
 * (docs/capture.md, "tapes run"): its provider's base URL variable, and for
 * agents that do not read one (Codex 0.169 ignores OPENAI_BASE_URL) what
 * they do read. Gemini CLI sends no session id, so it is given one
 * (`--session-id`, unless the command names or resumes a session) and told
 * to send it (`GEMINI_CLI_CUSTOM_HEADERS: x-session-id`): its capture and its
 * transcript then name the same session.
 */
export function agentLaunch(command: string[], proxyUrl: string, provider: Provider, env: Record<string, string | undefined>, newId: () => string): AgentLaunch {
  const out: AgentLaunch = { command: [...command], env: agentEnv(env, proxyUrl, [provider]) };
  const name = agentName(command);
  if (/^codex/.test(name) && provider === 'openai') {
    // Codex CLI 0.169 opens a WebSocket to the public API whatever OPENAI_BASE_URL says;
    // a model provider given on its command line is followed (HTTP, Responses API).
    const p = `model_providers.${CODEX_PROVIDER}`;
    const flags = [
      `model_provider="${CODEX_PROVIDER}"`,
      `${p}.name="${CODEX_PROVIDER}"`,
      `${p}.base_url="${proxyUrl}/v1"`,
      `${p}.wire_api="responses"`,
      `${p}.env_key="OPENAI_API_KEY"`,
    ].flatMap((f) => ['-c', f]);
    out.command = [command[0]!, ...flags, ...command.slice(1)];
  } else if (/^gemini/.test(name) && provider === 'gemini') {
    const args = command.slice(1);
    const given = args.findIndex((a) => a === '--session-id' || a.startsWith('--session-id='));
    const resumes = args.some((a) => a === '-r' || a === '--resume' || a.startsWith('--resume=') || a === '--session-file' || a.startsWith('--session-file='));
    let session: string | undefined;
    if (given >= 0) session = args[given]!.includes('=') ? args[given]!.slice(args[given]!.indexOf('=') + 1) : args[given + 1];
    else if (!resumes) {
      session = newId();
      out.command = [command[0]!, '--session-id', session, ...args];
    }
    if (session) {
      const headers = env.GEMINI_CLI_CUSTOM_HEADERS;
      out.env.GEMINI_CLI_CUSTOM_HEADERS = `${headers ? `${headers},` : ''}x-session-id:${session}`;
      out.session = session;
    }
  }
  return out;
}

/**
 * Why a run recorded no model turn, as a warning naming the likely cause, or
 * undefined when it recorded some.
 */
export function noTurnsWarning(command: string[], provider: Provider, stats: ProxyStats): string | undefined {
  if (stats.recorded > 0) return undefined;
  const forwarded = `${stats.requests} request${stats.requests === 1 ? '' : 's'} forwarded`;
  const name = agentName(command);
  let why: string;
  if (stats.recordFailures > 0) why = `${stats.recordFailures} turn${stats.recordFailures === 1 ? '' : 's'} could not be written (see the warnings above)`;
  else if (stats.requests > 0) why = `the agent reached the proxy, but with no model call it records (POST …/v1/messages, …/chat/completions, …/responses, …:generateContent); is --provider right?`;
  else if (/^codex/.test(name)) why = 'Codex never reached the proxy: signed in with a ChatGPT account it talks to chatgpt.com whatever it is told; sign in with an API key (OPENAI_API_KEY) to have it recorded';
  else why = `the agent never reached the proxy: it did not read ${BASE_URL_ENV[provider].name}, or made no model call (is --provider right?)`;
  return `no model turns recorded (${forwarded}): ${why}`;
}
