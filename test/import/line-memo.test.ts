// An import recognises a line it has already built into a record (after the
// same parent, at the same line number) and does not build it again: a
// resumed session's first lines are its parent's. The records must be the
// ones building them gives, which an import of the resumed file alone, into
// an empty archive, shows.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive, importTranscripts } from '../../src/archive/index.js';
import { LineMemo, formatVerdict, importFile, lineDecoded, parseLine, splitLines } from '../../src/import/index.js';
import { WriteQueue } from '../../src/odb/index.js';
import { fixedBytes } from '../helpers/fixed-bytes.js';
import { MemoryObjectStore, MemoryRefs, claudeProjects, linesWithEol, newArchive, revList } from './import-helpers.js';

// A transcript of 158 lines (290 KB), of which the tests take the first
// 60 or 100 (97 or 150 KB): what a memo saves shows as well on those, and
// each test imports its lines two or three times.
const transcript = join(claudeProjects, '-Users-alex-workspace-cli', '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl');
/** The transcript's first `n` lines, each with its line end. */
const firstLines = async (n: number) => linesWithEol(await fs.readFile(transcript)).slice(0, n);

t.test('LineMemo: what is set is got back, through growth; other keys are not', async (t) => {
  const memo = new LineMemo();
  const bytes = fixedBytes(5000 * 32, 'line-memo ids');
  const idOf = (i: number) => bytes.subarray(i * 32, i * 32 + 32).toString('hex');
  const keyOf = (i: number) => LineMemo.key(i % 2 ? null : idOf(i), i, '\n', Buffer.from(`line ${i}`));
  for (let i = 0; i < 5000; i++) memo.set(keyOf(i), idOf(i));
  t.equal(memo.size, 5000);
  let wrong = 0;
  for (let i = 0; i < 5000; i++) if (memo.get(keyOf(i)) !== idOf(i)) wrong++;
  t.equal(wrong, 0, 'every id comes back');
  t.equal(memo.hits, 5000);
  t.equal(memo.get(LineMemo.key(null, 1, '\n', Buffer.from('another line'))), undefined);
  t.equal(memo.get(LineMemo.key(idOf(0), 0, '', Buffer.from('line 0'))), undefined, 'the end of line is part of the key');
  t.equal(memo.get(LineMemo.key(idOf(0), 1, '\n', Buffer.from('line 0'))), undefined, 'so is the line number');
  t.equal(memo.get(LineMemo.key(null, 0, '\n', Buffer.from('line 0'))), undefined, 'and the parent');
  t.equal(memo.hits, 5000, 'misses are not hits');
});

t.test('a resumed session: its repeated lines are not built again, and its records are those it has alone', async (t) => {
  const lines = await firstLines(60);
  t.ok(lines.length > 20, `${lines.length} lines`);
  const parentText = Buffer.concat(lines.slice(0, 15));
  // The resumed file: the parent's first 15 lines, then the rest.
  const resumedText = Buffer.concat(lines);
  const both = await newArchive(t);
  await fs.writeFile(join(both, 'a-parent.jsonl'), parentText);
  await fs.writeFile(join(both, 'b-resumed.jsonl'), resumedText);
  const memo = new LineMemo();
  const archive = await Archive.openAt(join(both, '.tapes'));
  const summary = await importTranscripts(archive, { kind: 'auto', paths: ['a-parent.jsonl', 'b-resumed.jsonl'], cwd: both, env: {}, lineMemo: memo });
  t.equal(summary.files_refused, 0);
  t.equal(memo.hits, 15, 'the 15 lines the resumed file repeats were recognised, no more');
  t.equal(memo.size, lines.length, 'every line built once');

  const alone = await newArchive(t);
  await fs.writeFile(join(alone, 'b-resumed.jsonl'), resumedText);
  const aloneMemo = new LineMemo();
  await importTranscripts(await Archive.openAt(join(alone, '.tapes')), { kind: 'auto', paths: ['b-resumed.jsonl'], cwd: alone, env: {}, lineMemo: aloneMemo });
  t.equal(aloneMemo.hits, 0);
  const [parentFile, resumedFile] = summary.files;
  t.equal(parentFile?.status, 'new');
  t.not(resumedFile?.status, 'refused');
  const chainBoth = await revList(both, resumedFile!.session!);
  t.equal(chainBoth.length, lines.length);
  t.same(chainBoth, await revList(alone, resumedFile!.session!), 'the same records as building every line');
});

t.test('the same line after a different parent, or at another number, is built', async (t) => {
  const lines = linesWithEol(await fs.readFile(transcript));
  const cwd = await newArchive(t);
  // The same lines in another order: line 1 of one file is line 2 of the other.
  await fs.writeFile(join(cwd, 'x.jsonl'), Buffer.concat(lines.slice(0, 6)));
  await fs.writeFile(join(cwd, 'y.jsonl'), Buffer.concat([lines[1]!, lines[0]!, ...lines.slice(2, 6)]));
  const memo = new LineMemo();
  const summary = await importTranscripts(await Archive.openAt(join(cwd, '.tapes')), { kind: 'auto', paths: ['x.jsonl', 'y.jsonl'], cwd, env: {}, lineMemo: memo });
  t.equal(memo.hits, 0, 'no line of y has the parent and number it had in x');
  t.equal(summary.records_added, 12, 'twelve records built');
});

/** The transcript's first 100 lines, their first `parentLines` lines as a parent file, and how to import a file into one store with one memo. */
async function resumedFixture(parentLines: number) {
  const lines = await firstLines(100);
  const bytes = Buffer.concat(lines);
  const parentBytes = Buffer.concat(lines.slice(0, parentLines));
  // In memory: what is compared is ids and memo counts, and a store on disk fsynced each object.
  const store = new MemoryObjectStore();
  const refs = new MemoryRefs();
  const memo = new LineMemo();
  const file = (b: Buffer, name: string) => ({ path: name, display: name, bytes: b, format: 'claude-code' as const, refName: `refs/sessions/${name}`, queue: new WriteQueue(store), refs, reason: 'test', memo });
  return { bytes, lines, parentBytes, memo, file };
}

t.test('a line the memo answers is never decoded or parsed; the format verdict reads lines from the end', async (t) => {
  // A parent of fewer lines than half the resumed file's: the verdict reads none of them.
  const { bytes, parentBytes, memo, file } = await resumedFixture(30);
  const parentLines = splitLines(parentBytes).map(parseLine);
  const first = await importFile({ ...file(parentBytes, 'parent'), lines: parentLines });
  t.equal(first.status, 'new');
  t.equal(parentLines.filter(lineDecoded).length, 30, 'a new file: every line decoded');
  const resumed = splitLines(bytes).map(parseLine);
  t.equal(resumed.filter(lineDecoded).length, 0, 'nothing decoded before it is read');
  t.ok(formatVerdict(resumed, 'claude-code').ok);
  const half = Math.ceil(resumed.length / 2);
  t.same(
    resumed.map((l, i) => [i, lineDecoded(l)]).filter(([, d]) => d).map(([i]) => i),
    Array.from({ length: half }, (_, i) => resumed.length - half + i),
    'the verdict decoded the last half of the lines (all of them Claude Code lines), no more',
  );
  const hitsBefore = memo.hits;
  const second = await importFile({ ...file(bytes, 'resumed'), lines: resumed });
  t.equal(second.status, 'new');
  t.equal(memo.hits - hitsBefore, 30, 'the first 30 lines are the parent\'s records');
  t.equal(resumed.slice(0, 30).filter(lineDecoded).length, 0, 'and none of them was decoded');
  t.equal(resumed.slice(30).filter(lineDecoded).length, resumed.length - 30, 'every other line was');
  t.equal(resumed.filter((l) => l.text !== undefined || l.value !== undefined).length, 0, 'all released');
});

t.test('a resumed file mostly its parent: the verdict counts the lines the memo knows without decoding them', async (t) => {
  // The parent holds 60 of the resumed file's 100 lines: more than half.
  const { bytes, parentBytes, memo, file } = await resumedFixture(60);
  t.equal((await importFile({ ...file(parentBytes, 'parent'), lines: splitLines(parentBytes).map(parseLine) })).status, 'new');
  const resumed = splitLines(bytes).map(parseLine);
  const known = memo.prefix(resumed);
  t.equal(known.ids.length, 60, 'the memo knows the first 60 lines, in order');
  t.equal(known.keys.length, 61, 'and has keyed the first line it does not know');
  t.equal(memo.hits, 0, 'looking is not a hit');
  t.ok(formatVerdict(resumed, 'claude-code', known.ids.length).ok);
  t.ok(60 * 2 >= resumed.length);
  t.equal(resumed.filter(lineDecoded).length, 0, 'the verdict needed no line decoded: 60 are known');
  const second = await importFile({ ...file(bytes, 'resumed'), lines: resumed });
  t.equal(second.status, 'new');
  t.equal(memo.hits, 60, 'the 60 known lines were used as records, each counted once');
  t.equal(resumed.slice(0, 60).filter(lineDecoded).length, 0, 'none of them was ever decoded');
  t.equal(resumed.slice(60).filter(lineDecoded).length, resumed.length - 60, 'every new line was, to build it');
  // The same records as without the memo.
  const alone = new MemoryObjectStore();
  const plain = await importFile({ path: 'r', display: 'r', bytes, format: 'claude-code', refName: 'refs/sessions/r', queue: new WriteQueue(alone), refs: new MemoryRefs(), reason: 'test' });
  t.equal(second.tip, plain.tip, 'the chain ends at the record building every line gives');
});

t.test('known lines count in the verdict as the lines they are: the same answers, the same counts', async (t) => {
  const odd = Buffer.from('{"not":"a transcript line"}\n');
  const cases: Array<{ name: string; parent: number; tail: number }> = [
    // Known lines make it half: a Claude Code transcript, as testing each would find.
    { name: 'known-half', parent: 40, tail: 40 },
    // Too few known lines: refused, counting the known ones among those of its shape.
    { name: 'known-few', parent: 10, tail: 40 },
  ];
  for (const c of cases) {
    const { parentBytes, memo, file } = await resumedFixture(c.parent);
    await importFile(file(parentBytes, 'p'));
    const mixed = Buffer.concat([parentBytes, ...Array.from({ length: c.tail }, () => odd)]);
    const withMemo = splitLines(mixed).map(parseLine);
    const known = memo.prefix(withMemo);
    t.equal(known.ids.length, c.parent, `${c.name}: the parent's lines are known`);
    const fresh = splitLines(mixed).map(parseLine);
    t.same(formatVerdict(withMemo, 'claude-code', known.ids.length), formatVerdict(fresh, 'claude-code'), `${c.name}: the verdict is the one testing every line gives`);
    t.equal(withMemo.slice(0, c.parent).filter(lineDecoded).length, 0, `${c.name}: no known line decoded`);
  }
});

t.test('only lines of Claude Code\'s shape are kept in the memo', async (t) => {
  const { lines, memo, file } = await resumedFixture(0);
  const odd = Buffer.from('{"not":"a transcript line"}\n');
  const bytes = Buffer.concat([...lines.slice(0, 10), odd, ...lines.slice(10, 20)]);
  await importFile(file(bytes, 'p'));
  t.equal(memo.size, 20, 'the 20 transcript lines, not the object of another shape');
  // A file repeating it is known up to that line, and built from there.
  const again = splitLines(bytes).map(parseLine);
  t.equal(memo.prefix(again).ids.length, 10);
});
