// The import stat cache (src/archive/import-stat.ts): a transcript whose
// stats are unchanged since it was imported, and whose session still ends
// where that import left it, is not read again; any doubt means reading.
import t from 'tap';
import { appendFileSync, copyFileSync, readFileSync, symlinkSync, utimesSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const SOURCE = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', '19abe528-a510-4c89-a1f8-138956474766.jsonl');
const SESSION = '19abe528-a510-4c89-a1f8-138956474766';
const HOUR_AGO = new Date(Date.now() - 3600_000);

async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** An archive and a transcript last changed an hour ago (well outside the racy window). */
async function setup(): Promise<{ cwd: string; file: string }> {
  const cwd = tempDir('tapes-statcache-');
  await must(['init', '-q'], cwd);
  const file = join(cwd, `${SESSION}.jsonl`);
  copyFileSync(SOURCE, file);
  utimesSync(file, HOUR_AGO, HOUR_AGO);
  return { cwd, file };
}

async function importJson(cwd: string, file: string, extra: string[] = []) {
  const r = await must(['import', '--json', ...extra, file], cwd);
  const s = JSON.parse(r.stdout) as { bytes_read: number; records_added: number; files: Array<{ status: string; records: number; problems: string[] }> };
  return { bytes: s.bytes_read, added: s.records_added, status: s.files[0]!.status, records: s.files[0]!.records, problems: s.files[0]!.problems };
}

t.test('an unchanged file is not read again; a changed one is', async (t) => {
  const { cwd, file } = await setup();
  const first = await importJson(cwd, file);
  t.equal(first.status, 'new');
  t.ok(first.bytes > 0);
  t.match(readFileSync(join(cwd, '.tapes', 'index', 'import-stat.json'), 'utf8'), /^tapes-import-stat 1 [0-9a-f]{64}\n/, 'the cache is written');

  const again = await importJson(cwd, file);
  t.same({ ...again, bytes: again.bytes }, { bytes: 0, added: 0, status: 'unchanged', records: first.records, problems: first.problems }, 'nothing read: the stats and the ref vouch for it');

  appendFileSync(file, readFileSync(SOURCE, 'utf8').split('\n')[0] + '\n');
  utimesSync(file, HOUR_AGO, new Date(Date.now() - 1800_000));
  const changed = await importJson(cwd, file);
  t.ok(changed.bytes > 0, 'a changed size and mtime: read');
  t.equal(changed.status, 'updated');
});

t.test('a session ref that moved since is not believed', async (t) => {
  const { cwd, file } = await setup();
  const first = await importJson(cwd, file);
  // The session now ends one record earlier: the cache's tip is no longer the ref's.
  await must(['update-ref', `refs/sessions/${SESSION}`, `${SESSION}~1`], cwd);
  const again = await importJson(cwd, file);
  t.ok(again.bytes > 0, 'read, since the ref moved');
  t.equal(again.status, 'updated', 'and the session is brought forward again');
  t.equal(again.records, first.records);
});

t.test('a file changed moments before it was recorded is not cached (the racy case)', async (t) => {
  const { cwd, file } = await setup();
  utimesSync(file, new Date(), new Date());
  await importJson(cwd, file);
  const cache = readFileSync(join(cwd, '.tapes', 'index', 'import-stat.json'), 'utf8');
  t.notMatch(cache, SESSION, 'no entry: a change in the same clock tick would keep its stats');
  t.ok((await importJson(cwd, file)).bytes > 0, 'so the next import reads it');
});

t.test('a damaged, linked or absent cache is never trusted; --dry-run writes none', async (t) => {
  const { cwd, file } = await setup();
  const dry = await importJson(cwd, file, ['--dry-run']);
  t.equal(dry.status, 'new');
  t.notOk(existsSync(join(cwd, '.tapes', 'index', 'import-stat.json')), '--dry-run writes no cache');
  await importJson(cwd, file);
  const path = join(cwd, '.tapes', 'index', 'import-stat.json');
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.replace('"records":', '"records":1'));
  const damaged = await importJson(cwd, file);
  t.ok(damaged.bytes > 0, 'an edited cache fails its checksum: read');
  t.equal(damaged.status, 'unchanged');
  t.equal((await importJson(cwd, file)).bytes, 0, 'and the cache is written afresh');

  const outside = join(tempDir('tapes-statcache-out-'), 'cache.json');
  writeFileSync(outside, text);
  rmSync(path);
  symlinkSync(outside, path);
  const linked = await importJson(cwd, file);
  t.ok(linked.bytes > 0, 'a linked cache is not read through');
  t.equal(readFileSync(outside, 'utf8'), text, 'nor written through');
});
