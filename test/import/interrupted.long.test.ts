// An import killed at any point loses nothing: run again to completion, it
// ends with the refs (and objects) of an uninterrupted import, and fsck is
// clean. The real binary is killed with SIGKILL at points spread over the
// import (found from its own progress lines, so machine speed does not move
// them), and a crash is also staged deterministically in-process.
import t from 'tap';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive, importTranscripts } from '../../src/archive/index.js';
import { binPath, claudeProjects, importJson, newArchive, objectFiles, showRef, smallClaude, tapes, tempDir } from './import-helpers.js';

/**
 * Runs `tapes import --progress projects`; with `killAt`, sends SIGKILL a
 * moment (`lagMs`) after the progress line that shows that fraction of the bytes done
 * (so the kill lands inside the next file, wherever the machine's speed puts it).
 */
function runImport(cwd: string, killAt?: number, lagMs = 25): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string; killedAt?: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [binPath, 'import', '--progress', 'projects'], {
      cwd,
      env: { PATH: process.env.PATH, FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let killedAt: number | undefined;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (killAt === undefined || killedAt !== undefined) return;
      const last = [...stderr.matchAll(/([\d.]+)\/([\d.]+) MB/g)].pop();
      if (!last) return;
      const fraction = Number(last[1]) / Number(last[2]);
      if (fraction >= killAt) {
        killedAt = fraction;
        setTimeout(() => child.kill('SIGKILL'), lagMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started, stderr, killedAt }));
  });
}

/** A fresh archive with its own copy of the claude-code projects folder. */
async function archiveWithCorpus(owner: Parameters<typeof tempDir>[0]): Promise<string> {
  const cwd = await newArchive(owner);
  await fs.cp(claudeProjects, join(cwd, 'projects'), { recursive: true });
  return cwd;
}

interface AfterKill {
  at: number;
  code: number;
  errors: string[];
}
const afterKill: AfterKill[] = [];
/** What the uninterrupted import of the first test left: refs and object ids. */
const referenceRun = { refs: '', objects: [] as string[] };

async function lockFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.lock')) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

t.test('interrupted import: killed at three points, run again, same refs as an uninterrupted run', { timeout: 280000 }, async (t) => {
  const reference = await archiveWithCorpus(t);
  const ref = await runImport(reference);
  t.equal(ref.code, 0, `uninterrupted import: ${ref.stderr.replace(/\r[^\n]*/g, '')}`);
  const refRefs = await showRef(reference);
  const refObjects = [...(await objectFiles(reference)).keys()].sort();
  referenceRun.refs = refRefs;
  referenceRun.objects = refObjects;
  const transcripts = (await fs.readdir(claudeProjects, { recursive: true })).filter((n) => String(n).endsWith('.jsonl')).length;
  t.ok(refRefs.split('\n').filter(Boolean).length >= transcripts - 1, `every session has a ref (${transcripts} transcripts, two of them slices of one session)`);
  t.equal((await tapes(['fsck'], { cwd: reference })).code, 0, 'fsck clean after the uninterrupted import');
  t.comment(`uninterrupted import of the fixtures' claude-code transcripts: ${ref.ms} ms, ${refObjects.length} objects`);

  let midway = 0;
  // Kill points: early, in the middle and late in the bytes, each a moment into the next file(s).
  for (const [target, lag] of [[0.05, 150], [0.45, 25], [0.8, 100]] as const) {
    const cwd = await archiveWithCorpus(t);
    const killed = await runImport(cwd, target, lag);
    const objectsAfterKill = (await objectFiles(cwd)).size;
    const refsAfterKill = (await showRef(cwd)).split('\n').filter(Boolean).length;
    if (killed.signal === 'SIGKILL' && objectsAfterKill > 0 && objectsAfterKill < refObjects.length) midway++;
    t.comment(
      `kill ${lag} ms past ${Math.round(target * 100)}% of the bytes (at ${killed.ms} ms): ${killed.signal ?? `exit ${killed.code}`}, ` +
        `${objectsAfterKill}/${refObjects.length} objects, ${refsAfterKill} refs`,
    );
    const early = await tapes(['fsck'], { cwd });
    afterKill.push({ at: target, code: early.code, errors: early.stdout.split('\n').filter((l) => l.startsWith('error')) });

    // A kill inside a ref update leaves that ref's .lock behind. By design it
    // is reported with the file to remove, never broken silently: the rerun
    // names it, the user removes it, and the next run completes.
    const locks = await lockFiles(join(cwd, '.tapes'));
    if (locks.length > 0) {
      const blocked = await importJson(cwd, ['projects']);
      t.equal(blocked.code, 1, 'a stale lock stops the file it guards');
      // With --json the refusal is in the summary (standard error stays empty, as tapes-import(1) says).
      const reasons = blocked.summary.files.filter((f) => f.status === 'refused').map((f) => f.reason ?? '');
      for (const l of locks) t.ok(reasons.some((r) => r.includes(l)), `the refusal names ${l}: ${reasons.join('; ')}`);
      for (const l of locks) await fs.rm(l);
      t.comment(`kill left ${locks.length} stale lock(s); removed as the message says`);
    }
    const again = await importJson(cwd, ['projects']);
    t.equal(again.code, 0, `the import after the kill completes: ${again.stderr}`);
    t.equal(again.summary.files_refused, 0);
    t.notOk(again.summary.files.some((f) => f.status === 'kept-separately'), 'nothing half-imported is mistaken for another file');
    t.equal(await showRef(cwd), refRefs, `refs equal the uninterrupted run's (kill past ${Math.round(target * 100)}%)`);
    t.same([...(await objectFiles(cwd)).keys()].sort(), refObjects, 'and so do the objects');
    const after = await tapes(['fsck'], { cwd });
    t.equal(after.code, 0, `fsck exits 0 after completing: ${after.stdout.split('\n').filter((l) => l.startsWith('error')).slice(0, 3).join('; ')}`);
    await fs.rm(cwd, { recursive: true, force: true });
  }
  t.ok(midway >= 2, `${midway} of 3 kills landed in the middle of the import`);
});

t.test('interrupted import: the archive a killed import leaves already passes fsck', async (t) => {
  // Refs move only once a file's objects are all on disk, so every ref is
  // sound after a kill. But records are written concurrently: a record that
  // reached the disk before its parent is reported as missingParent (an error,
  // exit 2) until the import is run again.
  t.equal(afterKill.length, 3, 'the three kills of the import above');
  for (const k of afterKill) {
    t.equal(k.code, 0, `fsck after a kill past ${Math.round(k.at * 100)}% of the corpus exits 0: ${k.errors.length} errors, e.g. ${k.errors[0] ?? '-'}`);
  }
});

t.test('interrupted import: a crash while one record\'s write is slower than the next one\'s', async (t) => {
  // The same race as above made deterministic: the archive's store is slowed
  // so that record 5 of a 9-line file is still being written when records 6-9
  // are on disk. Looking at the disk then is what a crash would leave.
  const cwd = await newArchive(t);
  await fs.copyFile(smallClaude, join(cwd, 's.jsonl'));
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objectWriter();
  const write = store.writeReporting.bind(store);
  let records = 0;
  let later = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let laterWritten!: () => void;
  const allLaterWritten = new Promise<void>((r) => (laterWritten = r));
  store.writeReporting = (async (type: 'blob' | 'record', body: Uint8Array, ...rest: unknown[]) => {
    const n = type === 'record' ? ++records : 0;
    if (n === 5) await released;
    const res = await (write as (...a: unknown[]) => Promise<{ id: string; written: number }>)(type, body, ...rest);
    if (n > 5 && ++later === 4) laterWritten();
    return res;
  }) as typeof store.writeReporting;
  const running = importTranscripts(archive, { kind: 'auto', paths: ['s.jsonl'], cwd, env: {} });
  // (Should records ever be written in order, 6-9 wait for 5: then there is nothing to see, and no hang.)
  await Promise.race([allLaterWritten, running, new Promise((r) => setTimeout(r, 5000))]);
  t.comment(`${later} of records 6-9 reached the disk while record 5 was still being written`);
  t.equal(await showRef(cwd), '', 'no ref has moved yet');
  const crash = await tapes(['fsck'], { cwd });
  t.equal(crash.code, 0, `fsck of the disk as a crash would leave it exits 0: ${crash.stdout.split('\n').filter((l) => l.startsWith('error'))[0] ?? ''}`);
  release();
  const summary = await running;
  t.equal(summary.files[0]!.status, 'new');
  t.equal((await tapes(['fsck'], { cwd })).code, 0, 'fsck clean once the import completes');
});

t.test('interrupted packed import: killed while writing its pack, run again, same refs and objects', { timeout: 280000 }, async (t) => {
  // import.packAbove = 1 makes the fixtures' import a packed one (a whole history's is, past 32 MiB).
  t.ok(referenceRun.refs, 'the uninterrupted run of the first test');
  const cwd = await archiveWithCorpus(t);
  await fs.appendFile(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const killed = await runImport(cwd, 0.5, 50);
  t.equal(killed.signal, 'SIGKILL', `killed ${killed.killedAt !== undefined ? `past ${Math.round(killed.killedAt * 100)}%` : ''} (at ${killed.ms} ms)`);
  const packDir = join(cwd, '.tapes', 'objects', 'pack');
  const left = await fs.readdir(packDir).catch(() => [] as string[]);
  t.comment(`left in objects/pack: ${left.join(', ') || 'nothing'}; refs: ${(await showRef(cwd)).split('\n').filter(Boolean).length}`);
  t.equal(await showRef(cwd), '', 'no ref moved: the pack was not finished');
  t.equal((await tapes(['fsck'], { cwd })).code, 0, 'fsck clean after the kill');
  const again = await importJson(cwd, ['projects']);
  t.equal(again.code, 0, again.stderr);
  t.equal(await showRef(cwd), referenceRun.refs, "refs equal the uninterrupted (loose) run's");
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const ids: string[] = [];
  for await (const id of (await archive.objects()).ids()) ids.push(id);
  t.same(ids.sort(), referenceRun.objects, 'and so do the objects (here in a pack)');
  t.equal((await tapes(['fsck'], { cwd })).code, 0, 'fsck clean');
  // The temporary pack the kill left is a gc's to remove.
  await tapes(['gc'], { cwd });
  t.notOk((await fs.readdir(packDir)).some((n) => n.startsWith('tmp_')), 'gc removed the temporary pack');
});
