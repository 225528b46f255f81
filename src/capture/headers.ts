// Which headers the proxy forwards, and which it may keep. Credentials never
// reach the archive: a header is dropped from anything stored when its name is
// one of the known credential headers or says key, token, secret, auth,
// cookie, password or credential; the same rule removes query parameters.
import { zlibCanDecode } from './body-decode.js';

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'cookie', 'set-cookie', 'set-cookie2']);
const CREDENTIAL_WORDS = /key|token|secret|auth|cookie|passw|credential|signature|session-token/i;

/** True for a header (or query parameter) whose value must never be stored. */
export function isCredentialName(name: string): boolean {
  const n = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(n) || CREDENTIAL_WORDS.test(n);
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not to the message.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function hopByHop(rawHeaders: string[]): Set<string> {
  const out = new Set(HOP_BY_HOP);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'connection') continue;
    for (const token of rawHeaders[i + 1]!.split(',')) if (token.trim()) out.add(token.trim().toLowerCase());
  }
  return out;
}

/**
 * The request headers sent upstream: the client's, in order, without
 * hop-by-hop headers, with `host` naming the upstream and, where Node cannot
 * decode an encoding the client accepts (zstd before Node 22.15), that
 * encoding taken out of accept-encoding so every response can be recorded.
 * (Proxy-Authorization is hop-by-hop: it is for this proxy, never forwarded.)
 */
export function upstreamRequestHeaders(rawHeaders: string[], upstreamHost: string): Array<[string, string]> {
  const skip = hopByHop(rawHeaders);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    let value = rawHeaders[i + 1]!;
    if (skip.has(lower)) continue;
    if (lower === 'host') value = upstreamHost;
    if (lower === 'accept-encoding') {
      value = acceptableEncodings(value);
      if (!value) continue;
    }
    out.push([name, value]);
  }
  return out;
}

/** accept-encoding without the codings this Node cannot decode. */
export function acceptableEncodings(value: string): string {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => {
      const coding = s.split(';')[0]!.trim().toLowerCase();
      return coding !== '' && (coding !== 'zstd' || zlibCanDecode('zstd'));
    })
    .join(', ');
}

/** The response headers sent to the client: the upstream's, in order, without hop-by-hop ones. */
export function clientResponseHeaders(rawHeaders: string[]): string[] {
  const skip = hopByHop(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (skip.has(rawHeaders[i]!.toLowerCase())) continue;
    out.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return out;
}

/**
 * Headers as stored in a capture record: `[name, value]` pairs, names in
 * lower case, in the order received, without credentials, hop-by-hop headers
 * and content-length (the stored body gives it).
 */
export function storableHeaders(rawHeaders: string[]): Array<[string, string]> {
  const skip = hopByHop(rawHeaders);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (skip.has(lower) || lower === 'content-length' || isCredentialName(lower)) continue;
    out.push([lower, rawHeaders[i + 1]!]);
  }
  return out;
}

/** The first value of a header in a raw header list (case-insensitive name). */
export function headerValue(rawHeaders: string[], name: string): string | undefined {
  const want = name.toLowerCase();
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === want) return rawHeaders[i + 1];
  return undefined;
}

/** A request target with every credential-named query parameter's value replaced by "REDACTED". */
export function storablePath(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const params = target
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      const name = decodeURIComponentSafe(eq < 0 ? p : p.slice(0, eq));
      return isCredentialName(name) ? `${eq < 0 ? p : p.slice(0, eq)}=REDACTED` : p;
    });
  return `${target.slice(0, q)}?${params.join('&')}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
