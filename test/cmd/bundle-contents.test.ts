// What the files of the bundle that interactive commands run hold: only the
// code their command reaches. A dynamic import of a folder's index.js (a
// barrel) pulls every module the folder re-exports into the command's file,
// and each start then reads and runs it: cat-object imported describeObject
// from src/archive/index.js and its file held the import, the search index,
// capture and rerun code (570 KB instead of 241 KB; docs/startup.md, "No
// barrels in hot paths").
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

const CHUNKS = join(repoRoot, 'build', 'bundle', 'chunks');

/** The commands run all day, whose start-up the scale bench times (bench/scale.ts), and the plumbing beside them. */
const INTERACTIVE = ['log', 'show', 'sessions', 'rev-parse', 'cat-object', 'rev-list', 'update-ref'];

/** Code none of them reaches: a function or class each of these modules defines, as the bundle names it. */
const FOREIGN: Array<[string, string]> = [
  ['the import (src/archive/import.ts)', 'function importTranscripts('],
  ['the search index (src/archive/search/search-index.ts)', 'function updateSearchIndexQuietly('],
  ['rerun (src/archive/rerun/)', 'function planRerun('],
  ['gc (src/archive/maintenance/)', 'function autoGc('],
];

t.test('the interactive commands\' files hold no import, search index, rerun or gc code', async (t) => {
  // The names looked for are there to be found: the import's own file holds them.
  const importFile = readFileSync(join(CHUNKS, 'cmd-import.js'), 'latin1');
  for (const [what, name] of FOREIGN.filter(([w]) => !w.startsWith('rerun'))) t.ok(importFile.includes(name), `cmd-import.js holds ${what}`);
  t.ok(readFileSync(join(CHUNKS, 'cmd-rerun.js'), 'latin1').includes(FOREIGN[2]![1]), 'cmd-rerun.js holds rerun');
  for (const cmd of INTERACTIVE) {
    const text = readFileSync(join(CHUNKS, `cmd-${cmd}.js`), 'latin1');
    for (const [what, name] of FOREIGN) t.notOk(text.includes(name), `cmd-${cmd}.js holds no code of ${what}`);
  }
});
