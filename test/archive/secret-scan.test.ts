// push's scan of many chains on worker threads (src/archive/secret-scan.ts):
// whatever the threads do, the findings are those of one thread scanning
// every chain in order; a thread that cannot start or stops early means the
// chains are scanned again in this thread, never left unscanned.
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Archive } from '../../src/archive/index.js';
import { PARALLEL_SCAN_FROM, scanChains } from '../../src/archive/secret-scan.js';
import { archiveSecretDetector } from '../../src/archive/secrets.js';
import { readRecord } from '../../src/record/index.js';
import { tempDir } from '../helpers/cli.js';
import { SMALL, archive, corpusLines, must, transcript } from '../remote/helpers.js';

const AWS = 'AKIAZ7QW3ERT5YUI8OPL';

t.test('threads find what one thread finds, in the same order, and fall back when they fail', async (t) => {
  const dir = await archive();
  const src = tempDir();
  // SMALL's first 12 lines of 78 (as push-walk's tests take): every chain here is scanned six times over, and a longer clean prefix only made each scan longer.
  const lines = corpusLines(SMALL).slice(0, 12);
  const o = JSON.parse(lines[4]!) as Record<string, unknown> & { message: { content: string } };
  const last = (JSON.parse(lines[lines.length - 1]!) as { uuid: string }).uuid;
  const planted = JSON.stringify({ ...o, uuid: '00000000-0000-4000-8000-000000000001', parentUuid: last, message: { ...o.message, content: `key ${AWS}` } });
  await transcript(src, SMALL, lines.length, [planted]);
  await must(['import', src], dir);
  const a = await Archive.openAt(join(dir, '.tapes'));
  const detector = await archiveSecretDetector(a.dir);
  // Enough chains for threads, the one holding the secret among clean ones
  // (its tip first, then only its parent: a chain without the planted record).
  const tip = (await a.refs.list('refs/sessions/'))[0]!.id;
  const parent = (await readRecord(await a.objects(), tip)).parent;
  t.ok(parent, 'the planted record has a parent');
  const tips = Array.from({ length: PARALLEL_SCAN_FROM + 4 }, (_, i) => (i % 5 === 2 ? tip : parent!));

  const one = await scanChains(a, detector, tips, new Set(), { threads: 1 });
  t.equal(one.filter((f) => f.length > 0).length, 4, 'one thread: the secret in each of the 4 chains holding it');
  t.ok(one.flat().every((f) => f.rule === 'aws-access-key'), 'found by its rule');
  const report = { threads: 0 };
  // The bundle's worker when it is built (npm test builds it): one file to load, not two hundred modules.
  const bundled = new URL('../../bundle/chunks/secret-scan-worker.js', import.meta.url);
  const workerUrl = existsSync(fileURLToPath(bundled)) ? bundled : undefined;
  const two = await scanChains(a, detector, tips, new Set(), { threads: 2, report, ...(workerUrl ? { workerUrl } : {}) });
  t.equal(report.threads, 2, 'two threads did the scan');
  t.same(two, one, 'two threads: the same findings in the same order');

  // A worker that exits at once, and one that does not exist: scanned here instead.
  const quitter = join(tempDir(), 'quit.mjs');
  writeFileSync(quitter, 'process.exit(0);\n');
  t.same(await scanChains(a, detector, tips, new Set(), { threads: 2, workerUrl: pathToFileURL(quitter), report }), one, 'a thread that stops early: scanned again here');
  t.equal(report.threads, 1, 'by this thread');
  const thrower = join(tempDir(), 'throw.mjs');
  writeFileSync(thrower, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => parentPort.postMessage({ i: m.i, error: 'broken' }));\nparentPort.postMessage({ ready: true });\n");
  t.same(await scanChains(a, detector, tips, new Set(), { threads: 2, workerUrl: pathToFileURL(thrower) }), one, 'a thread that fails: scanned again here');
  t.same(await scanChains(a, detector, tips, new Set(), { threads: 2, workerUrl: pathToFileURL(join(tempDir(), 'missing.mjs')) }), one, 'no worker module: scanned here');
  // Known records are not scanned, by threads either.
  t.same((await scanChains(a, detector, tips, new Set([tip]), { threads: 1 })).flat(), [], 'records the remote has are left out');
});
