// A large (packed) import keys a file's lines into the line memo only when
// another file of the import begins, or may begin, with the same line
// (archive/reading-order.ts, memoSharers): records are shared only between
// chains whose first lines are the same. A file no other begins as is
// imported the same, each of its records built; only the hashing of its
// lines is spared. A small import keys every file, as before.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive, importTranscripts } from '../../src/archive/index.js';
import { memoSharers } from '../../src/archive/reading-order.js';
import { LineMemo } from '../../src/import/index.js';
import { claudeProjects, linesWithEol, newArchive, showRef, smallClaude } from '../import/import-helpers.js';

const transcript = join(claudeProjects, '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl');

t.test('memoSharers: files that begin alike, one alone, one never read, one not known', (t) => {
  const f = (begins?: string | null) => (begins === undefined ? {} : { begins });
  t.same([...memoSharers([f('a'), f('b'), f('a'), f(null)])], [1, 0, 1, 0], 'the two that begin alike; not the lone one or the refused one');
  t.same([...memoSharers([f('a'), f('b'), f()])], [1, 1, 1], 'a file whose first line is not known may begin as any: every file is keyed');
  t.same([...memoSharers([f(null), f(null)])], [0, 0], 'files never read share nothing');
  t.same([...memoSharers([])], []);
  t.end();
});

/**
 * A folder of a parent (the transcript's first 10 lines), its resumption
 * (the first 30: the parent's 10, then 20 more), another session (lone),
 * and `extra` files; imported packed or not, with a memo of its own.
 */
async function importFolder(t: Parameters<typeof newArchive>[0], packed: boolean, extra: Record<string, Buffer> = {}) {
  const lines = linesWithEol(await fs.readFile(transcript)).slice(0, 30);
  const cwd = await newArchive(t);
  if (packed) await fs.appendFile(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  const dir = join(cwd, 'projects');
  await fs.mkdir(dir);
  await fs.writeFile(join(dir, 'a-parent.jsonl'), Buffer.concat(lines.slice(0, 10)));
  await fs.writeFile(join(dir, 'b-resumed.jsonl'), Buffer.concat(lines));
  await fs.copyFile(smallClaude, join(dir, 'c-lone.jsonl'));
  for (const [name, bytes] of Object.entries(extra)) await fs.writeFile(join(dir, name), bytes);
  const memo = new LineMemo();
  const summary = await importTranscripts(await Archive.openAt(join(cwd, '.tapes')), { kind: 'auto', paths: ['projects'], cwd, env: {}, lineMemo: memo });
  return { cwd, memo, summary };
}

t.test('a packed import does not key the lines of a file no other begins as; its records are the same', async (t) => {
  const packed = await importFolder(t, true);
  const small = await importFolder(t, false);
  for (const { summary } of [packed, small]) {
    t.equal(summary.files_refused, 0);
    t.equal(summary.files.length, 3);
  }
  t.equal(packed.memo.hits, 10, 'the resumed file\'s 10 lines of its parent were answered by the memo');
  t.equal(small.memo.hits, 10);
  // Each file's first line is keyed to look it up: the lone file's is kept, and no more of it.
  t.equal(packed.memo.size, 31, 'the parent\'s and the resumed file\'s lines were keyed, of the lone file\'s its first alone');
  const loneLines = linesWithEol(await fs.readFile(smallClaude)).length;
  t.ok(loneLines > 2, `the lone file has ${loneLines} lines`);
  t.ok(small.memo.size > 31, `a small import keys every file's lines (${small.memo.size})`);
  t.equal(await showRef(packed.cwd), await showRef(small.cwd), 'the same sessions, at the same records');
  t.equal(packed.summary.records_added, small.summary.records_added);
});

t.test('a file whose first line is not known (not whole in the 64 KiB first read) makes every file keyed', async (t) => {
  // A first line of some 70 KB: the reading order reads 64 KiB of each file to find its first lines.
  const long = JSON.stringify({ type: 'summary', summary: 'x'.repeat(70_000), leafUuid: '00000000-0000-4000-8000-000000000000' });
  const rest = linesWithEol(await fs.readFile(smallClaude));
  const extra = { 'd-long.jsonl': Buffer.concat([Buffer.from(`${long}\n`), ...rest]) };
  const packed = await importFolder(t, true, extra);
  const small = await importFolder(t, false, extra);
  t.equal(packed.summary.files_refused, 0, JSON.stringify(packed.summary.files.map((f) => f.reason ?? f.status)));
  t.equal(packed.memo.size, small.memo.size, `as many lines keyed as a small import keys (${small.memo.size})`);
  t.ok(packed.memo.size > 31);
  t.equal(packed.memo.hits, small.memo.hits, 'and as many answered');
  t.equal(await showRef(packed.cwd), await showRef(small.cwd), 'the same sessions, at the same records');
});
