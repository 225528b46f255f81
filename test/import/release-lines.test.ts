// importFile releases each line's text and parsed value once its record is
// built (many of a file's lines are parsed first, for the format verdict;
// held to the end, a 4 MB transcript kept some 13 MB alive). Counted on the lines
// themselves; the records are the same as ever (the other import tests).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LooseObjectStore, WriteQueue } from '../../src/odb/index.js';
import { importFile, parseLine, splitLines } from '../../src/import/index.js';
import { MemoryRefs, smallClaude, tempDir } from './import-helpers.js';


t.test('every line is released once it is a record; what placing the chain reads stays', async (t) => {
  const bytes = readFileSync(smallClaude);
  const lines = splitLines(bytes).map(parseLine);
  t.ok(lines.length > 5, `${lines.length} lines`);
  t.ok(lines.every((l) => l.text !== undefined), 'all decoded before the import');
  const store = await LooseObjectStore.open(join(tempDir(t), 'objects'));
  const refs = new MemoryRefs();
  const result = await importFile({
    path: smallClaude,
    display: 'small.jsonl',
    bytes,
    lines,
    format: 'claude-code',
    refName: 'refs/sessions/small',
    queue: new WriteQueue(store),
    refs,
    reason: 'test',
  });
  t.equal(result.status, 'new');
  t.equal(result.records, lines.length);
  t.equal(lines.filter((l) => l.text !== undefined || l.value !== undefined).length, 0, 'no line keeps its text or value');
  t.ok(lines.every((l, i) => l.number === i + 1 && l.bytes.length >= 0), 'numbers and bytes stay');
  // The same file again: placed as the same chain, from what stays of its lines.
  const again = splitLines(bytes).map(parseLine);
  const same = await importFile({ path: smallClaude, display: 'small.jsonl', bytes, lines: again, format: 'claude-code', refName: 'refs/sessions/small', queue: new WriteQueue(store), refs, reason: 'test' });
  t.equal(same.status, 'unchanged');
  t.equal(same.tip, result.tip);
});
