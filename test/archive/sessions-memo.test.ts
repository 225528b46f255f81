// SessionsMemo (src/archive/sessions/cache.ts) and derivedHead
// (src/archive/derived-file.ts): a process that updates the summaries again
// and again (the import's second thread) keeps what it wrote to
// index/sessions.json and the file's first line, and does not read the file
// back while it still begins with that line. derivedHead is that line as
// writeDerived returned it, and nothing for a missing or linked file or one
// with no line end early on. A plan with the memo trusts it while the line
// holds (a body changed behind the same line is not read) and reads the
// file once another writer has written it; a finish that writes nothing
// leaves the memo as it was, and one that could not write leaves nothing
// in it. Over several updates, with refs moved, renamed and deleted and the
// file rewritten or removed by another writer between them,
// updateDerivedIndexes with a memo writes what it writes without one.
import t, { type Test } from 'tap';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { derivedHead, writeDerived } from '../../src/archive/derived-file.js';
import { updateDerivedIndexes } from '../../src/archive/search/index.js';
import { SESSION_INDEX_VERSION, SessionIndexUpdate, chainRefs, readChainEvents, summariseSession, type SessionSummary, type SessionsMemo } from '../../src/archive/sessions/index.js';
import { corpusDir } from '../helpers/cli.js';
import { ImportedArchive, scratchDir } from '../helpers/imported-archive.js';
import { withoutPrivileges } from '../helpers/privileges.js';

const env = { TZ: 'UTC' };
const projects = join(corpusDir, 'claude-code', 'projects');
const SOURCES = [
  join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
  join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl'),
  join(projects, '-Users-gtrrz-victor-wks-cli', '5a3bb1c8-c3ce-466e-b487-24212cbf1da1.jsonl'),
  join(corpusDir, 'gemini'),
  join(corpusDir, 'scale', 'gemini'),
];
const INDEX_MAGIC = 'tapes-session-index';

const scratch = (owner: { teardown(fn: () => void): void }): string => scratchDir(owner, 'tapes-sessions-memo-');

const imported = new ImportedArchive(t, 'tapes-sessions-memo-', () => SOURCES, { env, packed: true });
/** A copy of the imported archive (made once) without its session index and tips file. */
async function copyOfArchive(owner: Test): Promise<string> {
  const dir = await imported.copy(owner);
  for (const f of ['sessions.json', 'session-tips.json']) rmSync(join(dir, '.tapes', 'index', f), { force: true });
  return dir;
}

const open = (dir: string) => Archive.openAt(join(dir, '.tapes'));
const sessionsFile = (dir: string) => join(dir, '.tapes', 'index', 'sessions.json');
const firstLine = (path: string) => readFileSync(path, 'latin1').split('\n')[0];

/**
 * One update of the summaries, as listSessions makes it, but with `memo`:
 * what the plan found stale, and what finish listed. `finishing`: how
 * finish is run (as another user, say).
 */
async function update(dir: string, memo?: SessionsMemo, finishing = <T>(fn: () => Promise<T>) => fn()): Promise<{ stale: string[]; listed: SessionSummary[] }> {
  const archive = await open(dir);
  const u = SessionIndexUpdate.plan(archive, await chainRefs(archive), memo);
  const store = await archive.objects();
  for (const i of u.stale) u.put(i, await summariseSession(store, u.refs[i]!.name, u.refs[i]!.id));
  return { stale: u.stale.map((i) => u.refs[i]!.name), listed: await finishing(() => u.finish(memo)) };
}

t.test('derivedHead: the line writeDerived returned; nothing for a missing, linked, unended or unreadable file', async (t) => {
  const dir = scratch(t);
  const index = join(dir, 'index');
  const path = join(index, 'thing.json');
  const value = { a: [1, 2, 3], b: 'é' };
  const head = await writeDerived(path, 'tapes-test', 7, value);
  t.equal(head, `tapes-test 7 ${createHash('sha256').update(JSON.stringify(value)).digest('hex')}`, 'writeDerived returns magic, version and the SHA-256 of the body');
  t.equal(firstLine(path), head, 'the first line of the file it wrote');
  t.equal(derivedHead(path), head, 'derivedHead reads it back');
  const again = await writeDerived(path, 'tapes-test', 7, { other: true });
  t.not(again, head, 'another body, another line');
  t.equal(derivedHead(path), again, 'derivedHead reads the file as it is now');

  t.equal(derivedHead(join(index, 'missing.json')), undefined, 'a missing file: undefined');
  const link = join(index, 'link.json');
  symlinkSync(path, link);
  t.equal(derivedHead(link), undefined, 'a symlinked file: undefined');
  t.equal(await writeDerived(link, 'tapes-test', 7, value), undefined, 'nor is one written through: writeDerived returns undefined');
  t.equal(derivedHead(path), again, 'and the file the link names is unchanged');
  const linkedDir = join(dir, 'linked-index');
  symlinkSync(index, linkedDir);
  t.equal(derivedHead(join(linkedDir, 'thing.json')), undefined, 'a file in a symlinked folder: undefined');

  const long = join(index, 'long.json');
  writeFileSync(long, 'x'.repeat(256) + '\nbody');
  t.equal(derivedHead(long), undefined, 'no line end in the first 256 bytes: undefined');
  writeFileSync(long, 'x'.repeat(255) + '\nbody');
  t.equal(derivedHead(long), 'x'.repeat(255), 'a line end at the 256th byte: the line before it');
  writeFileSync(long, 'no line end at all');
  t.equal(derivedHead(long), undefined, 'a short file with no line end: undefined');
  writeFileSync(long, '');
  t.equal(derivedHead(long), undefined, 'an empty file: undefined');
  const folder = join(index, 'folder.json');
  mkdirSync(folder);
  t.equal(derivedHead(folder), undefined, 'a folder: undefined');
  t.equal(await writeDerived(folder, 'tapes-test', 7, value), undefined, 'writeDerived over a folder cannot write: undefined');
});

t.test('plan with the memo of the last finish: the file is not read while it begins with the line written', async (t) => {
  const a = await copyOfArchive(t);
  const path = sessionsFile(a);
  const memo: SessionsMemo = {};
  const first = await update(a, memo);
  const refs = (await chainRefs(await open(a))).map((r) => r.name);
  t.ok(refs.length >= 5, `${refs.length} chains`);
  t.same(first.stale, refs, 'no index yet: every chain summarised');
  t.equal(memo.head, firstLine(path), 'finish kept the first line it wrote');
  t.equal(derivedHead(path), memo.head, 'which derivedHead reads');
  t.same([...memo.index!.keys()], refs, 'and the summaries, by ref');
  t.same([...memo.index!.values()], first.listed, 'as listed');
  const intact = readFileSync(path);
  const kept = memo.index;

  // The body changed behind the same first line: read, the file is no index at all.
  writeFileSync(path, `${memo.head}\n[]`);
  const withMemo = await update(a, memo);
  t.same(withMemo.stale, [], 'with the memo: nothing to summarise (the body was not read)');
  t.same(withMemo.listed, first.listed, 'the summaries of the memo');
  t.equal(memo.index, kept, 'nothing written: the memo as it was');
  t.equal(readFileSync(path, 'utf8'), `${memo.head}\n[]`, 'nor the file rewritten');
  const withoutMemo = await update(a);
  t.same(withoutMemo.stale, refs, 'without the memo the body is read: not an index, every chain summarised again');
  t.same(withoutMemo.listed, first.listed, 'to the same summaries');

  // And the intact file, read without a memo, gives what the memo gave.
  writeFileSync(path, intact);
  const fromFile = await update(a);
  t.same(fromFile.stale, [], 'the intact file: nothing to summarise');
  t.same(fromFile.listed, withMemo.listed, 'the same summaries as with the memo');
});

t.test('plan with the memo after another writer rewrote the file: the file is read', async (t) => {
  const a = await copyOfArchive(t);
  const path = sessionsFile(a);
  const memo: SessionsMemo = {};
  const first = await update(a, memo);
  const before = memo.head;
  // Another process's summaries: one retitled, one left out.
  const [dropped, retitled] = [first.listed[0]!, first.listed[1]!];
  const theirs = first.listed.filter((s) => s !== dropped).map((s) => (s === retitled ? { ...s, title: 'written by another process' } : s));
  const written = await writeDerived(path, INDEX_MAGIC, SESSION_INDEX_VERSION, theirs);
  t.ok(written, 'the other writer wrote');
  t.not(written, before, 'a different first line');
  const next = await update(a, memo);
  t.same(next.stale, [dropped.ref], 'only the chain the file lacks is summarised: the rest was read from the file');
  t.equal(next.listed.find((s) => s.ref === retitled.ref)?.title, 'written by another process', "the file's summary, not the memo's");
  t.same(next.listed.find((s) => s.ref === dropped.ref), dropped, 'the one summarised again as it was');
  t.equal(memo.head, firstLine(path), 'it wrote: the memo holds the new first line');
  t.not(memo.head, written, 'not the other writer’s');
  t.same([...memo.index!.values()], next.listed, 'and what it wrote');
  t.same(await update(a), { stale: [], listed: next.listed }, 'which is what the file holds');
});

t.test('plan with the memo after another writer rewrote session-details.json: the files are read', async (t) => {
  const a = await copyOfArchive(t);
  const details = join(a, '.tapes', 'index', 'session-details.json');
  const memo: SessionsMemo = {};
  const first = await update(a, memo);
  t.equal(memo.detailsHead, firstLine(details), 'finish kept the details file\'s first line too');
  // Another process's details: one chain's tool counts changed (sessions.json left as it was).
  const changed = first.listed.find((s) => Object.keys(s.tools).length > 0)!;
  const theirs = first.listed.map((s) => [s.ref, s.tip, s.records_by_kind, s === changed ? { other: { calls: 99, errors: 0 } } : s.tools, s.tool_time]);
  const written = await writeDerived(details, 'tapes-session-details', SESSION_INDEX_VERSION, theirs);
  t.ok(written, 'the other writer wrote');
  const next = await update(a, memo);
  t.same(next.stale, [], 'nothing to summarise: both files read, every entry of its tip');
  t.same(next.listed.find((s) => s.ref === changed.ref)?.tools, { other: { calls: 99, errors: 0 } }, "the file's counts, not the memo's");
  // Nothing written, so the memo still holds what this process wrote, which the file no longer begins with: read again.
  t.not(memo.detailsHead, firstLine(details), 'the memo is not what the file begins with');
  const again = await update(a, memo);
  t.same(again.listed.find((s) => s.ref === changed.ref)?.tools, { other: { calls: 99, errors: 0 } }, "asked again: the file's counts again");
});

t.test('finish with nothing changed leaves the memo as it was', async (t) => {
  const a = await copyOfArchive(t);
  const path = sessionsFile(a);
  const memo: SessionsMemo = {};
  const first = await update(a, memo);
  const [head, index] = [memo.head, memo.index];
  const mtime = statSync(path).mtimeMs;
  const again = await update(a, memo);
  t.same(again, { stale: [], listed: first.listed }, 'nothing to do');
  t.equal(memo.head, head, 'the same first line');
  t.equal(memo.index, index, 'the same summaries (the very map)');
  t.equal(statSync(path).mtimeMs, mtime, 'the file not written');
  const fresh: SessionsMemo = {};
  t.same(await update(a, fresh), { stale: [], listed: first.listed }, 'with an empty memo: read from the file');
  t.same(fresh, {}, 'nothing written, nothing kept');
});

t.test('finish that cannot write leaves no summaries in the memo', async (t) => {
  const a = await copyOfArchive(t);
  const path = sessionsFile(a);
  const index = join(a, '.tapes', 'index');
  const memo: SessionsMemo = {};
  const first = await update(a, memo);
  const all = new Map<string, string[]>();
  const archive = await open(a);
  const store = await archive.objects();
  for (const r of await chainRefs(archive)) all.set(r.name, (await readChainEvents(store, r.id)).map((e) => e.id));
  const [ref, ids] = [...all.entries()].find(([, x]) => x.length >= 4)!;

  // sessions.json a symlink: never written through.
  const elsewhere = join(scratch(t), 'sessions.json');
  renameSync(path, elsewhere);
  symlinkSync(elsewhere, path);
  await archive.refs.update(ref, ids[1]!);
  const linked = await update(a, memo);
  t.ok(linked.listed.some((s) => s.ref === ref && s.tip === ids[1]), 'the moved chain summarised');
  t.equal(memo.head, undefined, 'a symlinked sessions.json: no first line kept');
  t.equal(memo.index, undefined, 'and no summaries');
  // The file holds what `tapes sessions` lists: the summaries but for their counts by kind and tool (session-details.json).
  const listings = first.listed.map(({ records_by_kind: _k, tools: _t, tool_time: _tt, ...l }) => l);
  t.same(readFileSync(elsewhere, 'utf8').split('\n')[1], JSON.stringify(listings), 'the file the link names is untouched');
  rmSync(path);
  const restored = await update(a, memo);
  t.equal(memo.head, firstLine(path), 'written again: kept again');
  t.same([...memo.index!.values()], restored.listed, 'with its summaries');
  const written = memo.head;

  // index/ not writable (by the user finish runs as: root, whom modes do not stop, runs it as nobody).
  await archive.refs.update(ref, ids[2]!);
  chmodSync(index, 0o555);
  t.teardown(() => chmodSync(index, 0o755));
  const unwritable = await update(a, memo, (fn) => withoutPrivileges(scratch(t), fn));
  chmodSync(index, 0o755);
  t.ok(unwritable.listed.some((s) => s.ref === ref && s.tip === ids[2]), 'the moved chain summarised');
  t.equal(firstLine(path), written, 'the file as it was');
  t.not(JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!).find((s: SessionSummary) => s.ref === ref).tip, ids[2], 'not holding the new tip');
  t.equal(memo.head, undefined, 'a read-only index/: no first line kept');
  t.equal(memo.index, undefined, 'and no summaries');
  const after = await update(a, memo);
  t.same(after.stale, [ref], 'the next update reads the file: only the moved chain is summarised');
  t.equal(memo.head, firstLine(path), 'and, writing, keeps its line');
});

/** Ref moves (an id), deletions (null) and renames ({ to }), made between two updates. */
type Step = Array<[string, string | null | { to: string }]>;

async function apply(dir: string, step: Step): Promise<void> {
  const archive = await open(dir);
  for (const [ref, what] of step) {
    if (what === null) await archive.refs.delete(ref);
    else if (typeof what === 'string') await archive.refs.update(ref, what);
    else {
      await archive.refs.update(what.to, (await archive.refs.resolve(ref))!);
      await archive.refs.delete(ref);
    }
  }
}

t.test('updateDerivedIndexes with a memo over several updates writes what it writes without one', async (t) => {
  const a = await copyOfArchive(t);
  const b = await copyOfArchive(t);
  const archive = await open(a);
  const store = await archive.objects();
  const all = [...(await Promise.all((await chainRefs(archive)).map(async (r) => [r.name, (await readChainEvents(store, r.id)).map((e) => e.id)] as const)))].sort(
    (x, y) => y[1].length - x[1].length || (x[0] < y[0] ? -1 : 1),
  );
  const [l1, l2, s1, s2] = [all[0]!, all[1]!, all.at(-1)!, all.at(-2)!];
  const half = (ids: readonly string[]) => ids[Math.floor(ids.length / 2)]!;
  // Between two updates: refs moved, the file rewritten or removed by another writer.
  const others: Array<(dir: string) => Promise<void>> = [
    async () => undefined,
    async () => undefined,
    // Another writer's summaries, the first one left out.
    async (dir) => {
      const theirs = JSON.parse(readFileSync(sessionsFile(dir), 'utf8').split('\n')[1]!) as SessionSummary[];
      await writeDerived(sessionsFile(dir), INDEX_MAGIC, SESSION_INDEX_VERSION, theirs.slice(1));
    },
    async (dir) => rmSync(sessionsFile(dir)),
    async () => undefined,
  ];
  const steps: Step[] = [
    [
      [l1[0], half(l1[1])],
      [l2[0], half(l2[1])],
    ],
    [
      [l1[0], l1[1].at(-1)!],
      [s1[0], null],
    ],
    [[s2[0], { to: 'refs/sessions/renamed-by-the-test' }]],
    [[l2[0], l2[1].at(-1)!]],
    [[s1[0], s1[1].at(-1)!]],
  ];
  const memo: SessionsMemo = {};
  for (const [k, step] of steps.entries()) {
    for (const dir of [a, b]) {
      await others[k]!(dir);
      await apply(dir, step);
    }
    const withMemo = await updateDerivedIndexes(await open(a), { summaries: true, sessions: memo });
    const without = await updateDerivedIndexes(await open(b), { summaries: true });
    t.same(withMemo.sessions, without.sessions, `update ${k + 1}: the same summaries`);
    for (const f of ['sessions.json', 'session-tips.json']) t.equal(readFileSync(join(a, '.tapes', 'index', f), 'utf8'), readFileSync(join(b, '.tapes', 'index', f), 'utf8'), `update ${k + 1}: the same ${f}`);
    t.equal(memo.head, derivedHead(sessionsFile(a)), `update ${k + 1}: the memo holds the file's first line`);
    t.same([...memo.index!.values()], withMemo.sessions, `update ${k + 1}: and its summaries`);
  }
  t.ok(memo.index?.has('refs/sessions/renamed-by-the-test'), 'the renamed chain is listed under its new name');
  // The memo is what the plan used: a body changed behind the same first line is not read.
  const listed = [...memo.index!.values()];
  writeFileSync(sessionsFile(a), `${memo.head}\n[]`);
  const trusted = await updateDerivedIndexes(await open(a), { summaries: true, sessions: memo });
  t.same(trusted.sessions, listed, 'with the memo, the summaries it holds');
  t.equal(readFileSync(sessionsFile(a), 'utf8'), `${memo.head}\n[]`, 'the file neither read nor rewritten');
});
