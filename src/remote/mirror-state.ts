// What one git-http transport knows of the mirror, shared by its fetches and
// pushes: the local bare git directory under .tapes/index/git/ (derived data,
// rebuildable from the archive) with one refs/mirror/… ref per server ref
// (haves for the next fetch), the tapes id ↔ commit map (so an incremental
// push encodes only new records), the git objects of packs fetched in this
// run, and the server's commits as last listed.
import * as fsNode from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { GitIdMap } from './git-id-map.js';
import type { GitObject } from './git-pack.js';
import { SERVER_PREFIX, type GitObjectSource } from './git-mirror.js';

export class MirrorState {
  /**
   * The file system as isomorphic-git is given it: node's promise API, with
   * readFile() called without arguments answering at once. isomorphic-git
   * probes that call (twice) on every command to tell promise file systems
   * from callback ones, and node answers it by building an error with a stack
   * trace, which cost more than the reads themselves over a large fetch.
   */
  private readonly gitFs = {
    promises: {
      ...fsNode.promises,
      readFile: ((...args: Parameters<typeof fsNode.promises.readFile>) =>
        args.length ? fsNode.promises.readFile(...args) : Promise.resolve(undefined)) as typeof fsNode.promises.readFile,
    },
  };
  /**
   * isomorphic-git's object cache: without it every readObject re-reads and
   * re-parses each pack index (and re-hashes the pack), which made reading a
   * fetched pack quadratic in its size.
   */
  private readonly cache: object = {};
  /** Git objects of the packs this transport downloaded, by id. */
  readonly fetched = new Map<string, GitObject>();
  private map?: GitIdMap;
  /** Server commit → the tapes id it claims (verified only when fetched). */
  readonly claims = new Map<string, string>();
  /** Tapes id → the server commit that holds it. */
  readonly remoteCommits = new Map<string, string>();
  /** Server commit → a server ref that named it at the last listing. */
  readonly refOf = new Map<string, string>();

  /** `gitDir`: the local git directory (.tapes/index/git). */
  constructor(private readonly gitDir: string) {}

  /** The id map, with the git directory made first if there is none. */
  async ready(): Promise<GitIdMap> {
    if (this.map) return this.map;
    if (!fsNode.existsSync(join(this.gitDir, 'objects'))) {
      await git.init({ fs: this.gitFs, dir: this.gitDir, gitdir: this.gitDir, bare: true });
    }
    this.map = await GitIdMap.open(join(this.gitDir, 'tapes-ids'));
    return this.map;
  }

  /** True when the git object is here: fetched in this run, or in the git directory. */
  async has(oid: string): Promise<boolean> {
    if (this.fetched.has(oid)) return true;
    try {
      await git.readObject({ fs: this.gitFs, gitdir: this.gitDir, oid, format: 'deflated', cache: this.cache });
      return true;
    } catch {
      return false;
    }
  }

  source(): GitObjectSource {
    return {
      read: async (oid) => {
        const got = this.fetched.get(oid);
        if (got) return got;
        const o = await git.readObject({ fs: this.gitFs, gitdir: this.gitDir, oid, format: 'content', cache: this.cache });
        return { type: o.type, content: o.object as Uint8Array };
      },
    };
  }

  /** The commits the server's refs held when last seen (refs/mirror/…). */
  async mirrorTips(): Promise<string[]> {
    const tips: string[] = [];
    for (const ref of await git.listRefs({ fs: this.gitFs, gitdir: this.gitDir, filepath: 'refs/mirror' })) {
      tips.push(await git.resolveRef({ fs: this.gitFs, gitdir: this.gitDir, ref: `refs/mirror/${ref}` }));
    }
    return tips;
  }

  /** Remembers that server ref `serverRef` holds `oid` (null: it is gone). */
  async setMirrorRef(serverRef: string, oid: string | null): Promise<void> {
    const mirror = `refs/mirror/${serverRef.slice(SERVER_PREFIX.length)}`;
    if (oid === null) await fsNode.promises.rm(join(this.gitDir, mirror), { force: true });
    else await git.writeRef({ fs: this.gitFs, gitdir: this.gitDir, ref: mirror, value: oid, force: true });
  }

  async close(): Promise<void> {
    await this.map?.save();
  }
}
