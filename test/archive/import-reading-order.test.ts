// A packed (large) import reads a resumed session's files one after another
// (src/archive/reading-order.ts), and that changes no outcome: on folders of
// real transcripts where a session and its resumptions are found far apart,
// an import forced to pack (import.packAbove = 1) reads them together and an
// import of loose objects (packAbove = 0) reads them as found, and both give
// the same summary (its files in the order found), the same refs, the same
// session summaries and the same search hits. Files that may move one ref
// are read in the order found however they are grouped: two files of one
// name (one ref), and a Gemini CLI document naming the ref a resumption's
// file name gives (one over the 4 MiB read whole too); and no file is read
// across one whose first line does not say which refs it may move. The
// order each import read its files in is seen through onProgress (each
// file's size, all sizes different).
//
// The scenarios are folders of one tree, imported once packed and once not:
// each has sessions of its own (another first line, another session id,
// other file names: see `another`), so that none is grouped with another's
// files or shares a ref with them, and the order each import read the whole
// tree in is checked whole (each scenario's order, one after another).
//
// The Gemini CLI document over 4 MiB (GEMINI_DOCUMENT_PEEK in
// src/archive/import.ts): such a document "is read where it was found",
// since the session id that names its ref is not looked for. Found between
// a Claude Code session and its resumption whose file is named by that
// session id (so both map to one ref), it must be read before the
// resumption, as an unpacked import reads them: the document gets the ref
// and the resumption is kept separately. This fails on 5c93c4d:
// readingCandidate gave such a document the refs its file name names (its
// first four lines, pretty-printed, are not JSON, and it is too large to be
// read whole), not those of any ref, so the resumption was read before it,
// took the ref, and the document was kept separately.
import t, { type Test } from 'tap';
import { promises as fs, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Archive, importTranscripts, type ImportSummary } from '../../src/archive/index.js';
import { claudeAssistantLine, claudeUserLine, edgeCasesDir, jsonl, newArchive, showRef, showcaseDir, tapes } from '../import/import-helpers.js';
import { corpusDir } from '../helpers/cli.js';

const projects = join(corpusDir, 'claude-code', 'projects');
/** A real transcript of 40 lines: the session whose resumptions the folders hold. */
const SESSION = join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
/** Its session id, and the id its first line (a file-history snapshot) holds. */
const SESSION_IDS = ['bc3bf53b-19fe-4209-b30a-a1acffaf6703', '88069d20-418f-44f4-93c8-e428c4b850c8'];
/** Unrelated real transcripts, found between them (their first lines hold their session ids). */
const SMALL = join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
const SMALL_IDS = ['1b3e6441-62e3-4b41-8a0c-9d252f531f7a'];
const OTHER = join(projects, '-Users-soph-Work-entire-devenv-cli', '19abe528-a510-4c89-a1f8-138956474766.jsonl');
const OTHER_IDS = ['19abe528-a510-4c89-a1f8-138956474766'];
const SUMMARY_FIRST = join(projects, '-Users-gtrrz-victor-wks-cli', '5a3bb1c8-c3ce-466e-b487-24212cbf1da1.jsonl');
/** A Gemini CLI session document (session fa4593e0-f7e1-4dd1-b656-da95fb4d60fa), pretty-printed as the CLI writes it, named .jsonl as in the corpus. */
const GEMINI_DOC = join(corpusDir, 'scale', 'gemini', '51_3fab7adf0b_0_full.jsonl');
const GEMINI_DOC_SESSION = 'fa4593e0-f7e1-4dd1-b656-da95fb4d60fa';
/** Another (session faff42ab-6ea5-4f78-b8c4-f7dd6272af08). */
const GEMINI_DOC_4 = join(corpusDir, 'scale', 'gemini', '12_cbfeaa512b_0_full.jsonl');
/** A Gemini CLI JSONL session (9207bfd2-…). */
const GEMINI_JSONL = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');

/** A file's lines, each with its line end (the last may have none). */
const linesOf = (path: string) => readFileSync(path, 'utf8').split(/(?<=\n)/);
/**
 * `lines` as another session's: each of `ids` with its first two hex
 * digits `k` (another session id, so another ref a session id names, and
 * another first line, so another group). Undefined `k`: as they are.
 */
const another = (lines: string[], ids: string[], k?: string) => (k === undefined ? lines : lines.map((l) => ids.reduce((s, id) => s.replaceAll(id, k + id.slice(2)), l)));
/** An id with its first two hex digits `k`. */
const renamedId = (id: string, k: string) => k + id.slice(2);

/** Files to write under in/: path → bytes, or the fixture to copy. */
type Layout = Array<[string, string | { copy: string }]>;

/** A scenario: a folder under in/, its files, and the orders they are found and read in (paths in the folder). */
interface Scenario {
  dir: string;
  layout: Layout;
  found: string[];
  /** The order a packed import reads them in. */
  order: string[];
}

/** A file name the UUID way, its first eight characters `c` repeated (then `k`), so that files of several scenarios have different refs. */
const uuidName = (c: string, k = c + c) => `${c.repeat(6)}${k}-${{ a: '1111', b: '2222', c: '3333', d: '4444', e: '5555', f: '6666' }[c]}-4000-8000-000000000000.jsonl`;

/** SESSION as scenario `k`'s session. */
const session = (k?: string) => another(linesOf(SESSION), SESSION_IDS, k);
/** Its first `n` lines: a resumption begins with these bytes. */
const firstLines = (n: number, k?: string) => session(k).slice(0, n).join('');
/** A fork: the session's first `n` lines, then its last `m`. */
const forked = (n: number, m: number, k?: string) => [...session(k).slice(0, n), ...session(k).slice(-m)].join('');
/** SMALL or OTHER as another session (`k`), its first `n` lines (all: undefined): sizes differ from the other copies'. */
const unrelated = (path: string, ids: string[], k: string, n?: number) => another(linesOf(path), ids, k).slice(0, n).join('');

// 1: a session and its resumptions found far apart (the real files as they are).
const far = (() => {
  const [a, b, c, d, e, f] = (['a', 'b', 'c', 'd', 'e', 'f'] as const).map((x) => uuidName(x)) as [string, string, string, string, string, string];
  // Found last (by name): a session whose two subagents' files come before its own.
  const showcase = ['0001/subagents/agent-showcol1', '0001/subagents/agent-showcol2', '0001', '0002', '0003'].map((p) => `showcase/55550000-0000-4000-8000-00000000${p}.jsonl`);
  const layout: Layout = [
    // A session with two subagents, and two more sessions of one ref prefix: found first.
    ['showcase', { copy: showcaseDir }],
    [a, firstLines(15)],
    [b, { copy: SMALL }],
    [c, { copy: OTHER }],
    [d, firstLines(26)],
    [e, { copy: SUMMARY_FIRST }],
    [f, session().join('')],
  ];
  return { dir: '1-far-apart', layout, found: [a, b, c, d, e, f, ...showcase], order: [a, d, f, b, c, e, ...showcase], resumptions: [a, d, f] };
})();

// 2: two files of one name (one ref) with the same first line; p3/s forks from p1/s.
const sameName: Scenario = {
  dir: '2-same-name',
  layout: [
    ['p1/s.jsonl', firstLines(8, '02')],
    ['p2/t.jsonl', unrelated(SMALL, SMALL_IDS, '02', 8)],
    ['p3/s.jsonl', forked(5, 4, '02')],
  ],
  found: ['p1/s.jsonl', 'p2/t.jsonl', 'p3/s.jsonl'],
  order: ['p1/s.jsonl', 'p3/s.jsonl', 'p2/t.jsonl'],
};

// 3: p2/q (another session, its own first line) maps to p1/q's ref: p4/q, of p1/q's group, is read after it.
// p5/u, of the group too, is named for another ref; but its lines carry the
// session's id, as p4/q's do, and a session id names a ref too (a Gemini CLI
// session's): it is held back behind p4/q.
const heldFiles = ['p1/q.jsonl', 'p2/q.jsonl', 'p3/r.jsonl', 'p4/q.jsonl', 'p5/u.jsonl'];
const held: Scenario = {
  dir: '3-held-back',
  layout: [
    ['p1/q.jsonl', firstLines(9, '03')],
    ['p2/q.jsonl', unrelated(SMALL, SMALL_IDS, '03', 7)],
    ['p3/r.jsonl', unrelated(OTHER, OTHER_IDS, '03', 6)],
    ['p4/q.jsonl', forked(5, 6, '03')],
    ['p5/u.jsonl', firstLines(12, '03')],
  ],
  found: heldFiles,
  order: heldFiles,
};

// 4: a Gemini CLI document (another than 5's) and a Gemini CLI JSONL session between a session and its resumption.
const DOC_4_SESSION = 'faff42ab-6ea5-4f78-b8c4-f7dd6272af08';
const geminiBetween = (() => {
  const [a, f] = [uuidName('a', '04'), uuidName('f', '04')];
  const layout: Layout = [
    [a, firstLines(6, '04')],
    ['b-gemini.jsonl', { copy: GEMINI_DOC_4 }],
    ['c-session.jsonl', { copy: GEMINI_JSONL }],
    [f, firstLines(14, '04')],
  ];
  return { dir: '4-gemini-between', layout, found: [a, 'b-gemini.jsonl', 'c-session.jsonl', f], order: [a, f, 'b-gemini.jsonl', 'c-session.jsonl'] };
})();

// 5: the resumption's file is named by the session id the document holds: the same ref.
const geminiRef = (() => {
  const [a, f] = [uuidName('a', '05'), `${GEMINI_DOC_SESSION}.jsonl`];
  const files = [a, 'b-gemini.jsonl', f];
  const layout: Layout = [
    [a, firstLines(5, '05')],
    ['b-gemini.jsonl', { copy: GEMINI_DOC }],
    [f, firstLines(13, '05')],
  ];
  return { dir: '5-gemini-ref', layout, found: files, order: files, resumption: f };
})();

// 6: as 5, the document over 4 MiB: the real one (of another session) with a long second prompt (4.3 MB), written as
// the CLI writes documents. (Not the first: the searches below find that one, and a hit's snippet is looked for in all its text.)
const BIG_SESSION = renamedId(GEMINI_DOC_SESSION, 'f6');
const geminiLarge = (() => {
  const doc = JSON.parse(readFileSync(GEMINI_DOC, 'utf8')) as { sessionId: string; messages: Array<{ type: string; content: unknown }> };
  doc.sessionId = BIG_SESSION;
  const prompt = doc.messages.filter((m) => m.type === 'user')[1]!;
  prompt.content = `${prompt.content as string} ${'the same words again and again '.repeat(140_000)}`;
  const big = JSON.stringify(doc, null, 2);
  const [a, f] = [uuidName('a', '06'), `${BIG_SESSION}.jsonl`];
  const files = [a, 'b-gemini.jsonl', f];
  const layout: Layout = [
    [a, firstLines(4, '06')],
    ['b-gemini.jsonl', big],
    [f, firstLines(11, '06')],
  ];
  return { dir: '6-gemini-large', layout, found: files, order: files, big };
})();

// 7: a Claude Code transcript whose first line is longer than the 64 KiB read for the order (found last).
const longFirstLine = (() => {
  const id = '4b1c0e55-0000-4000-8000-00000000000d';
  const long = jsonl([
    // One "lorem" in it (searched for below): a snippet is looked for around each word found.
    claudeUserLine(id, 'u1', null, `please read this: lorem ${'ipsum '.repeat(11_000)}`),
    claudeAssistantLine(id, 'a1', 'u1', [{ type: 'text', text: 'read it' }]),
  ]);
  const [a, b, c, d, f] = (['a', 'b', 'c', 'd', 'f'] as const).map((x) => uuidName(x, '07')) as [string, string, string, string, string];
  const layout: Layout = [
    [a, firstLines(3, '07')],
    [b, unrelated(SMALL, SMALL_IDS, '07', 6)],
    [c, firstLines(7, '07')],
    [d, long],
    [f, firstLines(10, '07')],
  ];
  // c is gathered with a (before d); f, after d, is read where it was found.
  return { dir: '7-long-first-line', layout, found: [a, b, c, d, f], order: [a, c, b, d, f], long };
})();

// 8: a Codex CLI rollout whose name holds no UUID, found as a Claude Code subagent's file (subagents/agent-…):
// read as Codex, it is placed by its name (refs/sessions/agent-x8), as is c/agent-x8.jsonl, a resumption
// of a's session found after it. So c is not gathered with a across it. Its first line carries a
// "sessionId" too (as a Gemini CLI session's would: it is read as Codex all the same). This fails on
// 86eb014, whose readingCandidate named such a file by the Claude Code subagent ref and, for a
// Gemini CLI session, by that id, but not by its name read as Codex.
const CODEX_LEGACY = join(edgeCasesDir, 'daaain__claude-code-log', 'test', 'test_data', 'codex', 'sessions', 'rollout-44444444-4444-4444-8444-444444444444.jsonl');
const codexAgent = (() => {
  const files = [`a/${uuidName('a', '08')}`, 'b/s/subagents/agent-x8.jsonl', 'c/agent-x8.jsonl'];
  const layout: Layout = [
    [files[0]!, firstLines(2, '08')],
    [files[1]!, readFileSync(CODEX_LEGACY, 'utf8').replace(/^\{/, '{"sessionId":"c0de0008-0000-4000-8000-000000000000",')],
    [files[2]!, firstLines(16, '08')],
  ];
  return { dir: '8-codex-agent', layout, found: files, order: files };
})();

const scenarios: Scenario[] = [far, sameName, held, geminiBetween, geminiRef, geminiLarge, longFirstLine, codexAgent];
/** Paths as the summary shows them. */
const shown = (s: Scenario, paths: string[]) => paths.map((p) => `in/${s.dir}/${p}`);

interface Imported {
  cwd: string;
  summary: ImportSummary;
  /** The files (as the summary shows them) in the order the import read them. */
  read: string[];
}

/** A fresh archive importing every scenario (written under in/), packed or not. */
async function importInto(packAbove: number): Promise<Imported> {
  // Kept until the whole file ends.
  const cwd = await newArchive(t);
  await fs.appendFile(join(cwd, '.tapes', 'config'), `[import]\n\tpackAbove = ${packAbove}\n`);
  for (const s of scenarios) {
    for (const [path, what] of s.layout) {
      const p = join(cwd, 'in', s.dir, path);
      mkdirSync(dirname(p), { recursive: true });
      if (typeof what === 'string') writeFileSync(p, what);
      else cpSync(what.copy, p, { recursive: true });
    }
  }
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const done: number[] = [];
  const summary = await importTranscripts(archive, { kind: 'auto', paths: ['in'], cwd, env: {}, onProgress: (p) => done.push(p.bytesDone) });
  // Each file's size is its share of bytesDone: they tell which file was read.
  const bySize = new Map(summary.files.map((f) => [statSync(join(cwd, f.path)).size, f.path]));
  if (bySize.size !== summary.files.length) throw new Error('two files of one size: the order read cannot be told');
  const read = done.map((bytes, i) => bySize.get(bytes - (i > 0 ? done[i - 1]! : 0)) ?? `? ${bytes}`);
  return { cwd, summary, read };
}

let made: Promise<{ packed: Imported; loose: Imported }> | undefined;
/** The tree imported packed and unpacked (once for the file). */
function imports(): Promise<{ packed: Imported; loose: Imported }> {
  made ??= (async () => ({ packed: await importInto(1), loose: await importInto(0) }))();
  return made;
}

/** The pack files of an archive. */
async function packs(cwd: string): Promise<string[]> {
  return (await fs.readdir(join(cwd, '.tapes', 'objects', 'pack')).catch(() => [] as string[])).filter((n) => n.endsWith('.pack'));
}

/** The hits of `tapes search --json <word>`, in a fixed order (equal scores may come in either). */
async function hits(cwd: string, word: string): Promise<string[]> {
  const r = await tapes(['search', '--json', word], { cwd });
  if (r.code !== 0 && r.code !== 1) throw new Error(`search ${word}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').sort();
}

/** Scenario `s`'s files of an import: path in its folder → `status session` (and the whole entry). */
const entries = (i: Imported, s: Scenario) => new Map(i.summary.files.filter((f) => f.path.startsWith(`in/${s.dir}/`)).map((f) => [f.path.slice(`in/${s.dir}/`.length), f]));
const status = (i: Imported, s: Scenario) => Object.fromEntries([...entries(i, s)].map(([p, f]) => [p, `${f.status} ${f.session}`]));

/** Checks that both imports read scenario `s`'s files as its orders say (within the whole tree's orders, checked below). */
async function readAsSaid(t: Test, s: Scenario): Promise<{ packed: Imported; loose: Imported }> {
  const both = await imports();
  const mine = (read: string[]) => read.filter((p) => p.startsWith(`in/${s.dir}/`));
  t.same(mine(both.loose.read), shown(s, s.found), 'unpacked: read as found');
  t.same(mine(both.packed.read), shown(s, s.order), 'packed: read in the reading order');
  return both;
}

t.test('every scenario in one tree, packed and unpacked: each read in its order, the same outcome', async (t) => {
  const { packed, loose } = await imports();
  t.equal(packed.summary.files_refused, 0, 'no file refused');
  t.same(await packs(loose.cwd), [], 'packAbove = 0: loose objects');
  t.equal((await packs(packed.cwd)).length, 1, 'packAbove = 1: a pack');

  // Each folder's entries by name: the scenarios one after another, each as found.
  const found = scenarios.flatMap((s) => shown(s, s.found));
  t.same(packed.summary.files.map((f) => f.path), found, 'packed: the summary lists the files in the order found');
  t.same(loose.summary.files.map((f) => f.path), found, 'unpacked: so does its summary');
  t.same(loose.read, found, 'unpacked: read as found');
  // No scenario's files are read among another's: they share no group and no ref.
  t.same(packed.read, scenarios.flatMap((s) => shown(s, s.order)), 'packed: read in the reading order');

  t.same(packed.summary.files, loose.summary.files, 'the same files in the summary: statuses, sessions, records');
  for (const k of ['sessions', 'records_added', 'objects_written', 'problems', 'files_refused'] as const) t.same(packed.summary[k], loose.summary[k], `the same ${k}`);
  const refs = await showRef(packed.cwd);
  t.equal(refs, await showRef(loose.cwd), 'every ref at the same tip');
  t.ok(refs.trim().split('\n').length >= packed.summary.files.length - packed.summary.sessions.updated, 'a ref for each session');

  const sessions = await tapes(['sessions', '--json'], { cwd: packed.cwd });
  t.equal(sessions.code, 0, sessions.stderr);
  t.equal(sessions.stdout, (await tapes(['sessions', '--json'], { cwd: loose.cwd })).stdout, 'the same session summaries');
  const index = (cwd: string) => readFileSync(join(cwd, '.tapes', 'index', 'sessions.json'), 'utf8');
  t.equal(index(packed.cwd), index(loose.cwd), 'the same index/sessions.json');
  for (const word of ['mise', 'showcase', 'gemini', 'lorem']) {
    const got = await hits(packed.cwd, word);
    t.ok(got.length > 0, `"${word}" is found`);
    t.same(got, await hits(loose.cwd, word), `"${word}": the same hits`);
  }
});

t.test('a session and its resumptions found far apart: read one after another when packed', async (t) => {
  const { packed } = await readAsSaid(t, far);
  t.same(
    far.resumptions.map((p) => status(packed, far)[p]),
    far.resumptions.map((p) => `new ${p.replace(/\.jsonl$/, '')}`),
    'the session and each resumption: a session of its own',
  );
});

t.test('two files of one name (one ref) with the same first line: the first found gets the ref, the other is kept separately, as unpacked', async (t) => {
  const { packed } = await readAsSaid(t, sameName);
  t.equal(status(packed, sameName)['p1/s.jsonl'], 'new s', 'the first found gets the ref');
  t.match(status(packed, sameName)['p3/s.jsonl'], /^kept-separately s-/, 'the second is kept separately');
});

t.test('a file of the group is not read before a file found earlier that may move its ref', async (t) => {
  const { packed } = await readAsSaid(t, held);
  t.same(
    heldFiles.map((f) => status(packed, held)[f]!.replace(/ q-[0-9a-f]+$/, ' q-…')),
    ['new q', 'kept-separately q-…', 'new r', 'kept-separately q-…', 'new u'],
    'each where the order found puts it',
  );
});

t.test('a Gemini CLI document between a session and its resumption: passed over', async (t) => {
  const { packed } = await readAsSaid(t, geminiBetween);
  t.same(
    [...entries(packed, geminiBetween).values()].map((x) => x.format),
    ['claude-code', 'gemini-json', 'gemini', 'claude-code'],
    'a Gemini CLI document and a Gemini CLI JSONL session among them',
  );
  t.equal(status(packed, geminiBetween)['b-gemini.jsonl'], `new ${DOC_4_SESSION}`, 'the document is named by the session id inside');
});

t.test("a Gemini CLI document naming the ref a resumption's file name gives: read first, as found", async (t) => {
  const { packed } = await readAsSaid(t, geminiRef);
  t.equal(status(packed, geminiRef)['b-gemini.jsonl'], `new ${GEMINI_DOC_SESSION}`, 'the document, found first, gets the ref');
  t.match(status(packed, geminiRef)[geminiRef.resumption], new RegExp(`^kept-separately ${GEMINI_DOC_SESSION}-`), 'the resumption is kept separately');
});

t.test("a Gemini CLI document over 4 MiB naming the ref a resumption's file name gives: read first, as found", async (t) => {
  const { big } = geminiLarge;
  t.ok(big.length > 4 * 1024 * 1024, `the document is larger than 4 MiB (${big.length} bytes)`);
  t.match(big.split('\n').slice(0, 2), ['{', /^ {2}"sessionId": /], 'its session id on its second line, which alone is not JSON');
  // packed: the document is read where it was found, before the resumption.
  const { packed, loose } = await readAsSaid(t, geminiLarge);
  t.equal(entries(loose, geminiLarge).get('b-gemini.jsonl')?.session, BIG_SESSION, 'unpacked: the document gets the ref');
  t.equal(entries(packed, geminiLarge).get('b-gemini.jsonl')?.session, BIG_SESSION, 'packed: so does it');
});

t.test('a file whose first line does not say which refs it may move: nothing is read across it', async (t) => {
  t.ok(longFirstLine.long.indexOf('\n') > 64 * 1024, 'its first line is longer than 64 KiB');
  await readAsSaid(t, longFirstLine);
});

t.test("a Codex CLI rollout named as a subagent's file, and a resumption its name names: read as found", async (t) => {
  const { packed, loose } = await readAsSaid(t, codexAgent);
  t.same(
    [...entries(packed, codexAgent).values()].map((x) => x.format),
    ['claude-code', 'codex', 'claude-code'],
    'a Claude Code session, the Codex CLI rollout, the resumption',
  );
  t.equal(status(loose, codexAgent)['b/s/subagents/agent-x8.jsonl'], 'new agent-x8', 'unpacked: the rollout gets the ref its name names');
  t.equal(status(packed, codexAgent)['b/s/subagents/agent-x8.jsonl'], 'new agent-x8', 'packed: so does it');
  t.match(status(packed, codexAgent)['c/agent-x8.jsonl'], /^kept-separately agent-x8-/, 'the resumption is kept separately');
});
