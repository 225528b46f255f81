// A large import writes one pack (as git fast-import does) instead of a loose
// file per object; its ref moves wait until the pack is on disk. Forced here
// with import.packAbove = 1 (the default is 32 MiB of transcripts to read):
// the same sessions, records and objects as an import of loose objects, a
// clean fsck, byte-identical exports, and the ref moves that must wait.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { LooseObjectStore } from '../../src/odb/index.js';
import { tapes } from '../helpers/cli.js';
import { claudeProjects, exportBytes, fsck, importJson, newArchive, objectFiles, showRef, smallClaude } from './import-helpers.js';

async function withConfig(cwd: string, text: string): Promise<void> {
  await fs.appendFile(join(cwd, '.tapes', 'config'), text);
}

/** Every object id of an archive, loose and packed. */
async function allIds(cwd: string): Promise<string[]> {
  const store = await (await Archive.openAt(join(cwd, '.tapes'))).objects();
  const ids: string[] = [];
  for await (const id of store.ids()) ids.push(id);
  return ids.sort();
}

async function packFiles(cwd: string): Promise<string[]> {
  return (await fs.readdir(join(cwd, '.tapes', 'objects', 'pack')).catch(() => [] as string[])).sort();
}

t.test('a packed import holds what a loose one holds: refs, objects, exports; no loose object, one pack', async (t) => {
  const loose = await newArchive(t);
  await withConfig(loose, '[import]\n\tpackAbove = 0\n[gc]\n\tauto = 0\n');
  const packed = await newArchive(t);
  await withConfig(packed, '[import]\n\tpackAbove = 1\n');
  // Three of one project's transcripts (the fourth, 2 MB, adds only time).
  const dir = join(claudeProjects, '-Users-alex-workspace-cli');
  const files = (await fs.readdir(dir)).filter((n) => n.endsWith('.jsonl') && n !== '0cf3db51-1c73-43bb-8d05-dc02739514a5.jsonl');
  for (const cwd of [loose, packed]) {
    await fs.mkdir(join(cwd, 'projects'));
    for (const f of files) await fs.copyFile(join(dir, f), join(cwd, 'projects', f));
  }
  const a = await importJson(loose, ['projects']);
  const b = await importJson(packed, ['projects']);
  t.equal(a.code, 0);
  t.equal(b.code, 0, b.stderr);
  t.same(b.summary.sessions, a.summary.sessions, 'the same sessions, new and kept separately');
  t.equal(b.summary.records_added, a.summary.records_added);
  t.equal(b.summary.objects_written, a.summary.objects_written, 'the same objects written');
  t.ok(b.summary.bytes_stored < a.summary.bytes_stored, `stored in fewer bytes (${b.summary.bytes_stored} packed, ${a.summary.bytes_stored} loose)`);
  t.equal(await showRef(packed), await showRef(loose), 'the same refs');
  t.same(await allIds(packed), await allIds(loose), 'the same object ids');
  t.equal((await objectFiles(packed)).size, 0, 'no loose object file');
  const packs = await packFiles(packed);
  t.equal(packs.filter((n) => n.endsWith('.pack')).length, 1, `one pack (${packs.join(', ')})`);
  t.notOk(packs.some((n) => n.startsWith('tmp_')), 'no temporary pack left');
  t.equal((await fsck(packed)).code, 0, 'fsck clean');
  // Record frames of 128 KiB at most (one zstd block: reading a record decodes no more), blob
  // frames of 256 KiB at most (a blob read decodes no more), but for a blob larger than that alone.
  const store = await LooseObjectStore.open(join(packed, '.tapes', 'objects'));
  const pack = store.packs.list[0]!;
  const typeOfFrame = new Map<number, string>();
  const objectsIn = new Map<number, number>();
  for (let i = 0; i < pack.index.count; i++) {
    const at = pack.index.entry(i).frameOffset;
    objectsIn.set(at, (objectsIn.get(at) ?? 0) + 1);
    if (!typeOfFrame.has(at)) typeOfFrame.set(at, (await store.read(pack.index.idHex(i))).type);
  }
  const frames = Array.from({ length: pack.index.frameCount }, (_, f) => pack.index.frame(f));
  const recordFrames = frames.filter((f) => typeOfFrame.get(f.offset) === 'record');
  const blobFrames = frames.filter((f) => typeOfFrame.get(f.offset) !== 'record');
  t.ok(recordFrames.length > 1, `the records fill ${recordFrames.length} frames`);
  t.ok(recordFrames.every((f) => f.contentLength <= 128 * 1024), `each at most 128 KiB (${recordFrames.map((f) => f.contentLength).join(', ')})`);
  t.ok(blobFrames.some((f) => f.contentLength > 128 * 1024), 'blob frames are larger than record frames');
  t.ok(
    blobFrames.every((f) => f.contentLength <= 256 * 1024 || objectsIn.get(f.offset) === 1),
    `each at most 256 KiB, or one blob alone (${blobFrames.map((f) => `${f.contentLength}/${objectsIn.get(f.offset)}`).join(', ')})`,
  );
  for (const f of files) {
    const session = f.replace(/\.jsonl$/, '');
    const out = await exportBytes(packed, session);
    t.ok(out.stdoutBytes.equals(await fs.readFile(join(claudeProjects, '-Users-alex-workspace-cli', f))), `${session}: export gives the file back`);
  }
  // The summaries and the search index were kept by the import's second thread: both level with the refs.
  const index = JSON.parse((await tapes(['index', '--json'], { cwd: packed })).stdout) as { chains: number; chains_updated: number; records: number };
  t.equal(index.chains_updated, 0, 'the search index was complete when the import ended');
  t.equal(index.chains, (await showRef(packed)).trim().split('\n').length, 'every chain indexed');
  const looseIndex = JSON.parse((await tapes(['index', '--json'], { cwd: loose })).stdout) as { records: number };
  t.equal(index.records, looseIndex.records, 'the same records indexed as by a loose import');
  const sessions = await fs.readFile(join(packed, '.tapes', 'index', 'sessions.json'), 'utf8');
  t.ok(files.every((f) => sessions.includes(f.replace(/\.jsonl$/, ''))), 'the session summaries written');
  // Nothing changed: nothing read, no new pack.
  const again = await importJson(packed, ['projects']);
  t.equal(again.summary.objects_written, 0);
  t.same(await packFiles(packed), packs, 'no new pack');
});

t.test('a packed import: a grown file extends its session; two files of one name in one run read back what the first wrote', async (t) => {
  const cwd = await newArchive(t);
  await withConfig(cwd, '[import]\n\tpackAbove = 1\n');
  const lines = (await fs.readFile(smallClaude, 'utf8')).split(/(?<=\n)/);
  await fs.mkdir(join(cwd, 'a'));
  await fs.mkdir(join(cwd, 'b'));
  // The same file name twice: the first holds the first five lines, the second all of them.
  await fs.writeFile(join(cwd, 'a', 's.jsonl'), lines.slice(0, 5).join(''));
  await fs.writeFile(join(cwd, 'b', 's.jsonl'), lines.join(''));
  const r = await importJson(cwd, ['a', 'b']);
  t.equal(r.code, 0, r.stderr);
  t.same(r.summary.files.map((f) => f.status), ['new', 'updated'], 'the second file extends what the first (still in the pack) began');
  // The second file's records were all packed before it asked where its session stands: the
  // pack was finished then (and the first file's ref moved), so there is one pack.
  t.equal((await packFiles(cwd)).filter((n) => n.endsWith('.pack')).length, 1);
  t.equal((await objectFiles(cwd)).size, 0);
  t.equal((await fsck(cwd)).code, 0);
  t.ok((await exportBytes(cwd, 's')).stdoutBytes.equals(Buffer.from(lines.join(''))), 'the session is the whole file');
});

t.test('a packed import: a ref that cannot move once the pack is written refuses its file, naming the lock; the others move', async (t) => {
  const cwd = await newArchive(t);
  await withConfig(cwd, '[import]\n\tpackAbove = 1\n');
  await fs.copyFile(smallClaude, join(cwd, 'good.jsonl'));
  await fs.copyFile(smallClaude, join(cwd, 'other.jsonl'));
  const lock = join(cwd, '.tapes', 'refs', 'sessions', 'good.lock');
  await fs.mkdir(join(cwd, '.tapes', 'refs', 'sessions'), { recursive: true });
  await fs.writeFile(lock, '');
  const r = await importJson(cwd, ['good.jsonl', 'other.jsonl']);
  t.equal(r.code, 1, 'a file refused: exit 1');
  const good = r.summary.files.find((f) => f.path === 'good.jsonl')!;
  t.equal(good.status, 'refused');
  t.match(good.reason, lock, 'the reason names the lock');
  t.match(good.reason, /import it again/);
  t.equal(r.summary.files_refused, 1);
  t.equal(r.summary.sessions.new, 1, 'the other file counts as new');
  t.match(await showRef(cwd), /refs\/sessions\/other/);
  t.notMatch(await showRef(cwd), /refs\/sessions\/good/);
  await fs.rm(lock);
  const again = await importJson(cwd, ['good.jsonl', 'other.jsonl']);
  t.equal(again.code, 0);
  t.same(again.summary.files.map((f) => f.status), ['new', 'unchanged'], 'once the lock is gone the file imports (its objects were already stored)');
  t.equal(again.summary.objects_written, 0, 'nothing written twice');
  t.equal((await fsck(cwd)).code, 0);
});

t.test('below import.packAbove (32 MiB by default) an import writes loose objects; a bad value is refused by name', async (t) => {
  const cwd = await newArchive(t);
  await fs.copyFile(smallClaude, join(cwd, 's.jsonl'));
  t.equal((await importJson(cwd, ['s.jsonl'])).code, 0);
  t.ok((await objectFiles(cwd)).size > 0, 'loose objects');
  t.same(await packFiles(cwd), [], 'no pack');
  const bad = await newArchive(t);
  await withConfig(bad, '[import]\n\tpackAbove = lots\n');
  await fs.copyFile(smallClaude, join(bad, 's.jsonl'));
  const { tapes } = await import('./import-helpers.js');
  const r = await tapes(['import', 's.jsonl'], { cwd: bad });
  t.not(r.code, 0);
  t.match(r.stderr, /import\.packabove = "lots" is not an integer/);
  t.equal(await showRef(bad), '', 'nothing imported');
});
