// The tapes → git mapping: deterministic commits, and a decoder that rebuilds
// the tapes objects from git objects alone and refuses anything tampered with.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LooseObjectStore, writeContent } from '../../src/odb/index.js';
import { canonicalRecordBytes } from '../../src/record/index.js';
import {
  decodeMirrorCommit,
  encodeTree,
  gitObjectId,
  hashingGitSink,
  mirrorTip,
  parseCommit,
  parseTree,
  type GitObjectSink,
  type GitObjectSource,
  type GitObjectType,
} from '../../src/remote/git-mirror.js';

class MemoryGit implements GitObjectSink, GitObjectSource {
  readonly objects = new Map<string, { type: string; content: Uint8Array }>();
  async write(type: GitObjectType, content: Uint8Array): Promise<string> {
    const oid = gitObjectId(type, content);
    this.objects.set(oid, { type, content });
    return oid;
  }
  async read(oid: string): Promise<{ type: string; content: Uint8Array }> {
    const o = this.objects.get(oid);
    if (!o) throw new Error(`missing ${oid}`);
    return o;
  }
}

async function chain(): Promise<{ store: LooseObjectStore; ids: string[]; big: string }> {
  const store = await LooseObjectStore.open(join(mkdtempSync(join(tmpdir(), 'tapes-mirror-')), 'objects'));
  const text = await writeContent(store, Buffer.from('a long answer\n'.repeat(200)));
  // Content over one object: a chunk list and its chunks.
  const bigBytes = Buffer.alloc(1_500_000);
  for (let i = 0; i < bigBytes.length; i++) bigBytes[i] = (i * 7919) % 251;
  const big = await writeContent(store, bigBytes);
  const ids: string[] = [];
  let parent: string | null = null;
  const values = [
    { kind: 'user', role: 'user', time: '2026-01-02T03:04:05.000Z', content: [{ type: 'text', text: 'fix the\nbug please' }] },
    { kind: 'assistant', role: 'assistant', time: null, content: [{ type: 'text', text: { $blob: text.id } }] },
    { kind: 'tool_result', role: 'user', time: '2026-01-02T03:04:07.500Z', content: [{ type: 'tool_result', content: { $blob: big.id } }] },
  ];
  for (const v of values) {
    parent = await store.write('record', canonicalRecordBytes({ parent, ...v }));
    ids.push(parent);
  }
  return { store, ids, big: big.id };
}

t.test('the same chain gives the same commits, and each commit reads sensibly', async (t) => {
  const { store, ids } = await chain();
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  const tipA = await mirrorTip(store, hashingGitSink, ids[2]!, async () => undefined, async (id, c) => void a.set(id, c));
  const git = new MemoryGit();
  const tipB = await mirrorTip(store, git, ids[2]!, async () => undefined, async (id, c) => void b.set(id, c));
  t.equal(tipA, tipB);
  t.same([...a], [...b]);
  t.equal(a.size, 3);
  const first = parseCommit(git.objects.get(a.get(ids[0]!)!)!.content);
  t.same(first.parents, []);
  t.equal(first.message, `user: fix the bug please\n\nTapes-Id: ${ids[0]}\n`);
  const raw = Buffer.from(git.objects.get(a.get(ids[0]!)!)!.content).toString();
  t.match(raw, /^author tapes <tapes@localhost> 1767323045 \+0000$/m);
  const second = parseCommit(git.objects.get(a.get(ids[1]!)!)!.content);
  t.same(second.parents, [a.get(ids[0]!)]);
  t.match(second.message, /^assistant: a long answer a long answer/);
  t.match(Buffer.from(git.objects.get(a.get(ids[1]!)!)!.content).toString(), /^author tapes <tapes@localhost> 0 \+0000$/m);
  // An incremental mirror encodes only what `known` cannot name.
  const fresh: string[] = [];
  await mirrorTip(store, hashingGitSink, ids[2]!, async (id) => (id === ids[1] ? a.get(id) : undefined), async (id) => void fresh.push(id));
  t.same(fresh, [ids[2]]);
});

t.test('git trees sort as git sorts them', async (t) => {
  const oid = '0'.repeat(40);
  const tree = encodeTree([
    { mode: '100644', name: 'record', oid },
    { mode: '40000', name: 'blobs', oid },
    { mode: '100644', name: 'blobs.x', oid },
  ]);
  t.same(parseTree(tree).map((e) => e.name), ['blobs.x', 'blobs', 'record']);
});

t.test('decoding rebuilds every object and verifies its id', async (t) => {
  const { store, ids, big } = await chain();
  const git = new MemoryGit();
  const tip = await mirrorTip(store, git, ids[2]!, async () => undefined, async () => {});
  const none = async (): Promise<boolean> => false;
  const d = await decodeMirrorCommit(git, tip, none);
  t.equal(d.id, ids[2]);
  t.equal(d.parent, ids[1]);
  t.ok(d.objects.some((o) => o.id === big));
  t.ok(d.objects.length > 3, 'the chunk list and its chunks travel with the record');
  for (const o of d.objects) t.same(Buffer.from((await store.read(o.id)).body), Buffer.from(o.body), o.id);
  const p = await decodeMirrorCommit(git, d.parentCommit!, none);
  t.equal(p.id, ids[1]);
});

t.test('tampered git objects are refused', async (t) => {
  const { store, ids } = await chain();
  const git = new MemoryGit();
  const tip = await mirrorTip(store, git, ids[2]!, async () => undefined, async () => {});
  const none = async (): Promise<boolean> => false;
  const commit = parseCommit(git.objects.get(tip)!.content);
  const top = parseTree(git.objects.get(commit.tree)!.content);
  const recordOid = top.find((e) => e.name === 'record')!.oid;
  const blobsOid = top.find((e) => e.name === 'blobs')!.oid;

  // A record body that does not hash to the claimed id.
  const bad = new MemoryGit();
  for (const [k, v] of git.objects) bad.objects.set(k, v);
  const body = Buffer.from(git.objects.get(recordOid)!.content).toString().replace('tool_result', 'tool_resulT');
  bad.objects.set(recordOid, { type: 'blob', content: Buffer.from(body) });
  await t.rejects(decodeMirrorCommit(bad, tip, none), { code: 'HashMismatchError' });

  // A blob whose content does not match its name.
  const bad2 = new MemoryGit();
  for (const [k, v] of git.objects) bad2.objects.set(k, v);
  const firstBlob = parseTree(git.objects.get(blobsOid)!.content)[0]!;
  bad2.objects.set(firstBlob.oid, { type: 'blob', content: Buffer.from('not it') });
  await t.rejects(decodeMirrorCommit(bad2, tip, none), { code: 'HashMismatchError' });

  // A commit that leaves out a blob the record needs.
  const entries = parseTree(git.objects.get(blobsOid)!.content).slice(1);
  const short = new MemoryGit();
  for (const [k, v] of git.objects) short.objects.set(k, v);
  const blobsTree = await short.write('tree', encodeTree(entries));
  const topTree = await short.write('tree', encodeTree([{ mode: '100644', name: 'record', oid: recordOid }, { mode: '40000', name: 'blobs', oid: blobsTree }]));
  const forged = Buffer.from(git.objects.get(tip)!.content).toString().replace(commit.tree, topTree);
  const forgedOid = await short.write('commit', Buffer.from(forged));
  await t.rejects(decodeMirrorCommit(short, forgedOid, none), { code: 'CorruptObjectError' });
  // ...which is fine when the archive has it already.
  t.equal((await decodeMirrorCommit(short, forgedOid, async () => true)).id, ids[2]);

  // A first record's commit given a parent it does not have.
  const orphanTip = Buffer.from(git.objects.get(tip)!.content).toString().replace(/^parent .*\n/m, '');
  await t.rejects(decodeMirrorCommit(git, await git.write('commit', Buffer.from(orphanTip)), none), { code: 'CorruptObjectError' });
});

t.test('server ref names map to tapes names, and names that would escape are dropped', async (t) => {
  const { serverRefName, tapesRefName } = await import('../../src/remote/git-mirror.js');
  t.equal(serverRefName('refs/sessions/a/b'), 'refs/tapes/sessions/a/b');
  t.equal(tapesRefName('refs/tapes/agents/s/agent-1'), 'refs/agents/s/agent-1');
  t.equal(tapesRefName('refs/tapes/sessions/../../config'), undefined);
  t.equal(tapesRefName('refs/tapes/other/x'), undefined);
  t.equal(tapesRefName('refs/heads/main'), undefined);
});
