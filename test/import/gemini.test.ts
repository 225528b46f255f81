// Gemini CLI sessions: the five real session documents of the scale corpus
// and the JSONL session the real Gemini CLI 0.61.0 wrote come back byte for
// byte, get the same ids in every archive, read in order in log and show, and
// grow incrementally; a damaged document is reported by path and line and
// kept as far as it parses; `tapes import gemini` reads ~/.gemini/tmp from
// the caller's HOME.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { corpusDir } from '../helpers/cli.js';
import { exportBytes, fsck, importJson, newArchive, objectFiles, revList, sha256, showRef, tapes, tempDir } from './import-helpers.js';

const docsDir = join(corpusDir, 'scale', 'gemini');
const chatsDir = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats');
const jsonlFile = join(chatsDir, 'session-2026-12-04T17-24-9207bfd2.jsonl');
const docs = ['12_cbfeaa512b_0_full.jsonl', '51_3fab7adf0b_0_full.jsonl', 'ab_2b9748b105_0_full.jsonl', 'c9_45f262e88d_0_full.jsonl', 'ec_38b74f08e3_2_full.jsonl'].map((n) => join(docsDir, n));
/** fa4593e0: one prompt, a write_file call with two thoughts and its result, "Please continue", an answer. */
const writeFileDoc = docs[1]!;
/** The same session (f7633853) saved twice: c9 early (5 messages), ab 69 seconds later (31 ids). */
const [earlyDoc, lateDoc] = [docs[3]!, docs[2]!];

/** The log's lines without the tree and times: `<label>: <summary>`. */
async function logLines(cwd: string, session: string, extra: string[] = []): Promise<string[]> {
  const r = await tapes(['log', '--oneline', '--all-records', ...extra, session], { cwd, env: { COLUMNS: '400' } });
  if (r.code !== 0) throw new Error(`log ${session}: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => l.replace(/^[0-9a-f]+ /, ''));
}

let imported: Promise<{ cwd: string; r: Awaited<ReturnType<typeof importJson>> }> | undefined;
/** The five documents and the JSONL session imported into a fresh archive: once for the file, by the first two tests. */
function importedAll() {
  imported ??= (async () => {
    const cwd = await newArchive(t);
    return { cwd, r: await importJson(cwd, [...docs, jsonlFile]) };
  })();
  return imported;
}

t.test('gemini: the five real session documents and the JSONL session round-trip sha256-identical', async (t) => {
  const { cwd, r } = await importedAll();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.summary.files_refused, 0);
  t.same(
    r.summary.files.map((f) => f.format),
    ['gemini-json', 'gemini-json', 'gemini-json', 'gemini-json', 'gemini-json', 'gemini'],
    'each form detected from its content (the documents are named .jsonl in the corpus)',
  );
  t.same(r.summary.files.map((f) => f.problems), [[], [], [], [], [], []], 'no problem reported');
  for (const f of r.summary.files) {
    const original = await fs.readFile(f.path);
    const out = await exportBytes(cwd, f.session!);
    t.equal(out.code, 0, out.stderr);
    t.equal(sha256(out.stdoutBytes), sha256(original), `export --format original ${f.session} gives the file back`);
  }
  t.equal(r.summary.files[1]!.session, 'fa4593e0-f7e1-4dd1-b656-da95fb4d60fa', 'a session is named by the sessionId inside');
  t.equal(r.summary.files[5]!.session, '9207bfd2-0e43-4b40-9c26-c047dcb8181f', 'the JSONL file name holds 8 characters of it; the ref has all');
  t.equal(r.summary.files[3]!.status, 'kept-separately', 'an earlier copy of a document imported after a later one is kept beside it');
  t.equal((await fsck(cwd)).code, 0, 'fsck is clean');
  const all = await tapes(['export', '--all', '--format', 'original', '-o', 'out'], { cwd });
  t.equal(all.code, 0, all.stderr);
  t.same(
    (await fs.readdir(join(cwd, 'out'))).filter((n) => n.startsWith('fa4593e0') || n.startsWith('9207bfd2')).sort(),
    ['9207bfd2-0e43-4b40-9c26-c047dcb8181f.jsonl', 'fa4593e0-f7e1-4dd1-b656-da95fb4d60fa.json'],
    'export --all names a document .json, as it was',
  );
});

t.test('gemini: ids are deterministic and a second import adds nothing', async (t) => {
  // a: the first test's archive (it only read it and exported outside .tapes/); b: a second import, to compare.
  const a = (await importedAll()).cwd;
  const b = await newArchive(t);
  await importJson(b, [...docs, jsonlFile]);
  t.equal(await showRef(b), await showRef(a), 'the same refs and tips in two archives');
  t.same([...(await objectFiles(b)).keys()].sort(), [...(await objectFiles(a)).keys()].sort(), 'the same objects');
  const before = (await objectFiles(a)).size;
  const again = await importJson(a, [...docs, jsonlFile]);
  t.equal(again.summary.records_added, 0);
  t.same(again.summary.files.map((f) => f.status), ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  t.equal((await objectFiles(a)).size, before, 'no object written');
});

t.test('gemini: log and show read a document in order: prompts, thoughts, tool calls with results, answers', async (t) => {
  const cwd = await newArchive(t);
  await importJson(cwd, [writeFileDoc]);
  t.same(await logLines(cwd, 'fa4593e0'), [
    'system: session',
    'user: "write to test-gemini.txt "hello, gemini" only"',
    'tool: write_file test-gemini.txt',
    'user: "System: Please continue."',
    "assistant: I've completed the previous request. What would you like to do next?",
    'other: end',
  ]);
  const ids = await revList(cwd, 'fa4593e0');
  const show = await tapes(['show', ids[2]!], { cwd });
  t.equal(show.code, 0, show.stderr);
  const order = ['Thinking:\n    Reflecting on Implementation', 'Thinking:\n    Formulating the Write Command', 'Tool call: write_file', 'Tool result:', 'Successfully overwrote file'];
  const at = order.map((s) => show.stdout.indexOf(s));
  t.ok(at.every((i) => i >= 0), `show prints ${order.join(', ')}`);
  t.same([...at].sort((x, y) => x - y), at, 'in that order');
  t.match(show.stdout, /Tokens:\s+12,059 in, 92 out/, 'tokens: input, and output with the thoughts billed as output');
  const stats = JSON.parse((await tapes(['sessions', '--json'], { cwd })).stdout) as { harness: string; tool_calls: number; title: string; models: string[] };
  t.match(stats, { harness: 'gemini', tool_calls: 1, title: 'write to test-gemini.txt "hello, gemini" only', models: ['gemini-2.5-flash'] });
  const search = await tapes(['search', 'Formulating the Write Command'], { cwd });
  t.equal(search.code, 0, 'search finds words of a thought');
});

t.test('gemini: the JSONL log shows each message once, in order, though the CLI appends them again', async (t) => {
  const cwd = await newArchive(t);
  await importJson(cwd, [jsonlFile]);
  const lines = await logLines(cwd, '9207bfd2');
  const talk = lines.filter((l) => !l.startsWith('progress:'));
  t.same(talk.slice(2), ['user: "What is in this project?"', 'assistant: I will list the files.', 'tool: list_directory .', 'assistant: It holds a README and a notes file.']);
  t.equal(talk[0], 'system: session');
  t.match(talk[1], /^system: \$set: This is the Gemini CLI/, 'the session context the CLI sets first');
  t.equal(lines.length, 11, 'every line is a record (the repeats and updates as progress)');
  t.same(
    lines.filter((l) => l.startsWith('progress:')),
    ['progress: metadata update', 'progress: metadata update', 'progress: results shown with their calls', 'progress: metadata update', 'progress: metadata update'],
    'the repeated message added its tool call; the function response had been shown with it',
  );
  const s = JSON.parse((await tapes(['sessions', '--json'], { cwd })).stdout) as { tokens: { input: number; output: number } };
  t.same(s.tokens, { input: 40, output: 16, cache_read: 0, cache_write: 0 }, 'a message counted once although written twice');
});

t.test('gemini: a grown JSONL session fast-forwards; a rewritten document is a new revision of its session', async (t) => {
  const cwd = await newArchive(t);
  const bytes = await fs.readFile(jsonlFile);
  const cut = bytes.indexOf('\n', bytes.indexOf('"I will list the files."')) + 1;
  const live = join(cwd, 'session-2026-12-04T17-24-9207bfd2.jsonl');
  await fs.writeFile(live, bytes.subarray(0, cut));
  const first = await importJson(cwd, [live]);
  t.equal(first.summary.files[0]!.records, 5);
  await fs.writeFile(live, bytes);
  const grown = await importJson(cwd, [live]);
  t.match(grown.summary.files[0], { status: 'updated', records: 11, records_added: 6 }, 'only the new lines are added');
  t.equal(sha256((await exportBytes(cwd, '9207bfd2')).stdoutBytes), sha256(bytes));

  const doc = join(cwd, 'session-2026-01-15T20-51-f7633853.json');
  await fs.copyFile(earlyDoc, doc);
  const early = await importJson(cwd, [doc]);
  t.equal(early.summary.files[0]!.status, 'new');
  const earlyTip = (await revList(cwd, 'f7633853')).pop()!;
  await fs.copyFile(lateDoc, doc);
  const late = await importJson(cwd, [doc]);
  t.match(late.summary.files[0], { status: 'updated', session: 'f7633853-6663-4dbb-bbf4-6159afa29df8' }, 'the rewritten document moves the session on');
  t.equal(sha256((await exportBytes(cwd, 'f7633853')).stdoutBytes), sha256(await fs.readFile(lateDoc)), 'the session is the new revision');
  const reflog = await tapes(['rev-parse', 'f7633853-6663-4dbb-bbf4-6159afa29df8@{1}'], { cwd });
  t.equal(reflog.stdout.trim(), earlyTip, 'the earlier revision stays in the reflog');
  t.equal(sha256((await exportBytes(cwd, 'f7633853-6663-4dbb-bbf4-6159afa29df8@{1}')).stdoutBytes), sha256(await fs.readFile(earlyDoc)), 'and exports as it was');
  await fs.copyFile(earlyDoc, doc);
  const older = await importJson(cwd, [doc]);
  t.equal(older.summary.files[0]!.status, 'kept-separately', 'an older copy never replaces the newer revision');
  t.equal(sha256((await exportBytes(cwd, 'f7633853-6663-4dbb-bbf4-6159afa29df8')).stdoutBytes), sha256(await fs.readFile(lateDoc)));
  t.equal((await fsck(cwd)).code, 0);
});

t.test('gemini: a damaged document is reported with its path and line and kept as far as it parses', async (t) => {
  const cwd = await newArchive(t);
  const bytes = await fs.readFile(writeFileDoc);
  // Cut inside the third message ("System: Please continue."), as a write interrupted there leaves it.
  const damaged = bytes.subarray(0, bytes.indexOf('"System: Please continue."') + 10);
  await fs.writeFile(join(cwd, 'session-cut.json'), damaged);
  const r = await importJson(cwd, ['session-cut.json']);
  t.equal(r.code, 0, 'imported, with a problem');
  t.match(r.summary.files[0], { format: 'gemini-json', status: 'new', records: 4 });
  t.match(r.summary.files[0]!.problems, [/^session-cut\.json:66: not JSON: the document stops parsing here/], 'the path and the line where the damage starts');
  const text = await tapes(['import', 'session-cut.json'], { cwd });
  t.equal(text.code, 0);
  t.same(await logLines(cwd, 'fa4593e0'), ['system: session', 'user: "write to test-gemini.txt "hello, gemini" only"', 'tool: write_file test-gemini.txt', 'unparsed: line 66: not JSON']);
  t.equal(sha256((await exportBytes(cwd, 'fa4593e0')).stdoutBytes), sha256(damaged), 'the damaged bytes are kept exactly');
  await fs.writeFile(join(cwd, 'session-cut.json'), bytes);
  const whole = await importJson(cwd, ['session-cut.json']);
  t.equal(whole.summary.files[0]!.status, 'updated', 'the whole document, written again, is the next revision');
  const notDoc = join(cwd, 'session-broken.json');
  await fs.writeFile(notDoc, '{\n  "sessionId": "x",\n  "projectHash": \n');
  const bad = await importJson(cwd, ['session-broken.json']);
  t.equal(bad.code, 1);
  t.match(bad.summary.files[0], { status: 'refused', reason: /not a Gemini CLI session document/ }, 'a document whose head does not parse is refused by name');
});

t.test('gemini: `tapes import gemini` reads ~/.gemini/tmp/*/chats from the HOME it is given', async (t) => {
  const cwd = await newArchive(t);
  const home = tempDir(t, 'tapes-home-');
  const chats = join(home, '.gemini', 'tmp', 'demo', 'chats');
  await fs.mkdir(chats, { recursive: true });
  await fs.copyFile(jsonlFile, join(chats, 'session-2026-12-04T17-24-9207bfd2.jsonl'));
  await fs.copyFile(writeFileDoc, join(chats, 'session-2026-01-10T20-00-fa4593e0.json'));
  await fs.writeFile(join(home, '.gemini', 'tmp', 'demo', 'logs.json'), '[]');
  await fs.writeFile(join(chats, 'session-2026-12-04T17-24-9207bfd2.jsonl.unreadable-1'), 'x');
  const r = await importJson(cwd, ['gemini'], { HOME: home });
  t.equal(r.code, 0, r.stderr);
  t.same(r.summary.files.map((f) => [f.format, f.status]), [['gemini-json', 'new'], ['gemini', 'new']], 'the two sessions, nothing else of the folder');
  const auto = await importJson(cwd, [], { HOME: home });
  t.same(auto.summary.files.map((f) => f.status), ['unchanged', 'unchanged'], 'tapes import with no argument reads the Gemini folder too');
  const other = tempDir(t, 'tapes-gemini-home-');
  await fs.mkdir(join(other, '.gemini', 'tmp', 'p', 'chats'), { recursive: true });
  await fs.copyFile(earlyDoc, join(other, '.gemini', 'tmp', 'p', 'chats', 'session-x.json'));
  const moved = await importJson(cwd, ['gemini'], { HOME: home, GEMINI_CLI_HOME: other });
  t.same(moved.summary.files.map((f) => f.session), ['f7633853-6663-4dbb-bbf4-6159afa29df8'], '$GEMINI_CLI_HOME moves the folder, as it does for the CLI');
});

t.test('gemini: a subagent session is an agent of its parent session', async (t) => {
  const cwd = await newArchive(t);
  const lines = (await fs.readFile(jsonlFile, 'utf8')).split('\n');
  const meta = JSON.parse(lines[0]!) as Record<string, unknown>;
  // The CLI writes a subagent's file as chats/<parent session id>/<its id>.jsonl, kind "subagent".
  lines[0] = JSON.stringify({ ...meta, sessionId: 'sub-1', kind: 'subagent' });
  const dir = join(cwd, 'chats', '9207bfd2-0e43-4b40-9c26-c047dcb8181f');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, 'sub-1.jsonl'), lines.join('\n'));
  const r = await importJson(cwd, ['gemini', join(cwd, 'chats')]);
  t.equal(r.code, 0, r.stderr);
  const refs = await showRef(cwd);
  t.match(refs, / refs\/agents\/9207bfd2-0e43-4b40-9c26-c047dcb8181f\/sub-1$/m);
});
