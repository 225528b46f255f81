// The http(s) transport: a git server holds the archive as mirror commits
// (git-mirror.ts) under refs/tapes/…, pushed and fetched through
// isomorphic-git. The local side is a bare git directory under
// .tapes/index/git/ (derived data, rebuildable from the archive), plus the
// tapes id → commit map, so an incremental push encodes only new records.
// Fetching asks upload-pack for the wanted commits directly (isomorphic-git's
// fetch only takes branches and tags, and fails on a server whose HEAD is
// unborn), then decodes and verifies every object before storing any.
import * as fsNode from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { CorruptObjectError, InvalidInputError } from '../errors/index.js';
import type { ObjectStore } from '../odb/index.js';
import { readRecord } from '../record/index.js';
import { refNameProblem } from '../refs/index.js';
import { GitIdMap } from './git-id-map.js';
import { claimedTapesId, decodeMirrorCommit, mirrorTip, parseCommit, type DecodedCommit, type GitObjectSink, type GitObjectSource } from './git-mirror.js';
import type { RefUpdate, RefUpdateOutcome, RemoteRef, TransferProgress, Transport } from './transport.js';

const ZERO = '0'.repeat(40);
const SERVER_PREFIX = 'refs/tapes/';

export interface GitCredentials {
  username: string;
  password: string;
}

/** Credentials from the environment: TAPES_GIT_USERNAME and TAPES_GIT_PASSWORD, or TAPES_GIT_TOKEN. */
export function gitCredentialsFromEnv(env: Record<string, string | undefined>): GitCredentials | undefined {
  if (env.TAPES_GIT_TOKEN) return { username: env.TAPES_GIT_USERNAME || 'x-access-token', password: env.TAPES_GIT_TOKEN };
  if (env.TAPES_GIT_USERNAME) return { username: env.TAPES_GIT_USERNAME, password: env.TAPES_GIT_PASSWORD ?? '' };
  return undefined;
}

export interface GitHttpTransportOptions {
  url: string;
  /** The local git directory (.tapes/index/git). */
  gitDir: string;
  credentials?: GitCredentials;
}

/** refs/sessions/x ↔ refs/tapes/sessions/x on the server. */
export function serverRefName(name: string): string {
  return SERVER_PREFIX + name.slice('refs/'.length);
}

export function tapesRefName(serverRef: string): string | undefined {
  if (!serverRef.startsWith(SERVER_PREFIX)) return undefined;
  const name = 'refs/' + serverRef.slice(SERVER_PREFIX.length);
  // A name the server sends could try to leave the archive: only valid names pass.
  return /^refs\/(sessions|agents|tags)\/./.test(name) && refNameProblem(name) === undefined ? name : undefined;
}

function pkt(line: string): Buffer {
  const body = Buffer.from(line, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (body) for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

export class GitHttpTransport implements Transport {
  private readonly fs = fsNode;
  private readonly gitDir: string;
  private map?: GitIdMap;
  /** Server commit → the tapes id it claims (verified only when fetched). */
  private readonly claims = new Map<string, string>();
  private readonly remoteCommits = new Map<string, string>();
  /** Server commit → a server ref that named it at the last listing. */
  private readonly refOf = new Map<string, string>();

  constructor(private readonly opts: GitHttpTransportOptions) {
    this.gitDir = opts.gitDir;
  }

  private get auth(): { onAuth?: () => GitCredentials } {
    const c = this.opts.credentials;
    return c ? { onAuth: () => c } : {};
  }

  private authHeader(): Record<string, string> {
    const c = this.opts.credentials;
    return c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {};
  }

  private async ready(): Promise<GitIdMap> {
    if (this.map) return this.map;
    if (!this.fs.existsSync(join(this.gitDir, 'objects'))) {
      await git.init({ fs: this.fs, dir: this.gitDir, gitdir: this.gitDir, bare: true });
    }
    this.map = await GitIdMap.open(join(this.gitDir, 'tapes-ids'));
    return this.map;
  }

  private async hasGitObject(oid: string): Promise<boolean> {
    try {
      await git.readObject({ fs: this.fs, gitdir: this.gitDir, oid, format: 'deflated' });
      return true;
    } catch {
      return false;
    }
  }

  private sink(): GitObjectSink {
    return {
      write: (type, content) => git.writeObject({ fs: this.fs, gitdir: this.gitDir, type, object: Buffer.from(content), format: 'content' }),
    };
  }

  private source(): GitObjectSource {
    return {
      read: async (oid) => {
        const o = await git.readObject({ fs: this.fs, gitdir: this.gitDir, oid, format: 'content' });
        return { type: o.type, content: o.object as Uint8Array };
      },
    };
  }

  /** The commit of tapes object `id`, when the map names one that is in the git directory. */
  private async knownCommit(id: string): Promise<string | undefined> {
    const map = await this.ready();
    const oid = map.gitOf(id);
    return oid && (await this.hasGitObject(oid)) ? oid : undefined;
  }

  async listRefs(): Promise<RemoteRef[]> {
    const map = await this.ready();
    const refs = await git.listServerRefs({ http, url: this.opts.url, prefix: SERVER_PREFIX, protocolVersion: 2, ...this.auth });
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
        this.refOf.set(r.oid, r.ref);
      }
    }
    // Commits not seen before are downloaded now to read the id they claim;
    // fetch verifies the claim before anything is stored.
    const unknown = [...new Set(out.map((r) => r.oid))].filter((oid) => !map.tapesOf(oid) && !this.claims.has(oid));
    if (unknown.length) await this.download(unknown);
    const result: RemoteRef[] = [];
    for (const r of out) {
      let id = map.tapesOf(r.oid) ?? this.claims.get(r.oid);
      if (!id) {
        const commit = await this.source().read(r.oid);
        if (commit.type !== 'commit') throw new CorruptObjectError(`remote ref ${r.name} names a git ${commit.type}`, { ref: r.name, reason: 'notAMirrorCommit' });
        id = claimedTapesId(parseCommit(commit.content).message);
        if (!id) throw new CorruptObjectError(`remote ref ${r.name} names git commit ${r.oid}, which is not a tapes mirror commit`, { ref: r.name, reason: 'notAMirrorCommit' });
        this.claims.set(r.oid, id);
      }
      this.remoteCommits.set(id, r.oid);
      result.push({ name: r.name, id });
    }
    return result;
  }

  /** Asks upload-pack for `wants` (with what the local git directory has as haves) and indexes the pack. */
  private async download(wants: string[]): Promise<{ bytes: number }> {
    const haves = new Set<string>();
    for (const ref of await git.listRefs({ fs: this.fs, gitdir: this.gitDir, filepath: 'refs' })) {
      haves.add(await git.resolveRef({ fs: this.fs, gitdir: this.gitDir, ref: `refs/${ref}` }));
    }
    const lines: Buffer[] = [];
    wants.forEach((w, i) => lines.push(pkt(i === 0 ? `want ${w} side-band-64k ofs-delta agent=tapes\n` : `want ${w}\n`)));
    lines.push(Buffer.from('0000'));
    for (const h of [...haves].slice(0, 4096)) lines.push(pkt(`have ${h}\n`));
    lines.push(pkt('done\n'));
    const res = await http.request({
      url: `${this.opts.url.replace(/\/$/, '')}/git-upload-pack`,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', Accept: 'application/x-git-upload-pack-result', ...this.authHeader() },
      body: (async function* () {
        yield Buffer.concat(lines);
      })(),
    });
    const raw = await collect(res.body);
    if (res.statusCode !== 200) throw new InvalidInputError(`${this.opts.url}: upload-pack answered HTTP ${res.statusCode}`, { status: res.statusCode });
    const pack: Buffer[] = [];
    for (let i = 0; i < raw.length; ) {
      const len = parseInt(raw.toString('latin1', i, i + 4), 16);
      if (!Number.isFinite(len)) throw new CorruptObjectError('upload-pack answer is not pkt-lines', { reason: 'badProtocol' });
      if (len === 0) {
        i += 4;
        continue;
      }
      const data = raw.subarray(i + 4, i + len);
      i += len;
      const text = data.toString('latin1');
      if (text.startsWith('NAK') || text.startsWith('ACK')) continue;
      if (data[0] === 1) pack.push(data.subarray(1));
      else if (data[0] === 3) throw new InvalidInputError(`${this.opts.url}: ${data.subarray(1).toString('utf8').trim()}`, {});
      else if (text.startsWith('ERR ')) throw new InvalidInputError(`${this.opts.url}: ${text.slice(4).trim()}`, {});
    }
    const packfile = Buffer.concat(pack);
    if (packfile.length > 32) {
      const name = `objects/pack/pack-${packfile.subarray(-20).toString('hex')}.pack`;
      await this.fs.promises.mkdir(join(this.gitDir, 'objects/pack'), { recursive: true });
      await this.fs.promises.writeFile(join(this.gitDir, name), packfile);
      await git.indexPack({ fs: this.fs, dir: this.gitDir, gitdir: this.gitDir, filepath: name });
    }
    // Remember what the server's refs held, as haves for the next round: one
    // local ref per server ref (refs/mirror/…), overwritten as it moves.
    for (const w of wants) {
      const serverRef = this.refOf.get(w);
      if (serverRef && (await this.hasGitObject(w))) {
        await git.writeRef({ fs: this.fs, gitdir: this.gitDir, ref: `refs/mirror/${serverRef.slice(SERVER_PREFIX.length)}`, value: w, force: true });
      }
    }
    return { bytes: packfile.length };
  }

  async fetch(local: ObjectStore, wants: string[], progress?: (p: TransferProgress) => void): Promise<{ objects: number; bytes: number }> {
    const map = await this.ready();
    if (wants.some((w) => !this.remoteCommits.has(w))) await this.listRefs();
    const missing: string[] = [];
    for (const w of wants) {
      const oid = this.remoteCommits.get(w);
      if (!oid) throw new InvalidInputError(`object ${w} is not on the remote`, { id: w });
      if (!(await local.has(w)) && !(await this.hasGitObject(oid))) missing.push(oid);
    }
    let bytes = 0;
    if (missing.length) bytes = (await this.download(missing)).bytes;
    // Decode and verify everything first: nothing is stored unless all of it checks.
    const source = this.source();
    const decoded: DecodedCommit[] = [];
    const seen = new Set<string>();
    const arriving = new Set<string>();
    for (const w of wants) {
      const chain: DecodedCommit[] = [];
      let oid: string | null = this.remoteCommits.get(w)!;
      let expect: string | null = w;
      while (oid !== null && expect !== null && !(await local.has(expect)) && !seen.has(expect)) {
        if (!(await this.hasGitObject(oid))) {
          throw new CorruptObjectError(`the remote's chain is missing git commit ${oid} (record ${expect})`, { oid, id: expect, reason: 'missingParent' });
        }
        const d = await decodeMirrorCommit(source, oid, async () => false);
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
      for (const d of chain) for (const o of d.objects) arriving.add(o.id);
    }
    let objects = 0;
    for (const d of decoded) {
      for (const o of d.objects) {
        if (await local.has(o.id)) continue;
        await local.write(o.type, o.body);
        objects++;
      }
      progress?.({ objects, bytes });
    }
    await map.save();
    return { objects, bytes };
  }

  async push(local: ObjectStore, tips: string[], _haves: string[], updates: RefUpdate[], progress?: (p: TransferProgress) => void): Promise<RefUpdateOutcome[]> {
    const map = await this.ready();
    const sink = this.sink();
    let encoded = 0;
    const commitOf = (id: string): Promise<string> =>
      mirrorTip(local, sink, id, (x) => this.knownCommit(x), async (x, c) => {
        map.add(x, c);
        encoded++;
        progress?.({ objects: encoded, bytes: 0 });
      });
    for (const tip of tips) await commitOf(tip);
    await map.save();
    const outcomes: RefUpdateOutcome[] = [];
    for (const u of updates) {
      outcomes.push(await this.pushOne(local, u, commitOf));
    }
    await map.save();
    return outcomes;
  }

  private async pushOne(local: ObjectStore, u: RefUpdate, commitOf: (id: string) => Promise<string>): Promise<RefUpdateOutcome> {
    const remoteRef = serverRefName(u.name);
    let expectOld = ZERO;
    if (u.old !== null) {
      const known = this.remoteCommits.get(u.old) ?? (await this.knownCommit(u.old)) ?? ((await local.has(u.old)) ? await commitOf(u.old) : undefined);
      if (!known) return { name: u.name, ok: false, reason: 'the remote moved: fetch first' };
      expectOld = known;
    }
    if (!u.force && u.old !== null && u.new !== null && !(await this.descends(local, u.new, u.old))) {
      return { name: u.name, ok: false, reason: 'not a fast-forward (pull first, or push with --force)' };
    }
    const localRef = `refs/tapes-out/${u.name.slice('refs/'.length)}`;
    const value = u.new !== null ? await commitOf(u.new) : expectOld !== ZERO ? expectOld : undefined;
    if (value === undefined) return { name: u.name, ok: true };
    await git.writeRef({ fs: this.fs, gitdir: this.gitDir, ref: localRef, value, force: true });
    let moved = false;
    try {
      const res = await git.push({
        fs: this.fs,
        http,
        gitdir: this.gitDir,
        url: this.opts.url,
        ref: localRef,
        remoteRef,
        force: true,
        delete: u.new === null,
        ...this.auth,
        // Compare-and-swap: the value isomorphic-git just read from the server
        // is what receive-pack checks the update against.
        onPrePush: ({ remoteRef: r }) => {
          moved = r.oid !== expectOld;
          return !moved;
        },
      });
      const r = res.refs[remoteRef];
      if (!res.ok || (r && !r.ok)) return { name: u.name, ok: false, reason: r?.error ?? res.error ?? 'rejected by the server' };
      if (u.new !== null) this.remoteCommits.set(u.new, value);
      return { name: u.name, ok: true };
    } catch (err) {
      if (moved) return { name: u.name, ok: false, reason: 'the remote moved: fetch first' };
      const e = err as { code?: string; message: string; data?: { reason?: string } };
      return { name: u.name, ok: false, reason: e.data?.reason ?? e.message };
    }
  }

  /** True when record `tip`'s chain passes through `ancestor`. */
  private async descends(local: ObjectStore, tip: string, ancestor: string): Promise<boolean> {
    for (let id: string | null = tip; id !== null; ) {
      if (id === ancestor) return true;
      const obj = await local.read(id);
      if (obj.type !== 'record') return false;
      id = (await readRecord(local, id)).parent;
    }
    return false;
  }

  async close(): Promise<void> {
    await this.map?.save();
  }
}
