// push's walk (src/archive/push-walk.ts): a record or blob that many chains
// hold is read once, by whichever walk claims it first, yet its findings
// are reported for every chain that holds it, as one walk per chain would
// report them; threads share their claims; what the walk read is what the
// transfer sends, without reading it again.
import t from 'tap';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Archive } from '../../src/archive/index.js';
import { LocalClaims, SharedClaims } from '../../src/archive/push-walk.js';
import { PARALLEL_SCAN_FROM, walkChains, walkHere } from '../../src/archive/secret-scan.js';
import { archiveSecretDetector, type ChainSecret } from '../../src/archive/secrets.js';
import type { ObjectStore } from '../../src/odb/index.js';
import { LooseObjectStore, readContent } from '../../src/odb/index.js';
import { readRecord, scanStoredValue, type SecretDetector } from '../../src/record/index.js';
import { FileTransport, UNPACK_LIMIT, forEachRef } from '../../src/remote/index.js';
import { tapes, tempDir } from '../helpers/cli.js';
import { SMALL, archive, corpusLines, must, objectCount, projectArchive, refOf, run, transcript } from '../remote/helpers.js';

const AWS = 'AKIAZ7QW3ERT5YUI8OPL';

/** Line 4 of the transcript (a prompt) with a new uuid after `parent`, saying `text`. */
function promptLine(template: string, uuid: string, parent: string, text: string): string {
  const o = JSON.parse(template) as Record<string, unknown> & { message: { content: string } };
  return JSON.stringify({ ...o, uuid, parentUuid: parent, message: { ...o.message, content: text } });
}

/**
 * An archive of `n` sessions that share their first records, one of which
 * (the last shared one) holds an AWS key; each then goes on with a record of
 * its own. Returns the archive directory and the shared record's id.
 */
async function sharedHistory(n: number): Promise<{ dir: string; shared: string }> {
  const dir = await archive();
  const src = tempDir();
  // The transcript's first 12 lines, not its 78: the sessions share them all.
  const lines = corpusLines(SMALL).slice(0, 12);
  const last = (JSON.parse(lines[lines.length - 1]!) as { uuid: string }).uuid;
  const planted = promptLine(lines[4]!, '00000000-0000-4000-8000-000000000001', last, `deploy with key ${AWS}`);
  for (let i = 0; i < n; i++) {
    const own = promptLine(lines[4]!, `00000000-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`, '00000000-0000-4000-8000-000000000001', `thanks ${i}`);
    await transcript(src, SMALL, lines.length, [planted, own]);
    renameSync(join(src, SMALL), join(src, `s${String(i).padStart(2, '0')}.jsonl`));
  }
  await must(['import', src], dir);
  const a = await Archive.openAt(join(dir, '.tapes'));
  const tip = (await a.refs.list('refs/sessions/'))[0]!.id;
  const shared = (await readRecord(await a.objects(), tip)).parent!;
  return { dir, shared };
}

/** The findings one walk per chain gives (what push reported before reads were shared): the reference. */
async function oneWalkPerChain(store: ObjectStore, detector: SecretDetector, tips: string[]): Promise<ChainSecret[][]> {
  const out: ChainSecret[][] = [];
  for (const tip of tips) {
    const found: ChainSecret[] = [];
    for (let id: string | null = tip; id !== null; ) {
      const rec = await readRecord(store, id);
      const seen = new Set<string>();
      for (const f of await scanStoredValue(detector, rec.value, (b) => readContent(store, b))) {
        const k = `${f.rule}\0${f.path}`;
        if (seen.has(k)) continue;
        seen.add(k);
        found.push({ record: id, rule: f.rule, path: f.path, digest: f.digest, ...(f.blob ? { blob: f.blob } : {}) });
      }
      id = rec.parent;
    }
    out.push(found);
  }
  return out;
}

/** A store that counts the reads of each object. */
function counting(store: ObjectStore): { store: ObjectStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return {
    reads,
    store: {
      has: (id) => store.has(id),
      write: (type, body) => store.write(type, body),
      ids: () => store.ids(),
      findByPrefix: (p) => store.findByPrefix(p),
      read: (id) => {
        reads.set(id, (reads.get(id) ?? 0) + 1);
        return store.read(id);
      },
    },
  };
}

t.test('a record shared by two chains is read once, and its findings are reported for both', async (t) => {
  const { dir, shared } = await sharedHistory(2);
  const a = await Archive.openAt(join(dir, '.tapes'));
  const detector = await archiveSecretDetector(a.dir);
  const tips = (await a.refs.list('refs/sessions/')).map((r) => r.id);
  t.equal(tips.length, 2);
  const { store, reads } = counting(await a.objects());
  const walk = await walkHere(store, detector, tips, new Set());
  t.ok(reads.size > 0, 'records were read');
  t.same([...reads.values()].filter((n) => n > 1), [], 'no object was read twice');
  t.equal(reads.get(shared), 1, 'the shared record: read once');
  t.equal(walk.walked.records.size, [...reads.keys()].filter((id) => walk.walked.records.has(id)).length, 'every record walked was read');
  const reference = await oneWalkPerChain(await a.objects(), detector, tips);
  t.same(walk.findings, reference, 'the findings of one walk per chain, in the same order');
  for (const [i, found] of walk.findings!.entries()) {
    t.ok(found.some((f) => f.record === shared && f.rule === 'aws-access-key'), `chain ${i}: the shared record's secret is reported`);
  }
  t.equal(walk.findings!.flat().length, 4, 'two paths (the event text, the source line) in each of the two chains');
  // A second walk stops where a remote ref points: the shared record, known, is neither read nor reported.
  const again = counting(await a.objects());
  const beyond = await walkHere(again.store, detector, tips, new Set([shared]));
  t.same(beyond.findings, [[], []], 'nothing beyond the known record holds a secret');
  t.notOk(again.reads.has(shared), 'the known record is not read');
});

t.test('threads share their claims: every object is read once, the findings are one thread\'s', async (t) => {
  const n = PARALLEL_SCAN_FROM + 2;
  const { dir, shared } = await sharedHistory(n);
  const a = await Archive.openAt(join(dir, '.tapes'));
  const detector = await archiveSecretDetector(a.dir);
  const tips = (await a.refs.list('refs/sessions/')).map((r) => r.id);
  t.equal(tips.length, n);
  const one = await walkHere(await a.objects(), detector, tips, new Set());
  const bundled = new URL('../../bundle/chunks/secret-scan-worker.js', import.meta.url);
  const workerUrl = existsSync(fileURLToPath(bundled)) ? bundled : undefined;
  const report = { threads: 0, reads: 0 };
  const two = await walkChains(a, detector, tips, new Set(), { threads: 2, report, ...(workerUrl ? { workerUrl } : {}) });
  t.equal(report.threads, 2, 'two threads walked');
  t.equal(report.reads, one.reads, 'they read as many objects as one thread does: each once');
  t.same(two.findings, one.findings, 'the same findings in the same order');
  t.equal(two.findings!.filter((f) => f.some((x) => x.record === shared)).length, n, 'the shared record reported for every chain');
  t.same([...two.walked.records.keys()].sort(), [...one.walked.records.keys()].sort(), 'the same records handed to the transfer');
  t.same([...two.walked.blobs.keys()].sort(), [...one.walked.blobs.keys()].sort(), 'and the same blobs');
  // Without a detector (--allow-secrets): the same objects, no findings.
  const plain = await walkChains(a, undefined, tips, new Set(), { threads: 2, report, ...(workerUrl ? { workerUrl } : {}) });
  t.equal(plain.findings, undefined, 'nothing scanned');
  t.equal(plain.walked.records.size, one.walked.records.size);
});

t.test('claims: one winner per id, within a thread and across threads', async (t) => {
  const local = new LocalClaims();
  t.equal(local.claim('a'.repeat(64), 'record'), true);
  t.equal(local.claim('a'.repeat(64), 'record'), false);
  t.equal(local.claim('a'.repeat(64), 'blob'), true, 'claimed as a blob apart from as a record');

  const ids = Array.from({ length: 3000 }, (_, i) => (i.toString(16).padStart(8, '0') + 'f'.repeat(56)).slice(0, 64));
  const table = SharedClaims.create(ids.length);
  const other = new SharedClaims(table.buffer);
  t.same(ids.map((id) => table.claim(id, 'record')), ids.map(() => true), 'each id is won once');
  t.same(ids.map((id) => other.claim(id, 'record')), ids.map(() => false), 'and lost by everyone after, through the same memory');
  t.same(ids.slice(0, 10).map((id) => other.claim(id, 'blob')), ids.slice(0, 10).map(() => true), 'as a blob: a claim of its own');
  t.same(ids.slice(0, 10).map((id) => table.claim(id, 'blob')), ids.slice(0, 10).map(() => false), 'won once too');
  // Ids that differ only after their first word land in the same slot first.
  const near = ['0'.repeat(8) + '1'.repeat(56), '0'.repeat(8) + '2'.repeat(56)];
  t.same(near.map((id) => other.claim(id, 'record')), [true, true], 'ids that share a first word are told apart');

  // A table too small: past three quarters full, every claim is granted (reads twice, never misses one).
  const small = SharedClaims.create(0);
  const many = Array.from({ length: 2000 }, (_, i) => i.toString(16).padStart(64, '0'));
  t.ok(many.every((id) => small.claim(id, 'record')), 'every first claim granted');
  t.equal(small.claim(many[0]!, 'record'), false, 'an id stored before the table filled is still claimed');
  t.equal(small.claim(many[1999]!, 'record'), true, 'one that found it full is granted again');

  // Two threads racing over the same ids: each id won exactly once.
  const race = SharedClaims.create(20000);
  const module = new URL('../../src/archive/push-walk.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(module)}).then(({ SharedClaims }) => {
      const c = new SharedClaims(workerData.buffer);
      let won = 0;
      for (let i = 0; i < 20000; i++) if (c.claim(((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + i.toString(16).padStart(56, '0'), 'record')) won++;
      parentPort.postMessage(won);
    });`;
  const wins = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { buffer: race.buffer } });
          w.once('message', (n: number) => {
            resolve(n);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
  t.equal(wins[0]! + wins[1]!, 20000, `each of 20000 ids won by exactly one thread (${wins.join(' + ')})`);
});

t.test('the transfer takes what the walk read: a packed archive goes to an empty remote without one read more', async (t) => {
  const dir = await projectArchive();
  await must(['gc'], dir);
  const remote = await archive();
  const a = await Archive.openAt(join(dir, '.tapes'));
  const store = (await a.objects()) as LooseObjectStore;
  // Every chain the pack holds (sessions, their subagents): a pack is copied whole only when all of it goes.
  const refs = (await a.refs.list('refs/')).filter((r) => /^refs\/(sessions|agents|captures)\//.test(r.name));
  const tips = refs.map((r) => r.id);
  const walk = await walkHere(store, undefined, tips, new Set());
  let reads = 0;
  const read = store.read.bind(store);
  const readFile = store.readFile.bind(store);
  store.read = (id) => (reads++, read(id));
  store.readFile = (id) => (reads++, readFile(id));
  const transport = new FileTransport(join(remote, '.tapes'));
  const updates = refs.map((r) => ({ name: r.name, old: null, new: r.id, force: false }));
  const outcomes = await transport.push(store, tips, [], updates, undefined, { walked: walk.walked });
  t.ok(outcomes.every((o) => o.ok), 'every ref moved');
  t.ok(walk.reads >= UNPACK_LIMIT, `enough objects (${walk.reads}) to go as a pack`);
  t.equal(reads, 0, 'no object read again: the pack went whole');
  t.equal(await objectCount(remote), await objectCount(dir), 'the remote holds every object');
  t.equal((await must(['fsck'], remote)).code, 0, 'and fsck finds nothing wrong');
});

t.test('refs are moved many at once, but never a ref together with one under it', async (t) => {
  const names = ['refs/sessions/a', 'refs/sessions/b', 'refs/sessions/a/x', 'refs/sessions/c', 'refs/sessions/b', 'refs/sessions/d'];
  let inFlight = 0;
  let most = 0;
  const order: string[] = [];
  const out = await forEachRef(
    names.map((name, i) => ({ name, i })),
    async (r) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const alone = inFlight === 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(r.name);
      inFlight--;
      return { i: r.i, alone };
    },
  );
  t.same(out.map((o) => o.i), [0, 1, 2, 3, 4, 5], 'results in the order of the refs');
  t.ok(most > 1, 'the free ones at once');
  t.same(order.slice(-4).sort(), ['refs/sessions/a', 'refs/sessions/a/x', 'refs/sessions/b', 'refs/sessions/b'], 'those last, one by one');
  for (const i of [0, 1, 2, 4]) t.ok(out[i]!.alone, `${names[i]}: a ref with a relative (or named twice) goes alone`);
});

t.test('a tip that is not a record: a tag may name a blob; a session may not', async (t) => {
  const a = await projectArchive();
  const b = await archive();
  await must(['remote', 'add', 'origin', b], a);
  const hashed = await tapes(['hash-object', '-w', '--stdin'], { cwd: a, stdin: 'a note\n' });
  t.equal(hashed.code, 0);
  const blob = hashed.stdout.trim();
  await must(['update-ref', 'refs/tags/note', blob], a);
  const bogus = await run(['push', 'origin', `${blob}:refs/sessions/bogus`], a);
  t.equal(bogus.code, 1, 'a session ref naming a blob is refused');
  t.match(bogus.stdout + bogus.stderr, `${blob} is not a record`);
  t.equal(await refOf(b, 'refs/sessions/bogus'), undefined, 'and not created');
  // Every ref, scanned (walked on threads when there are many; here in this thread) and sent.
  await must(['push'], a);
  t.equal(await refOf(b, 'refs/tags/note'), blob, 'the tag on a blob went');
  t.equal((await must(['cat-object', '-p', blob], b)).stdout, 'a note\n', 'with its blob');
  t.equal(await objectCount(b), await objectCount(a), 'every object sent');
});
