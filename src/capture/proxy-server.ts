// The recording reverse proxy. Every request is forwarded to the upstream as
// it arrives; every response goes back to the client chunk by chunk as the
// upstream sends it (bytes untouched, compressed or not), so the client sees
// the first byte of a stream as soon as the proxy has it. Model turns (see
// wire-api.ts) are also copied aside and, once the response has ended, handed
// to the recorder — after the client has its bytes, so archive writes never
// hold up forwarding. Other paths are forwarded and not recorded.
//
// Memory is bounded whatever the traffic: a body is held in memory up to
// `memoryLimit`; past that it is stored in the archive as it passes (chunked
// content, the same ids as if stored whole) and recorded raw, unparsed.
// An upstream that goes quiet for `upstreamTimeoutMs` is given up on (504 to
// the client when no response had begun). `close` lets exchanges in flight
// finish and records every turn before it returns.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { CapturedResponse, CapturedTurn, SessionRecorder, TurnResult } from './session-recorder.js';
import { recordedApi, type WireApi } from './wire-api.js';
import { BodyCapture } from './body-capture.js';

/** Bodies beyond this are forwarded in full but recorded only up to it. */
export const DEFAULT_RECORD_LIMIT = 256 * 1024 * 1024;
/**
 * Bodies up to this are held in memory and parsed; larger ones are stored as
 * they pass and kept raw. The model APIs refuse requests over 32 MB, and no
 * model answer comes near it.
 */
export const DEFAULT_MEMORY_LIMIT = 32 * 1024 * 1024;
/** An upstream silent this long is given up on (the providers' own SDKs wait 10 minutes). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10 * 60 * 1000;

export interface ProxyOptions {
  upstream: URL;
  recorder?: SessionRecorder;
  now: () => Date;
  /** Called after each recorded turn. */
  onTurn?: (result: TurnResult) => void;
  /** Called when a turn could not be recorded, or a request failed upstream. */
  onProblem?: (message: string) => void;
  recordLimit?: number;
  /** Bytes of one body held in memory before the rest is stored as it passes. */
  memoryLimit?: number;
  /** Milliseconds the upstream may stay silent before the exchange is given up. */
  upstreamTimeoutMs?: number;
  /** Turns written at once; the rest wait, so recording never crowds out forwarding. */
  recordConcurrency?: number;
}

export interface ProxyStats {
  requests: number;
  recorded: number;
  forwardedOnly: number;
  upstreamErrors: number;
  upstreamTimeouts: number;
  recordFailures: number;
}

export class CaptureProxy {
  readonly server: http.Server;
  readonly stats: ProxyStats = { requests: 0, recorded: 0, forwardedOnly: 0, upstreamErrors: 0, upstreamTimeouts: 0, recordFailures: 0 };
  private readonly pending = new Set<Promise<void>>();
  /** Exchanges whose client response has not closed yet, each with a way to cut it. */
  private readonly inFlight = new Map<Promise<void>, () => void>();
  private closing = false;
  private cutNow: (() => void) | undefined;
  private readonly agent: http.Agent;
  private readonly limit: number;
  private recording = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly opts: ProxyOptions) {
    this.limit = opts.recordLimit ?? DEFAULT_RECORD_LIMIT;
    // A redacting recorder scans what it stores, so nothing may be stored as it passes: bodies are kept up to the memory limit only.
    if (opts.recorder?.redacts) this.limit = Math.min(this.limit, opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
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

  /** Exchanges still being forwarded. */
  get exchangesInFlight(): number {
    return this.inFlight.size;
  }

  /**
   * Stops accepting, lets exchanges in flight finish (at most `graceMs`, or
   * until `abort`), cuts the rest — what arrived of them is recorded,
   * flagged incomplete — and returns once every turn is in the archive.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight.size) {
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<void>((resolve) => {
        this.cutNow = resolve;
        if (Number.isFinite(graceMs)) timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([this.allExchanges(), cut]);
      clearTimeout(timer);
      for (const stop of this.inFlight.values()) stop();
      await this.allExchanges();
    }
    this.server.closeAllConnections();
    await closed;
    this.agent.destroy();
    await this.drain();
  }

  /** During `close`: stop waiting for exchanges in flight and cut them now. */
  abort(): void {
    this.cutNow?.();
  }

  private async allExchanges(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight.keys()]);
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
    const timeoutMs = this.opts.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    let timedOut = false;
    let stopped = false;
    upReq.setTimeout(timeoutMs, () => {
      timedOut = true;
      upReq.destroy();
    });

    let exchangeOver!: () => void;
    const exchange = new Promise<void>((resolve) => (exchangeOver = resolve));
    this.inFlight.set(exchange, () => {
      stopped = true;
      upReq.destroy();
      client.destroy();
    });

    // The request body goes upstream as it arrives; a copy is kept for recording.
    const store = this.opts.recorder?.store;
    const capture = (): BodyCapture | undefined =>
      api && store ? new BodyCapture(store, this.opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT, this.limit) : undefined;
    const requestBody = capture();
    forward(req, upReq, requestBody);

    let finished = false;
    let responseInfo: Omit<CapturedResponse, 'body' | 'totalMs' | 'end' | 'ttfbMs'> | undefined;
    let ttfb: number | null = null;
    const responseBody = capture();

    const finish = (end: CapturedResponse['end']) => {
      if (finished) return;
      finished = true;
      if (!api || !responseInfo || !requestBody || !responseBody) return;
      const info = responseInfo;
      const totalMs = performance.now() - t0;
      this.track(
        (async (): Promise<CapturedTurn> => {
          const [request, response] = await Promise.all([requestBody.finish(), responseBody.finish()]);
          return {
            api,
            method: req.method ?? 'POST',
            target,
            rawHeaders: req.rawHeaders,
            body: request.bytes,
            ...(request.stored ? { bodyStored: request.stored } : {}),
            ...(request.truncated ? { bodyTruncated: true } : {}),
            time,
            response: {
              ...info,
              body: response.bytes,
              ...(response.stored ? { bodyStored: response.stored } : {}),
              ttfbMs: ttfb,
              totalMs,
              end: stopped ? 'proxy-stopped' : end,
              ...(response.truncated ? { bodyTruncated: true } : {}),
            },
          };
        })(),
        api,
        `${req.method} ${target}`,
      );
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
      upRes.once('data', () => (ttfb = performance.now() - t0));
      forward(upRes, client, responseBody, () => finish('complete'));
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
      let status = 502;
      let message: string;
      if (timedOut) {
        this.stats.upstreamTimeouts++;
        status = 504;
        message = `tapes proxy: the upstream ${upstream.origin} sent no response in ${Math.round(timeoutMs / 1000)} s`;
      } else if (stopped) {
        message = 'tapes proxy: stopped before the upstream answered';
      } else {
        this.stats.upstreamErrors++;
        message = `tapes proxy: cannot reach the upstream ${upstream.origin}: ${err.code ?? err.message}`;
      }
      this.opts.onProblem?.(`${req.method} ${target}: ${message}`);
      const body = JSON.stringify({ type: 'error', error: { type: 'proxy_error', message } });
      client.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      client.end(body);
    });

    client.on('close', () => {
      this.inFlight.delete(exchange);
      exchangeOver();
      // While stopping, a keep-alive connection closes as soon as it is idle.
      if (this.closing) this.server.closeIdleConnections();
      if (finished) return;
      // The client went away before the response ended: stop the upstream
      // request and keep what arrived, flagged incomplete.
      upReq.destroy();
      finish('client-disconnected');
    });
    req.on('error', () => upReq.destroy());
  }

  /** Records a turn once its bodies are complete, behind the recording slots. */
  private track(turn: Promise<CapturedTurn>, api: WireApi, what: string): void {
    const recorder = this.opts.recorder!;
    const p: Promise<void> = turn
      .then(async (t) => {
        const release = await this.slot();
        try {
          return await recorder.record(t);
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
          this.opts.onProblem?.(`${api} ${what}: turn not recorded: ${err.message}`);
        },
      );
    const tracked = p.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
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

}

/**
 * Pipes `from` into `to`, giving every piece to `copy` too, and pauses
 * `from` while either is behind (the client or upstream socket is full, or
 * the archive is still storing a piece) so nothing piles up in memory.
 */
function forward(from: Readable, to: Writable, copy: BodyCapture | undefined, onEnd?: () => void): void {
  from.on('data', (chunk: Buffer) => {
    let waits = 0;
    const done = () => {
      if (--waits === 0) from.resume();
    };
    if (!to.write(chunk)) {
      waits++;
      to.once('drain', done);
    }
    const storing = copy?.take(chunk);
    if (storing) {
      waits++;
      void storing.then(done);
    }
    if (waits) from.pause();
  });
  from.on('end', () => {
    to.end();
    onEnd?.();
  });
}
