// Lines far beyond one object's 1 MiB: a 100 MB tool result imports in a
// child process within 300 MB of resident memory (issue 15: the line is read
// in pieces, its long string stored from the file as a stream, see
// docs/import-memory.md) and exports byte for byte; lines whose bulk is many
// small values import too.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { binPath, claudeAssistantLine, claudeUserLine, exportBytes, importJson, newArchive, sha256, sha256File, smallClaude, tapes } from './import-helpers.js';

const SESSION = 'eeee5555-0000-4000-8000-000000000005';
const HUNDRED_MB = 100 * 1024 * 1024;

/** Writes the transcript (never whole in memory) and returns its sha256 and size. */
async function writeHugeTranscript(path: string): Promise<{ sha: string; size: number }> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  let size = 0;
  const put = async (s: string) => {
    const b = Buffer.from(s, 'utf8');
    hash.update(b);
    size += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  await put(JSON.stringify(claudeUserLine(SESSION, 'u1', null, 'Print the whole log')) + '\n');
  await put(JSON.stringify(claudeAssistantLine(SESSION, 'a1', 'u1', [{ type: 'tool_use', id: 'toolu_huge', name: 'Bash', input: { command: 'cat build.log' } }])) + '\n');
  const [head, tail] = JSON.stringify(
    claudeUserLine(SESSION, 'u2', 'a1', [{ tool_use_id: 'toolu_huge', type: 'tool_result', content: '@@CONTENT@@', is_error: false }]),
  ).split('"@@CONTENT@@"') as [string, string];
  await put(head + '"');
  // The string's JSON text: varied lines (so chunks differ), escapes and non-ASCII.
  let written = 0;
  let i = 0;
  while (written < HUNDRED_MB) {
    let s = '';
    for (let k = 0; k < 2000; k++, i++) {
      s += `[${(i * 2654435761) >>> 0}] step ${i}: compiling src/m${i % 977}/caf\u00e9.ts \\"ok\\" \\t${(i % 13) === 0 ? 'warn: 日本語 ✓' : 'done'}\\n`;
    }
    await put(s);
    written += Buffer.byteLength(s);
  }
  await put('"' + tail + '\n');
  await put(JSON.stringify(claudeAssistantLine(SESSION, 'a2', 'u2', [{ type: 'text', text: 'The build log is long but clean.' }])) + '\n');
  out.end();
  await once(out, 'finish');
  return { sha: hash.digest('hex'), size };
}

/** Runs the built binary; resolves with its exit code, stderr and (unless piped elsewhere) stdout. */
function run(args: string[], cwd: string, node: string[] = [], onStdout?: (b: Buffer) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...node, binPath, ...args], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => (onStdout ? onStdout(c) : out.push(c)));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** Issue 15's bound on an import's peak resident memory, whatever the input. */
const PEAK_MB = 300;

t.test(`a line of 100 MB imports within ${PEAK_MB} MB and exports byte for byte`, { timeout: 300000 }, async (t) => {
  const cwd = await newArchive(t);
  const file = join(cwd, `${SESSION}.jsonl`);
  const started = Date.now();
  const { sha, size } = await writeHugeTranscript(file);
  t.ok(size > HUNDRED_MB, `${(size / 1e6).toFixed(1)} MB transcript`);
  t.equal(await sha256File(file), sha, 'written as hashed');

  // The child's own high-water mark of resident memory (all its threads), read as it exits.
  const hwm = join(cwd, 'vmhwm.cjs');
  await fs.writeFile(
    hwm,
    `process.on('exit', () => { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); process.stderr.write('VmHWM ' + (m ? m[1] : '?') + ' kB\\n'); });\n`,
  );
  const imp = await run(['import', '--json', `${SESSION}.jsonl`], cwd, ['-r', hwm]);
  t.equal(imp.code, 0, `import exits 0 (signal ${imp.signal}): ${imp.stderr.slice(0, 500)}`);
  const summary = JSON.parse(imp.stdout || '{}') as { files?: Array<{ status: string; records: number; session: string }> };
  t.match(summary.files, [{ status: 'new', records: 4, session: SESSION }]);
  const importSecs = (Date.now() - started) / 1000;
  // (A worker thread runs the preload too: the last, highest reading is the process's.)
  const peak = Math.max(0, ...[...imp.stderr.matchAll(/VmHWM (\d+) kB/g)].map((m) => Number(m[1]))) / 1024;
  t.ok(peak > 0 && peak <= PEAK_MB, `peak resident memory ${peak.toFixed(0)} MB (at most ${PEAK_MB} MB)`);

  const h = createHash('sha256');
  let exported = 0;
  const exp = await run(['export', SESSION], cwd, [], (c) => {
    h.update(c);
    exported += c.length;
  });
  t.equal(exp.code, 0, `export exits 0: ${exp.stderr.slice(0, 500)}`);
  t.equal(exported, size, 'same size');
  t.equal(h.digest('hex'), sha, 'same sha256');

  const fsck = await run(['fsck'], cwd);
  t.equal(fsck.code, 0, `fsck clean: ${fsck.stdout.slice(0, 500)}`);
  t.comment(`100 MB line: write+import ${importSecs.toFixed(1)} s, peak ${peak.toFixed(0)} MB; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

t.test('a 1.6 MB line made of 300 000 short strings (a structured patch) imports', async (t) => {
  const cwd = await newArchive(t);
  const patchLines = Array.from({ length: 300_000 }, (_, i) => (i % 3 === 0 ? '+  }' : i % 3 === 1 ? '+' : ' x'));
  const line = claudeUserLine(SESSION, 'u1', null, [{ tool_use_id: 'toolu_edit', type: 'tool_result', content: 'The file was updated.' }], {
    toolUseResult: { filePath: '/Users/dev/project/big.ts', structuredPatch: [{ oldStart: 1, oldLines: 0, newStart: 1, newLines: patchLines.length, lines: patchLines }] },
  });
  const bytes = Buffer.from(JSON.stringify(line) + '\n' + JSON.stringify(claudeAssistantLine(SESSION, 'a1', 'u1', [{ type: 'text', text: 'ok' }])) + '\n');
  t.ok(bytes.length > 1024 * 1024);
  await fs.writeFile(join(cwd, 'patch.jsonl'), bytes);
  await fs.copyFile(smallClaude, join(cwd, 'other.jsonl'));
  const r = await tapes(['import', 'patch.jsonl', 'other.jsonl'], { cwd });
  t.equal(r.code, 0, `import succeeds: ${r.stderr.trim()}`);
  t.equal(sha256((await exportBytes(cwd, 'patch')).stdoutBytes), sha256(bytes), 'export is byte-identical');
  t.equal((await importJson(cwd, ['other.jsonl'])).summary.files[0]!.status, 'unchanged', 'the other file of the run was imported');
});

t.test('a 2 MB line of numbers imports', async (t) => {
  const cwd = await newArchive(t);
  const embedding = Array.from({ length: 250_000 }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);
  const line = claudeUserLine(SESSION, 'u1', null, 'index this', { toolUseResult: { vector: embedding } });
  const bytes = Buffer.from(JSON.stringify(line) + '\n');
  t.ok(bytes.length > 1024 * 1024);
  await fs.writeFile(join(cwd, 'numbers.jsonl'), bytes);
  const r = await tapes(['import', 'numbers.jsonl'], { cwd });
  t.equal(r.code, 0, `import succeeds: ${r.stderr.trim()}`);
  t.equal(sha256((await exportBytes(cwd, 'numbers')).stdoutBytes), sha256(bytes), 'export is byte-identical');
});
