// The search index reads the first INDEXED_BLOB_BYTES (1 MiB) of a blob: a
// record's text is indexed in memory, and a 100 MB tool output indexed whole
// took 624 MB (docs/import-memory.md). A word in the first MiB of a long
// tool output is found; one past it is not; the output itself is kept whole.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { INDEXED_BLOB_BYTES } from '../../src/archive/search/search-index.js';
import { claudeUserLine, exportBytes, newArchive, sha256, tapes } from '../import/import-helpers.js';

t.test('a tool output longer than 1 MiB is indexed by its first MiB', async (t) => {
  const cwd = await newArchive(t);
  const session = 'dddd0000-0000-4000-8000-000000000001';
  const filler = 'log line with nothing of note\n'.repeat(Math.ceil((INDEXED_BLOB_BYTES + 100_000) / 30));
  const output = `early zebraword here\n${filler.slice(0, INDEXED_BLOB_BYTES - 100_000)}middle quaggaword here\n${filler.slice(0, 200_000)}late okapiword here\n`;
  const text = [claudeUserLine(session, 'u1', null, 'run it'), claudeUserLine(session, 'u2', 'u1', [{ type: 'tool_result', tool_use_id: 't1', content: output }])]
    .map((l) => JSON.stringify(l) + '\n')
    .join('');
  await fs.writeFile(join(cwd, `${session}.jsonl`), text);
  t.equal((await tapes(['import', `${session}.jsonl`], { cwd })).code, 0);
  const found = async (word: string) => (await tapes(['search', '--json', word], { cwd })).stdout.trim().split('\n').filter(Boolean).length;
  t.equal(await found('zebraword'), 1, 'at its start: found');
  t.equal(await found('quaggaword'), 1, 'within its first MiB: found');
  t.equal(await found('okapiword'), 0, 'past it: not indexed');
  t.equal(sha256((await exportBytes(cwd, session)).stdoutBytes), sha256(Buffer.from(text)), 'the output is stored whole');
});
