// What import does with input that is not (entirely) a transcript: files
// refused with a reason that names them while the rest of the run imports,
// damaged lines kept as "unparsed" records and reported as path:line: reason,
// and string values that are not valid Unicode kept byte for byte.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  catRecord,
  claudeAssistantLine,
  claudeUserLine,
  exportBytes,
  fsck,
  importJson,
  linesWithEol,
  newArchive,
  notClaudeFile,
  objectFiles,
  recordsByLine,
  revList,
  sha256,
  showRef,
  smallClaude,
  tapes,
} from './import-helpers.js';

t.test('bad input: the not-claude file is refused by name, exit 1, the other file still imports', async (t) => {
  const cwd = await newArchive(t);
  await fs.copyFile(notClaudeFile, join(cwd, 'full.jsonl'));
  await fs.copyFile(smallClaude, join(cwd, 'good.jsonl'));
  // The file is a Gemini CLI session document: detection takes it as one (test/import/gemini.test.ts);
  // named as Claude Code, it is refused.
  for (const kind of [['claude']]) {
    const text = await tapes(['import', ...kind, 'full.jsonl', 'good.jsonl'], { cwd });
    t.equal(text.code, 1, `import ${kind.join(' ')}: something was refused`);
    t.match(text.stderr, /^refused full\.jsonl: not a Claude Code transcript/m, 'the refusal names the file and why');
    t.notMatch(text.stderr, /good\.jsonl/, 'nothing said against the good file');
    t.match(text.stdout, /^imported 1 of 2 files: .*1 refused/);
  }
  t.equal((await revList(cwd, 'good')).length, 9, 'the good file was imported');
  t.equal((await showRef(cwd)).trim().split('\n').length, 1, 'and nothing from full.jsonl');

  const js = await importJson(cwd, ['claude', 'full.jsonl', 'good.jsonl']);
  t.equal(js.code, 1);
  const [refused, good] = js.summary.files;
  t.equal(refused!.status, 'refused');
  t.equal(refused!.path, 'full.jsonl');
  t.equal(refused!.session, null);
  t.equal(refused!.records_added, 0);
  t.match(refused!.problems, [/^full\.jsonl: not a Claude Code transcript/]);
  t.equal(good!.status, 'unchanged');
  t.equal(js.summary.files_refused, 1);

  const ok = await tapes(['import', 'good.jsonl'], { cwd });
  t.equal(ok.code, 0, 'exit 0 when every file imported');
});

t.test('bad input: a stale ref lock (left by a killed run) refuses the file it guards, names the lock, and leaves the rest alone', async (t) => {
  // Each refusal comes only after the lock file's wait (a second, in
  // src/refs/lock-file.ts): the text run and the --json run go on at once,
  // each in an archive of its own with the same stale lock, so the test
  // waits for it once, not twice.
  const locked = async () => {
    const cwd = await newArchive(t);
    await fs.copyFile(smallClaude, join(cwd, 'good.jsonl'));
    await fs.copyFile(smallClaude, join(cwd, 'other.jsonl'));
    const lock = join(cwd, '.tapes', 'refs', 'sessions', 'good.lock');
    await fs.mkdir(join(cwd, '.tapes', 'refs', 'sessions'), { recursive: true });
    await fs.writeFile(lock, '');
    return { cwd, lock };
  };
  const [a, b] = [await locked(), await locked()];
  const [text, json] = await Promise.all([tapes(['import', 'good.jsonl'], { cwd: a.cwd }), importJson(b.cwd, ['good.jsonl', 'other.jsonl'])]);
  t.equal(text.code, 1, 'refused: exit 1');
  t.match(text.stderr, `refused good.jsonl: cannot lock refs/sessions/good: ${a.lock} exists`, 'standard error names the file, the ref and the lock');
  t.equal(await showRef(a.cwd), '', 'nothing imported under the lock');
  t.equal(await fs.readFile(a.lock, 'utf8'), '', 'the lock is not taken over or removed');
  t.equal(json.code, 1);
  t.equal(json.stderr, '', 'with --json, standard error stays empty');
  const refused = json.summary.files.filter((f) => f.status === 'refused');
  t.equal(refused.length, 1, 'only the locked file is refused');
  t.match(refused[0]?.reason, b.lock, 'the JSON reason names the lock file');
  t.equal((await showRef(b.cwd)).trim().split('\n').length, 1, 'the other file imported');
  t.equal(await fs.readFile(b.lock, 'utf8'), '', 'the lock is not taken over or removed');
  await fs.rm(b.lock);
  t.equal((await importJson(b.cwd, ['good.jsonl'])).code, 0, 'once the lock is removed the file imports');
  t.equal((await revList(b.cwd, 'good')).length, 9);
});

t.test('bad input: empty, binary, folder without transcripts, missing path — each refused by name', async (t) => {
  const cwd = await newArchive(t);
  await fs.writeFile(join(cwd, 'empty.jsonl'), '');
  // Random bytes with NULs in every few bytes, and a newline now and then.
  const bin = randomBytes(64 * 1024);
  for (let i = 0; i < bin.length; i += 7) bin[i] = 0;
  await fs.writeFile(join(cwd, 'blob.jsonl'), bin);
  await fs.mkdir(join(cwd, 'notes'));
  await fs.writeFile(join(cwd, 'notes', 'readme.txt'), 'no transcripts here\n');
  await fs.copyFile(smallClaude, join(cwd, 'good.jsonl'));
  const args = ['empty.jsonl', 'blob.jsonl', 'notes', 'missing.jsonl', 'good.jsonl'];

  const text = await tapes(['import', ...args], { cwd });
  t.equal(text.code, 1);
  t.match(text.stderr, /^refused empty\.jsonl: .*empty/m);
  t.match(text.stderr, /^refused blob\.jsonl: \S/m);
  t.match(text.stderr, /^refused notes: .*no transcripts/m);
  t.match(text.stderr, /^refused missing\.jsonl: .*no such file/m);
  t.match(text.stdout, /^imported 1 of 5 files: 1 new, 0 updated, 0 unchanged, 0 kept separately, 4 refused;/);
  t.equal((await revList(cwd, 'good')).length, 9, 'the good file imported');

  const js = await importJson(cwd, args);
  t.equal(js.code, 1);
  t.equal(js.summary.files_refused, 4);
  t.same(
    js.summary.files.map((f) => [f.path, f.status]),
    [
      ['empty.jsonl', 'refused'],
      ['blob.jsonl', 'refused'],
      ['notes', 'refused'],
      ['missing.jsonl', 'refused'],
      ['good.jsonl', 'unchanged'],
    ],
  );
  for (const f of js.summary.files.slice(0, 4)) {
    t.equal(f.session, null);
    t.equal(f.problems.length, 1);
    t.ok(f.problems[0]!.startsWith(`${f.path}: `), `the problem names ${f.path}`);
  }

  // Asked for Claude Code explicitly, the binary file's reason says what it is.
  const claude = await importJson(cwd, ['claude', 'blob.jsonl']);
  t.equal(claude.code, 1);
  t.match(claude.summary.files[0]!.problems[0], /^blob\.jsonl: .*binary/);
});

t.test('bad input: a file of the other kind is refused when a kind is asked for', async (t) => {
  const cwd = await newArchive(t);
  await fs.copyFile(smallClaude, join(cwd, 'claude.jsonl'));
  const asCodex = await importJson(cwd, ['codex', 'claude.jsonl']);
  t.equal(asCodex.code, 1);
  t.equal(asCodex.summary.files[0]!.status, 'refused');
  t.match(asCodex.summary.files[0]!.problems[0], /^claude\.jsonl: not a Codex rollout/);
  t.equal(await showRef(cwd), '', 'nothing imported');
  t.equal((await objectFiles(cwd)).size, 0, 'no object written for a refused file');
});

/** A transcript with damaged lines between good ones, from a real file. */
async function damagedFile(): Promise<{ bytes: Buffer; damaged: Record<number, RegExp> }> {
  const lines = linesWithEol(await fs.readFile(smallClaude));
  const glued = Buffer.concat([lines[2]!.subarray(0, -1), lines[3]!]); // two objects on one line
  const truncated = Buffer.concat([lines[4]!.subarray(0, 300), Buffer.from('\n')]); // cut short
  const notJson = Buffer.from('this is not JSON at all\n');
  const bytes = Buffer.concat([lines[0]!, lines[1]!, glued, truncated, notJson, ...lines.slice(5)]);
  return { bytes, damaged: { 3: /not JSON/, 4: /not JSON/, 5: /not JSON/ } };
}

t.test('damaged lines: kept as unparsed records, reported as path:line: reason, export exact', async (t) => {
  const cwd = await newArchive(t);
  const { bytes, damaged } = await damagedFile();
  await fs.writeFile(join(cwd, 'damaged.jsonl'), bytes);
  const total = linesWithEol(bytes).length;

  const text = await tapes(['import', 'damaged.jsonl'], { cwd });
  t.equal(text.code, 0, 'damaged lines do not refuse the file');
  for (const n of Object.keys(damaged)) t.match(text.stderr, new RegExp(`^warning: damaged\\.jsonl:${n}: not JSON`, 'm'), `line ${n} reported on stderr`);
  t.match(text.stdout, /3 problem lines/);

  const again = await importJson(cwd, ['damaged.jsonl']);
  const f = again.summary.files[0]!;
  t.equal(f.status, 'unchanged');
  t.equal(f.records, total, 'every line is a record');
  t.equal(f.problems.length, 3);
  for (const [i, n] of Object.keys(damaged).entries()) t.match(f.problems[i], new RegExp(`^damaged\\.jsonl:${n}: \\S`));
  t.equal(again.summary.problems, 3);

  const recs = await recordsByLine(cwd, 'damaged');
  t.equal(recs.size, total);
  for (const [line, rec] of recs) {
    if (damaged[line]) {
      t.equal(rec.kind, 'unparsed', `line ${line} is unparsed`);
      t.match((rec.meta as Record<string, unknown>).problem, damaged[line]!);
    } else {
      t.not(rec.kind, 'unparsed', `line ${line} parsed`);
    }
  }
  t.equal(recs.get(6)!.kind, 'other', 'the lines after the damage import normally (a file-history-snapshot)');
  t.equal(recs.get(7)!.kind, 'tool_result', '(and a tool result)');

  const out = await exportBytes(cwd, 'damaged');
  t.equal(sha256(out.stdoutBytes), sha256(bytes), 'export is byte-identical');
  t.equal((await fsck(cwd)).code, 0);
});

t.test('damaged lines: blank lines, CRLF and a missing final newline survive', async (t) => {
  const cwd = await newArchive(t);
  const lines = linesWithEol(await fs.readFile(smallClaude));
  const crlf = Buffer.concat([lines[2]!.subarray(0, -1), Buffer.from('\r\n')]);
  const bytes = Buffer.concat([lines[0]!, Buffer.from('\n'), lines[1]!, Buffer.from('   \n'), crlf, lines[3]!.subarray(0, -1)]);
  await fs.writeFile(join(cwd, 'odd.jsonl'), bytes);
  const r = await importJson(cwd, ['odd.jsonl']);
  t.equal(r.code, 0);
  t.equal(r.summary.files[0]!.records, 6);
  t.equal(sha256((await exportBytes(cwd, 'odd')).stdoutBytes), sha256(bytes));
  const recs = await recordsByLine(cwd, 'odd');
  t.equal(recs.get(5)!.kind, 'user', 'a CRLF line still parses');
});

const SESSION = 'a1b2c3d4-0000-4000-8000-00000000abcd';

t.test('lone surrogates and invalid UTF-8: export byte-identical, fsck clean', async (t) => {
  const cwd = await newArchive(t);
  const line = (uuid: string, parent: string | null, content: unknown) => JSON.stringify(claudeUserLine(SESSION, uuid, parent, content));
  const long = 'x'.repeat(3000);
  const rows: Buffer[] = [
    // "\ud800" as an escape in a short string.
    Buffer.from(line('u1', null, 'SHORT').replace('"SHORT"', '"a\\ud800b"')),
    // …in a string over 2 KiB.
    Buffer.from(line('u2', 'u1', 'LONG').replace('"LONG"', `"${long}\\udc00${long}"`)),
    // A pair and a lone high surrogate in a tool result.
    Buffer.from(
      line('u3', 'u2', [{ tool_use_id: 'toolu_1', type: 'tool_result', content: 'TR' }]).replace('"TR"', '"\\ud83d\\ude00 ok \\ud83d"'),
    ),
    // A lone surrogate in an object key.
    Buffer.from(JSON.stringify(claudeAssistantLine(SESSION, 'a1', 'u3', [{ type: 'tool_use', id: 'toolu_2', name: 'Edit', input: { KEY: 1 } }])).replace('"KEY"', '"\\udfff"')),
    // Raw invalid UTF-8 inside a string value.
    Buffer.concat([...line('u4', 'a1', 'RAW').split('RAW').flatMap((p, i) => (i === 0 ? [Buffer.from(p)] : [Buffer.from([0x63, 0x61, 0x66, 0xff, 0xfe, 0xc3]), Buffer.from(p)]))]),
    // A CESU-8 encoded surrogate (ED A0 80), which is not UTF-8 either.
    Buffer.concat([...line('u5', 'u4', 'CESU').split('CESU').flatMap((p, i) => (i === 0 ? [Buffer.from(p)] : [Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(p)]))]),
    Buffer.from(JSON.stringify(claudeAssistantLine(SESSION, 'a2', 'u5', [{ type: 'text', text: 'All kept.' }]))),
  ];
  const bytes = Buffer.concat(rows.map((r) => Buffer.concat([r, Buffer.from('\n')])));
  await fs.writeFile(join(cwd, `${SESSION}.jsonl`), bytes);
  const r = await importJson(cwd, [`${SESSION}.jsonl`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.summary.files[0]!.status, 'new');
  t.equal(r.summary.files[0]!.records, rows.length);
  const out = await exportBytes(cwd, SESSION);
  t.equal(out.code, 0);
  t.equal(sha256(out.stdoutBytes), sha256(bytes), 'export is byte-identical');
  const f = await fsck(cwd);
  t.equal(f.code, 0, `fsck clean: ${f.stdout}`);
  // Lines that are valid JSON text (escapes, however odd) are parsed, not set aside.
  const ids = await revList(cwd, SESSION);
  for (const n of [0, 1, 2, 3]) t.not((await catRecord(cwd, ids[n]!)).kind, 'unparsed', `line ${n + 1} is parsed`);
  t.equal((await catRecord(cwd, ids[2]!)).kind, 'tool_result');
});

t.test('lone surrogates: a string over 1 MiB holding one imports and exports exactly', async (t) => {
  const cwd = await newArchive(t);
  const big = 'abc '.repeat(270_000); // 1.08 MB: just over 1 MiB
  const line = JSON.stringify(claudeUserLine(SESSION, 'u1', null, 'BIG')).replace('"BIG"', `"${big}\\ud800"`);
  const bytes = Buffer.from(`${line}\n${JSON.stringify(claudeAssistantLine(SESSION, 'a1', 'u1', [{ type: 'text', text: 'ok' }]))}\n`);
  await fs.writeFile(join(cwd, 'big-surrogate.jsonl'), bytes);
  await fs.copyFile(smallClaude, join(cwd, 'other.jsonl'));
  const r = await tapes(['import', '--json', 'big-surrogate.jsonl', 'other.jsonl'], { cwd });
  t.equal(r.code, 0, `import succeeds: ${r.stderr.trim()}`);
  const out = await exportBytes(cwd, 'big-surrogate');
  t.equal(sha256(out.stdoutBytes), sha256(bytes), 'export is byte-identical');
  t.equal((await revList(cwd, 'other').catch(() => [])).length, 9, 'the other file of the run is imported too');
});
