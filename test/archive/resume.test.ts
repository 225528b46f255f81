// tapes checkout --resume: the session up to a record written back out as a
// new Claude Code transcript or Codex rollout. The file lands where the agent
// looks (projects/<slug of cwd>/, sessions/YYYY/MM/DD/), keeps every line's
// bytes but the session's ids, has every parentUuid resolving inside it, never
// touches an existing file, and imports back into a chain whose content
// digests are the original's prefix.
import t from 'tap';
import { promises as fs, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { Archive } from '../../src/archive/index.js';
import { claudeProjectSlug, resumeTranscript, rewriteIds } from '../../src/archive/resume.js';
import { contentDigest, readRecord, walkChain } from '../../src/record/index.js';

const PROJECT_DIR = '-Users-alex-workspace-cli--worktrees-2';
const X = '2b945d54-dd2b-4f60-b3b0-7b0252349003';
const xFile = join(corpusDir, 'claude-code/projects', PROJECT_DIR, `${X}.jsonl`);
const codexFile = join(corpusDir, 'codex/sessions/2026/05/11/rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl');
const CODEX = '019e1695-0522-7c83-8b39-0dd379793f80';
/** A smaller real Codex rollout (23 lines, 92 KB: test/fixtures/agents/README.md), for where any Codex session will do. */
const SMALL_CODEX = '01a2464b-59eb-7e90-8265-4a6445d2602d';
const smallCodexFile = join(corpusDir, '..', 'agents', `codex-0.169.0-rollout-${SMALL_CODEX}.jsonl`);
const env = { TZ: 'UTC' };
const UUID = /"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g;

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = tempDir('tapes-resume-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function must(cwd: string, args: string[]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function setup(t: { teardown(fn: () => void): void }, files: string[]): Promise<string> {
  const cwd = scratch(t);
  await must(cwd, ['init', '-q']);
  await must(cwd, ['import', ...files]);
  return cwd;
}

/** Content digests of the chain ending at `rev`, oldest first (unparsed records left out). */
async function digests(cwd: string, rev: string): Promise<string[]> {
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const out: string[] = [];
  for await (const rec of walkChain(store, (await archive.resolve(rev)).id)) {
    if (rec.value.kind === 'unparsed') continue;
    out.push(await contentDigest(store, { role: rec.value.role as string | null, content: rec.value.content as never }));
  }
  return out.reverse();
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');

t.test('--resume claude: a new session in the projects folder of its cwd, ids rewritten, shapes kept, re-imports to the same digests', async (t) => {
  const cwd = await setup(t, [xFile]);
  const claude = join(cwd, 'claude');
  // An existing transcript in the same project folder must not be touched.
  const existing = join(claude, 'projects', PROJECT_DIR, `${X}.jsonl`);
  await fs.mkdir(dirname(existing), { recursive: true });
  await fs.copyFile(xFile, existing);
  const before = statSync(existing).mtimeMs;

  const r = await must(cwd, ['checkout', `${X}~10`, '--resume', 'claude', '--claude-dir', 'claude', '--json']);
  const out = JSON.parse(r.stdout) as { session_id: string; source_session_id: string; path: string; lines: number; record: string; cwd: string; command: string; warnings: string[] };
  t.equal(out.source_session_id, X);
  t.not(out.session_id, X);
  t.match(out.session_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(out.cwd, '/Users/alex/workspace/cli/.worktrees/2');
  t.equal(out.path, join(claude, 'projects', PROJECT_DIR, `${out.session_id}.jsonl`), 'the folder Claude Code itself used for this cwd');
  t.equal(claudeProjectSlug(out.cwd), PROJECT_DIR);
  t.equal(out.command, `claude --resume ${out.session_id}`);
  t.equal(out.record, (await must(cwd, ['rev-parse', `${X}~10`])).stdout.trim());
  t.same(out.warnings, ['the transcript ends with 1 tool call that had no result yet; the agent will see it as interrupted'], 'line 49 calls a tool whose result is on line 76');

  const src = lines(xFile).slice(0, 68);
  const dst = lines(out.path);
  t.equal(out.lines, 68);
  t.equal(dst.length, 68);
  const srcObjs = src.map((l) => JSON.parse(l));
  const dstObjs = dst.map((l) => JSON.parse(l));
  const map = new Map<string, string>();
  srcObjs.forEach((o, i) => {
    if (o.uuid) map.set(o.uuid, dstObjs[i].uuid);
  });
  dst.forEach((l, i) => {
    t.equal(l.replace(UUID, '"U"'), src[i]!.replace(UUID, '"U"'), `line ${i + 1}: the same bytes but for ids`);
    const o = dstObjs[i];
    if ('sessionId' in srcObjs[i]) t.equal(o.sessionId, out.session_id, `line ${i + 1}: new session id`);
    if (srcObjs[i].uuid) t.not(o.uuid, srcObjs[i].uuid, `line ${i + 1}: fresh uuid`);
    if (srcObjs[i].parentUuid) t.equal(o.parentUuid, map.get(srcObjs[i].parentUuid), `line ${i + 1}: parent follows its line`);
    if (srcObjs[i].messageId) t.equal(o.messageId, map.get(srcObjs[i].messageId) ?? srcObjs[i].messageId, `line ${i + 1}: snapshot's message id follows`);
  });
  const uuids = new Set(dstObjs.map((o) => o.uuid).filter(Boolean));
  t.equal(uuids.size, dstObjs.filter((o) => o.uuid).length, 'uuids stay distinct');
  t.ok(dstObjs.every((o) => o.parentUuid == null || uuids.has(o.parentUuid)), 'every parentUuid resolves inside the file');

  t.equal(statSync(existing).mtimeMs, before, 'the existing transcript was not touched');
  t.equal(readFileSync(existing, 'utf8'), readFileSync(xFile, 'utf8'));

  // Back in: the new session's digests are the original's prefix.
  await must(cwd, ['import', out.path]);
  t.same(await digests(cwd, out.session_id), (await digests(cwd, X)).slice(0, 68), 'content digests equal the original prefix');
  t.equal((await tapes(['diff', `${X}~10`, out.session_id], { cwd, env })).code, 0, 'diff calls them equal');

  // The text form prints the command to run, from the session's directory.
  const again = await must(cwd, ['checkout', X, '--resume', 'claude', '--claude-dir', 'claude']);
  t.match(again.stdout, /^cd \/Users\/alex\/workspace\/cli\/\.worktrees\/2 && claude --resume [0-9a-f-]{36}\n$/);
  t.match(again.stderr, /^Wrote .*\.jsonl \(78 lines, up to record [0-9a-f]{12}\)\n$/);
  t.equal((await fs.readdir(dirname(existing))).length, 3, 'each resume is a new file');
});

t.test('a transcript that was a slice: parents outside the file become null; unparsed lines are left out with a warning', async (t) => {
  const dir = scratch(t);
  const all = lines(xFile);
  const slice = all.slice(29);
  slice.splice(10, 0, '{"type":"assistant", cut short');
  const file = join(dir, 'slice.jsonl');
  await fs.writeFile(file, slice.join('\n') + '\n');
  const cwd = await setup(t, [file]);
  const r = await must(cwd, ['checkout', 'slice', '--resume', 'claude', '--claude-dir', join(dir, 'c'), '--json']);
  const out = JSON.parse(r.stdout) as { path: string; lines: number; warnings: string[] };
  t.same(out.warnings, ['1 line that is not JSON left out']);
  t.equal(out.lines, slice.length - 1);
  const objs = lines(out.path).map((l) => JSON.parse(l));
  const uuids = new Set(objs.map((o) => o.uuid));
  t.ok(JSON.parse(all[29]!).parentUuid, 'the slice started with a line whose parent is not in it');
  t.equal(objs.find((o) => o.uuid)?.parentUuid, null, 'that parent is now null');
  t.ok(objs.every((o) => o.parentUuid == null || uuids.has(o.parentUuid)), 'every parentUuid resolves inside the file');
  await must(cwd, ['import', out.path]);
  t.same(await digests(cwd, basename(out.path, '.jsonl')), await digests(cwd, 'slice'), 'digests equal, the unparsed line aside');
});

t.test('--resume codex: a rollout under sessions/YYYY/MM/DD with a new id that re-imports to the same digests', async (t) => {
  // The rollout's first 60 lines of 99 (346 KB of 515), under its name: resumed 40 records back, 20 lines are written.
  const rollout = join(scratch(t), basename(codexFile));
  writeFileSync(rollout, readFileSync(codexFile, 'utf8').split(/(?<=\n)/).slice(0, 60).join(''));
  const cwd = await setup(t, [rollout]);
  const r = await must(cwd, ['checkout', `${CODEX}~40`, '--resume', 'codex', '--codex-dir', 'codex', '--json']);
  const out = JSON.parse(r.stdout) as { session_id: string; source_session_id: string; path: string; lines: number; command: string; cwd: string };
  t.equal(out.source_session_id, CODEX);
  t.match(out.session_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID v7, as Codex makes them');
  t.equal(out.session_id.replace(/-/g, '').slice(0, 12), new Date('2026-01-02T03:04:05.000Z').getTime().toString(16).padStart(12, '0'), 'its time is the clock given');
  t.equal(out.path, join(cwd, 'codex', 'sessions', '2026', '01', '02', `rollout-2026-01-02T03-04-05-${out.session_id}.jsonl`));
  t.equal(out.command, `codex resume ${out.session_id}`);
  t.equal(out.cwd, '/Users/Sample_User/naya');
  const src = lines(rollout);
  const dst = lines(out.path);
  t.equal(dst.length, src.length - 40);
  t.equal(JSON.parse(dst[0]!).payload.id, out.session_id);
  t.equal(dst[0], src[0]!.replace(CODEX, out.session_id), 'session_meta: only the id changed');
  t.same(dst.slice(1), src.slice(1, dst.length), 'every other line as it was');
  await must(cwd, ['import', out.path]);
  t.same(await digests(cwd, out.session_id), (await digests(cwd, CODEX)).slice(0, dst.length));
});

t.test('refusals: the other agent, a record not from a transcript, a name that exists', async (t) => {
  const cwd = await setup(t, [xFile, smallCodexFile]);
  const wrong = await tapes(['checkout', X, '--resume', 'codex', '--codex-dir', 'c'], { cwd, env });
  t.equal(wrong.code, 1);
  t.match(wrong.stderr, /^tapes: error: cannot resume '.*' in Codex: the session was recorded by claude-code\nhint: Use --resume claude\.\n$/);
  const wrong2 = await tapes(['checkout', SMALL_CODEX, '--resume', 'claude', '--claude-dir', 'c'], { cwd, env });
  t.equal(wrong2.code, 1);
  t.match(wrong2.stderr, /recorded by codex\nhint: Use --resume codex/);
  const stray = await tapes(['checkout', X, '--claude-dir', 'c'], { cwd, env });
  t.equal(stray.code, 129, '--claude-dir alone is a usage error');
  const nope = await tapes(['checkout', 'nope', '--resume', 'claude'], { cwd, env });
  t.equal(nope.code, 2);

  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const opts = { dir: join(cwd, 'fixed'), now: () => new Date(0), sessionId: '11111111-2222-4333-8444-555555555555' };
  const first = await resumeTranscript(archive, X, 'claude', opts);
  const bytes = readFileSync(first.path);
  await t.rejects(resumeTranscript(archive, `${X}~1`, 'claude', opts), { code: 'AlreadyExistsError' });
  t.same(readFileSync(first.path), bytes, 'the file that was there is unchanged');

  // A record made by hand (no source line) cannot be written as a transcript.
  const store = await archive.objects();
  const tip = await readRecord(store, (await archive.resolve(X)).id);
  const own = await store.write('record', Buffer.from(JSON.stringify({ content: [], kind: 'user', meta: {}, parent: tip.id, role: 'user', time: null })));
  await t.rejects(resumeTranscript(archive, own, 'claude', opts), { code: 'InvalidInputError', message: /was not imported from a transcript/ });
});

t.test('rewriteIds changes only values of the named keys', async (t) => {
  const text = '{"uuid":"a","parentUuid" : "b","text":"a","nested":{"uuid":"b"},"list":["a"],"esc":"\\"uuid\\":\\"a\\""}';
  const map = new Map<string, string | null>([['a', 'A'], ['b', null]]);
  t.equal(rewriteIds(text, new Set(['uuid', 'parentUuid']), map), '{"uuid":"A","parentUuid" : null,"text":"a","nested":{"uuid":null},"list":["a"],"esc":"\\"uuid\\":\\"a\\""}');
});
