// Picking the transport for a remote URL.
import { InvalidInputError } from '../errors/index.js';
import { FileTransport } from './file-transport.js';
import type { Transport } from './transport.js';

export * from './transport.js';
export * from './file-transport.js';

export interface OpenTransportOptions {
  now?: () => Date;
}

/** A transport for a stored remote URL: a path or file:// URL (file transport), or http(s):// (git). */
export async function openTransport(url: string, opts: OpenTransportOptions = {}): Promise<Transport> {
  if (/^https?:\/\//i.test(url)) {
    throw new InvalidInputError(`remote ${url}: http(s) remotes need the git transport, which this build does not have yet`, { url });
  }
  return new FileTransport(url, undefined, opts.now);
}
