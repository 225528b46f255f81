// What `tapes import` prints and where it looks: the --json summary shape,
// --dry-run (same verdicts, nothing written), the default folders
// ($CLAUDE_CONFIG_DIR/projects, $CODEX_HOME/sessions) and the kind words.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  corpusDir,
  importJson,
  linesWithEol,
  newArchive,
  objectFiles,
  reflogCounts,
  showRef,
  smallClaude,
  tapes,
  tempDir,
} from './import-helpers.js';

// A real Codex rollout of 23 lines (92 KB), written by Codex 0.169.0
// (test/fixtures/agents/README.md): what is said here of a rollout holds
// for it as for the corpus's 99-line one (515 KB), which these tests
// imported nine times.
const rollout = join(corpusDir, '..', 'agents', 'codex-0.169.0-rollout-01a2464b-59eb-7e90-8265-4a6445d2602d.jsonl');
const ROLLOUT_LINES = 23;
const SMALL_ID = '1b3e6441-62e3-4b41-8a0c-9d252f531f7a';
const CODEX_ID = '01a2464b-59eb-7e90-8265-4a6445d2602d';
/** Its name as Codex names a rollout under $CODEX_HOME/sessions. */
const ROLLOUT_NAME = `rollout-2026-12-05T13-01-13-${CODEX_ID}.jsonl`;

t.test('--json: the summary document', async (t) => {
  const cwd = await newArchive(t);
  await fs.copyFile(smallClaude, join(cwd, 'small.jsonl'));
  await fs.copyFile(rollout, join(cwd, 'rollout-x.jsonl'));
  await fs.writeFile(join(cwd, 'empty.jsonl'), '');
  const r = await importJson(cwd, ['small.jsonl', 'rollout-x.jsonl', 'empty.jsonl']);
  t.equal(r.code, 1);
  t.equal(r.stderr, '', 'nothing but the document: no diagnostics on stderr with --json');
  const s = r.summary;
  t.same(Object.keys(s).sort(), ['bytes_read', 'bytes_stored', 'dry_run', 'files', 'files_refused', 'objects_written', 'problems', 'records_added', 'sessions'].sort());
  t.equal(s.dry_run, false);
  t.same(s.sessions, { new: 2, updated: 0, unchanged: 0, kept_separately: 0 });
  t.equal(s.files_refused, 1);
  t.equal(s.records_added, 9 + ROLLOUT_LINES);
  const objects = await objectFiles(cwd);
  t.equal(s.objects_written, objects.size, 'objects_written counts the object files');
  t.equal(s.bytes_stored, [...objects.values()].reduce((a, b) => a + b, 0), 'bytes_stored is the size of the object files');
  t.equal(s.bytes_read, (await fs.stat(smallClaude)).size + (await fs.stat(rollout)).size);
  t.equal(s.problems, 0, 'a refusal is not a damaged line');
  t.equal(s.files.length, 3);
  const keys = ['path', 'format', 'session', 'status', 'records', 'records_added', 'problems'];
  for (const f of s.files) t.same(Object.keys(f).filter((k) => k !== 'reason').sort(), [...keys].sort(), `keys of ${f.path}`);
  t.same(s.files[0], { path: 'small.jsonl', format: 'claude-code', session: 'small', status: 'new', records: 9, records_added: 9, problems: [] });
  t.same(s.files[1], { path: 'rollout-x.jsonl', format: 'codex', session: 'rollout-x', status: 'new', records: ROLLOUT_LINES, records_added: ROLLOUT_LINES, problems: [] });
  t.match(s.files[2], { path: 'empty.jsonl', format: null, session: null, status: 'refused', records: 0, records_added: 0, problems: [/^empty\.jsonl: /] });
  // session names are what export accepts.
  t.equal((await tapes(['export', s.files[1]!.session!], { cwd })).stdoutBytes.equals(await fs.readFile(rollout)), true);
});

t.test('text output: summary line on stdout, diagnostics on stderr', async (t) => {
  const cwd = await newArchive(t);
  await fs.copyFile(smallClaude, join(cwd, 'small.jsonl'));
  const r = await tapes(['import', 'small.jsonl'], { cwd });
  t.equal(r.code, 0);
  t.equal(r.stderr, '', 'no progress when stderr is not a terminal');
  t.match(r.stdout, /^imported 1 of 1 files: 1 new, 0 updated, 0 unchanged, 0 kept separately, 0 refused; 9 records added, \d+\.\d\d MB stored for 0\.01 MB read\n$/);
  const again = await tapes(['import', 'small.jsonl'], { cwd });
  t.match(again.stdout, /^imported 1 of 1 files: 0 new, 0 updated, 1 unchanged, 0 kept separately, 0 refused; 0 records added, 0\.00 MB stored/);
});

/** Archive state that a dry run must leave alone. */
async function state(cwd: string) {
  return { objects: [...(await objectFiles(cwd)).keys()].sort(), refs: await showRef(cwd), logs: await reflogCounts(cwd) };
}

t.test('--dry-run: nothing written, same verdicts as the real run (new, updated, unchanged, kept separately, refused)', async (t) => {
  const cwd = await newArchive(t);
  const lines = linesWithEol(await fs.readFile(smallClaude));
  await fs.mkdir(join(cwd, 'a'));
  await fs.mkdir(join(cwd, 'b'));
  await fs.writeFile(join(cwd, 'a', `${SMALL_ID}.jsonl`), Buffer.concat(lines.slice(0, 4)));
  await fs.copyFile(rollout, join(cwd, 'a', 'rollout-y.jsonl'));
  await fs.writeFile(join(cwd, 'a', 'empty.jsonl'), '');

  // Fresh archive.
  const before = await state(cwd);
  const dry = await importJson(cwd, ['--dry-run', 'a']);
  t.equal(dry.code, 1, 'the empty file is refused in a dry run too');
  t.equal(dry.summary.dry_run, true);
  t.same(await state(cwd), before, 'a dry run writes no object, ref or reflog');
  t.equal(dry.summary.objects_written, 0);
  const text = await tapes(['import', '-n', 'a'], { cwd });
  t.match(text.stdout, /^would import 2 of 3 files: 2 new, /);
  const real = await importJson(cwd, ['a']);
  const verdict = (r: typeof real) => r.summary.files.map((f) => [f.path, f.status, f.session, f.records, f.records_added]);
  t.same(verdict(dry), verdict(real), 'the dry run said what the real run did');
  t.same(dry.summary.sessions, real.summary.sessions);
  t.equal(dry.summary.records_added, real.summary.records_added);

  // A grown file and a different file under a taken name.
  await fs.copyFile(smallClaude, join(cwd, 'a', `${SMALL_ID}.jsonl`));
  await fs.copyFile(smallClaude, join(cwd, 'b', 'rollout-y.jsonl'));
  const mid = await state(cwd);
  const dry2 = await importJson(cwd, ['-n', 'a', 'b']);
  t.same(await state(cwd), mid, 'still nothing written');
  const real2 = await importJson(cwd, ['a', 'b']);
  t.same(
    real2.summary.files.map((f) => f.status),
    ['updated', 'refused', 'unchanged', 'kept-separately'],
    'the real run: grown updated, empty refused, rollout unchanged, b/rollout-y kept separately',
  );
  t.same(verdict(dry2), verdict(real2), 'the dry run said what the real run did');
});

t.test('--dry-run: two files of one name in one run', async (t) => {
  // The real run puts the second file under a ref of its own; the dry run
  // must say so too, not "new" twice.
  const cwd = await newArchive(t);
  await fs.mkdir(join(cwd, 'a'));
  await fs.mkdir(join(cwd, 'b'));
  await fs.copyFile(smallClaude, join(cwd, 'a', 's.jsonl'));
  await fs.copyFile(rollout, join(cwd, 'b', 's.jsonl'));
  const dry = await importJson(cwd, ['-n', 'a', 'b']);
  t.same(await showRef(cwd), '', 'nothing written');
  const real = await importJson(cwd, ['a', 'b']);
  t.same(real.summary.files.map((f) => f.status), ['new', 'kept-separately']);
  t.same(
    dry.summary.files.map((f) => [f.status, f.session]),
    real.summary.files.map((f) => [f.status, f.session]),
    'dry run and real run agree',
  );
  t.same(dry.summary.sessions, real.summary.sessions);
});

/** A home with Claude Code's and Codex's folders, copied from the corpus. */
async function fakeHome(owner: Parameters<typeof tempDir>[0]) {
  const home = tempDir(owner, 'tapes-home-');
  const claude = join(home, 'claude-config');
  const codex = join(home, 'codex-home');
  await fs.mkdir(join(claude, 'projects', '-Users-dev-project'), { recursive: true });
  await fs.copyFile(smallClaude, join(claude, 'projects', '-Users-dev-project', `${SMALL_ID}.jsonl`));
  await fs.mkdir(join(codex, 'sessions', '2026', '12', '05'), { recursive: true });
  await fs.copyFile(rollout, join(codex, 'sessions', '2026', '12', '05', ROLLOUT_NAME));
  return { home, env: { CLAUDE_CONFIG_DIR: claude, CODEX_HOME: codex, HOME: join(home, 'nobody') } };
}

t.test('no path: $CLAUDE_CONFIG_DIR/projects and $CODEX_HOME/sessions', async (t) => {
  const { env } = await fakeHome(t);
  const cwd = await newArchive(t);
  const r = await importJson(cwd, [], env);
  t.equal(r.code, 0, r.stderr);
  t.same(r.summary.files.map((f) => [f.format, f.session, f.status]), [
    ['claude-code', SMALL_ID, 'new'],
    ['codex', CODEX_ID, 'new'],
  ]);
  t.equal(r.summary.files[0]!.path, join(env.CLAUDE_CONFIG_DIR, 'projects', '-Users-dev-project', `${SMALL_ID}.jsonl`));
  t.equal(await showRef(cwd).then((s) => s.split('\n').filter(Boolean).length), 2);
});

t.test('import claude / import codex: one kind only', async (t) => {
  const { env } = await fakeHome(t);
  const c = await newArchive(t);
  const claude = await importJson(c, ['claude'], env);
  t.equal(claude.code, 0);
  t.same(claude.summary.files.map((f) => [f.format, f.session]), [['claude-code', SMALL_ID]]);
  const x = await newArchive(t);
  const codex = await importJson(x, ['codex'], env);
  t.equal(codex.code, 0);
  t.same(codex.summary.files.map((f) => [f.format, f.session]), [['codex', CODEX_ID]]);
  t.match(await showRef(x), new RegExp(`refs/sessions/${CODEX_ID}\\n$`));
  // With a folder: import codex looks at rollouts only, so a Claude file there is not even considered.
  const d = await newArchive(t);
  await fs.copyFile(smallClaude, join(d, `${SMALL_ID}.jsonl`));
  await fs.copyFile(rollout, join(d, 'rollout-z.jsonl'));
  const only = await importJson(d, ['codex', '.'], env);
  t.equal(only.code, 0);
  t.same(only.summary.files.map((f) => [f.format, f.path]), [['codex', 'rollout-z.jsonl']]);
});

t.test('no path and no folders: nothing to do is not an error', async (t) => {
  const home = tempDir(t, 'tapes-home-');
  const cwd = await newArchive(t);
  const r = await importJson(cwd, [], { CLAUDE_CONFIG_DIR: join(home, 'none'), CODEX_HOME: join(home, 'none2'), HOME: home });
  t.equal(r.code, 0);
  t.same(r.summary.files, []);
});

t.test('export: an unknown session exits 2 and -o leaves no file behind', async (t) => {
  const cwd = await newArchive(t);
  const out = await tapes(['export', 'no-such-session'], { cwd });
  t.equal(out.code, 2);
  t.equal(out.stdout, '');
  t.match(out.stderr, /no-such-session/);
  const file = await tapes(['export', 'no-such-session', '-o', 'x.jsonl'], { cwd });
  t.equal(file.code, 2);
  t.same((await fs.readdir(cwd)).filter((n) => n !== '.tapes'), [], 'no output or temporary file');
});
