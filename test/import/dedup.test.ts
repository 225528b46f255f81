// Large values are blobs, stored once however many sessions (and lines)
// carry them: the same tool output in two sessions is one object.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { claudeAssistantLine, claudeUserLine, importJson, jsonl, newArchive, objectFiles, revList, catRecord, tapes } from './import-helpers.js';

/** A tool output of ~6 KiB that looks like one (a listing), the same bytes every call. */
function bigOutput(): string {
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) lines.push(`-rw-r--r--  1 dev  staff  ${1000 + i * 37}  Jan 19 03:15 src/module-${i}/index.ts`);
  return lines.join('\n');
}

/** A session whose third line is a Bash result holding `output` (twice, as Claude Code writes it). */
function session(id: string, output: string, prompt: string): string {
  return jsonl([
    claudeUserLine(id, `${id}-u1`, null, prompt),
    claudeAssistantLine(id, `${id}-a1`, `${id}-u1`, [{ type: 'tool_use', id: `toolu_${id}`, name: 'Bash', input: { command: 'ls -l src/*' } }]),
    claudeUserLine(id, `${id}-u2`, `${id}-a1`, [{ tool_use_id: `toolu_${id}`, type: 'tool_result', content: output, is_error: false }], {
      toolUseResult: { stdout: output, stderr: '', interrupted: false, isImage: false },
    }),
    claudeAssistantLine(id, `${id}-a2`, `${id}-u2`, [{ type: 'text', text: `${prompt}: done` }]),
  ]);
}

/** How many blobs of the archive hold exactly `content` (read and verified through the object store). */
async function blobsEqualTo(cwd: string, content: Buffer): Promise<string[]> {
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const hits: string[] = [];
  for await (const id of store.ids()) {
    const obj = await store.read(id);
    if (obj.type === 'blob' && Buffer.from(obj.body).equals(content)) hits.push(id);
  }
  return hits;
}

t.test('dedup: the same >1 KiB tool output in two sessions is stored once', async (t) => {
  const cwd = await newArchive(t);
  const output = bigOutput();
  t.ok(Buffer.byteLength(output) > 1024 * 4, 'the output is well over the blob threshold');
  await fs.mkdir(join(cwd, 'p1'));
  await fs.mkdir(join(cwd, 'p2'));
  await fs.writeFile(join(cwd, 'p1', 'aaaa1111-0000-4000-8000-000000000001.jsonl'), session('aaaa1111-0000-4000-8000-000000000001', output, 'list the sources'));
  await fs.writeFile(join(cwd, 'p2', 'bbbb2222-0000-4000-8000-000000000002.jsonl'), session('bbbb2222-0000-4000-8000-000000000002', output, 'list them again'));
  const r = await importJson(cwd, ['p1', 'p2']);
  t.equal(r.code, 0, r.stderr);
  t.same(r.summary.files.map((f) => f.status), ['new', 'new']);

  const hits = await blobsEqualTo(cwd, Buffer.from(output, 'utf8'));
  t.equal(hits.length, 1, 'exactly one blob holds the output');

  // Both sessions' tool results point at that one blob.
  for (const s of ['aaaa1111-0000-4000-8000-000000000001', 'bbbb2222-0000-4000-8000-000000000002']) {
    const ids = await revList(cwd, s);
    t.equal(ids.length, 4);
    const rec = await catRecord(cwd, ids[2]!);
    t.equal(rec.kind, 'tool_result');
    const block = (rec.content as Array<Record<string, unknown>>)[0]!;
    t.same(block.content, { $blob: hits[0] }, `${s}: the tool result content is the shared blob`);
  }

  // The output's bytes are not also kept inline anywhere: every object is smaller than it.
  const sizes = await objectFiles(cwd);
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  let inline = 0;
  for (const id of sizes.keys()) {
    const obj = await store.read(id);
    if (obj.type === 'record' && Buffer.from(obj.body).toString('utf8').includes('src/module-119/index.ts')) inline++;
  }
  t.equal(inline, 0, 'no record carries the output inline');

  const exp = await tapes(['export', 'bbbb2222-0000-4000-8000-000000000002'], { cwd });
  t.equal(exp.stdout, await fs.readFile(join(cwd, 'p2', 'bbbb2222-0000-4000-8000-000000000002.jsonl'), 'utf8'), 'still exports exactly');
});

t.test('dedup: the same file content read five times in one session is one blob', async (t) => {
  const cwd = await newArchive(t);
  const id = 'cccc3333-0000-4000-8000-000000000003';
  const file = bigOutput().replace(/-rw-r--r--/g, 'export const x =');
  const lines: unknown[] = [claudeUserLine(id, 'u0', null, 'read it five times')];
  let parent = 'u0';
  for (let i = 1; i <= 5; i++) {
    lines.push(claudeAssistantLine(id, `a${i}`, parent, [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { file_path: '/Users/dev/project/x.ts' } }]));
    lines.push(
      claudeUserLine(id, `u${i}`, `a${i}`, [{ tool_use_id: `toolu_${i}`, type: 'tool_result', content: file }], {
        toolUseResult: { type: 'text', file: { filePath: '/Users/dev/project/x.ts', content: file, numLines: 120, startLine: 1, totalLines: 120 } },
      }),
    );
    parent = `u${i}`;
  }
  await fs.writeFile(join(cwd, `${id}.jsonl`), jsonl(lines));
  const r = await importJson(cwd, [`${id}.jsonl`]);
  t.equal(r.code, 0, r.stderr);
  t.equal((await blobsEqualTo(cwd, Buffer.from(file, 'utf8'))).length, 1, 'one blob for five reads');
});
