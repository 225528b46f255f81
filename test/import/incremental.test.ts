// Importing is idempotent and incremental: the same file again changes
// nothing; a grown file adds only its new lines and fast-forwards the session
// ref (one reflog line); a file that does not extend the stored session goes
// under a ref of its own and overwrites nothing.
import t, { type Test } from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  claudeProjects,
  codexSessions,
  exportBytes,
  importJson,
  linesWithEol,
  newArchive,
  objectFiles,
  reflogCounts,
  reflogLines,
  revList,
  sha256,
  showRef,
  smallClaude,
  tapes,
} from './import-helpers.js';

const ZERO = '0'.repeat(64);
// 78 lines, 128 KB (79e9becd's 158 lines, 290 KB, were imported whole or in part by five tests here).
const medium = join(claudeProjects, '-Users-alex-workspace-cli--worktrees-2', '2b945d54-dd2b-4f60-b3b0-7b0252349003.jsonl');
const rollout = join(codexSessions, '2026', '05', '11', 'rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl'); // 99 lines
const sliceA = join(claudeProjects, '-Users-alex-workspace-cli', '0cf3db51-1c73-43bb-8d05-dc02739514a5.jsonl');
const sliceB = join(claudeProjects, '-Users-alex-workspace-cli', '0cf3db51-1c73-43bb-8d05-dc02739514a5-7e6e3ea2ad.jsonl');

async function tip(cwd: string, session: string): Promise<string> {
  const r = await tapes(['rev-parse', session], { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** Reflog line → [old, new]. */
function moves(lines: string[]): Array<[string, string]> {
  return lines.map((l) => {
    const [old, neu] = l.split(' ');
    return [old!, neu!];
  });
}

t.test('idempotent: the same file again adds zero objects and moves no ref', async (t) => {
  const cwd = await newArchive(t);
  await fs.copyFile(smallClaude, join(cwd, 'small.jsonl'));
  const first = await importJson(cwd, ['small.jsonl']);
  t.equal(first.code, 0);
  t.equal(first.summary.files[0]!.status, 'new');
  t.equal(first.summary.files[0]!.records_added, 9);
  const objects = (await objectFiles(cwd)).size;
  const logs = await reflogCounts(cwd);
  const refs = await showRef(cwd);
  t.ok(objects >= 9);
  for (let i = 0; i < 2; i++) {
    const again = await importJson(cwd, ['small.jsonl']);
    t.equal(again.code, 0);
    t.equal(again.summary.files[0]!.status, 'unchanged');
    t.equal(again.summary.files[0]!.records_added, 0);
    t.same(again.summary.sessions, { new: 0, updated: 0, unchanged: 1, kept_separately: 0 });
    t.equal(again.summary.objects_written, 0);
    t.equal((await objectFiles(cwd)).size, objects, 'no object file added');
    t.same(await reflogCounts(cwd), logs, 'no reflog line added');
    t.equal(await showRef(cwd), refs, 'no ref moved');
  }
});

/** Cut a transcript after line `n` (keeping that line's newline), import, grow it to the whole file, import again. */
async function cutThenGrow(t: Test, source: string, n: number) {
  const cwd = await newArchive(t);
  const bytes = await fs.readFile(source);
  const lines = linesWithEol(bytes);
  t.ok(lines[n - 1]!.at(-1) === 0x0a, `line ${n} ends with a newline`);
  const name = source.split('/').pop()!;
  const file = join(cwd, name);
  await fs.writeFile(file, Buffer.concat(lines.slice(0, n)));
  const first = await importJson(cwd, [name]);
  t.equal(first.code, 0, first.stderr);
  const f1 = first.summary.files[0]!;
  t.equal(f1.status, 'new');
  t.equal(f1.records, n);
  t.equal(f1.records_added, n);
  const session = f1.session!;
  const ref = `refs/sessions/${session}`;
  const tip1 = await tip(cwd, session);
  t.same(moves(await reflogLines(cwd, ref)), [[ZERO, tip1]], 'created: one reflog line');
  t.equal(sha256((await exportBytes(cwd, session)).stdoutBytes), sha256(Buffer.concat(lines.slice(0, n))), 'the cut file exports exactly');

  await fs.writeFile(file, bytes);
  const second = await importJson(cwd, [name]);
  t.equal(second.code, 0, second.stderr);
  const f2 = second.summary.files[0]!;
  t.equal(f2.status, 'updated');
  t.equal(f2.session, session, 'same session');
  t.equal(f2.records, lines.length);
  t.equal(f2.records_added, lines.length - n, `records_added = ${lines.length} - ${n}`);
  t.equal(second.summary.records_added, lines.length - n);
  t.same(second.summary.sessions, { new: 0, updated: 1, unchanged: 0, kept_separately: 0 });
  const tip2 = await tip(cwd, session);
  t.not(tip2, tip1);
  const chain = await revList(cwd, session);
  t.equal(chain.length, lines.length);
  t.equal(chain[n - 1], tip1, 'fast-forward: the old tip is in the new chain, at line n');
  const log = moves(await reflogLines(cwd, ref));
  t.equal(log.length, 2, 'exactly one reflog line added');
  t.same(log[1], [tip1, tip2], 'its old value is the previous tip');
  t.equal(sha256((await exportBytes(cwd, session)).stdoutBytes), sha256(bytes), 'the grown file exports exactly');
  t.equal((await tapes(['fsck'], { cwd })).code, 0);
  return { cwd, session, name };
}

t.test('incremental: a Claude transcript cut after line 50, then whole', async (t) => {
  await cutThenGrow(t, medium, 50);
});

t.test('incremental: a Codex rollout cut after line 40, then whole', async (t) => {
  await cutThenGrow(t, rollout, 40);
});

// The next three grow or shrink the transcript's first lines (70, 60 or 40
// of its 78): the whole file, imported whole above, adds only time here.
t.test('incremental: growing in three steps fast-forwards each time', async (t) => {
  const cwd = await newArchive(t);
  const lines = linesWithEol(await fs.readFile(medium)).slice(0, 70);
  await fs.writeFile(join(cwd, 'g.jsonl'), Buffer.concat(lines.slice(0, 10)));
  t.equal((await importJson(cwd, ['g.jsonl'])).summary.files[0]!.status, 'new');
  const tips = [await tip(cwd, 'g')];
  for (const n of [40, lines.length]) {
    await fs.writeFile(join(cwd, 'g.jsonl'), Buffer.concat(lines.slice(0, n)));
    const r = await importJson(cwd, ['g.jsonl']);
    t.equal(r.summary.files[0]!.status, 'updated');
    t.equal(r.summary.files[0]!.records_added, n - (tips.length === 1 ? 10 : 40));
    tips.push(await tip(cwd, 'g'));
  }
  const log = moves(await reflogLines(cwd, 'refs/sessions/g'));
  t.same(log, [[ZERO, tips[0]], [tips[0], tips[1]], [tips[1], tips[2]]]);
});

t.test('incremental: an older (shorter) copy after the whole file changes nothing', async (t) => {
  const cwd = await newArchive(t);
  const lines = linesWithEol(await fs.readFile(medium)).slice(0, 60);
  const bytes = Buffer.concat(lines);
  await fs.writeFile(join(cwd, 'o.jsonl'), bytes);
  await importJson(cwd, ['o.jsonl']);
  const before = await showRef(cwd);
  await fs.writeFile(join(cwd, 'o.jsonl'), Buffer.concat(lines.slice(0, 30)));
  const r = await importJson(cwd, ['o.jsonl']);
  t.equal(r.summary.files[0]!.status, 'unchanged');
  t.equal(r.summary.files[0]!.session, 'o');
  t.equal(await showRef(cwd), before, 'the ref still points at the whole session');
});

t.test('incremental: a last line torn mid-write, completed later, fast-forwards', async (t) => {
  const cwd = await newArchive(t);
  const lines = linesWithEol(await fs.readFile(medium)).slice(0, 40);
  const bytes = Buffer.concat(lines);
  const torn = Buffer.concat([...lines.slice(0, 20), lines[20]!.subarray(0, 200)]);
  await fs.writeFile(join(cwd, 'w.jsonl'), torn);
  const first = await importJson(cwd, ['w.jsonl']);
  t.equal(first.summary.files[0]!.status, 'new');
  t.equal(first.summary.files[0]!.records, 21);
  t.match(first.summary.files[0]!.problems, [/^w\.jsonl:21: /], 'the torn line is reported');
  t.equal(sha256((await exportBytes(cwd, 'w')).stdoutBytes), sha256(torn));
  await fs.writeFile(join(cwd, 'w.jsonl'), bytes);
  const second = await importJson(cwd, ['w.jsonl']);
  t.equal(second.summary.files[0]!.status, 'updated');
  t.equal(second.summary.files[0]!.session, 'w');
  t.equal(sha256((await exportBytes(cwd, 'w')).stdoutBytes), sha256(bytes), 'the session is now the whole file');
});

t.test('kept separately: another file under the same name does not touch the stored session', async (t) => {
  // The corpus's two slices of session 0cf3db51: the second, saved under the
  // first's file name in another folder, shares the session id but does not
  // extend what is stored. (The first slice's first 20 lines of 700, 97 KB:
  // the second shares none of its lines, and the whole 2 MB made this test
  // the slowest of its file.)
  const cwd = await newArchive(t);
  const name = '0cf3db51-1c73-43bb-8d05-dc02739514a5.jsonl';
  await fs.mkdir(join(cwd, 'one'));
  await fs.mkdir(join(cwd, 'two'));
  await fs.mkdir(join(cwd, 'three'));
  const firstSlice = Buffer.concat(linesWithEol(await fs.readFile(sliceA)).slice(0, 20));
  await fs.writeFile(join(cwd, 'one', name), firstSlice);
  await fs.copyFile(sliceB, join(cwd, 'two', name));
  await fs.copyFile(smallClaude, join(cwd, 'three', name));
  const first = await importJson(cwd, ['one']);
  t.equal(first.summary.files[0]!.status, 'new');
  const session = first.summary.files[0]!.session!;
  t.equal(session, '0cf3db51-1c73-43bb-8d05-dc02739514a5');
  const ref = `refs/sessions/${session}`;
  const original = await tip(cwd, session);

  // Text output: the summary on stdout, the "kept separately" line on stderr.
  const text = await tapes(['import', 'two'], { cwd });
  t.equal(text.code, 0, 'kept separately is not a refusal');
  t.match(text.stderr, new RegExp(`^kept separately two/${name.replace(/\./g, '\\.')}: .*imported as ${session}-\\S+`, 'm'));
  t.match(text.stdout, /1 kept separately/);
  t.equal(await tip(cwd, session), original, 'the original ref is untouched');
  t.equal((await reflogLines(cwd, ref)).length, 1, 'and its reflog has no new line');
  const refs = (await showRef(cwd)).split('\n').filter(Boolean);
  t.equal(refs.length, 2, 'a second ref');
  const other = refs.map((l) => l.split(' ')[1]!).find((r) => r !== ref)!;
  t.match(other, new RegExp(`^refs/sessions/${session}-`));
  const otherName = other.slice('refs/sessions/'.length);
  t.equal(sha256((await exportBytes(cwd, otherName)).stdoutBytes), sha256(await fs.readFile(sliceB)), 'the second file is under its own ref');
  t.equal(sha256((await exportBytes(cwd, session)).stdoutBytes), sha256(firstSlice), 'the first is intact');

  // --json: the same file again is unchanged (under its own ref); a third file is kept separately too.
  const again = await importJson(cwd, ['two', 'three']);
  t.equal(again.code, 0);
  t.equal(again.summary.files[0]!.status, 'unchanged');
  t.equal(again.summary.files[0]!.session, otherName);
  t.equal(again.summary.files[1]!.status, 'kept-separately');
  t.notOk([session, otherName].includes(again.summary.files[1]!.session!), 'a third ref');
  t.match(again.summary.files[1]!.session, new RegExp(`^${session}-`));
  t.same(again.summary.sessions, { new: 0, updated: 0, unchanged: 1, kept_separately: 1 });
  t.equal(await tip(cwd, session), original, 'the original ref is still untouched');
  t.equal((await showRef(cwd)).split('\n').filter(Boolean).length, 3);
  // And the first file re-imported is simply unchanged.
  t.equal((await importJson(cwd, ['one'])).summary.files[0]!.status, 'unchanged');
});

t.test('kept separately: a different complete last line is not a torn line to overwrite', async (t) => {
  // Stored: lines 1-5 of a transcript and then a complete line X with no
  // final newline. The new file has lines 1-6 of the transcript: line 6 is
  // not X completed, so the new file does not extend the stored session and
  // X must stay reachable from its ref.
  const cwd = await newArchive(t);
  const bytes = await fs.readFile(smallClaude);
  const lines = linesWithEol(bytes);
  const x = Buffer.from('{"type":"summary","summary":"A different ending","leafUuid":"0e5c3a35-0000-4000-8000-000000000000"}');
  const old = Buffer.concat([...lines.slice(0, 5), x]);
  await fs.writeFile(join(cwd, 's.jsonl'), old);
  const first = await importJson(cwd, ['s.jsonl']);
  t.equal(first.summary.files[0]!.status, 'new');
  const original = await tip(cwd, 's');
  const grown = Buffer.concat(lines.slice(0, 6));
  await fs.writeFile(join(cwd, 's.jsonl'), grown);
  const second = await importJson(cwd, ['s.jsonl']);
  t.equal(second.summary.files[0]!.status, 'kept-separately', 'the file does not extend the stored bytes');
  t.equal(await tip(cwd, 's'), original, 'refs/sessions/s still ends at line X');
  t.equal(sha256((await exportBytes(cwd, 's')).stdoutBytes), sha256(old), 'the stored session still exports the old bytes');
});
