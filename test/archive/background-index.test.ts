// The import's second thread (src/archive/search/background-index.ts): it
// brings the search index level with the refs, and when it cannot (no
// worker file, a worker that fails to load) the same update happens in
// the calling thread, so the index is level whichever way it went.
import t, { type Test } from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Archive, BackgroundIndex, openSearchIndex, syncSearchIndex } from '../../src/archive/index.js';
import { listSessions } from '../../src/archive/sessions/index.js';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';

const TRANSCRIPT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');

let imported: Promise<{ dir: string; init: number; import: number }> | undefined;

async function unindexedArchive(t: Test): Promise<Archive> {
  // Imported once per file; each test gets its own copy.
  imported ??= (async () => {
    const dir = tempDir('tapes-background-');
    const init = (await tapes(['init', '-q'], { cwd: dir })).code;
    return { dir, init, import: (await tapes(['import', TRANSCRIPT], { cwd: dir })).code };
  })();
  const made = await imported;
  t.equal(made.init, 0);
  t.equal(made.import, 0);
  const cwd = tempDir('tapes-background-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  copyArchive(made.dir, cwd);
  rmSync(join(cwd, '.tapes', 'index', 'search.sqlite'));
  return Archive.openAt(join(cwd, '.tapes'));
}

/** What a sync would still do: nothing, when the index is level. */
async function stillToIndex(archive: Archive): Promise<number> {
  const index = openSearchIndex(archive);
  try {
    return (await syncSearchIndex(archive, index)).records_indexed;
  } finally {
    index.close();
  }
}

t.test('the worker indexes what the refs reach', async (t) => {
  const archive = await unindexedArchive(t);
  const bg = BackgroundIndex.start(archive);
  t.ok(bg.running, 'the worker runs');
  bg.update(false);
  await bg.finish();
  t.equal(await stillToIndex(archive), 0, 'nothing left to index');
});

t.test('idle: known to this thread without its event loop running', async (t) => {
  const archive = await unindexedArchive(t);
  const bg = BackgroundIndex.start(archive);
  t.equal(bg.idle, true, 'nothing asked yet: idle');
  bg.update(true);
  t.equal(bg.idle, false, 'an update asked: not idle');
  // Blocked, as an import busy with synchronous reads and writes is: the
  // worker's reply (a message) cannot arrive, its count in shared memory can.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let waited = 0;
  while (!bg.idle && waited < 6000) {
    Atomics.wait(pause, 0, 0, 10);
    waited++;
  }
  t.equal(bg.idle, true, 'idle once the worker has done it, with no message received');
  await bg.finish();
  t.equal(await stillToIndex(archive), 0, 'and the index is level');
});

t.test('the worker summarises the sessions too, from the same reads', async (t) => {
  const archive = await unindexedArchive(t);
  const sessions = join(archive.dir, 'index', 'sessions.json');
  rmSync(sessions);
  const bg = BackgroundIndex.start(archive);
  bg.update(true);
  await bg.finish();
  t.equal(await stillToIndex(archive), 0, 'nothing left to index');
  const written = readFileSync(sessions, 'utf8');
  const listed = await listSessions(archive);
  t.equal(listed.length, 1, 'the one session');
  t.equal(readFileSync(sessions, 'utf8'), written, 'the summaries written are current: listing them rewrites nothing');
  t.match(written, `"tip":"${listed[0]!.tip}"`, 'summarised at its tip');
});

t.test('no worker file: the update happens here at the end', async (t) => {
  const archive = await unindexedArchive(t);
  const bg = BackgroundIndex.start(archive, pathToFileURL(join(archive.dir, 'no-such-worker.js')));
  t.notOk(bg.running, 'no worker');
  t.equal(bg.idle, false, 'and never idle: no checkpoint is taken early for it');
  bg.update();
  await bg.finish();
  t.equal(await stillToIndex(archive), 0, 'nothing left to index');
});

t.test('a worker that fails to load: the update happens here at the end', async (t) => {
  const archive = await unindexedArchive(t);
  const broken = join(archive.dir, '..', 'broken-worker.mjs');
  writeFileSync(broken, "throw new Error('broken on purpose');\n");
  const bg = BackgroundIndex.start(archive, pathToFileURL(broken));
  bg.update();
  await bg.finish();
  t.notOk(bg.running, 'the worker failed');
  t.equal(await stillToIndex(archive), 0, 'nothing left to index');
});
