// tapes diff on pairs of real sessions made from the corpus: a transcript cut
// and continued with different real lines from two other transcripts (one
// stored history, then apart); the same transcript under another session id
// (no record shared, everything shared by content); one step changed near the
// end (-p shows it); one extra step (the rest stays aligned); a proxy-like
// capture with one record per response against the Claude Code import that
// splits it per block (equal); a session against itself; bad revisions. Also
// the alignment itself: an extra item, bounded tables, unified text diffs.
import t from 'tap';
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyArchive, corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { Archive } from '../../src/archive/index.js';
import { align, unifiedDiff } from '../../src/archive/diff/align.js';
import { canonicalJson } from '../../src/hash/index.js';
import { writeContent } from '../../src/odb/index.js';
import { encodeValue, readEvent, resolveValue, type EventView } from '../../src/record/index.js';

const PROJECT = join(corpusDir, 'claude-code/projects/-Users-alex-workspace-cli--worktrees-2');
/** 78 lines, one block per user/assistant line. */
const X = '2b945d54-dd2b-4f60-b3b0-7b0252349003';
const Y = '7505c804-ef06-4be0-a866-480597e6bbc1';
const Z = 'ac8a4f1a-1917-46bf-b8c1-0c3bab0fbc16';
const env = { TZ: 'UTC' };

const corpus = (id: string) => readFileSync(join(PROJECT, `${id}.jsonl`), 'utf8').split('\n').filter((l) => l !== '');

/** Steps of transcript lines, counted independently of tapes: one per content block of user and assistant lines. */
function stepCount(lines: string[]): number {
  let n = 0;
  for (const l of lines) {
    const o = JSON.parse(l) as { type?: string; message?: { content?: unknown } };
    if (o.type !== 'user' && o.type !== 'assistant') continue;
    const c = o.message?.content;
    n += typeof c === 'string' ? 1 : Array.isArray(c) ? c.length : 0;
  }
  return n;
}

/** An archive holding the given transcripts (name → lines). */
async function archiveWith(t: { teardown(fn: () => void): void }, files: Record<string, string[]>): Promise<string> {
  const cwd = tempDir('tapes-diff-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  // The transcripts beside the archive, not in its folder (a copy of the archive need not copy them).
  const src = tempDir('tapes-diff-src-');
  t.teardown(() => rmSync(src, { recursive: true, force: true }));
  for (const [name, lines] of Object.entries(files)) await fs.writeFile(join(src, `${name}.jsonl`), lines.join('\n') + '\n');
  for (const args of [['init', '-q'], ['import', src]]) {
    // Into a pack (as stats.test.ts imports): what diff reads is the same, without a file written and fsynced per object.
    if (args[0] === 'import') await fs.appendFile(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
    const r = await tapes(args, { cwd, env });
    if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  }
  return cwd;
}

/**
 * Every session the tests below only read, in one archive imported once for
 * the file (each test imported its own, X in five of them): a transcript cut
 * and continued two ways (run-a, run-b), X, X under another session id and
 * that copy cut and continued, X with one step edited, X with one step more,
 * and Y. A test that writes to it diffs a copy.
 */
const OTHER_ID = '99999999-aaaa-4bbb-8ccc-dddddddddddd';
const AT = 75; // line 76 of X: a tool result, edited in `edited`
let shared: Promise<string> | undefined;
function sharedArchive(): Promise<string> {
  shared ??= (() => {
    const x = corpus(X);
    const cut = 40;
    const renamed = x.map((l) => l.split(X).join(OTHER_ID));
    const changed = x.slice();
    const o = JSON.parse(changed[AT]!) as { message: { content: Array<{ content: unknown }> } };
    o.message.content[0]!.content = 'the tool said something else\nsecond line';
    changed[AT] = JSON.stringify(o);
    const extra = corpus(Y).find((l) => /"type":"assistant"/.test(l) && /"type":"text"/.test(l))!;
    return archiveWith(t, {
      'run-a': x.slice(0, cut).concat(corpus(Y).slice(100, 130)),
      'run-b': x.slice(0, cut).concat(corpus(Z).slice(60, 75)),
      [X]: x,
      [OTHER_ID]: renamed,
      'renamed-cut': renamed.slice(0, 60).concat(corpus(Y).slice(10, 30)),
      edited: changed,
      longer: x.slice(0, 45).concat([extra], x.slice(45)),
      [Y]: corpus(Y),
    });
  })();
  return shared;
}

/** A copy of the shared archive, for a test that writes to it. */
async function copyOfShared(t: { teardown(fn: () => void): void }): Promise<string> {
  const from = await sharedArchive();
  const cwd = tempDir('tapes-diff-');
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  rmSync(cwd, { recursive: true });
  copyArchive(from, cwd);
  return cwd;
}

interface DiffJson {
  equal: boolean;
  shared: { steps: number; records_by_id: number; steps_by_content: number; a: { record: string; step: number } | null; b: { record: string } | null };
  counts: { same: number; changed: number; only_a: number; only_b: number };
  pairs: Array<{ mark: string; a: { step: number; label: string; tool: string | null; text: string; record: string } | null; b: { step: number; label: string; record: string } | null; patch?: string[] }>;
  a: { steps: number; records: number; after: { steps: number; tools: Record<string, number> }; ended_with_error: boolean };
  b: { steps: number; records: number; after: { steps: number; tools: Record<string, number> } };
}

async function diffJson(cwd: string, args: string[]): Promise<{ code: number; out: DiffJson }> {
  const r = await tapes(['diff', '--json', ...args], { cwd, env });
  if (r.code > 1) throw new Error(`tapes diff ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { code: r.code, out: JSON.parse(r.stdout) as DiffJson };
}

async function ids(cwd: string, rev: string): Promise<string[]> {
  const r = await tapes(['rev-list', '--reverse', rev], { cwd, env });
  return r.stdout.split('\n').filter(Boolean);
}

t.test('a transcript cut at line 40 and continued with lines of two other transcripts diverges after the cut', async (t) => {
  const x = corpus(X);
  const cut = 40;
  const a = x.slice(0, cut).concat(corpus(Y).slice(100, 130));
  const b = x.slice(0, cut).concat(corpus(Z).slice(60, 75));
  const cwd = await sharedArchive();
  const { code, out } = await diffJson(cwd, ['run-a', 'run-b']);
  t.equal(code, 1, 'they differ');
  t.equal(out.equal, false);
  t.equal(out.shared.records_by_id, cut, 'the first 40 records are the same records');
  t.equal(out.shared.steps, stepCount(x.slice(0, cut)), 'the shared steps are those of the 40 lines');
  t.equal(out.shared.steps_by_content, 0);
  const recs = await ids(cwd, 'run-a');
  t.equal(out.shared.a!.record, recs[cut - 1], 'the divergence point is the record of line 40 (it holds a step)');
  t.equal(out.a.steps, stepCount(a));
  t.equal(out.b.steps, stepCount(b));
  t.equal(out.a.after.steps, stepCount(a) - out.shared.steps);
  t.equal(out.b.after.steps, stepCount(b) - out.shared.steps);
  t.equal(out.counts.same + out.counts.changed + out.counts.only_a, out.a.after.steps, 'every step of a after the cut is in one pair');
  t.equal(out.counts.same + out.counts.changed + out.counts.only_b, out.b.after.steps, 'and every step of b');
  t.same(out.pairs.filter((p) => p.a).map((p) => p.a!.step), Array.from({ length: out.a.after.steps }, (_, i) => out.shared.steps + 1 + i), 'a in order');
  t.same(out.pairs.filter((p) => p.b).map((p) => p.b!.step), Array.from({ length: out.b.after.steps }, (_, i) => out.shared.steps + 1 + i), 'b in order');
  for (const p of out.pairs) if (p.a && p.b) t.equal(p.a.label, p.b.label, 'paired steps are of the same kind');

  const text = await tapes(['diff', 'run-a', 'run-b'], { cwd, env });
  t.equal(text.code, 1);
  const lines = text.stdout.split('\n');
  t.match(lines[0], /^a: run-a  \d+ steps, 70 records$/);
  t.match(lines[1], /^b: run-b  \d+ steps, 55 records$/);
  t.match(lines[2], new RegExp(`^= ${out.shared.steps} identical steps, up to \\[\\d+:\\d\\d\\] \\(same records\\)$`));
  t.match(lines[lines.length - 2], new RegExp(`^diverged after step ${out.shared.steps} \\[\\d+:\\d\\d\\]; a: ${out.a.after.steps} steps, .*; b: ${out.b.after.steps} steps, `));
  for (const l of lines.slice(3, -2)) t.match(l, /^([-+~] [ab] |  |= )/, 'each line is marked');

  const stat = await tapes(['diff', '--stat', 'run-a', 'run-b'], { cwd, env });
  t.equal(stat.code, 1);
  t.match(stat.stdout, /^a: run-a  \d+ steps \(\d+ after the shared part\), 70 records, [\d,]+ tokens, /);
  t.match(stat.stdout, new RegExp(`${out.shared.steps} shared steps; after: ${out.counts.same} same, ${out.counts.changed} changed, ${out.counts.only_a} only in a, ${out.counts.only_b} only in b`));
  const quiet = await tapes(['diff', '-q', 'run-a', 'run-b'], { cwd, env });
  t.same([quiet.code, quiet.stdout, quiet.stderr], [1, '', '']);
});

t.test('the same transcript under two session ids: nothing shared by id, everything by content', async (t) => {
  const x = corpus(X);
  const other = OTHER_ID;
  const cut = 60;
  const cwd = await sharedArchive();
  const eq = await diffJson(cwd, [X, other]);
  t.equal(eq.code, 0, 'equal by content');
  t.equal(eq.out.equal, true);
  t.equal(eq.out.shared.records_by_id, 1, 'only line 1 (no session id in it) is the same record');
  t.equal(eq.out.shared.steps, stepCount(x));
  t.equal(eq.out.shared.steps_by_content, stepCount(x));
  t.same(eq.out.pairs, []);
  const text = await tapes(['diff', X, other], { cwd, env });
  t.equal(text.code, 0);
  t.match(text.stdout, /\nequal: \d+ steps, the same content\n$/);

  const { code, out } = await diffJson(cwd, [X, 'renamed-cut']);
  t.equal(code, 1);
  t.equal(out.shared.steps, stepCount(x.slice(0, cut)), 'diverges where the copy was cut');
  t.equal(out.shared.steps_by_content, out.shared.steps, 'found by content: the record ids differ');
  const xs = await ids(cwd, X);
  const lastStepLine = x.slice(0, cut).map((l) => stepCount([l])).lastIndexOf(1);
  t.equal(out.shared.a!.record, xs[lastStepLine], 'the last shared step is on the last conversation line before the cut');
});

t.test('one step changed near the end: one changed pair, the rest the same; -p shows the text that changed', async (t) => {
  const x = corpus(X);
  const at = AT; // line 76: a tool result, edited in the shared archive's `edited`
  const o = JSON.parse(x[at]!) as { message: { content: Array<{ content: unknown }> } };
  const block = o.message.content[0]!;
  const before = typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
  const cwd = await sharedArchive();
  const { code, out } = await diffJson(cwd, ['-p', X, 'edited']);
  t.equal(code, 1);
  t.equal(out.shared.records_by_id, at, 'the records before the edited line are shared');
  t.equal(out.shared.steps, stepCount(x.slice(0, at)));
  t.same(out.counts, { same: 1, changed: 1, only_a: 0, only_b: 0 }, 'the edited result, then the answer that follows it');
  const p = out.pairs[0]!;
  t.equal(p.mark, 'changed');
  t.equal(p.a!.label, 'tool_result');
  t.ok(p.patch!.some((l) => l === '+the tool said something else'), 'the new text');
  t.ok(p.patch!.some((l) => l.startsWith('-') && before.includes(l.slice(1, 40))), 'the old text');
  t.match(p.patch![0], /^@@ -1,\d+ \+1,2 @@$/);
  const text = await tapes(['diff', '-p', X, 'edited'], { cwd, env });
  t.match(text.stdout, /\n~ a \[\d+:\d\d\] [0-9a-f]{7,} tool_result: .*\n~ b \[\d+:\d\d\] [0-9a-f]{7,} tool_result: the tool said something else\n {4}@@ /);
});

t.test('an extra step on one side does not misalign what follows', async (t) => {
  const x = corpus(X);
  const cwd = await sharedArchive();
  const { out } = await diffJson(cwd, [X, 'longer']);
  t.same(out.counts, { same: stepCount(x.slice(45)), changed: 0, only_a: 0, only_b: 1 });
  t.equal(out.pairs[0]!.mark, 'only-b', 'the extra step comes first');
  t.ok(out.pairs.slice(1).every((p) => p.mark === 'same'), 'everything after it pairs as the same');
  const back = await diffJson(cwd, ['longer', X]);
  t.same(back.out.counts, { same: stepCount(x.slice(45)), changed: 0, only_a: 1, only_b: 0 }, 'and the other way round');
});

t.test('a capture with one record per response aligns with the Claude Code import that splits it per block', async (t) => {
  const y = corpus(Y);
  const cwd = await copyOfShared(t);
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const events: EventView[] = [];
  for (const id of await ids(cwd, Y)) events.push(await readEvent(store, id));
  // Merge the lines of each assistant message (same message id) into one record, as a proxy sees the response.
  const merged: Array<{ kind: string; role: string | null; content: unknown[]; meta: Record<string, unknown> }> = [];
  for (const ev of events) {
    if (!['user', 'assistant', 'tool_result'].includes(ev.kind)) continue;
    const content = (await resolveValue(store, ev.content)) as unknown[];
    const last = merged[merged.length - 1];
    if (ev.kind === 'assistant' && last?.kind === 'assistant' && last.meta.message_id === ev.meta.message_id) last.content.push(...content);
    else merged.push({ kind: ev.kind, role: ev.role, content, meta: { harness: 'proxy-test', message_id: ev.meta.message_id ?? null } });
  }
  t.ok(merged.length < events.filter((e) => ['user', 'assistant', 'tool_result'].includes(e.kind)).length, 'some responses had several blocks');
  const put = async (bytes: Uint8Array) => (await writeContent(store, bytes)).id;
  let parent: string | null = null;
  for (const m of merged) {
    const value: Record<string, unknown> = { parent, kind: m.kind, role: m.role, time: null, content: await encodeValue(m.content, put), meta: await encodeValue(m.meta, put) };
    parent = await store.write('record', Buffer.from(canonicalJson(value), 'utf8'));
  }
  await archive.refs.update('refs/sessions/proxy', parent!, { expectedOld: null, reason: 'test' });
  const { code, out } = await diffJson(cwd, [Y, 'proxy']);
  t.equal(code, 0, 'equal');
  t.equal(out.shared.records_by_id, 0);
  t.equal(out.shared.steps, stepCount(y));
  t.equal(out.b.records, merged.length);
});

t.test('a session against itself, against its own history, and bad revisions', async (t) => {
  const x = corpus(X);
  const cwd = await copyOfShared(t);
  const self = await tapes(['diff', X, X.slice(0, 8)], { cwd, env });
  t.equal(self.code, 0);
  t.match(self.stdout, /equal: \d+ steps, the same records\n$/);
  const { code, out } = await diffJson(cwd, [X, `${X}~3`]);
  t.equal(code, 1);
  t.equal(out.shared.records_by_id, x.length - 3);
  t.equal(out.counts.only_a, stepCount(x.slice(-3)));

  const bad = await tapes(['diff', X, 'no-such-session'], { cwd, env });
  t.equal(bad.code, 2);
  t.equal(bad.stdout, '');
  t.match(bad.stderr, /^tapes: error: unknown revision 'no-such-session'/);
  const past = await tapes(['diff', `${X}~500`, X], { cwd, env });
  t.equal(past.code, 2);
  t.match(past.stderr, /goes past the first record/);
  const blob = (await tapes(['hash-object', '-w', '--stdin'], { cwd, env, stdin: 'hello\n' })).stdout.trim();
  const notRecord = await tapes(['diff', X, blob], { cwd, env });
  t.equal(notRecord.code, 2, 'trouble other than a missing revision is 2 too, never 1');
  t.match(notRecord.stderr, /names a blob/);
  t.equal((await tapes(['diff', X], { cwd, env })).code, 129);
});

t.test('align: an extra item, changed pairs, bounded tables', async (t) => {
  const pairs = align({ a: Int32Array.from([1, 2, 3, 4, 5]), b: Int32Array.from([1, 2, 9, 3, 4, 5]), score: () => 0 });
  t.same(pairs, [[0, 0], [1, 1], [-1, 2], [2, 3], [3, 4], [4, 5]]);
  // Items 7 and 8 cannot be the same but score as a change (same key).
  const a = Int32Array.from([10, 7, 11]);
  const b = Int32Array.from([10, 8, 12, 11]);
  const keyA = [0, 1, 2];
  const keyB = [0, 1, 3, 2];
  const changed = align({ a, b, score: (i, j) => (a[i] === b[j] ? 4 : keyA[i] === keyB[j] ? 3 : 0) });
  t.same(changed, [[0, 0], [1, 1], [-1, 2], [2, 3]]);
  // A table over the bound is cut into pieces: still every index once, in order.
  const n = 300;
  const big = (seed: number) => Int32Array.from({ length: n }, (_, i) => ((i * seed) % 17) + 100);
  const A = big(5);
  const B = big(7);
  const out = align({ a: A, b: B, score: (i, j) => (A[i] === B[j] ? 1 : 0) }, 10_000);
  t.same(out.filter((p) => p[0] >= 0).map((p) => p[0]), [...Array(n).keys()]);
  t.same(out.filter((p) => p[1] >= 0).map((p) => p[1]), [...Array(n).keys()]);
  t.ok(out.every(([i, j]) => i < 0 || j < 0 || A[i] === B[j]), 'only equal items paired');
});

t.test('unifiedDiff: hunks with context', async (t) => {
  const a = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'].join('\n');
  const b = ['one', 'two', 'three', 'FOUR', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'].join('\n');
  const h = unifiedDiff(a, b, 2);
  t.same(h.map((x) => [x.aStart, x.aLines, x.bStart, x.bLines, x.lines]), [
    [2, 5, 2, 5, [' two', ' three', '-four', '+FOUR', ' five', ' six']],
    [9, 2, 9, 3, [' nine', ' ten', '+eleven']],
  ]);
  t.same(unifiedDiff('same', 'same'), []);
  t.same(unifiedDiff('', 'y\nz').map((x) => [x.aStart, x.aLines, x.bStart, x.bLines, x.lines]), [[0, 0, 1, 2, ['+y', '+z']]], 'empty text has no lines');
});
