// Which chains hold a record (show and log name the session of a record
// given by id): the sessions' tips are known from the derived summaries, so
// only the chain that holds the record is read — not every session's tip
// (issue 15: `show` of a record read one tip per session, 546 of them).
import t from 'tap';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Archive, listSessions } from '../../src/archive/index.js';
import { sessionsContaining } from '../../src/archive/log/index.js';
import type { ObjectStore } from '../../src/odb/index.js';
import { readEvent } from '../../src/record/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli');
const FILES = ['bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl', '19abe528-a510-4c89-a1f8-138956474766.jsonl', 'f6833005-7be4-4178-bb37-a0e9feadc36b.jsonl'];

/** An archive of three transcripts saved under names that are not their session ids (as the scale corpus's are). */
async function renamedArchive(): Promise<string> {
  const cwd = tempDir('tapes-target-');
  const src = join(cwd, 'src');
  mkdirSync(src);
  FILES.forEach((f, i) => copyFileSync(join(PROJECT, f), join(src, `run-${i}.jsonl`)));
  for (const args of [['init', '-q'], ['import', src]]) {
    const r = await tapes(args, { cwd });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return cwd;
}

/** The archive with its object reads counted. */
function counting(archive: Archive): Set<string> {
  const reads = new Set<string>();
  const objects = archive.objects.bind(archive);
  archive.objects = async () => {
    const store = await objects();
    return new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'read') return async (id: string) => (reads.add(id), target.read(id));
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as ObjectStore;
  };
  return reads;
}

t.test("a record's session is found without reading the other sessions' tips", async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const sessions = (await listSessions(archive)).filter((s) => s.ref.startsWith('refs/sessions/'));
  t.equal(sessions.length, 3);
  const target = sessions.find((s) => s.ref === 'refs/sessions/run-0')!;
  const store = await archive.objects();
  // A record in the middle of run-0's chain.
  let ev = await readEvent(store, target.tip);
  for (let i = 0; i < Math.floor(target.records / 2); i++) ev = await readEvent(store, ev.parent!);

  const reads = counting(archive);
  t.same(await sessionsContaining(archive, ev), ['refs/sessions/run-0']);
  for (const s of sessions.filter((s) => s !== target)) t.notOk(reads.has(s.tip), `${s.name}'s tip is not read`);
  t.ok(reads.size <= target.records - Math.floor(target.records / 2) + 1, `only run-0's chain down to the record is read (${reads.size} reads)`);
});

t.test('a ref moved since the summaries were made is read, not believed', async (t) => {
  const cwd = await renamedArchive();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const sessions = await listSessions(archive);
  const a = sessions.find((s) => s.ref === 'refs/sessions/run-0')!;
  const b = sessions.find((s) => s.ref === 'refs/sessions/run-1')!;
  // run-2 now points at run-0's tip: the cached summary of run-2 says another session.
  await archive.refs.update('refs/sessions/run-2', a.tip);
  const ev = await readEvent(await archive.objects(), a.tip);
  t.same((await sessionsContaining(archive, ev)).sort(), ['refs/sessions/run-0', 'refs/sessions/run-2']);
  const evB = await readEvent(await archive.objects(), b.tip);
  t.same(await sessionsContaining(archive, evB), ['refs/sessions/run-1']);
});
