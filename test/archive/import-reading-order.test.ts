// A packed (large) import reads a resumed session's files one after another
// (src/archive/reading-order.ts), and that changes no outcome: on folders of
// real transcripts where a session and its resumptions are found far apart,
// an import forced to pack (import.packAbove = 1) reads them together and an
// import of loose objects (packAbove = 0) reads them as found, and both give
// the same summary (its files in the order found), the same refs, the same
// session summaries and the same search hits. Files that may move one ref
// are read in the order found however they are grouped: two files of one
// name (one ref), and a Gemini CLI document naming the ref a resumption's
// file name gives; and no file is read across one whose first line does not
// say which refs it may move. The order each import read its files in is
// seen through onProgress (each file's size, all sizes different).
import t, { type Test } from 'tap';
import { promises as fs, cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Archive, importTranscripts, type ImportSummary } from '../../src/archive/index.js';
import { claudeAssistantLine, claudeUserLine, jsonl, newArchive, showRef, showcaseDir, tapes } from '../import/import-helpers.js';
import { corpusDir } from '../helpers/cli.js';

const projects = join(corpusDir, 'claude-code', 'projects');
/** A real transcript of 40 lines: the session whose resumptions the folders hold. */
const SESSION = join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
/** Unrelated real transcripts, found between them. */
const SMALL = join(projects, '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
const OTHER = join(projects, '-Users-soph-Work-entire-devenv-cli', '19abe528-a510-4c89-a1f8-138956474766.jsonl');
const SUMMARY_FIRST = join(projects, '-Users-gtrrz-victor-wks-cli', '5a3bb1c8-c3ce-466e-b487-24212cbf1da1.jsonl');
/** A Gemini CLI session document (session fa4593e0-f7e1-4dd1-b656-da95fb4d60fa), named .jsonl as in the corpus. */
const GEMINI_DOC = join(corpusDir, 'scale', 'gemini', '51_3fab7adf0b_0_full.jsonl');
const GEMINI_DOC_SESSION = 'fa4593e0-f7e1-4dd1-b656-da95fb4d60fa';
/** A Gemini CLI JSONL session (9207bfd2-…). */
const GEMINI_JSONL = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');

/** SESSION's lines, each with its line end (the last has none). */
const lines = readFileSync(SESSION, 'utf8').split(/(?<=\n)/);
/** The session as it was after `n` lines: a resumption begins with these bytes. */
const firstLines = (n: number) => lines.slice(0, n).join('');
/** A fork: the session's first `n` lines, then its last `m`. */
const forked = (n: number, m: number) => [...lines.slice(0, n), ...lines.slice(-m)].join('');

/** Files to write under in/: path → bytes, or the fixture to copy. */
type Layout = Array<[string, string | { copy: string }]>;

interface Imported {
  cwd: string;
  summary: ImportSummary;
  /** The files (as the summary shows them) in the order the import read them. */
  read: string[];
}

/** A fresh archive importing `layout` (written under in/), packed or not. */
async function importInto(t: Test, layout: Layout, packAbove: number): Promise<Imported> {
  const cwd = await newArchive(t);
  await fs.appendFile(join(cwd, '.tapes', 'config'), `[import]\n\tpackAbove = ${packAbove}\n`);
  for (const [path, what] of layout) {
    const p = join(cwd, 'in', path);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof what === 'string') writeFileSync(p, what);
    else cpSync(what.copy, p, { recursive: true });
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

/**
 * Imports `layout` packed and unpacked; checks that both summaries list the
 * files as `found` (paths under in/: each folder's entries by name), that
 * the unpacked import read them so and the packed one in `order`, and that
 * both come out the same. Returns both.
 */
async function packedAndNot(t: Test, layout: Layout, found: string[], order: string[], words: string[]): Promise<{ packed: Imported; loose: Imported }> {
  const packed = await importInto(t, layout, 1);
  const loose = await importInto(t, layout, 0);
  t.equal(packed.summary.files_refused, 0, 'no file refused');
  t.same(await packs(loose.cwd), [], 'packAbove = 0: loose objects');
  t.equal((await packs(packed.cwd)).length, 1, 'packAbove = 1: a pack');

  const shown = (paths: string[]) => paths.map((p) => `in/${p}`);
  t.same(packed.summary.files.map((f) => f.path), shown(found), 'packed: the summary lists the files in the order found');
  t.same(loose.summary.files.map((f) => f.path), shown(found), 'unpacked: so does its summary');
  t.same(loose.read, shown(found), 'unpacked: read as found');
  t.same(packed.read, shown(order), 'packed: read in the reading order');

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
  for (const word of words) {
    const found = await hits(packed.cwd, word);
    t.ok(found.length > 0, `"${word}" is found`);
    t.same(found, await hits(loose.cwd, word), `"${word}": the same hits`);
  }
  return { packed, loose };
}

const status = (i: Imported) => Object.fromEntries(i.summary.files.map((f) => [f.path.replace(/^in\//, ''), `${f.status} ${f.session}`]));

t.test('a session and its resumptions found far apart: read one after another when packed, the same outcome', async (t) => {
  const [a, b, c, d, e, f] = ['aaaaaaaa-1111', 'bbbbbbbb-2222', 'cccccccc-3333', 'dddddddd-4444', 'eeeeeeee-5555', 'ffffffff-6666'].map((p) => `${p}-4000-8000-000000000000.jsonl`) as [string, string, string, string, string, string];
  const layout: Layout = [
    // A session with two subagents, and two more sessions of one ref prefix: found first.
    ['showcase', { copy: showcaseDir }],
    [a, firstLines(15)],
    [b, { copy: SMALL }],
    [c, { copy: OTHER }],
    [d, firstLines(26)],
    [e, { copy: SUMMARY_FIRST }],
    [f, lines.join('')],
  ];
  // Found last (by name): a session whose two subagents' files come before its own.
  const showcase = ['0001/subagents/agent-showcol1', '0001/subagents/agent-showcol2', '0001', '0002', '0003'].map((p) => `showcase/55550000-0000-4000-8000-00000000${p}.jsonl`);
  const { packed } = await packedAndNot(t, layout, [a, b, c, d, e, f, ...showcase], [a, d, f, b, c, e, ...showcase], ['mise', 'showcase']);
  t.same(
    [a, d, f].map((p) => status(packed)[p]),
    [a, d, f].map((p) => `new ${p.replace(/\.jsonl$/, '')}`),
    'the session and each resumption: a session of its own',
  );
});

t.test('two files of one name (one ref) with the same first line: the first found gets the ref, the other is kept separately, as unpacked', async (t) => {
  // p1/s and p3/s are one session's (the same first line) and map to one ref; p3/s forks from p1/s.
  const layout: Layout = [
    ['p1/s.jsonl', firstLines(20)],
    ['p2/t.jsonl', { copy: SMALL }],
    ['p3/s.jsonl', forked(10, 10)],
  ];
  const files = ['p1/s.jsonl', 'p2/t.jsonl', 'p3/s.jsonl'];
  const { packed } = await packedAndNot(t, layout, files, ['p1/s.jsonl', 'p3/s.jsonl', 'p2/t.jsonl'], ['mise']);
  t.equal(status(packed)['p1/s.jsonl'], 'new s', 'the first found gets the ref');
  t.match(status(packed)['p3/s.jsonl'], /^kept-separately s-/, 'the second is kept separately');
});

t.test('a file of the group is not read before a file found earlier that may move its ref', async (t) => {
  // p2/s (another session, its own first line) maps to p1/s's ref: p4/s, of p1/s's group, is read after it.
  const layout: Layout = [
    ['p1/s.jsonl', firstLines(20)],
    ['p2/s.jsonl', { copy: SMALL }],
    ['p3/t.jsonl', { copy: OTHER }],
    ['p4/s.jsonl', forked(10, 12)],
    ['p5/u.jsonl', firstLines(30)],
  ];
  const files = ['p1/s.jsonl', 'p2/s.jsonl', 'p3/t.jsonl', 'p4/s.jsonl', 'p5/u.jsonl'];
  // p5/u, of the group too, is named for another ref; but its lines carry the
  // session's id, as p4/s's do, and a session id names a ref too (a Gemini CLI
  // session's): it is held back behind p4/s.
  const { packed } = await packedAndNot(t, layout, files, files, ['mise']);
  t.same(
    files.map((f) => status(packed)[f]!.replace(/ s-[0-9a-f]+$/, ' s-…')),
    ['new s', 'kept-separately s-…', 'new t', 'kept-separately s-…', 'new u'],
    'each where the order found puts it',
  );
});

t.test('a Gemini CLI document between a session and its resumption: passed over, the same outcome', async (t) => {
  const a = 'aaaaaaaa-1111-4000-8000-000000000000.jsonl';
  const f = 'ffffffff-6666-4000-8000-000000000000.jsonl';
  const layout: Layout = [
    [a, firstLines(15)],
    ['b-gemini.jsonl', { copy: GEMINI_DOC }],
    ['c-session.jsonl', { copy: GEMINI_JSONL }],
    [f, lines.join('')],
  ];
  const { packed } = await packedAndNot(t, layout, [a, 'b-gemini.jsonl', 'c-session.jsonl', f], [a, f, 'b-gemini.jsonl', 'c-session.jsonl'], ['mise', 'gemini']);
  t.same(
    packed.summary.files.map((x) => x.format),
    ['claude-code', 'gemini-json', 'gemini', 'claude-code'],
    'a Gemini CLI document and a Gemini CLI JSONL session among them',
  );
  t.equal(status(packed)['b-gemini.jsonl'], `new ${GEMINI_DOC_SESSION}`, 'the document is named by the session id inside');
});

t.test('a Gemini CLI document naming the ref a resumption\'s file name gives: read first, as found', async (t) => {
  // The resumption's file is named by the session id the document holds: the same ref.
  const a = 'aaaaaaaa-1111-4000-8000-000000000000.jsonl';
  const f = `${GEMINI_DOC_SESSION}.jsonl`;
  const layout: Layout = [
    [a, firstLines(15)],
    ['b-gemini.jsonl', { copy: GEMINI_DOC }],
    [f, lines.join('')],
  ];
  const { packed } = await packedAndNot(t, layout, [a, 'b-gemini.jsonl', f], [a, 'b-gemini.jsonl', f], ['mise', 'gemini']);
  t.equal(status(packed)['b-gemini.jsonl'], `new ${GEMINI_DOC_SESSION}`, 'the document, found first, gets the ref');
  t.match(status(packed)[f], new RegExp(`^kept-separately ${GEMINI_DOC_SESSION}-`), 'the resumption is kept separately');
});

t.test('a file whose first line does not say which refs it may move: nothing is read across it', async (t) => {
  // A Claude Code transcript whose first line is longer than the 64 KiB read for the order.
  const id = '4b1c0e55-0000-4000-8000-00000000000d';
  const long = jsonl([
    claudeUserLine(id, 'u1', null, `please read this: ${'lorem ipsum '.repeat(6000)}`),
    claudeAssistantLine(id, 'a1', 'u1', [{ type: 'text', text: 'read it' }]),
  ]);
  t.ok(long.indexOf('\n') > 64 * 1024, 'its first line is longer than 64 KiB');
  const [a, b, c, d, f] = ['aaaaaaaa-1111', 'bbbbbbbb-2222', 'cccccccc-3333', 'dddddddd-4444', 'ffffffff-6666'].map((p) => `${p}-4000-8000-000000000000.jsonl`) as [string, string, string, string, string];
  const layout: Layout = [
    [a, firstLines(15)],
    [b, { copy: SMALL }],
    [c, firstLines(26)],
    [d, long],
    [f, lines.join('')],
  ];
  // c is gathered with a (before d); f, after d, is read where it was found.
  await packedAndNot(t, layout, [a, b, c, d, f], [a, c, b, d, f], ['mise', 'lorem']);
});
