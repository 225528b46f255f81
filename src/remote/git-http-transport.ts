// The http(s) transport: a git server holds the archive as mirror commits
// (git-mirror.ts) under refs/tapes/…. This file only puts the parts
// together: the mirror's local state (mirror-state.ts), the credentials
// (git-credential.ts), fetching through upload-pack (upload-pack.ts) and
// pushing through receive-pack (receive-pack.ts), all over the one HTTP
// client (http-client.ts) and the wire codec (pkt-line.ts).
import type { ObjectStore } from '../odb/index.js';
import { GitAuth, type GitCredentials } from './git-credential.js';
import { MirrorState } from './mirror-state.js';
import { ReceivePack } from './receive-pack.js';
import { UploadPack } from './upload-pack.js';
import type { RefUpdate, RefUpdateOutcome, RemoteRef, TransferProgress, Transport } from './transport.js';

export interface GitHttpTransportOptions {
  url: string;
  /** The local git directory (.tapes/index/git). */
  gitDir: string;
  credentials?: GitCredentials;
  /**
   * The environment `git credential fill` runs in, when the server asks for
   * credentials the environment did not give (undefined: no helper is asked).
   */
  helperEnv?: Record<string, string | undefined>;
  /** The local archive's objects (haves are offered only for commits whose records it holds). */
  store?: ObjectStore;
}

export class GitHttpTransport implements Transport {
  private readonly state: MirrorState;
  private readonly uploadPack: UploadPack;
  private readonly receivePack: ReceivePack;

  constructor(opts: GitHttpTransportOptions) {
    const auth = new GitAuth(opts.url, opts.credentials, opts.helperEnv);
    this.state = new MirrorState(opts.gitDir);
    this.uploadPack = new UploadPack(opts.url, auth, this.state, opts.store);
    this.receivePack = new ReceivePack(opts.url, auth, this.state);
  }

  listRefs(): Promise<RemoteRef[]> {
    return this.uploadPack.listRefs();
  }

  fetch(local: ObjectStore, wants: string[], progress?: (p: TransferProgress) => void): Promise<{ objects: number; bytes: number }> {
    return this.uploadPack.fetch(local, wants, progress);
  }

  /** The walk stops at what the server's refs hold (their commits), so `tips` and `haves` are not needed. */
  push(local: ObjectStore, _tips: string[], _haves: string[], updates: RefUpdate[], progress?: (p: TransferProgress) => void): Promise<RefUpdateOutcome[]> {
    return this.receivePack.push(local, updates, progress);
  }

  close(): Promise<void> {
    return this.state.close();
  }
}
