// System errors are said in words and name what the user gave: a file that
// cannot be written, an import stopped by a full disk (issue 16, item 8).
// Nothing prints an errno message alone, or the name of an internal temp file.
import t from 'tap';
import { promises as fs, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Archive, importTranscripts } from '../../src/archive/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const small = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
const SESSION = '1b3e6441-62e3-4b41-8a0c-9d252f531f7a';

async function archive(t: { teardown(f: () => void): void }) {
  const cwd = tempDir();
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  await tapes(['init', '-q'], { cwd });
  return cwd;
}

t.test('export -o into a directory that does not exist names it, not a temp file', async (t) => {
  const cwd = await archive(t);
  t.equal((await tapes(['import', small], { cwd })).code, 0);
  const r = await tapes(['export', SESSION, '-o', join(cwd, 'nowhere', 'x.jsonl')], { cwd });
  t.equal(r.code, 1);
  t.equal(r.stderr, `tapes: error: cannot write ${join(cwd, 'nowhere', 'x.jsonl')}: no such directory ${join(cwd, 'nowhere')}\n`);
  t.notMatch(r.stderr, /tmp-|ENOENT/);
  // A directory where the file should go: said in words.
  await fs.mkdir(join(cwd, 'adir'));
  const dir = await tapes(['export', SESSION, '-o', join(cwd, 'adir')], { cwd });
  t.equal(dir.code, 1);
  t.match(dir.stderr, new RegExp(`^tapes: error: cannot write ${join(cwd, 'adir')}: it is a directory\\n$`));
  t.same((await fs.readdir(cwd)).filter((n) => n.includes('tmp-')), [], 'no temp file left behind');
});

t.test('a full disk during import stops it, naming the file and what to do; nothing stored is lost', async (t) => {
  const cwd = await archive(t);
  const first = join(cwd, 'first.jsonl');
  await fs.copyFile(small, first);
  t.equal((await tapes(['import', first], { cwd })).code, 0);
  const before = (await tapes(['show-ref'], { cwd })).stdout;
  const second = join(cwd, 'second.jsonl');
  const text = await fs.readFile(small, 'utf8');
  await fs.writeFile(second, text.replaceAll(SESSION, '22222222-2222-4222-8222-222222222222'));

  const a = await Archive.openAt(join(cwd, '.tapes'));
  const store = await a.objectWriter();
  store.writeReporting = (async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  }) as typeof store.writeReporting;
  const err = await importTranscripts(a, { kind: 'auto', paths: [second], cwd, env: {} }).then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string; hint?: string; data?: Record<string, unknown> },
  );
  t.ok(err, 'the import fails');
  t.equal(err?.code, 'InvalidInputError');
  t.equal(err?.message, 'importing second.jsonl: the disk is full', 'the file as the user named it (relative to where the import ran)');
  t.match(err?.hint, /Free some space, then run the command again/);
  t.equal(err?.data?.errno, 'ENOSPC');
  t.equal((await tapes(['show-ref'], { cwd })).stdout, before, 'the refs are as they were');
  t.equal((await tapes(['fsck'], { cwd })).code, 0, 'and the archive is sound');
});
