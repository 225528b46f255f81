// Picking the transport for a remote URL.
import { join } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import { FileTransport } from './file-transport.js';
import { entryKind, symlinkError, type ObjectStore } from '../odb/index.js';
import type { Transport } from './transport.js';

export * from './transport.js';
export * from './file-transport.js';

export interface OpenTransportOptions {
  now?: () => Date;
  /** The local archive directory: the git transport keeps its git directory under index/git. */
  archiveDir?: string;
  /** Where the git transport finds credentials (TAPES_GIT_TOKEN, TAPES_GIT_USERNAME, TAPES_GIT_PASSWORD). */
  env?: Record<string, string | undefined>;
  /** The local object store: the git transport offers as haves only commits whose records it holds. */
  store?: ObjectStore;
}

/** A transport for a stored remote URL: a path or file:// URL (file transport), or http(s):// (git). */
export async function openTransport(url: string, opts: OpenTransportOptions = {}): Promise<Transport> {
  if (/^https?:\/\//i.test(url)) {
    if (opts.archiveDir === undefined) throw new InvalidInputError(`remote ${url}: an http(s) remote needs a local archive`, { url });
    // Never written through a link (docs/security.md, "Inside .tapes").
    for (const d of [join(opts.archiveDir, 'index'), join(opts.archiveDir, 'index', 'git')]) {
      if (entryKind(d) === 'symlink') throw symlinkError(opts.archiveDir, d);
    }
    // Loaded only for http(s) remotes: isomorphic-git costs time to load.
    const [{ GitHttpTransport }, { gitCredentialsFromEnv }] = await Promise.all([import('./git-http-transport.js'), import('./git-credential.js')]);
    return new GitHttpTransport({
      url,
      gitDir: join(opts.archiveDir, 'index', 'git'),
      credentials: gitCredentialsFromEnv(opts.env ?? {}),
      // git's credential helpers are asked only when the server wants
      // credentials the environment did not give.
      helperEnv: opts.env,
      store: opts.store,
    });
  }
  return new FileTransport(url, undefined, opts.now);
}
