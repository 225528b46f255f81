// Pushing to a git server (its receive-pack): the records the server lacks
// are encoded as mirror commits (git-mirror.ts) into one pack, and every ref
// moves in one request, as git send-pack does. The advertisement gives the
// server's current values; each command carries the value we expect
// (receive-pack checks it under its ref lock, so a concurrent writer makes
// the update fail instead of being overwritten).
import { InvalidInputError } from '../errors/index.js';
import type { ObjectStore } from '../odb/index.js';
import { readRecord } from '../record/index.js';
import type { GitAuth } from './git-credential.js';
import { SERVER_PREFIX, mirrorTip, serverRefName, type GitObjectSink } from './git-mirror.js';
import { GitPackWriter } from './git-pack-writer.js';
import type { MirrorState } from './mirror-state.js';
import { parseRefAdvertisement, parseReceivePackResponse, writeReceivePackRequest, type RefCommand } from './pkt-line.js';
import type { RefUpdate, RefUpdateOutcome, TransferProgress } from './transport.js';

/** The git id that stands for "no object" in a ref command. */
const ZERO = '0'.repeat(40);

export class ReceivePack {
  constructor(
    private readonly url: string,
    private readonly auth: GitAuth,
    private readonly state: MirrorState,
  ) {}

  async push(local: ObjectStore, updates: RefUpdate[], progress?: (p: TransferProgress) => void): Promise<RefUpdateOutcome[]> {
    const map = await this.state.ready();
    const advertised = await this.advertisement();
    // The records the server's refs stand for: an encoding walk stops there.
    const onServer = new Map<string, string>();
    for (const oid of advertised.refs.values()) {
      const id = map.tapesOf(oid) ?? this.state.claims.get(oid);
      if (id) onServer.set(id, oid);
    }
    // Everything encoded now is what the server lacks; it goes into one pack.
    const pack = new GitPackWriter();
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
    const commands: (RefCommand & { name: string; newTip: string | null })[] = [];
    for (const u of updates) {
      const ref = serverRefName(u.name);
      const current = advertised.refs.get(ref) ?? ZERO;
      const expectOld = u.old === null ? ZERO : (this.state.remoteCommits.get(u.old) ?? onServer.get(u.old));
      if (expectOld === undefined || current !== expectOld) {
        outcomes.set(u.name, { name: u.name, ok: false, reason: 'the remote moved: fetch first' });
        continue;
      }
      if (!u.force && u.old !== null && u.new !== null && !(await descends(local, u.new, u.old))) {
        outcomes.set(u.name, { name: u.name, ok: false, reason: 'not a fast-forward (pull first, or push with --force)' });
        continue;
      }
      const value = u.new !== null ? await commitOf(u.new) : ZERO;
      if (value === expectOld) {
        outcomes.set(u.name, { name: u.name, ok: true });
        continue;
      }
      commands.push({ name: u.name, ref, old: expectOld, value, newTip: u.new });
    }
    await map.save();
    if (commands.length) {
      const report = await this.send(commands, commands.some((c) => c.value !== ZERO) ? pack : undefined, advertised.capabilities, progress);
      for (const c of commands) {
        const r = report.get(c.ref);
        if (r === undefined) {
          outcomes.set(c.name, { name: c.name, ok: false, reason: 'the server did not report on this ref' });
        } else if (r.ok) {
          if (c.newTip !== null) this.state.remoteCommits.set(c.newTip, c.value);
          outcomes.set(c.name, { name: c.name, ok: true });
          // The server now has this commit and everything before it, and so
          // does the archive: a have for the next fetch.
          await this.state.setMirrorRef(c.ref, c.value === ZERO ? null : c.value);
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
  private async advertisement(): Promise<{ refs: Map<string, string>; capabilities: Set<string> }> {
    const { status, raw } = await this.auth.request('info/refs?service=git-receive-pack', 'GET', { Accept: 'application/x-git-receive-pack-advertisement' });
    if (status !== 200) throw new InvalidInputError(`${this.url}: receive-pack answered HTTP ${status}`, { status });
    const { refs, capabilities } = parseRefAdvertisement(raw);
    for (const ref of refs.keys()) if (!ref.startsWith(SERVER_PREFIX)) refs.delete(ref);
    return { refs, capabilities };
  }

  private async send(
    commands: RefCommand[],
    pack: GitPackWriter | undefined,
    serverCaps: Set<string>,
    progress?: (p: TransferProgress) => void,
  ): Promise<Map<string, { ok: boolean; reason: string }>> {
    const caps = ['report-status', ...(serverCaps.has('delete-refs') ? ['delete-refs'] : []), 'agent=tapes'];
    const packBytes = pack?.finish();
    if (pack && packBytes) progress?.({ objects: pack.count, bytes: packBytes.length });
    const body = writeReceivePackRequest(commands, caps, packBytes);
    const { status, raw } = await this.auth.request('git-receive-pack', 'POST', { 'Content-Type': 'application/x-git-receive-pack-request', Accept: 'application/x-git-receive-pack-result' }, body);
    if (status !== 200) throw new InvalidInputError(`${this.url}: receive-pack answered HTTP ${status}`, { status });
    const { unpack, refs } = parseReceivePackResponse(raw);
    if (unpack !== 'ok') throw new InvalidInputError(`${this.url}: the server could not unpack what was sent: ${unpack || 'no report'}`, { unpack });
    return refs;
  }
}

/** True when record `tip`'s chain passes through `ancestor`. */
async function descends(local: ObjectStore, tip: string, ancestor: string): Promise<boolean> {
  for (let id: string | null = tip; id !== null; ) {
    if (id === ancestor) return true;
    const obj = await local.read(id);
    if (obj.type !== 'record') return false;
    id = (await readRecord(local, id)).parent;
  }
  return false;
}
