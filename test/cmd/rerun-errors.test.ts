// tapes rerun refusing bad input and surviving bad upstreams: a checkpoint
// that is a blob, a session with no model turn after the checkpoint, a model
// the provider does not have, a missing key, no terminal to confirm on, an
// upstream that errs, cuts its stream, ends it early or cannot be reached —
// each a clear error naming the thing, a non-zero exit, no stack trace, and
// no half-made branch: the refs are as they were and fsck is clean. On a
// terminal, --send asks first and sends nothing unless told yes.
import t, { type Test } from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tapes, tempDir } from '../helpers/cli.js';
import { anthropicStream, apiError, bash, scriptedUpstream, text, type Reply } from '../helpers/model-upstream.js';
import { SSE_DIR } from '../capture/wire-helpers.js';
import { importedArchive, must, refsOf, touchTranscript } from './rerun-helpers.js';

const KEY = 'sk-ant-RERUN-errors-test-key-8b2d';
const env = { ANTHROPIC_API_KEY: KEY };
const SESSION = '77770000-0000-4000-8000-00000000000e';
const work = tempDir('tapes-rerun-work-');
const marker = join(work, 'marker');
const dir = await importedArchive([touchTranscript(work, marker, SESSION)]);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const at = `${SESSION}~3`;

/** Runs a failing command; checks the exit, the message, that nothing was printed as a stack, and that no ref moved. */
async function fails(t: Test, args: string[], code: number, message: RegExp, opts: { env?: Record<string, string> } = {}): Promise<string> {
  const before = await refsOf(dir);
  const r = await tapes(args, { cwd: dir, env: opts.env ?? env });
  t.equal(r.code, code, `exit ${code}: ${r.stderr.trim()}`);
  t.match(r.stderr, message);
  t.notMatch(r.stderr, /^\s+at /m, 'no stack trace');
  t.equal(await refsOf(dir), before, 'no ref made or moved: no half-made branch');
  return r.stderr;
}

t.test('bad checkpoints and models are refused by name before anything is sent', async (t) => {
  const up = await scriptedUpstream([]);
  t.teardown(() => up.close());
  writeFileSync(join(dir, 'note.txt'), 'not a record\n');
  const blob = (await must(['hash-object', '-w', 'note.txt'], dir)).stdout.trim();
  await fails(t, ['rerun', blob, '--send', '--yes', '--upstream', up.url], 1, new RegExp(`cannot rerun from '${blob}': it names a blob`));
  await fails(t, ['rerun', SESSION, '--send', '--yes', '--upstream', up.url], 2, /nothing to ask again: no model turn follows record [0-9a-f]{12} in 77770000/);
  await fails(t, ['rerun', SESSION], 2, /hint: Name an earlier record/);
  await fails(t, ['rerun', at, '--model', 'claude-sonnet-9-nonsense', '--send', '--yes', '--upstream', up.url], 1, /unknown model 'claude-sonnet-9-nonsense' for anthropic/);
  await fails(t, ['rerun', at, '--model', 'gpt-4o'], 1, /unknown model 'gpt-4o' for anthropic/);
  await fails(t, ['rerun', 'no-such-session~2'], 2, /unknown revision 'no-such-session~2'/);
  await fails(t, ['rerun', at, '--send', '--yes', '--upstream', up.url], 1, /--send needs ANTHROPIC_API_KEY in the environment/, { env: {} });
  await fails(t, ['rerun', at, '--send', '--upstream', up.url], 129, /--send asks for confirmation on a terminal; add --yes/);
  await fails(t, ['rerun', at, '--send', '--yes', '--upstream', up.url, '-b', SESSION], 1, new RegExp(`a session named '${SESSION}' already exists`));
  await fails(t, ['rerun', at, '--prompt', 'a', '--prompt-file', 'note.txt'], 129, /Arguments prompt and prompt-file are mutually exclusive/);
  await fails(t, ['rerun', at, '--max-turns', '0'], 129, /--max-turns 0/);
  await fails(t, ['rerun', at, '--system', 'missing.txt'], 1, /--system missing\.txt: cannot read it: no such file or directory/);
  await fails(t, ['rerun', at, '--upstream', 'ftp://example.com'], 129, /only http and https upstreams/);
  t.equal(up.requests.length, 0, 'not one request was sent');
});

const upstreamCases: Array<{ what: string; script: Reply[]; message: RegExp }> = [
  { what: 'an upstream that errs', script: [apiError(529, 'overloaded_error', 'Overloaded')], message: /turn 1: the upstream http:\/\/127\.0\.0\.1:\d+ answered HTTP 529: overloaded_error: Overloaded/ },
  {
    what: 'an upstream that cuts the stream',
    script: [{ ...anthropicStream([text('A long answer that is cut somewhere in the middle of it.')]), chunks: 4, cutAfter: 300 }],
    message: /turn 1: the upstream http:\/\/127\.0\.0\.1:\d+ cut the answer off after 300 bytes/,
  },
  {
    what: 'a stream that ends before message_stop (the corpus\'s truncated stream)',
    script: [{ headers: [['content-type', 'text/event-stream']], body: readFileSync(join(SSE_DIR, 'anthropic', 'messages_truncated_stream.sse')) }],
    message: /turn 1: the answer from http:\/\/127\.0\.0\.1:\d+ is not whole: stream ended before message_stop/,
  },
  {
    what: 'an error after a turn that went well',
    script: [anthropicStream([bash('toolu_1', `touch ${marker}`)]), apiError(500, 'api_error', 'Internal server error')],
    message: /turn 2: the upstream http:\/\/127\.0\.0\.1:\d+ answered HTTP 500: api_error: Internal server error/,
  },
];

for (const c of upstreamCases) {
  t.test(`${c.what}: a clear error, and no branch`, async (t) => {
    const up = await scriptedUpstream(c.script);
    t.teardown(() => up.close());
    const stderr = await fails(t, ['rerun', at, '--send', '--yes', '--upstream', up.url], 1, c.message);
    t.match(stderr, /rerun with claude-sonnet-4-5-20250929: .*; no session was made for it/);
    t.equal(up.requests.length, c.script.length, 'the requests expected, and no more');
    const fsck = await tapes(['fsck'], { cwd: dir });
    t.equal(fsck.code, 0, `fsck is clean: ${fsck.stdout}${fsck.stderr}`);
  });
}

t.test('an upstream that cannot be reached', async (t) => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  await fails(t, ['rerun', at, '--send', '--yes', '--upstream', `http://127.0.0.1:${port}`], 1, new RegExp(`cannot reach the upstream http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
});

t.test('of several models, one failing does not stop the others; its row says so', async (t) => {
  const up = await scriptedUpstream([anthropicStream([text('Fine.')], { model: 'claude-opus-4-6' }), apiError(529, 'overloaded_error', 'Overloaded')]);
  t.teardown(() => up.close());
  const r = await tapes(['rerun', at, '--model', 'claude-opus-4-6', '--model', 'claude-haiku-4-5', '--send', '--yes', '--upstream', up.url, '-b', 'pair'], { cwd: dir, env });
  t.equal(r.code, 1);
  t.match(r.stderr, /tapes: error: rerun with claude-haiku-4-5: turn 1: .* HTTP 529/);
  t.match(r.stdout, /^pair-claude-opus-4-6 +claude-opus-4-6 +1 .*answered/m);
  t.match(r.stdout, /^\(none\) +claude-haiku-4-5 +0 .*failed +no branch made$/m);
  t.match((await refsOf(dir)), /refs\/sessions\/pair-claude-opus-4-6/);
  t.notMatch((await refsOf(dir)), /pair-claude-haiku/);
});

/** tapes in-process on a terminal, answering the confirmation with `answer`. */
function onTerminal(args: string[], answer: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return tapes(args, { cwd: dir, env, stdin: answer, tty: true });
}

t.test('on a terminal, --send shows the estimated cost and asks; only yes sends', async (t) => {
  const up = await scriptedUpstream([anthropicStream([text('Sure.')])]);
  t.teardown(() => up.close());
  const no = await onTerminal(['rerun', at, '--send', '--upstream', up.url, '--color', 'never'], 'n\n');
  t.equal(no.code, 1);
  t.match(no.stderr, /Send the request to http:\/\/127\.0\.0\.1:\d+ \(~\$[\d.]+ estimated for the first turn, up to 20 turns\)\? \[y\/N\] /);
  t.match(no.stderr, /Nothing was sent\./);
  t.equal(up.requests.length, 0, 'no: nothing sent');
  const yes = await onTerminal(['rerun', at, '--send', '--upstream', up.url, '-b', 'confirmed', '--color', 'never'], 'y\n');
  t.equal(yes.code, 0, yes.stderr);
  t.equal(up.requests.length, 1, 'yes: sent');
  t.match(yes.stderr, /rerun claude-sonnet-4-5-20250929: turn 1: answered \(stopped: answered\)/, 'a line per turn on the terminal');
  t.match(yes.stdout, /^confirmed +claude-sonnet-4-5-20250929 +1 /m);
});
