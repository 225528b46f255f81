// Fetching from a git server (its upload-pack): listing the mirror's refs and
// bringing the commits they name. The wanted commits are asked for directly
// (isomorphic-git's fetch only takes branches and tags, and fails on a server
// whose HEAD is unborn); the pack is read in memory, and every object is
// decoded into tapes objects and verified before any is stored.
import git from 'isomorphic-git';
import { CorruptObjectError, InvalidInputError } from '../errors/index.js';
import { LooseObjectStore, WriteQueue, type ObjectStore } from '../odb/index.js';
import { refNameProblem } from '../refs/index.js';
import { UNPACK_LIMIT, storePack, type Carried } from './file-transport.js';
import type { GitAuth } from './git-credential.js';
import { readPack } from './git-pack.js';
import { SERVER_PREFIX, claimedTapesId, decodeMirrorCommit, parseCommit, tapesRefName, type DecodedCommit } from './git-mirror.js';
import { gitHttpClient } from './http-client.js';
import type { MirrorState } from './mirror-state.js';
import { parseUploadPackResponse, writeUploadPackRequest } from './pkt-line.js';
import type { RemoteRef, TransferProgress } from './transport.js';

/** The most haves one request offers. */
const MAX_HAVES = 4096;

export class UploadPack {
  /** `store`: the local archive's objects (haves are offered only for commits whose records it holds). */
  constructor(
    private readonly url: string,
    private readonly auth: GitAuth,
    private readonly state: MirrorState,
    private readonly store?: ObjectStore,
  ) {}

  async listRefs(): Promise<RemoteRef[]> {
    const map = await this.state.ready();
    const refs = await this.auth.viaIsomorphicGit((hooks) =>
      git.listServerRefs({ http: gitHttpClient, url: this.url, prefix: SERVER_PREFIX, protocolVersion: 2, ...hooks }),
    );
    const out: { name: string; oid: string }[] = [];
    for (const r of refs) {
      const name = tapesRefName(r.ref);
      // A remote is untrusted: a name that could leave the archive aborts the
      // fetch (as with the file transport) rather than being skipped quietly.
      const problem = r.ref.startsWith(SERVER_PREFIX) ? refNameProblem('refs/' + r.ref.slice(SERVER_PREFIX.length)) : undefined;
      if (problem) {
        throw new InvalidInputError(`remote ref ${JSON.stringify(r.ref)} is not a valid ref name: ${problem}`, { ref: r.ref, rule: problem });
      }
      if (name && /^[0-9a-f]{40}$/.test(r.oid)) {
        out.push({ name, oid: r.oid });
        this.state.refOf.set(r.oid, r.ref);
      }
    }
    // Commits not seen before are downloaded now to read the id they claim;
    // fetch verifies the claim before anything is stored.
    const unknown = [...new Set(out.map((r) => r.oid))].filter((oid) => !map.tapesOf(oid) && !this.state.claims.has(oid));
    if (unknown.length) await this.download(unknown);
    const result: RemoteRef[] = [];
    for (const r of out) {
      let id = map.tapesOf(r.oid) ?? this.state.claims.get(r.oid);
      if (!id) {
        const commit = await this.state.source().read(r.oid);
        if (commit.type !== 'commit') throw new CorruptObjectError(`remote ref ${r.name} names a git ${commit.type}`, { ref: r.name, reason: 'notAMirrorCommit' });
        id = claimedTapesId(parseCommit(commit.content).message);
        if (!id) throw new CorruptObjectError(`remote ref ${r.name} names git commit ${r.oid}, which is not a tapes mirror commit`, { ref: r.name, reason: 'notAMirrorCommit' });
        this.state.claims.set(r.oid, id);
      }
      this.state.remoteCommits.set(id, r.oid);
      result.push({ name: r.name, id });
    }
    return result;
  }

  /** Asks upload-pack for `wants` (with what the local git directory has as haves) and reads the pack. */
  private async download(wants: string[]): Promise<{ bytes: number }> {
    const haves = new Set<string>();
    const map = await this.state.ready();
    for (const oid of await this.state.mirrorTips()) {
      // A have promises the server everything before it: offer a commit only
      // when its git objects are here or the archive holds its record (and so,
      // as refs only reach whole chains, everything before it).
      const id = map.tapesOf(oid);
      if ((id && this.store && (await this.store.has(id))) || (await this.state.has(oid))) haves.add(oid);
    }
    const request = writeUploadPackRequest(wants, [...haves].slice(0, MAX_HAVES));
    const { status, raw } = await this.auth.request('git-upload-pack', 'POST', { 'Content-Type': 'application/x-git-upload-pack-request', Accept: 'application/x-git-upload-pack-result' }, request);
    if (status !== 200) throw new InvalidInputError(`${this.url}: upload-pack answered HTTP ${status}`, { status });
    const { pack, error } = parseUploadPackResponse(raw);
    if (error !== undefined) throw new InvalidInputError(`${this.url}: ${error}`, {});
    // Read in memory: the objects are decoded into tapes objects and verified
    // right away, and the tapes objects are what is kept.
    if (pack.length > 0) for (const [oid, obj] of readPack(pack)) this.state.fetched.set(oid, obj);
    // Remember what the server's refs held, as haves for the next round: one
    // local ref per server ref (refs/mirror/…), overwritten as it moves.
    for (const w of wants) {
      const serverRef = this.state.refOf.get(w);
      if (serverRef && (await this.state.has(w))) await this.state.setMirrorRef(serverRef, w);
    }
    return { bytes: pack.length };
  }

  async fetch(local: ObjectStore, wants: string[], progress?: (p: TransferProgress) => void): Promise<{ objects: number; bytes: number }> {
    const map = await this.state.ready();
    if (wants.some((w) => !this.state.remoteCommits.has(w))) await this.listRefs();
    const missing: string[] = [];
    for (const w of wants) {
      const oid = this.state.remoteCommits.get(w);
      if (!oid) throw new InvalidInputError(`object ${w} is not on the remote`, { id: w });
      if (!(await local.has(w)) && !(await this.state.has(oid))) missing.push(oid);
    }
    let bytes = 0;
    if (missing.length) bytes = (await this.download(missing)).bytes;
    // Decode and verify everything first: nothing is stored unless all of it checks.
    const source = this.state.source();
    const decoded: DecodedCommit[] = [];
    const seen = new Set<string>();
    for (const w of wants) {
      const chain: DecodedCommit[] = [];
      let oid: string | null = this.state.remoteCommits.get(w)!;
      let expect: string | null = w;
      while (oid !== null && expect !== null && !(await local.has(expect)) && !seen.has(expect)) {
        if (!(await this.state.has(oid))) {
          throw new CorruptObjectError(`the remote's chain is missing git commit ${oid} (record ${expect})`, { oid, id: expect, reason: 'missingParent' });
        }
        // A blob the archive already holds may be left out by the server (it is
        // reachable from a commit we said we have).
        const d = await decodeMirrorCommit(source, oid, (id) => local.has(id));
        if (d.id !== expect) throw new CorruptObjectError(`git commit ${oid} holds ${d.id}, not ${expect}`, { oid, id: expect, reason: 'badGitParent' });
        seen.add(d.id);
        chain.push(d);
        map.add(d.id, oid);
        oid = d.parentCommit;
        expect = d.parent;
      }
      if (expect !== null && !(await local.has(expect)) && !seen.has(expect)) {
        throw new CorruptObjectError(`the remote's chain is missing the parent record ${expect}`, { id: expect, reason: 'missingParent' });
      }
      decoded.push(...chain.reverse());
    }
    const objects = await storeDecoded(local, decoded, (n) => progress?.({ objects: n, bytes }));
    progress?.({ objects, bytes });
    await map.save();
    return { objects, bytes };
  }
}

/**
 * Stores the tapes objects of decoded commits that `local` lacks, all on disk
 * before this returns (and so before any ref moves): as one pack when there
 * are many (as the file transport does), else written many at once (the
 * fsyncs overlap). Returns how many were stored.
 */
async function storeDecoded(local: ObjectStore, decoded: DecodedCommit[], progress: (objects: number) => void): Promise<number> {
  const fresh: Carried[] = [];
  const taken = new Set<string>();
  for (const d of decoded) {
    for (const o of d.objects) {
      if (taken.has(o.id) || (await local.has(o.id))) continue;
      taken.add(o.id);
      fresh.push({ id: o.id, object: { type: o.type, body: o.body } });
    }
  }
  if (local instanceof LooseObjectStore && fresh.length >= UNPACK_LIMIT) {
    return (await storePack(local, fresh, (p) => progress(p.objects))).objects;
  }
  const queue = local instanceof LooseObjectStore ? new WriteQueue(local) : undefined;
  const sink: ObjectStore = queue ?? local;
  let objects = 0;
  for (const c of fresh) {
    await sink.write(c.object.type, c.object.body);
    objects++;
  }
  await queue?.flush();
  return objects;
}
