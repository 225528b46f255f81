// The recording reverse proxy. Every request is forwarded to the upstream as
// it arrives; every response goes back to the client chunk by chunk as the
// upstream sends it (bytes untouched, compressed or not), so the client sees
// the first byte of a stream as soon as the proxy has it. Model turns (see
// wire-api.ts) are also copied aside and, once the response has ended, handed
// to the recorder — after the client has its bytes, so archive writes never
// hold up forwarding. Other paths are forwarded and not recorded.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { CapturedResponse, CapturedTurn, SessionRecorder, TurnResult } from './session-recorder.js';
import { recordedApi, type WireApi } from './wire-api.js';

/** Bodies beyond this are forwarded in full but recorded only up to it. */
export const DEFAULT_RECORD_LIMIT = 256 * 1024 * 1024;

export interface ProxyOptions {
  upstream: URL;
  recorder?: SessionRecorder;
  now: () => Date;
  /** Called after each recorded turn. */
  onTurn?: (result: TurnResult) => void;
  /** Called when a turn could not be recorded, or a request failed upstream. */
  onProblem?: (message: string) => void;
  recordLimit?: number;
  /** Turns written at once; the rest wait, so recording never crowds out forwarding. */
  recordConcurrency?: number;
}

export interface ProxyStats {
  requests: number;
  recorded: number;
  forwardedOnly: number;
  upstreamErrors: number;
  recordFailures: number;
}

export class CaptureProxy {
  readonly server: http.Server;
  readonly stats: ProxyStats = { requests: 0, recorded: 0, forwardedOnly: 0, upstreamErrors: 0, recordFailures: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly agent: http.Agent;
  private readonly limit: number;
  private recording = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly opts: ProxyOptions) {
    this.limit = opts.recordLimit ?? DEFAULT_RECORD_LIMIT;
    this.agent = opts.upstream.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Agents keep connections open between turns; a long model turn must not time out here.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 65_000;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Turns still being written to the archive. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Stops accepting, lets requests in flight finish (at most `graceMs`), and waits for their records. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    this.agent.destroy();
    await this.drain();
  }

  private handle(req: http.IncomingMessage, client: http.ServerResponse): void {
    this.stats.requests++;
    const t0 = performance.now();
    const time = this.opts.now();
    const target = req.url ?? '/';
    const api = this.opts.recorder ? recordedApi(req.method, target) : undefined;
    if (!api) this.stats.forwardedOnly++;
    const upstream = this.opts.upstream;
    const base = upstream.pathname.replace(/\/+$/, '');
    const url = new URL(upstream.origin);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of upstreamRequestHeaders(req.rawHeaders, url.host)) {
      const key = name.toLowerCase();
      const prev = headers[key];
      headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    const mod = upstream.protocol === 'https:' ? https : http;
    const upReq = mod.request({
      protocol: upstream.protocol,
      hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
      port: upstream.port || undefined,
      method: req.method,
      path: base + (target.startsWith('/') ? target : `/${target}`),
      headers,
      agent: this.agent,
    });

    // The request body goes upstream as it arrives; a copy is kept for recording.
    const requestChunks: Buffer[] = [];
    let requestBytes = 0;
    if (api) {
      req.on('data', (c: Buffer) => {
        requestBytes += c.length;
        if (requestBytes <= this.limit) requestChunks.push(c);
      });
    }
    req.pipe(upReq);

    let finished = false;
    let responseInfo: Omit<CapturedResponse, 'body' | 'totalMs' | 'end' | 'ttfbMs'> | undefined;
    let ttfb: number | null = null;
    const responseChunks: Buffer[] = [];
    let responseBytes = 0;
    let bodyTruncated = false;

    const finish = (end: CapturedResponse['end']) => {
      if (finished) return;
      finished = true;
      if (!api || !responseInfo) return;
      if (requestBytes > this.limit) {
        this.opts.onProblem?.(`${req.method} ${target}: request body over ${this.limit} bytes, not recorded`);
        return;
      }
      const turn: CapturedTurn = {
        api,
        method: req.method ?? 'POST',
        target,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(requestChunks),
        time,
        response: { ...responseInfo, body: Buffer.concat(responseChunks), ttfbMs: ttfb, totalMs: performance.now() - t0, end, ...(bodyTruncated ? { bodyTruncated } : {}) },
      };
      this.schedule(api, turn);
    };

    upReq.on('response', (upRes) => {
      responseInfo = { status: upRes.statusCode ?? 502, rawHeaders: upRes.rawHeaders, time: this.opts.now(), headersMs: performance.now() - t0 };
      if (client.destroyed) {
        upRes.destroy();
        finish('client-disconnected');
        return;
      }
      client.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, clientResponseHeaders(upRes.rawHeaders));
      client.flushHeaders();
      upRes.on('data', (chunk: Buffer) => {
        if (ttfb === null) ttfb = performance.now() - t0;
        if (api) {
          responseBytes += chunk.length;
          if (responseBytes <= this.limit) responseChunks.push(chunk);
          else bodyTruncated = true;
        }
        if (!client.write(chunk)) upRes.pause();
      });
      client.on('drain', () => upRes.resume());
      upRes.on('end', () => {
        client.end();
        finish('complete');
      });
      upRes.on('aborted', () => {
        // The upstream connection broke mid-body: the client must see a cut
        // too, not a clean end that would pass for a whole response.
        client.destroy();
        finish('upstream-cut');
      });
      upRes.on('error', () => {
        client.destroy();
        finish('upstream-cut');
      });
    });

    upReq.on('error', (err: NodeJS.ErrnoException) => {
      if (responseInfo) {
        client.destroy();
        finish('upstream-cut');
        return;
      }
      if (client.destroyed || finished) {
        finished = true;
        return;
      }
      finished = true;
      this.stats.upstreamErrors++;
      const why = err.code ?? err.message;
      const message = `tapes proxy: cannot reach the upstream ${upstream.origin}: ${why}`;
      this.opts.onProblem?.(`${req.method} ${target}: ${message}`);
      const body = JSON.stringify({ type: 'error', error: { type: 'proxy_error', message } });
      client.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      client.end(body);
    });

    client.on('close', () => {
      if (finished) return;
      // The client went away before the response ended: stop the upstream
      // request and keep what arrived, flagged incomplete.
      upReq.destroy();
      finish('client-disconnected');
    });
    req.on('error', () => upReq.destroy());
  }

  /** Waits for a free recording slot (turns queue in arrival order). */
  private async slot(): Promise<() => void> {
    const max = this.opts.recordConcurrency ?? 2;
    if (this.recording >= max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.recording++;
    return () => {
      this.recording--;
      this.waiting.shift()?.();
    };
  }

  private schedule(api: WireApi, turn: CapturedTurn): void {
    const recorder = this.opts.recorder!;
    const p: Promise<void> = this.slot()
      .then(async (release) => {
        try {
          return await recorder.record(turn);
        } finally {
          release();
        }
      })
      .then(
      (result) => {
        if (!result) return;
        this.stats.recorded++;
        this.opts.onTurn?.(result);
      },
      (err: Error) => {
        this.stats.recordFailures++;
        this.opts.onProblem?.(`${api} ${turn.method} ${turn.target}: turn not recorded: ${err.message}`);
      },
    );
    const tracked = p.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
