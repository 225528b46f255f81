// A line read in pieces (src/import/huge-line.ts, read-transcript.ts) gives
// exactly the records and objects the ordinary way gives for the same line:
// each file here is imported both ways, with the thresholds lowered so that
// its long lines are read in pieces, and the two stores compared object for
// object. Bad lines are reported and kept as the ordinary way keeps them.
import t, { type Test } from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { LooseObjectStore, WriteQueue } from '../../src/odb/index.js';
import {
  importFile,
  isClaudeLine,
  isCodexLine,
  isGeminiLine,
  LongTextStore,
  NeedsWholeFile,
  normaliseClaudeLine,
  normaliseCodexLine,
  parseLine,
  readTranscript,
  RECORD_FIELDS,
  splitLines,
  type CodexState,
  type ParsedLine,
  type ReadLimits,
  type TranscriptFormat,
} from '../../src/import/index.js';
import { JsonLineScanner } from '../../src/import/json-line-scanner.js';
import { isObj } from '../../src/record/index.js';
import { readRecord, sourceBytes, sourceOf } from '../../src/record/index.js';
import type { LineSegment } from '../../src/import/json-line-scanner.js';
import { claudeAssistantLine, claudeProjects, claudeUserLine, codexSessions, jsonlFiles, MemoryObjectStore, MemoryRefs, tempDir } from './import-helpers.js';


const SESSION = 'aaaa1111-0000-4000-8000-000000000001';
const LIMITS: ReadLimits = { inPiecesAbove: 1024, longTextAbove: 2000, heldAbove: 2048 };

/** Text of `n` bytes or so, with what JSON escapes, non-ASCII and a surrogate pair in it. */
function longText(n: number, salt = ''): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${salt}[${i}] "quoted" path\\to\\file\tcafé 日本 😀\n`;
  return s;
}

interface Way {
  tip: string;
  problems: string[];
  status: string;
  records: number;
  objects: string[];
  lines: ParsedLine[];
  /** Each line's segments as read (the import drops them once the line is a record). */
  segments: Array<LineSegment[] | undefined>;
}

/**
 * Imports `lines` (made with a fresh queue) into a fresh store, in memory:
 * what is compared is the objects' ids, and the two ways of a test wrote
 * thousands of objects to disk (each created, compressed and fsynced).
 */
async function importWith(t: Test, path: string, format: TranscriptFormat, make: (queue: WriteQueue) => Promise<{ lines: ParsedLine[]; longTexts?: LongTextStore }>): Promise<Way> {
  const store = new MemoryObjectStore();
  const queue = new WriteQueue(store);
  const { lines, longTexts } = await make(queue);
  const segments = lines.map((l) => l.huge?.segments);
  const result = await importFile({ path, display: 'session.jsonl', lines, longTexts, format, refName: `refs/sessions/${SESSION}`, queue, refs: new MemoryRefs(), reason: 'test' });
  await queue.flush();
  const objects: string[] = [];
  for await (const id of store.ids()) objects.push(id);
  t.ok(result.tip, 'a chain');
  return { tip: result.tip!, problems: result.problems, status: result.status, records: result.records, objects: objects.sort(), lines, segments };
}

/** The file imported the ordinary way and in pieces; both must give the same chain and the same objects. */
async function bothWays(t: Test, text: string | Buffer, format: TranscriptFormat = 'claude-code', limits: ReadLimits = LIMITS): Promise<{ whole: Way; pieces: Way }> {
  const dir = tempDir(t);
  const path = join(dir, 'session.jsonl');
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  await fs.writeFile(path, bytes);
  const whole = await importWith(t, path, format, async () => ({ lines: splitLines(bytes).map(parseLine) }));
  const pieces = await importWith(t, path, format, async (queue) => {
    const read = await readTranscript(path, limits);
    const longTexts = new LongTextStore(queue);
    for (const l of read.lines) if (l.huge) longTexts.add(l.huge);
    return { lines: read.lines, longTexts };
  });
  t.ok(pieces.lines.some((l) => l.huge), 'a line was read in pieces');
  t.equal(pieces.tip, whole.tip, 'the same tip');
  t.same(pieces.objects, whole.objects, `the same ${whole.objects.length} objects`);
  t.equal(pieces.records, whole.records);
  return { whole, pieces };
}

const jsonl = (...values: unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)) + '\n').join('');

t.test('a tool result in the message and again in toolUseResult, with lines before and after', async (t) => {
  const out = longText(200_000);
  const text = jsonl(
    claudeUserLine(SESSION, 'u1', null, 'Print the log'),
    claudeAssistantLine(SESSION, 'a1', 'u1', [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat build.log' } }]),
    claudeUserLine(SESSION, 'u2', 'a1', [{ tool_use_id: 'toolu_1', type: 'tool_result', content: out, is_error: false }], { toolUseResult: { stdout: out, stderr: '', interrupted: false } }),
    claudeAssistantLine(SESSION, 'a2', 'u2', [{ type: 'text', text: 'done' }]),
  );
  const { pieces } = await bothWays(t, text);
  const huge = pieces.lines.findIndex((l) => l.huge);
  t.equal(pieces.lines[huge]!.number, 3);
  const segments = pieces.segments[huge]!;
  t.equal(segments.filter((s) => typeof s !== 'string').length, 2, 'its two copies of the output were not held');
  t.ok(segments.every((s) => typeof s !== 'string' || s.length < 1000), 'what was held is the structure');
});

t.test('long strings the value codec and the template store otherwise: lone surrogates, escapes JSON.stringify does not write', async (t) => {
  const lone = longText(5000) + '\ud800' + longText(100);
  const escaped = JSON.stringify(longText(5000)).replace(/é/g, '\\u00e9').replace(/\//g, '\\/');
  const text = jsonl(
    claudeUserLine(SESSION, 'u1', null, [{ tool_use_id: 't1', type: 'tool_result', content: lone }], { toolUseResult: { file: { content: lone } } }),
    `{"type":"user","sessionId":"${SESSION}","uuid":"u2","message":{"role":"user","content":${escaped}},"toolUseResult":{"x":${escaped}}}`,
    claudeUserLine(SESSION, 'u3', 'u2', 'a long cwd, role and type', { cwd: longText(3000), type: longText(3000, 't') }),
    { type: 'assistant', sessionId: SESSION, uuid: 'a4', message: { role: longText(3000, 'r'), content: [{ type: 'thinking', thinking: longText(3000), signature: longText(3000, 's') }] } },
    JSON.stringify(longText(4000)),
    [longText(3000), 1, { k: longText(3000, 'k') }],
    { type: 'summary', sessionId: SESSION, summary: longText(2500), leafUuid: 'u1', [`$${longText(10)}`]: longText(3000) },
  );
  const { whole } = await bothWays(t, text);
  t.same(whole.problems, []);
});

t.test('records that fit only at a lower threshold, or not at all, are the same', async (t) => {
  // 1400 strings of 800 bytes: held (not long), too many for the 1024 threshold, fine at 128.
  const many = Array.from({ length: 1400 }, (_, i) => longText(800, `${i}`).slice(0, 800));
  const numbers = Array.from({ length: 130_000 }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);
  const text = jsonl(
    claudeUserLine(SESSION, 'u1', null, many.map((s) => ({ type: 'text', text: s }))),
    claudeUserLine(SESSION, 'u2', 'u1', 'numbers', { toolUseResult: { vector: numbers } }),
    claudeUserLine(SESSION, 'u3', 'u2', [{ type: 'text', text: longText(50_000) }, ...numbers.slice(0, 60_000)]),
  );
  const { pieces } = await bothWays(t, text, 'claude-code', { inPiecesAbove: 1024, longTextAbove: 2000, heldAbove: 10_000_000 });
  t.equal(pieces.lines.filter((l) => l.huge).length, 3);
});

t.test('bad lines read in pieces are reported and kept as the ordinary way keeps them', async (t) => {
  const good = JSON.stringify(claudeUserLine(SESSION, 'u1', null, longText(5000)));
  const invalidUtf8 = Buffer.concat([Buffer.from(good.slice(0, 3000)), Buffer.from([0xff, 0xfe]), Buffer.from(good.slice(3000))]);
  const small = Array.from({ length: 8 }, (_, i) => JSON.stringify(claudeUserLine(SESSION, `s${i}`, null, 'fine')) + '\n').join('');
  const file = Buffer.concat([
    Buffer.from(good + '\n'),
    Buffer.from(good.slice(0, -1) + ',}\n'), // not JSON
    Buffer.from(good + ' trailing\n'), // not JSON after the value
    invalidUtf8,
    Buffer.from('\n' + ' \t'.repeat(1000) + '\u3000\n'), // blank
    Buffer.from(good.replace('café', 'ca\u0000fé') + '\n'), // a raw NUL
    Buffer.from(small),
    Buffer.from(good.slice(0, 4000)), // cut short at the end of the file, no newline
  ]);
  const { whole, pieces } = await bothWays(t, file);
  const where = (ps: string[]) => ps.map((p) => p.replace(/^(session\.jsonl:\d+: [a-zA-Z -8]+?)(: .*)?$/, '$1'));
  t.same(where(pieces.problems), where(whole.problems), 'the same lines reported, with the same verdicts');
  t.same(where(pieces.problems), [
    'session.jsonl:2: not JSON',
    'session.jsonl:3: not JSON',
    'session.jsonl:4: not valid UTF-8',
    'session.jsonl:5: blank line',
    'session.jsonl:6: not JSON',
    'session.jsonl:15: not JSON',
  ]);
  t.match(pieces.problems[0], /^session\.jsonl:2: not JSON: .*position \d+/, 'with where the line stopped being JSON');
  t.match(pieces.problems[5], /^session\.jsonl:15: not JSON: Unterminated string/, 'a line cut short says so');
  t.equal(pieces.lines.filter((l) => l.huge).length, 7);
});

t.test('a line cut short that a later import finds complete moves the session on, as the ordinary way does', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'session.jsonl');
  const full = jsonl(claudeUserLine(SESSION, 'u1', null, 'hi'), claudeUserLine(SESSION, 'u2', 'u1', [{ type: 'tool_result', tool_use_id: 't', content: longText(100_000) }]));
  const cut = full.slice(0, 60_000);
  const results: string[] = [];
  for (const inPieces of [false, true]) {
    const store = await LooseObjectStore.open(join(dir, `objects-${inPieces}`));
    const refs = new MemoryRefs();
    for (const text of [cut, full]) {
      await fs.writeFile(path, text);
      const queue = new WriteQueue(store);
      const read = inPieces ? await readTranscript(path, LIMITS) : { lines: splitLines(Buffer.from(text)).map(parseLine) };
      const longTexts = new LongTextStore(queue);
      for (const l of read.lines) if (l.huge) longTexts.add(l.huge);
      const r = await importFile({ path, display: 'session.jsonl', lines: read.lines, longTexts, format: 'claude-code', refName: `refs/sessions/${SESSION}`, queue, refs, reason: 'test' });
      await queue.flush();
      results.push(`${inPieces ? 'pieces' : 'whole'} ${text === cut ? 'cut' : 'full'}: ${r.status} ${r.tip}`);
      if (inPieces && text === full) {
        const rec = await readRecord(store, r.tip!);
        const bytes = await sourceBytes(store, sourceOf(rec.value)!);
        t.equal(bytes.toString('utf8') + '\n', full.slice(full.indexOf('\n') + 1), 'the line reads back');
      }
    }
  }
  t.match(results, [/^whole cut: new /, /^whole full: updated /, /^pieces cut: new /, /^pieces full: updated /]);
  t.equal(results[2]!.split(' ').pop(), results[0]!.split(' ').pop(), 'the same tip for the cut file');
  t.equal(results[3]!.split(' ').pop(), results[1]!.split(' ').pop(), 'and for the whole one');
});

t.test('Codex: a long tool output and a long patch; arguments that may be JSON need the whole file', async (t) => {
  const meta = { timestamp: '2026-01-01T00:00:00.000Z', type: 'session_meta', payload: { id: 'c0dex', cwd: '/x', cli_version: '0.9' } };
  const item = (payload: unknown) => ({ timestamp: '2026-01-01T00:00:01.000Z', type: 'response_item', payload });
  const text = jsonl(
    meta,
    item({ type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"command":["make"]}' }),
    item({ type: 'function_call_output', call_id: 'c1', output: `Process exited with code 2\nOutput:\n${longText(30_000)}` }),
    item({ type: 'function_call_output', call_id: 'c1', output: `  ${longText(30_000)}` }), // "[0] …": not JSON from its beginning
    item({ type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: longText(30_000) }),
  );
  const { pieces } = await bothWays(t, text, 'codex');
  t.equal(pieces.lines.filter((l) => l.huge).length, 3);
  const json = jsonl(meta, item({ type: 'function_call_output', call_id: 'c1', output: JSON.stringify({ output: longText(30_000), metadata: { exit_code: 1 } }) }));
  const dir = tempDir(t);
  const path = join(dir, 'rollout.jsonl');
  await fs.writeFile(path, json);
  const queue = new WriteQueue(await LooseObjectStore.open(join(dir, 'objects')));
  const read = await readTranscript(path, LIMITS);
  const longTexts = new LongTextStore(queue);
  for (const l of read.lines) if (l.huge) longTexts.add(l.huge);
  await t.rejects(
    importFile({ path, display: 'rollout.jsonl', lines: read.lines, longTexts, format: 'codex', refName: 'refs/sessions/c0dex', queue, refs: new MemoryRefs(), reason: 'test' }),
    NeedsWholeFile,
    'an output that may be JSON is parsed from the whole line (archive/import.ts reads the file whole)',
  );
});

t.test('Gemini: a message seen again shows only what is new, whichever way each copy was read', async (t) => {
  const output = longText(3000);
  const message = (extra: Record<string, unknown>) => ({
    id: 'm2',
    timestamp: '2026-01-01T00:00:02.000Z',
    type: 'gemini',
    content: 'running',
    toolCalls: [{ id: 'c1', name: 'run', args: {}, status: 'success', result: [{ functionResponse: { id: 'c1', name: 'run', response: { output } } }] }],
    ...extra,
  });
  const text = jsonl(
    { sessionId: 'gem-1', projectHash: 'p', startTime: '2026-01-01T00:00:00.000Z', lastUpdated: '2026-01-01T00:00:00.000Z', kind: 'main' },
    { id: 'm1', timestamp: '2026-01-01T00:00:01.000Z', type: 'user', content: [{ text: 'run it' }] },
    message({}), // held whole: shorter than the bound below
    message({ tokens: { input: 10 }, thoughts: [{ description: longText(9000) }] }), // read in pieces
    { $rewindTo: 'm2' },
    message({ note: longText(9000) }),
  );
  const { pieces } = await bothWays(t, text, 'gemini', { inPiecesAbove: 8000, longTextAbove: 2000, heldAbove: 16_000 });
  t.same(
    pieces.lines.map((l) => Boolean(l.huge)),
    [false, false, false, true, false, true],
  );
});

t.test('a line that is mostly structure is left to the ordinary way', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'session.jsonl');
  await fs.writeFile(path, jsonl(claudeUserLine(SESSION, 'u1', null, 'numbers', { toolUseResult: { vector: Array.from({ length: 2000 }, (_, i) => i) } })));
  await t.rejects(readTranscript(path, LIMITS), NeedsWholeFile);
});

t.test('a line that is mostly structure and cannot fit a record is read again for its kind, role and time only', async (t) => {
  const numbers = (n: number) => Array.from({ length: n }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);
  const text = jsonl(
    claudeUserLine(SESSION, 'u1', null, 'go'),
    claudeAssistantLine(SESSION, 'a1', 'u1', [{ type: 'text', text: 'calling' }, { type: 'tool_use', id: 'toolu_1', name: 'Index', input: { vector: numbers(150_000) } }]),
    claudeUserLine(SESSION, 'u2', 'a1', [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }], {
      toolUseResult: { structuredPatch: [{ oldStart: 1, lines: Array.from({ length: 200_000 }, (_, i) => (i % 2 ? `+line ${i}` : ' ')) }] },
    }),
    // Nested deeper than JSON.stringify (or any recursive reader) goes.
    JSON.stringify(claudeUserLine(SESSION, 'u3', 'u2', longText(100_000), { toolUseResult: { n: numbers(150_000) } })).replace('"toolUseResult":{', `"toolUseResult":{"deep":${'['.repeat(50_000)}${']'.repeat(50_000)},`),
    numbers(200_000),
    claudeAssistantLine(SESSION, 'a2', 'u3', [{ type: 'text', text: 'done' }]),
  );
  const { pieces } = await bothWays(t, text);
  t.same(
    pieces.lines.map((l) => (l.huge?.projected ? 'projected' : l.huge ? 'in pieces' : 'whole')),
    ['whole', 'projected', 'projected', 'projected', 'projected', 'whole'],
  );
});

t.test('Codex: a session_meta and items that are mostly structure; what later lines inherit is kept', async (t) => {
  const files = Array.from({ length: 60_000 }, (_, i) => ({ path: `src/f${i}.ts`, status: 'M' }));
  const text = jsonl(
    { timestamp: '2026-01-01T00:00:00.000Z', type: 'session_meta', payload: { id: 'c0dex-2', cwd: '/work/x', cli_version: '0.9', git: { files } } },
    { timestamp: '2026-01-01T00:00:01.000Z', type: 'turn_context', payload: { cwd: '/work/y', model: 'gpt-5', files } },
    { timestamp: '2026-01-01T00:00:02.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }, ...files.map((f) => ({ type: 'input_text', text: f.path }))] } },
    { timestamp: '2026-01-01T00:00:03.000Z', type: 'response_item', payload: { type: 'custom_tool_call', call_id: 'c1', name: 'apply', input: { files } } },
    { timestamp: '2026-01-01T00:00:04.000Z', type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'done' }] } },
  );
  const { pieces } = await bothWays(t, text, 'codex');
  t.equal(pieces.lines.filter((l) => l.huge?.projected).length, 4);
});

t.test('Gemini: a message that is mostly structure needs the whole file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'session.jsonl');
  await fs.writeFile(
    path,
    jsonl(
      { sessionId: 'gem-2', projectHash: 'p', startTime: '2026-01-01T00:00:00.000Z', lastUpdated: '2026-01-01T00:00:00.000Z', kind: 'main' },
      { id: 'm1', timestamp: '2026-01-01T00:00:01.000Z', type: 'gemini', content: 'x', toolCalls: [{ id: 'c1', name: 'run', args: { n: Array.from({ length: 300_000 }, (_, i) => i) } }] },
    ),
  );
  const queue = new WriteQueue(await LooseObjectStore.open(join(dir, 'objects')));
  const read = await readTranscript(path, LIMITS);
  t.ok(read.lines[1]!.huge?.projected);
  await t.rejects(
    importFile({ path, display: 'session.jsonl', lines: read.lines, format: 'gemini', refName: 'refs/sessions/gem-2', queue, refs: new MemoryRefs(), reason: 'test' }),
    NeedsWholeFile,
  );
});

t.test('the projection gives every real line the normalisers\' kind, role, time, verdicts and Codex state', async (t) => {
  const files = [...(await jsonlFiles(claudeProjects)), ...(await jsonlFiles(codexSessions))];
  t.ok(files.length > 10, `${files.length} transcripts`);
  const role = (r: unknown) => (typeof r === 'string' && r.length <= 64 ? r : null);
  let lines = 0;
  let differ = 0;
  for (const file of files) {
    const full: CodexState = {};
    const projected: CodexState = {};
    for (const raw of (await fs.readFile(file, 'utf8')).split('\n')) {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        continue;
      }
      const scanner = new JsonLineScanner({ longTextAbove: 1e12, heldAbove: 1e12, project: RECORD_FIELDS });
      scanner.push(raw);
      const r = scanner.end();
      if (r.kind !== 'value') {
        differ++;
        continue;
      }
      lines++;
      const p = r.value;
      const verdicts = (v: unknown) => [isClaudeLine(v), isCodexLine(v), isGeminiLine(v)];
      const fields = (v: unknown, state: CodexState) => {
        if (!isObj(v)) return 'other';
        const f = isCodexLine(v) && !isClaudeLine(v) ? normaliseCodexLine(v, state) : normaliseClaudeLine(v);
        return [f.kind, role(f.role), f.time];
      };
      if (JSON.stringify([verdicts(value), fields(value, full), full]) !== JSON.stringify([verdicts(p), fields(p, projected), projected])) {
        differ++;
        if (differ < 5) t.comment(`${file}: ${raw.slice(0, 200)}`);
      }
    }
  }
  t.ok(lines > 2000, `${lines} lines`);
  t.equal(differ, 0, 'no line differs');
});
