// The whole real corpus through `tapes import` and `tapes export --format
// original`: lossless (sha256 of every transcript), deterministic (two fresh
// archives, same refs and objects), idempotent (a second import changes
// nothing), and what the archive costs next to the raw transcripts.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fullCorpusDir } from '../helpers/cli.js';
import {
  corpusFolders,
  exportBytes,
  importJson,
  jsonlFiles,
  newArchive,
  objectFiles,
  reflogCounts,
  sha256,
  showRef,
  tapes,
  type FileEntry,
} from './import-helpers.js';

// The whole shared corpus (the long suite), not the fixtures' subset.
const { claudeCodeDir, claudeProjects, codexSessions, edgeCasesDir, notClaudeFile } = corpusFolders(fullCorpusDir());

/** Transcripts of the corpus: every *.jsonl except side files under subagents/ (journals). */
async function corpusTranscripts(): Promise<string[]> {
  const all = [...(await jsonlFiles(claudeProjects)), ...(await jsonlFiles(edgeCasesDir)), ...(await jsonlFiles(codexSessions))];
  return all.filter((p) => !(p.split('/').includes('subagents') && !p.split('/').pop()!.startsWith('agent-')));
}

interface Shared {
  cwd: string;
  files: Map<string, FileEntry>;
  /** Archive bytes (object files) right after importing claude-code/ alone. */
  claudeArchiveBytes: number;
  claudeCodes: number;
  restCode: number;
}

let shared: Promise<Shared> | undefined;
// One archive for the lossless, idempotence and ratio checks: claude-code/
// first (so its size can be measured alone), then edge-cases/ and codex/.
function corpusArchive(): Promise<Shared> {
  shared ??= (async () => {
    const cwd = await newArchive(t);
    const first = await importJson(cwd, [claudeCodeDir]);
    const claudeArchiveBytes = [...(await objectFiles(cwd)).values()].reduce((a, b) => a + b, 0);
    const rest = await importJson(cwd, [edgeCasesDir, codexSessions]);
    const files = new Map<string, FileEntry>();
    for (const f of [...first.summary.files, ...rest.summary.files]) files.set(f.path, f);
    return { cwd, files, claudeArchiveBytes, claudeCodes: first.code, restCode: rest.code };
  })();
  return shared;
}

t.test('lossless: export of every corpus transcript has the sha256 of the original', async (t) => {
  const { cwd, files, claudeCodes, restCode } = await corpusArchive();
  // not-claude/ holds a Gemini CLI session document, which detection now reads as one.
  t.equal(claudeCodes, 0, 'claude-code/ imports without refusals');
  t.equal(files.get(notClaudeFile)?.format, 'gemini-json');
  t.equal(restCode, 0, 'edge-cases/ and codex/ import without refusals');
  const transcripts = await corpusTranscripts();
  t.ok(transcripts.length >= 55, `${transcripts.length} transcripts`);
  const sessions = new Set<string>();
  for (const path of transcripts) {
    const entry = files.get(path);
    if (!entry || !entry.session || entry.status === 'refused') {
      t.fail(`${path} was not imported: ${JSON.stringify(entry)}`);
      continue;
    }
    t.notOk(sessions.has(entry.session), `${entry.session} names one file only`);
    sessions.add(entry.session);
    const original = await fs.readFile(path);
    const out = await exportBytes(cwd, entry.session);
    t.equal(out.code, 0, `export ${entry.session} exits 0`);
    t.equal(sha256(out.stdoutBytes), sha256(original), `export ${entry.session} = ${path.slice(path.indexOf('corpus/'))}`);
  }
});

t.test('lossless: export -o FILE writes the same bytes (a sample)', async (t) => {
  const { cwd, files } = await corpusArchive();
  // A sample (the export path is the same as above): the largest, the two
  // with glued lines, a subagent, a Codex rollout, the malformed rollout.
  const sample = (await corpusTranscripts()).filter((p) =>
    /aa4038a5|3a782158|4fec7ea0|agent-showcol2|rollout-2026-05-11|rollout-66666666/.test(p),
  );
  t.equal(sample.length, 6);
  for (const path of sample) {
    const session = files.get(path)?.session;
    if (!session) continue; // reported by the test above
    const target = join(cwd, 'out.jsonl');
    const r = await tapes(['export', session, '-o', 'out.jsonl'], { cwd });
    t.equal(r.code, 0, `export -o for ${session}`);
    t.equal(r.stdout, '', 'nothing on stdout');
    t.equal(sha256(await fs.readFile(target)), sha256(await fs.readFile(path)), `export -o ${session}`);
    await fs.rm(target);
  }
  const left = (await fs.readdir(cwd)).filter((n) => n.startsWith('out.jsonl'));
  t.same(left, [], 'no temporary files left next to the target');
});

t.test('deterministic: two fresh archives get the same refs and the same object ids', async (t) => {
  const a = await corpusArchive();
  // The second archive takes the same files in one run instead of two.
  const b = await newArchive(t);
  const rb = await importJson(b, [claudeCodeDir, edgeCasesDir, codexSessions]);
  t.equal(rb.code, 0, 'nothing refused');
  const refsA = await showRef(a.cwd);
  const refsB = await showRef(b);
  t.ok(refsA.split('\n').length > 50, 'many refs');
  t.equal(refsB, refsA, 'show-ref identical');
  const objsA = [...(await objectFiles(a.cwd)).keys()].sort();
  const objsB = [...(await objectFiles(b)).keys()].sort();
  t.ok(objsA.length > 1000, `${objsA.length} objects`);
  t.equal(objsB.length, objsA.length, 'same number of objects');
  t.same(objsB, objsA, 'same object ids');
  const sessionsB = new Map(rb.summary.files.map((f) => [f.path, f.session]));
  for (const [path, f] of a.files) t.equal(sessionsB.get(path), f.session, `same session name for ${path.slice(path.indexOf('corpus/'))}`);
});

t.test('idempotent: importing the corpus again adds no object and moves no ref', async (t) => {
  const { cwd } = await corpusArchive();
  const objectsBefore = await objectFiles(cwd);
  const refsBefore = await showRef(cwd);
  const logsBefore = await reflogCounts(cwd);
  const again = await importJson(cwd, [claudeCodeDir, edgeCasesDir, codexSessions]);
  t.equal(again.code, 0, 'nothing refused');
  for (const f of again.summary.files) {
    t.equal(f.status, 'unchanged', `${f.session} unchanged`);
    t.equal(f.records_added, 0, `${f.session}: no record added`);
  }
  t.equal(again.summary.records_added, 0);
  t.equal(again.summary.objects_written, 0);
  t.equal(again.summary.bytes_stored, 0);
  t.same(again.summary.sessions, { new: 0, updated: 0, unchanged: again.summary.files.length, kept_separately: 0 });
  t.equal((await objectFiles(cwd)).size, objectsBefore.size, 'object count unchanged');
  t.equal(await showRef(cwd), refsBefore, 'refs unchanged');
  t.same(await reflogCounts(cwd), logsBefore, 'no reflog line added');
  const fsck = await tapes(['fsck'], { cwd });
  t.equal(fsck.code, 0, `fsck clean: ${fsck.stdout}`);
});

t.test('dedup: archive size against the raw claude-code transcripts', async (t) => {
  const { claudeArchiveBytes } = await corpusArchive();
  let raw = 0;
  for (const p of await jsonlFiles(claudeProjects)) raw += (await fs.stat(p)).size;
  const ratio = claudeArchiveBytes / raw;
  t.comment(
    `claude-code corpus: ${(raw / 1e6).toFixed(2)} MB of transcripts -> ${(claudeArchiveBytes / 1e6).toFixed(2)} MB of object files ` +
      `(${(ratio * 100).toFixed(1)}% of raw)`,
  );
  t.ok(claudeArchiveBytes > 0);
  t.ok(ratio < 1, `archive is smaller than the raw transcripts (${ratio.toFixed(3)})`);
});
