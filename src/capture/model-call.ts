// One request to a model API, its answer kept as it arrived: the status,
// the headers, the body bytes (still content-encoded), the timings, and
// whether the body ended or was cut. `tapes rerun` sends with it; what it
// returns has the shape the proxy records (CapturedResponse), so a rerun's
// answer is stored exactly as a captured one is.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { UpstreamError } from '../errors/index.js';
import { DEFAULT_MEMORY_LIMIT, DEFAULT_UPSTREAM_TIMEOUT_MS } from './proxy-server.js';
import type { CapturedResponse } from './session-recorder.js';

export interface ModelRequest {
  url: URL;
  /** Sent as given, in order (credentials included: they are never kept). */
  headers: Array<[string, string]>;
  body: Buffer;
  now: () => Date;
  /** Milliseconds the upstream may stay silent (default 10 minutes, as the proxy waits). */
  timeoutMs?: number;
  /** Bytes of answer kept at most (default 32 MiB: no model answer comes near it). */
  maxBytes?: number;
}

/**
 * Sends the request and resolves with the answer once it has ended or been
 * cut (`end` says which). Rejects with UpstreamError when there is no answer
 * at all: the upstream cannot be reached, stays silent, or answers too much.
 */
export function callModel(req: ModelRequest): Promise<CapturedResponse> {
  const { url } = req;
  const origin = url.origin;
  const timeoutMs = req.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const maxBytes = req.maxBytes ?? DEFAULT_MEMORY_LIMIT;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of req.headers) headers[k.toLowerCase()] = v;
    headers['content-length'] = String(req.body.length);
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const fail = (message: string, data: Record<string, unknown> = {}) => {
      if (settled) return;
      settled = true;
      reject(new UpstreamError(message, { upstream: origin, ...data }));
    };
    const request = mod.request(url, { method: 'POST', headers, agent: false });
    let timedOut = false;
    request.setTimeout(timeoutMs, () => {
      timedOut = true;
      request.destroy();
    });
    let cut: (() => void) | undefined;
    request.on('response', (res) => {
      const time = req.now();
      const headersMs = performance.now() - t0;
      const parts: Buffer[] = [];
      let size = 0;
      let ttfbMs: number | null = null;
      const done = (end: CapturedResponse['end']) => {
        if (settled) return;
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(parts),
          time,
          headersMs,
          ttfbMs,
          totalMs: performance.now() - t0,
          end,
        });
      };
      res.on('data', (chunk: Buffer) => {
        ttfbMs ??= performance.now() - t0;
        size += chunk.length;
        if (size > maxBytes) {
          fail(`the upstream ${origin} sent an answer of more than ${maxBytes} bytes; it was not kept`, { bytes: size });
          request.destroy();
          return;
        }
        parts.push(chunk);
      });
      res.on('end', () => done(res.complete ? 'complete' : 'upstream-cut'));
      res.on('aborted', () => done('upstream-cut'));
      res.on('error', () => done('upstream-cut'));
      res.on('close', () => done(res.complete ? 'complete' : 'upstream-cut'));
      cut = () => done('upstream-cut');
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      // Once an answer has begun, an error is its end, cut short.
      if (cut) cut();
      else if (timedOut) fail(`the upstream ${origin} sent nothing for ${Math.round(timeoutMs / 1000)} s; gave up`, { timeout_ms: timeoutMs });
      else fail(`cannot reach the upstream ${origin}: ${err.code ?? err.message}`, { errno: err.code ?? null });
    });
    request.end(req.body);
  });
}
