// The http(s) transport: a git server holds the archive as mirror commits
// (git-mirror.ts) under refs/tapes/…, pushed and fetched through
// isomorphic-git. The local side is a bare git directory under
// .tapes/index/git/ (derived data, rebuildable from the archive), plus the
// tapes id → commit map, so an incremental push encodes only new records.
// Fetching asks upload-pack for the wanted commits directly (isomorphic-git's
// fetch only takes branches and tags, and fails on a server whose HEAD is
// unborn), then decodes and verifies every object before storing any.
import { createHash } from 'node:crypto';
import * as nodeHttp from 'node:http';
import * as nodeHttps from 'node:https';
import * as fsNode from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { CorruptObjectError, InvalidInputError } from '../errors/index.js';
import { LooseObjectStore, WriteQueue, type ObjectStore } from '../odb/index.js';
import { readRecord } from '../record/index.js';
import { refNameProblem } from '../refs/index.js';
import { GitIdMap } from './git-id-map.js';
import { readPack, type GitObject } from './git-pack.js';
import { claimedTapesId, decodeMirrorCommit, gitObjectId, mirrorTip, parseCommit, type DecodedCommit, type GitObjectSink, type GitObjectSource, type GitObjectType } from './git-mirror.js';
import { UNPACK_LIMIT, storePack, type Carried } from './file-transport.js';
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
  /**
   * The environment `git credential fill` runs in, when the server asks for
   * credentials the environment did not give (undefined: no helper is asked).
   */
  helperEnv?: Record<string, string | undefined>;
  /** The local archive's objects (haves are offered only for commits whose records it holds). */
  store?: ObjectStore;
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

/**
 * A git pack (version 2) built in memory from whole objects, each once, no
 * deltas: what receive-pack needs for the commits the server lacks.
 */
class PackWriter {
  private readonly parts: Buffer[] = [];
  private readonly seen = new Set<string>();
  bytes = 0;

  get count(): number {
    return this.seen.size;
  }

  add(type: GitObjectType, content: Uint8Array): string {
    const oid = gitObjectId(type, content);
    if (this.seen.has(oid)) return oid;
    this.seen.add(oid);
    const header: number[] = [];
    let size = content.length;
    let byte = (PACK_TYPE[type] << 4) | (size & 0x0f);
    size = Math.floor(size / 16);
    while (size > 0) {
      header.push(byte | 0x80);
      byte = size & 0x7f;
      size = Math.floor(size / 128);
    }
    header.push(byte);
    const part = Buffer.concat([Buffer.from(header), deflateSync(content)]);
    this.parts.push(part);
    this.bytes += part.length;
    return oid;
  }

  finish(): Buffer {
    const head = Buffer.alloc(12);
    head.write('PACK', 0, 'latin1');
    head.writeUInt32BE(2, 4);
    head.writeUInt32BE(this.seen.size, 8);
    const body = Buffer.concat([head, ...this.parts]);
    return Buffer.concat([body, createHash('sha1').update(body).digest()]);
  }
}

const PACK_TYPE: Record<GitObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/**
 * How long a request may go without a byte from the server. A git server
 * says nothing while it indexes a large pack it was sent (or builds one it
 * will send), so this is minutes, not node's default keep-alive idle limit of
 * five seconds (which made a full push of a real archive fail).
 */
const IDLE_TIMEOUT_MS = 10 * 60_000;
const MAX_REDIRECTS = 5;

/** One HTTP(S) exchange with the whole answer read, following redirects as git does. */
function exchange(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: Buffer, redirects = 0): Promise<{ statusCode: number; raw: Buffer }> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? nodeHttps : nodeHttp;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location && redirects < MAX_REDIRECTS) {
          const keep = status === 307 || status === 308;
          const next = new URL(location, u);
          // Credentials go only where they were given: a redirect to another
          // scheme, host or port drops them (as git and curl do).
          const sameOrigin = next.protocol === u.protocol && next.host === u.host;
          const carried = sameOrigin ? headers : withoutCredentials(headers);
          resolve(exchange(next.toString(), keep ? method : 'GET', carried, keep ? body : undefined, redirects + 1));
          return;
        }
        resolve({ statusCode: status, raw: Buffer.concat(parts) });
      });
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no answer from ${u.host} in ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers with every credential taken out (Authorization, Cookie, Proxy-Authorization). */
export function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!/^(authorization|proxy-authorization|cookie)$/i.test(k)) out[k] = v;
  return out;
}

/** The payloads of a pkt-line stream; a flush packet is null. */
function* pktLines(raw: Buffer): Generator<Buffer | null> {
  for (let i = 0; i + 4 <= raw.length; ) {
    const len = parseInt(raw.toString('latin1', i, i + 4), 16);
    if (!Number.isFinite(len) || (len !== 0 && len < 4)) throw new CorruptObjectError('the server answered with something that is not pkt-lines', { reason: 'badProtocol' });
    if (len === 0) {
      yield null;
      i += 4;
      continue;
    }
    yield raw.subarray(i + 4, i + len);
    i += len;
  }
}

export class GitHttpTransport implements Transport {
  private readonly fs = fsNode;
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
  private readonly gitDir: string;
  /**
   * isomorphic-git's object cache: without it every readObject re-reads and
   * re-parses each pack index (and re-hashes the pack), which made reading a
   * fetched pack quadratic in its size.
   */
  private readonly cache: object = {};
  /** Git objects of the packs this transport downloaded, by id. */
  private readonly fetched = new Map<string, GitObject>();
  private map?: GitIdMap;
  /** Server commit → the tapes id it claims (verified only when fetched). */
  private readonly claims = new Map<string, string>();
  private readonly remoteCommits = new Map<string, string>();
  /** Server commit → a server ref that named it at the last listing. */
  private readonly refOf = new Map<string, string>();

  constructor(private readonly opts: GitHttpTransportOptions) {
    this.gitDir = opts.gitDir;
    this.creds = opts.credentials;
  }

  private creds?: GitCredentials;
  private helperCreds?: GitCredentials;
  private helperAsked = false;

  /** Credentials from git's credential helpers, asked once per transport. */
  private async fromHelper(): Promise<GitCredentials | undefined> {
    if (this.helperAsked || !this.opts.helperEnv) return undefined;
    this.helperAsked = true;
    const { credentialFill } = await import('./git-credential.js');
    this.helperCreds = await credentialFill(this.opts.url, this.opts.helperEnv);
    if (this.helperCreds) this.creds = this.helperCreds;
    return this.helperCreds;
  }

  private async helperVerdict(ok: boolean): Promise<void> {
    const c = this.helperCreds;
    if (!c || !this.opts.helperEnv) return;
    this.helperCreds = undefined;
    const { credentialReport } = await import('./git-credential.js');
    await credentialReport(ok ? 'approve' : 'reject', this.opts.url, c, this.opts.helperEnv);
  }

  private refused(status: number): InvalidInputError {
    return new InvalidInputError(
      `${this.opts.url}: the server ${this.creds ? 'refused the credentials' : 'asks for credentials'} (HTTP ${status}); set TAPES_GIT_TOKEN (or TAPES_GIT_USERNAME and TAPES_GIT_PASSWORD), or configure a git credential helper`,
      { status },
    );
  }

  private authHeader(): Record<string, string> {
    const c = this.creds ?? this.opts.credentials;
    return c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {};
  }

  /** One HTTP exchange; a 401 is answered once with the credential helper's credentials. */
  private async send(path: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: Buffer): Promise<{ status: number; raw: Buffer }> {
    for (let attempt = 0; ; attempt++) {
      const res = await exchange(`${this.opts.url.replace(/\/$/, '')}/${path}`, method, { ...headers, ...this.authHeader() }, body);
      const raw = res.raw;
      if (res.statusCode === 401 && attempt === 0 && !this.creds && (await this.fromHelper())) continue;
      if (res.statusCode === 401 || res.statusCode === 403) {
        await this.helperVerdict(false);
        throw this.refused(res.statusCode);
      }
      await this.helperVerdict(true);
      return { status: res.statusCode, raw };
    }
  }

  private async ready(): Promise<GitIdMap> {
    if (this.map) return this.map;
    if (!this.fs.existsSync(join(this.gitDir, 'objects'))) {
      await git.init({ fs: this.gitFs, dir: this.gitDir, gitdir: this.gitDir, bare: true });
    }
    this.map = await GitIdMap.open(join(this.gitDir, 'tapes-ids'));
    return this.map;
  }

  private async hasGitObject(oid: string): Promise<boolean> {
    if (this.fetched.has(oid)) return true;
    try {
      await git.readObject({ fs: this.gitFs, gitdir: this.gitDir, oid, format: 'deflated', cache: this.cache });
      return true;
    } catch {
      return false;
    }
  }

  private source(): GitObjectSource {
    return {
      read: async (oid) => {
        const got = this.fetched.get(oid);
        if (got) return got;
        const o = await git.readObject({ fs: this.gitFs, gitdir: this.gitDir, oid, format: 'content', cache: this.cache });
        return { type: o.type, content: o.object as Uint8Array };
      },
    };
  }

  async listRefs(): Promise<RemoteRef[]> {
    const map = await this.ready();
    let refs: Awaited<ReturnType<typeof git.listServerRefs>>;
    try {
      refs = await git.listServerRefs({
        http,
        url: this.opts.url,
        prefix: SERVER_PREFIX,
        protocolVersion: 2,
        onAuth: async () => this.creds ?? (await this.fromHelper()) ?? { cancel: true },
        onAuthFailure: () => ({ cancel: true }),
      });
    } catch (err) {
      // isomorphic-git reports a 401 it was told to give up on as a cancel.
      const e = err as { code?: string; data?: { statusCode?: number } };
      const status = e.code === 'UserCanceledError' ? 401 : e.data?.statusCode;
      if (status === 401 || status === 403) {
        await this.helperVerdict(false);
        throw this.refused(status);
      }
      throw err;
    }
    await this.helperVerdict(true);
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
    const map = await this.ready();
    for (const ref of await git.listRefs({ fs: this.gitFs, gitdir: this.gitDir, filepath: 'refs/mirror' })) {
      const oid = await git.resolveRef({ fs: this.gitFs, gitdir: this.gitDir, ref: `refs/mirror/${ref}` });
      // A have promises the server everything before it: offer a commit only
      // when its git objects are here or the archive holds its record (and so,
      // as refs only reach whole chains, everything before it).
      const id = map.tapesOf(oid);
      if ((id && this.opts.store && (await this.opts.store.has(id))) || (await this.hasGitObject(oid))) haves.add(oid);
    }
    const lines: Buffer[] = [];
    wants.forEach((w, i) => lines.push(pkt(i === 0 ? `want ${w} side-band-64k ofs-delta agent=tapes\n` : `want ${w}\n`)));
    lines.push(Buffer.from('0000'));
    for (const h of [...haves].slice(0, 4096)) lines.push(pkt(`have ${h}\n`));
    lines.push(pkt('done\n'));
    const { status, raw } = await this.send('git-upload-pack', 'POST', { 'Content-Type': 'application/x-git-upload-pack-request', Accept: 'application/x-git-upload-pack-result' }, Buffer.concat(lines));
    if (status !== 200) throw new InvalidInputError(`${this.opts.url}: upload-pack answered HTTP ${status}`, { status });
    const pack: Buffer[] = [];
    for (const data of pktLines(raw)) {
      if (data === null) continue;
      const text = data.toString('latin1');
      if (text.startsWith('NAK') || text.startsWith('ACK')) continue;
      if (data[0] === 1) pack.push(data.subarray(1));
      else if (data[0] === 3) throw new InvalidInputError(`${this.opts.url}: ${data.subarray(1).toString('utf8').trim()}`, {});
      else if (text.startsWith('ERR ')) throw new InvalidInputError(`${this.opts.url}: ${text.slice(4).trim()}`, {});
    }
    const packfile = Buffer.concat(pack);
    // Read in memory: the objects are decoded into tapes objects and verified
    // right away, and the tapes objects are what is kept.
    if (packfile.length > 0) for (const [oid, obj] of readPack(packfile)) this.fetched.set(oid, obj);
    // Remember what the server's refs held, as haves for the next round: one
    // local ref per server ref (refs/mirror/…), overwritten as it moves.
    for (const w of wants) {
      const serverRef = this.refOf.get(w);
      if (serverRef && (await this.hasGitObject(w))) {
        await git.writeRef({ fs: this.gitFs, gitdir: this.gitDir, ref: `refs/mirror/${serverRef.slice(SERVER_PREFIX.length)}`, value: w, force: true });
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
      for (const d of chain) for (const o of d.objects) arriving.add(o.id);
    }
    // Everything on disk before this returns, and so before any ref moves:
    // as one pack when there are many (as the file transport does), else
    // written many at once (the fsyncs overlap).
    const fresh: Carried[] = [];
    const taken = new Set<string>();
    for (const d of decoded) {
      for (const o of d.objects) {
        if (taken.has(o.id) || (await local.has(o.id))) continue;
        taken.add(o.id);
        fresh.push({ id: o.id, object: { type: o.type, body: o.body } });
      }
    }
    let objects = 0;
    if (local instanceof LooseObjectStore && fresh.length >= UNPACK_LIMIT) {
      objects = (await storePack(local, fresh, (p) => progress?.({ objects: p.objects, bytes }))).objects;
    } else {
      const queue = local instanceof LooseObjectStore ? new WriteQueue(local) : undefined;
      const sink: ObjectStore = queue ?? local;
      for (const c of fresh) {
        await sink.write(c.object.type, c.object.body);
        objects++;
      }
      await queue?.flush();
    }
    progress?.({ objects, bytes });
    await map.save();
    return { objects, bytes };
  }

  async push(local: ObjectStore, tips: string[], _haves: string[], updates: RefUpdate[], progress?: (p: TransferProgress) => void): Promise<RefUpdateOutcome[]> {
    const map = await this.ready();
    // One receive-pack request for every ref, as git send-pack does: the
    // advertisement gives the server's current values, each command carries
    // the value we expect (receive-pack checks it under its ref lock, so a
    // concurrent writer makes the update fail instead of being overwritten).
    const advertised = await this.receivePackRefs();
    // The records the server's refs stand for: an encoding walk stops there.
    const onServer = new Map<string, string>();
    for (const oid of advertised.refs.values()) {
      const id = map.tapesOf(oid) ?? this.claims.get(oid);
      if (id) onServer.set(id, oid);
    }
    // Everything encoded now is what the server lacks; it goes into one pack.
    const pack = new PackWriter();
    const encodedNow = new Map<string, string>();
    const sink: GitObjectSink = { write: async (type, content) => pack.add(type, content) };
    let records = 0;
    const commitOf = (id: string): Promise<string> =>
      mirrorTip(local, sink, id, async (x) => onServer.get(x) ?? encodedNow.get(x), async (x, c) => {
        encodedNow.set(x, c);
        map.add(x, c);
        records++;
        if (records % 256 === 0) progress?.({ objects: pack.count, bytes: pack.bytes });
      });

    const outcomes = new Map<string, RefUpdateOutcome>();
    const commands: { name: string; remoteRef: string; old: string; value: string; newTip: string | null }[] = [];
    for (const u of updates) {
      const remoteRef = serverRefName(u.name);
      const current = advertised.refs.get(remoteRef) ?? ZERO;
      const expectOld = u.old === null ? ZERO : (this.remoteCommits.get(u.old) ?? onServer.get(u.old));
      if (expectOld === undefined || current !== expectOld) {
        outcomes.set(u.name, { name: u.name, ok: false, reason: 'the remote moved: fetch first' });
        continue;
      }
      if (!u.force && u.old !== null && u.new !== null && !(await this.descends(local, u.new, u.old))) {
        outcomes.set(u.name, { name: u.name, ok: false, reason: 'not a fast-forward (pull first, or push with --force)' });
        continue;
      }
      const value = u.new !== null ? await commitOf(u.new) : ZERO;
      if (value === expectOld) {
        outcomes.set(u.name, { name: u.name, ok: true });
        continue;
      }
      commands.push({ name: u.name, remoteRef, old: expectOld, value, newTip: u.new });
    }
    await map.save();
    if (commands.length) {
      const report = await this.sendReceivePack(commands, commands.some((c) => c.value !== ZERO) ? pack : undefined, advertised.capabilities, progress);
      for (const c of commands) {
        const r = report.get(c.remoteRef);
        if (r === undefined) {
          outcomes.set(c.name, { name: c.name, ok: false, reason: 'the server did not report on this ref' });
        } else if (r.ok) {
          if (c.newTip !== null) this.remoteCommits.set(c.newTip, c.value);
          outcomes.set(c.name, { name: c.name, ok: true });
          // The server now has this commit and everything before it, and so
          // does the archive: a have for the next fetch.
          const mirror = `refs/mirror/${c.remoteRef.slice(SERVER_PREFIX.length)}`;
          if (c.value === ZERO) await this.fs.promises.rm(join(this.gitDir, mirror), { force: true });
          else await git.writeRef({ fs: this.gitFs, gitdir: this.gitDir, ref: mirror, value: c.value, force: true });
        } else {
          // receive-pack checked our old value under its ref lock and found
          // another: "failed to update ref" (or "failed to lock" in older gits).
          outcomes.set(c.name, { name: c.name, ok: false, reason: /lock|stale|expected|moved|failed to update ref/i.test(r.reason) ? `the remote moved: fetch first (${r.reason})` : r.reason });
        }
      }
    }
    return updates.map((u) => outcomes.get(u.name) ?? { name: u.name, ok: false, reason: 'not sent' });
  }

  /** receive-pack's ref advertisement: refs/tapes/… values and the capabilities. */
  private async receivePackRefs(): Promise<{ refs: Map<string, string>; capabilities: Set<string> }> {
    const { status, raw } = await this.send('info/refs?service=git-receive-pack', 'GET', { Accept: 'application/x-git-receive-pack-advertisement' });
    if (status !== 200) throw new InvalidInputError(`${this.opts.url}: receive-pack answered HTTP ${status}`, { status });
    const refs = new Map<string, string>();
    const capabilities = new Set<string>();
    for (const line of pktLines(raw)) {
      if (line === null) continue;
      const text = line.toString('utf8').replace(/\n$/, '');
      if (text.startsWith('#')) continue;
      const nul = text.indexOf('\0');
      const head = nul >= 0 ? text.slice(0, nul) : text;
      if (nul >= 0) for (const c of text.slice(nul + 1).split(' ')) if (c) capabilities.add(c.split('=')[0]!);
      const m = /^([0-9a-f]{40}) (\S+)$/.exec(head);
      if (m && m[2]!.startsWith(SERVER_PREFIX)) refs.set(m[2]!, m[1]!);
    }
    return { refs, capabilities };
  }

  private async sendReceivePack(
    commands: { remoteRef: string; old: string; value: string }[],
    pack: PackWriter | undefined,
    serverCaps: Set<string>,
    progress?: (p: TransferProgress) => void,
  ): Promise<Map<string, { ok: boolean; reason: string }>> {
    const caps = ['report-status', ...(serverCaps.has('delete-refs') ? ['delete-refs'] : []), 'agent=tapes'].join(' ');
    const lines: Buffer[] = commands.map((c, i) => pkt(`${c.old} ${c.value} ${c.remoteRef}${i === 0 ? `\0${caps}` : ''}\n`));
    lines.push(Buffer.from('0000'));
    const packBytes = pack?.finish();
    if (pack && packBytes) progress?.({ objects: pack.count, bytes: packBytes.length });
    const body = Buffer.concat([...lines, ...(packBytes ? [packBytes] : [])]);
    const { status, raw } = await this.send('git-receive-pack', 'POST', { 'Content-Type': 'application/x-git-receive-pack-request', Accept: 'application/x-git-receive-pack-result' }, body);
    if (status !== 200) throw new InvalidInputError(`${this.opts.url}: receive-pack answered HTTP ${status}`, { status });
    const report = new Map<string, { ok: boolean; reason: string }>();
    let unpack = '';
    for (const line of pktLines(raw)) {
      if (line === null) continue;
      const text = line.toString('utf8').replace(/\n$/, '');
      if (text.startsWith('unpack ')) unpack = text.slice('unpack '.length);
      else if (text.startsWith('ok ')) report.set(text.slice(3), { ok: true, reason: '' });
      else if (text.startsWith('ng ')) {
        const rest = text.slice(3);
        const sp = rest.indexOf(' ');
        report.set(sp < 0 ? rest : rest.slice(0, sp), { ok: false, reason: sp < 0 ? 'rejected by the server' : rest.slice(sp + 1) });
      }
    }
    if (unpack !== 'ok') throw new InvalidInputError(`${this.opts.url}: the server could not unpack what was sent: ${unpack || 'no report'}`, { unpack });
    return report;
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
