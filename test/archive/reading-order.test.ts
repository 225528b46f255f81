// The order a large import reads its files in (src/archive/reading-order.ts).
// readingOrder: a group's files are read one after another, from its first
// file still to be read, but never before a file found earlier that may
// move one of their refs, nor across a file that may move any ref; checked
// case by case and over seeded random inputs. firstLines: the complete
// first lines of a file's first 64 KiB, CR stripped, and whether they are
// all it has. claudeGroup: a Claude Code first line's digest.
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claudeGroup, FIRST_LINES_BYTES, firstLines, readingOrder, type ReadingCandidate } from '../../src/archive/reading-order.js';
import { corpusDir, tempDir } from '../helpers/cli.js';
import { seededRandom } from '../helpers/random.js';

/** A file of group `group` (or none: '') that may move the refs `refs` (undefined: any). */
const f = (group: string, refs?: string[]): ReadingCandidate => ({ ...(group ? { group } : {}), ...(refs ? { refs } : {}) });

t.test('readingOrder: no groups, the order found', async (t) => {
  t.same(readingOrder([]), [], 'no files');
  t.same(readingOrder([f('', ['a'])]), [0], 'one file');
  t.same(readingOrder([f('', ['a']), f('', ['b']), f(''), f('', []), f('', ['a', 'b']), f('', ['a'])]), [0, 1, 2, 3, 4, 5], 'refs of every kind, no group');
  t.same(readingOrder([f('G', ['a']), f('', ['b']), f('H', ['c']), f('', ['d'])]), [0, 1, 2, 3], 'groups of one file each');
});

t.test('readingOrder: a group\'s files read one after another, from its first, in the order found', async (t) => {
  // 0 G, 1, 2 H, 3 G, 4 H, 5 G
  const files = [f('G', ['a']), f('', ['b']), f('H', ['c']), f('G', ['d']), f('H', ['e']), f('G', ['g'])];
  t.same(readingOrder(files), [0, 3, 5, 1, 2, 4], 'G from its first file, then the rest as found, H from its first');
  // A group whose first file comes after another group's member.
  t.same(readingOrder([f('', ['x']), f('H', ['a']), f('G', ['b']), f('H', ['c']), f('G', ['d'])]), [0, 1, 3, 2, 4]);
  // Members that may move nothing (refused, unchanged) move as freely.
  t.same(readingOrder([f('G', ['a']), f('', ['b']), f('G', [])]), [0, 2, 1], 'a member with no refs');
});

t.test('readingOrder: never before a file found earlier that may move one of its refs', async (t) => {
  t.same(readingOrder([f('G', ['a']), f('', ['x']), f('G', ['x'])]), [0, 1, 2], 'a shared ref: the member stays after it');
  t.same(readingOrder([f('G', ['a']), f('', ['y']), f('G', ['x'])]), [0, 2, 1], 'refs that differ: it moves');
  t.same(readingOrder([f('G', ['a']), f('', ['y', 'x']), f('G', ['q', 'x'])]), [0, 1, 2], 'one ref of several shared is enough');
  // The member held back does not hold back the group's later members that share nothing.
  t.same(readingOrder([f('G', ['a']), f('', ['x']), f('G', ['x']), f('G', ['z'])]), [0, 3, 1, 2], 'the next member moves past the one held');
  // Sharing a ref with a member of its own group read before it holds nothing back.
  t.same(readingOrder([f('G', ['a']), f('', ['b']), f('G', ['a'])]), [0, 2, 1], 'the ref of the group\'s first file');
  // A file sharing the ref, found between, but read already (moved by its own group): no hold.
  t.same(readingOrder([f('H', ['p']), f('G', ['a']), f('H', ['x']), f('', ['y']), f('G', ['x'])]), [0, 2, 1, 4, 3], 'the file sharing the ref was read already');
  // The held member is read where it was found, after the file sharing its ref.
  t.same(readingOrder([f('G', ['a']), f('', ['x']), f('', ['y']), f('G', ['x']), f('', ['z'])]), [0, 1, 2, 3, 4], 'held: read where found');
  // A file sharing a ref found after the member does not hold it back.
  t.same(readingOrder([f('G', ['a']), f('', ['y']), f('G', ['x']), f('', ['x'])]), [0, 2, 1, 3], 'the file sharing the ref was found after it');
});

t.test('readingOrder: a file that may move any ref is a barrier', async (t) => {
  t.same(readingOrder([f('G', ['a']), f(''), f('G', ['b'])]), [0, 1, 2], 'no member moves across it');
  t.same(readingOrder([f('G', ['a']), f('', ['c']), f('G', ['b']), f(''), f('G', ['d'])]), [0, 2, 1, 3, 4], 'members before it move; one after it does not');
  t.same(readingOrder([f(''), f('G', ['a']), f('', ['c']), f('G', ['b'])]), [0, 1, 3, 2], 'one before the group\'s files holds nothing back');
  t.same(readingOrder([f('G', ['a']), f('', ['c']), f(''), f('', ['e']), f('G', ['b']), f('', ['f']), f('G', ['d'])]), [0, 1, 2, 3, 4, 6, 5], 'after it, the group gathers again from its next file');
  // A barrier in a group is neither a group's first file nor a member.
  t.same(readingOrder([f('G'), f('', ['c']), f('G', ['b'])]), [0, 1, 2], 'a barrier with the group does not gather it');
  t.same(readingOrder([f('G', ['a']), f('', ['c']), f('G'), f('G', ['b'])]), [0, 1, 2, 3], 'nor is it gathered');
});

t.test('readingOrder: files that move nothing are passed freely', async (t) => {
  t.same(readingOrder([f('G', ['a']), f('', []), f('', []), f('G', ['a'])]), [0, 3, 1, 2], 'two files that move nothing');
  t.same(readingOrder([f('G', ['a']), f('', []), f('H', []), f('', ['q']), f('G', ['b'])]), [0, 4, 1, 2, 3], 'nor files of another group');
  t.same(readingOrder([f('G', ['a']), f('', []), f(''), f('', []), f('G', ['b'])]), [0, 1, 2, 3, 4], 'but not a barrier among them');
});

/** A random list of files: groups, refs from a few names, some barriers, some that move nothing. */
function randomFiles(random: () => number): ReadingCandidate[] {
  const n = 1 + Math.floor(random() * 30);
  const groups = ['G', 'H', 'K'];
  const names = ['a', 'b', 'c', 'd', 'e', 'g'];
  const barrierRate = random() * 0.15;
  return Array.from({ length: n }, () => {
    const group = random() < 0.6 ? groups[Math.floor(random() * groups.length)]! : '';
    if (random() < barrierRate) return f(group);
    const refs = names.filter(() => random() < 0.2);
    return f(group, refs);
  });
}

t.test('readingOrder: over seeded random inputs, a permutation that keeps every ordering that matters', async (t) => {
  const random = seededRandom(20261206);
  let moved = 0;
  let collidingPairs = 0;
  let barriers = 0;
  const failures: string[] = [];
  const cases = 3000;
  for (let c = 0; c < cases; c++) {
    const files = randomFiles(random);
    const order = readingOrder(files);
    const n = files.length;
    const at = new Array<number>(n).fill(-1);
    order.forEach((i, p) => {
      if (i >= 0 && i < n && at[i] === -1) at[i] = p;
    });
    const problems: string[] = [];
    if (order.length !== n || at.some((p) => p === -1)) problems.push('not a permutation');
    else {
      if (order.some((i, p) => i !== p)) moved++;
      for (let i = 0; i < n; i++) {
        const fi = files[i]!;
        if (fi.refs === undefined) {
          barriers++;
          for (let k = 0; k < n; k++) if (k < i ? at[k]! > at[i]! : k > i && at[k]! < at[i]!) problems.push(`${k} crosses the barrier ${i}`);
          continue;
        }
        for (let j = i + 1; j < n; j++) {
          const fj = files[j]!;
          if (fj.refs === undefined || !fi.refs.some((r) => fj.refs!.includes(r))) continue;
          collidingPairs++;
          if (at[i]! > at[j]!) problems.push(`${j} read before ${i}, which shares a ref with it`);
        }
      }
      // A file of no group is never moved: those are read in the order found.
      const plain = order.filter((i) => files[i]!.group === undefined || files[i]!.refs === undefined);
      if (plain.some((i, p) => p > 0 && plain[p - 1]! > i)) problems.push('files of no group out of order');
    }
    if (problems.length > 0) failures.push(`${JSON.stringify(files)} -> ${JSON.stringify(order)}: ${problems.slice(0, 3).join('; ')}`);
  }
  t.same(failures.slice(0, 5), [], `no case of ${cases} breaks a rule (${failures.length} do)`);
  // The rules were put to the test: orders changed, and there were pairs and barriers to keep.
  t.ok(moved > cases / 3, `${moved} of ${cases} orders differ from the order found`);
  t.ok(collidingPairs > cases, `${collidingPairs} pairs of files sharing a ref`);
  t.ok(barriers > cases / 4, `${barriers} barriers`);
});

t.test('firstLines: complete lines of the first 64 KiB, CR stripped, and whether they are all', async (t) => {
  const dir = tempDir('tapes-first-lines-');
  let n = 0;
  /** firstLines of a file holding `bytes`, its lines as strings. */
  const lines = (bytes: string | Buffer, count: number) => {
    const p = join(dir, `f${n++}`);
    writeFileSync(p, bytes);
    const r = firstLines(p, count);
    return r && { lines: r.lines.map((l) => l.toString('latin1')), whole: r.whole };
  };
  t.same(lines('a\r\nb\r\nc\r\n', 2), { lines: ['a', 'b'], whole: false }, 'CRLF: the CR goes with the LF; more lines follow');
  t.same(lines('a\r\nb\r\nc\r\n', 3), { lines: ['a', 'b', 'c'], whole: true }, 'CRLF: exactly three lines, then the end');
  t.same(lines('a\r\n\r\nb\rc\n\r', 9), { lines: ['a', '', 'b\rc', '\r'], whole: true }, 'only a CR before an LF is stripped');
  t.same(lines('a\nb\n', 4), { lines: ['a', 'b'], whole: true }, 'fewer lines than asked for');
  t.same(lines('', 4), { lines: [], whole: true }, 'an empty file: no line, and that is all');
  t.same(lines('\n\n', 4), { lines: ['', ''], whole: true }, 'empty lines');
  t.same(lines('a\nb', 4), { lines: ['a', 'b'], whole: true }, 'no final newline: the last line is whole at the end of the file');
  t.same(lines('a\nb\r', 4), { lines: ['a', 'b\r'], whole: true }, 'a final CR without its LF is kept');
  t.same(lines('a\nb', 1), { lines: ['a'], whole: false }, 'no final newline, one line asked for: more follows');
  t.same(lines('a\nb\nc\n', 3), { lines: ['a', 'b', 'c'], whole: true }, 'exactly N lines, then the end');
  t.same(lines('a\nb\nc\nd', 3), { lines: ['a', 'b', 'c'], whole: false }, 'N lines and more');
  t.same(lines('a\nb\nc\n\n', 3), { lines: ['a', 'b', 'c'], whole: false }, 'N lines and an empty one');
  t.same(lines(Buffer.alloc(FIRST_LINES_BYTES + 10, 'x'), 4), { lines: [], whole: false }, 'a first line longer than 64 KiB: no line');
  t.same(lines(Buffer.concat([Buffer.from('{}\n'), Buffer.alloc(70 * 1024, 'x'), Buffer.from('\n{}\n')]), 4), { lines: ['{}'], whole: false }, 'a second line past 64 KiB: the first only');
  t.same(lines(Buffer.concat([Buffer.alloc(FIRST_LINES_BYTES, 'x'), Buffer.from('\n')]), 4), { lines: [], whole: false }, 'a line whose LF is the first byte past 64 KiB');
  const fits = lines(Buffer.concat([Buffer.alloc(FIRST_LINES_BYTES - 1, 'y'), Buffer.from('\n')]), 1);
  t.same(fits?.lines.map((l) => l.length), [FIRST_LINES_BYTES - 1], 'a line whose LF is the last byte of the 64 KiB');
  // N lines that end exactly at 64 KiB, and more after them: what was read cannot say they are all.
  const upTo = lines(Buffer.concat([Buffer.from('a\n'), Buffer.alloc(FIRST_LINES_BYTES - 3, 'w'), Buffer.from('\nmore\n')]), 2);
  t.same(upTo && { count: upTo.lines.length, whole: upTo.whole }, { count: 2, whole: false }, 'N lines ending at the 64 KiB, more after: not whole');
  const crlf = lines(Buffer.concat([Buffer.alloc(FIRST_LINES_BYTES - 1, 'z'), Buffer.from('\r\n')]), 1);
  t.same(crlf, { lines: [], whole: false }, 'a CRLF across the 64 KiB: the line is not whole in them');
  t.same(lines('é\n€\n', 2)?.lines.map((l) => Buffer.from(l, 'latin1').toString('utf8')), ['é', '€'], 'bytes as they are (UTF-8)');

  t.equal(firstLines(join(dir, 'missing'), 4), undefined, 'a missing file: undefined');
  mkdirSync(join(dir, 'folder'));
  t.equal(firstLines(join(dir, 'folder'), 4), undefined, 'a folder: undefined');
});

t.test('claudeGroup: a Claude Code first line\'s SHA-256; nothing for other lines', async (t) => {
  const claude = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
  const first = firstLines(claude, 1)!.lines[0]!;
  const group = claudeGroup(first, JSON.parse(first.toString('utf8')));
  t.equal(group, createHash('sha256').update(first).digest('hex'), 'a real Claude Code first line: its digest');
  const gemini = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');
  const geminiFirst = firstLines(gemini, 1)!.lines[0]!;
  t.equal(claudeGroup(geminiFirst, JSON.parse(geminiFirst.toString('utf8'))), undefined, 'a real Gemini CLI first line: none');
  // A Gemini CLI session's head that also looks like Claude Code's (a type, a sessionId): none.
  const both = { sessionId: 's', projectHash: 'p', type: 'user' };
  t.equal(claudeGroup(Buffer.from(JSON.stringify(both)), both), undefined, 'a line of both shapes: none');
  t.equal(claudeGroup(Buffer.from('[1]'), [1]), undefined, 'not an object: none');
  t.equal(claudeGroup(Buffer.from('{"type":"user"}'), { type: 'user' }), undefined, 'no id of Claude Code\'s: none');
  // The digest is of the bytes: the same value written otherwise is another group.
  const value = JSON.parse(readFileSync(claude, 'utf8').split('\n')[0]!) as unknown;
  t.not(claudeGroup(Buffer.from(JSON.stringify(value, null, 1)), value), group, 'the same value in other bytes: another group');
});
