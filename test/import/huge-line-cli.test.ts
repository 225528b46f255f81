// `tapes import` with its lines read in pieces (import.streamLinesAbove and
// import.streamStringsAbove lowered) against the same files read whole: the
// same sessions, tips, objects and problems, including the files a line read
// in pieces cannot serve (the import then reads them whole) and Gemini
// session documents (always read whole).
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { corpusDir } from '../helpers/cli.js';
import { claudeUserLine, exportBytes, importJson, newArchive, objectFiles, sha256, showRef, tapes } from './import-helpers.js';

const long = (n: number, salt = '') => Array.from({ length: Math.ceil(n / 40) }, (_, i) => `${salt}${i}: "x" \\ é 😀 line\n`).join('').slice(0, n);
const line = (v: unknown) => JSON.stringify(v) + '\n';
const meta = { timestamp: '2026-01-01T00:00:00.000Z', type: 'session_meta', payload: { id: 'c0dex', cwd: '/x', cli_version: '0.9' } };
const item = (payload: unknown) => ({ timestamp: '2026-01-01T00:00:01.000Z', type: 'response_item', payload });

/** File name → content; each holds lines long enough to be read in pieces at the lowered setting. */
function transcripts(): Record<string, string> {
  const s = (n: number) => `bbbb${n}000-0000-4000-8000-000000000000`;
  return {
    // Read in pieces.
    [`${s(1)}.jsonl`]: line(claudeUserLine(s(1), 'u1', null, 'go')) + line(claudeUserLine(s(1), 'u2', 'u1', [{ type: 'tool_result', tool_use_id: 't', content: long(50_000) }], { toolUseResult: { stdout: long(50_000) } })),
    // Read whole: a timestamp the importer must read is a long string.
    [`${s(2)}.jsonl`]: line(claudeUserLine(s(2), 'u1', null, 'go')) + line({ ...claudeUserLine(s(2), 'u2', 'u1', long(10_000)), timestamp: ' '.repeat(9000) + '2026-02-03T04:05:06Z' }),
    // Read whole: mostly structure.
    [`${s(3)}.jsonl`]: line(claudeUserLine(s(3), 'u1', null, 'go', { toolUseResult: { numbers: Array.from({ length: 3000 }, (_, i) => i) } })),
    // Read whole: a Codex output that is JSON.
    'rollout-2026-01-01T00-00-00-cccc0000-0000-4000-8000-000000000000.jsonl':
      line(meta) + line(item({ type: 'function_call_output', call_id: 'c1', output: JSON.stringify({ output: long(20_000), metadata: { exit_code: 3 } }) })),
    // Bad lines, read in pieces: not JSON, and cut short at the end.
    [`${s(4)}.jsonl`]: line(claudeUserLine(s(4), 'u1', null, 'go')) + line(claudeUserLine(s(4), 'u2', 'u1', 'ok')) + JSON.stringify(claudeUserLine(s(4), 'u3', 'u2', long(20_000))).slice(0, -2) + '\n' + line(claudeUserLine(s(4), 'u4', 'u3', 'ok')) + JSON.stringify(claudeUserLine(s(4), 'u5', 'u4', long(20_000))).slice(0, 9000),
  };
}

t.test('lines read in pieces, or files read whole when they must be: the same archive as reading every file whole', async (t) => {
  const inPieces = await newArchive(t);
  const whole = await newArchive(t);
  await fs.appendFile(join(inPieces, '.tapes', 'config'), '[import]\n\tpackAbove = 0\n\tstreamLinesAbove = 1024\n\tstreamStringsAbove = 2000\n');
  await fs.appendFile(join(whole, '.tapes', 'config'), '[import]\n\tpackAbove = 0\n\tstreamLinesAbove = 1000000000\n');
  const files = transcripts();
  const gemini = join(corpusDir, 'scale', 'gemini', '51_3fab7adf0b_0_full.jsonl');
  const runs = [];
  for (const cwd of [inPieces, whole]) {
    await fs.mkdir(join(cwd, 'in'));
    for (const [name, text] of Object.entries(files)) await fs.writeFile(join(cwd, 'in', name), text);
    await fs.copyFile(gemini, join(cwd, 'in', 'session-gemini.json'));
    const r = await importJson(cwd, ['in']);
    t.equal(r.code, 0, r.stderr);
    runs.push(r.summary);
  }
  const [a, b] = runs;
  t.same(
    a!.files.map((f) => [f.path, f.format, f.status, f.records]),
    b!.files.map((f) => [f.path, f.format, f.status, f.records]),
    'the same files, formats, statuses and records',
  );
  t.same(
    a!.files.map((f) => [f.path, f.status]),
    [...Object.keys(files).sort(), 'session-gemini.json'].map((n) => [join('in', n), 'new']),
  );
  const verdicts = (s: typeof a) => s!.files.flatMap((f) => f.problems.map((p) => p.replace(/^(\S+:\d+: not JSON).*$/, '$1')));
  t.same(verdicts(a), verdicts(b), 'the same problems');
  t.same(verdicts(a), ['in/bbbb4000-0000-4000-8000-000000000000.jsonl:3: not JSON', 'in/bbbb4000-0000-4000-8000-000000000000.jsonl:5: not JSON']);
  t.equal(await showRef(inPieces), await showRef(whole), 'the same sessions and tips');
  t.same([...(await objectFiles(inPieces)).keys()].sort(), [...(await objectFiles(whole)).keys()].sort(), 'the same objects');
  for (const [name, text] of Object.entries(files)) {
    const out = await exportBytes(inPieces, name.replace(/\.jsonl$/, '').replace(/^rollout-.*-(cccc)/, '$1'));
    t.equal(sha256(out.stdoutBytes), sha256(Buffer.from(text)), `${name} exports byte for byte`);
  }
});

t.test('the settings are integers, refused by name otherwise', async (t) => {
  const cwd = await newArchive(t);
  await fs.appendFile(join(cwd, '.tapes', 'config'), '[import]\n\tstreamLinesAbove = lots\n');
  await fs.writeFile(join(cwd, 'x.jsonl'), line(claudeUserLine('s', 'u1', null, 'go')));
  const r = await tapes(['import', 'x.jsonl'], { cwd });
  t.not(r.code, 0);
  t.match(r.stderr, /import\.streamlinesabove = "lots" is not an integer/);
});
