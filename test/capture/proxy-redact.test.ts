// The proxy's --redact (issue 19): what the archive keeps of a turn has the
// detector's secrets replaced by [REDACTED:<rule>] — records, blobs, the
// request template, headers and the raw answer — while the upstream gets the
// request and the client the answer byte for byte; a re-sent message still
// matches its redacted record; an invalid custom rule stops the proxy
// before it listens.
import t, { type Test } from 'tap';
import { gzipSync } from 'node:zlib';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decompress } from 'fzstd';
import { Archive, startProxy, upstreamUrl } from '../../src/archive/index.js';
import { readContent } from '../../src/odb/index.js';
import { walkChain } from '../../src/record/index.js';
import { spawnTapes, tapes, tempDir } from '../helpers/cli.js';
import { anthropicStream, bash, scriptedUpstream, text, type Reply } from '../helpers/model-upstream.js';
import { send } from './wire-helpers.js';

const AWS = 'AKIAZ7QW3ERT5YUI8OPL';
const GITHUB = 'ghp_' + 'Zq8Rw2Lk5Vn1Bx7Tc4Hy9Mj3Pd6Fs0Ga1Ke2Wu';
const SLACK = 'xoxb-' + '2048613579-8426139057-QmT4vZ8kW1rY6pX3';
const SECRETS = [AWS, GITHUB, SLACK];

async function archiveIn(t: Test) {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await Archive.init({ cwd: dir, env: {} });
  return { dir, archive: await Archive.openAt(join(dir, '.tapes')) };
}

/** Every file under dir, as stored and (loose objects are zstd frames) decompressed. */
function archiveTexts(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      const bytes = readFileSync(p);
      out.push({ path: p, text: bytes.toString('latin1') });
      try {
        out.push({ path: `${p} (decompressed)`, text: Buffer.from(decompress(bytes)).toString('latin1') });
      } catch {
        // not a zstd frame
      }
    }
  };
  walk(dir);
  return out;
}

function holding(dir: string, secret: string): string[] {
  return archiveTexts(dir)
    .filter((f) => f.text.includes(secret))
    .map((f) => f.path);
}

const SESSION: [string, string] = ['x-claude-code-session-id', 'redact-session'];
const HEADERS: Array<[string, string]> = [['content-type', 'application/json'], ['user-agent', 'claude-cli/2.1.0 (external, cli)'], SESSION];

const prompt = { role: 'user', content: `deploy with ${AWS} please` };
const answer = [text(`Using the slack token ${SLACK} now.`), bash('toolu_01', 'cat .env')];
const toolOutput = `${'line of tool output\n'.repeat(70)}GITHUB_TOKEN=${GITHUB}\n`;

function turnBodies(): Buffer[] {
  const first = { model: 'claude-sonnet-4-6', max_tokens: 100, stream: true, system: 'You are a test.', messages: [prompt] };
  const second = {
    ...first,
    messages: [prompt, { role: 'assistant', content: answer }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: toolOutput }] }],
  };
  return [Buffer.from(JSON.stringify(first)), Buffer.from(JSON.stringify(second))];
}

/** Two turns through a proxy on a fresh archive; the second re-sends the first's prompt and answer. */
async function twoTurns(t: Test, redact: boolean, replies: Reply[] = [anthropicStream(answer), anthropicStream([text('All done.')])]) {
  const { dir, archive } = await archiveIn(t);
  const upstream = await scriptedUpstream(replies);
  t.teardown(() => upstream.close());
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}), redact });
  t.teardown(() => running.close(0));
  const results: Array<Awaited<ReturnType<typeof send>>> = [];
  for (const body of turnBodies()) {
    results.push(await send(running.url, { path: '/v1/messages', headers: HEADERS, body }));
    await running.proxy.drain();
  }
  return { dir, archive, upstream, running, results, replies };
}

async function chainOf(archive: Archive, ref: string) {
  const store = await archive.objects();
  const tip = await archive.refs.resolve(ref);
  const out = [];
  for await (const r of walkChain(store, tip!)) out.push(r);
  return { store, records: out.reverse() };
}

t.test('with --redact nothing the archive keeps holds a secret; upstream and client see the real bytes', async (t) => {
  const { dir, archive, upstream, running, results, replies } = await twoTurns(t, true);
  const bodies = turnBodies();

  // (1) the upstream got every request byte for byte, secrets included.
  t.equal(upstream.requests.length, 2);
  t.ok(upstream.requests[0]!.body.equals(bodies[0]!), 'the upstream got the first request unchanged');
  t.ok(upstream.requests[1]!.body.equals(bodies[1]!), 'the upstream got the second request unchanged');
  t.ok(upstream.requests[1]!.body.includes(GITHUB) && upstream.requests[0]!.body.includes(AWS));
  // (2) the client got every answer byte for byte.
  t.ok(results[0]!.body.equals(replies[0]!.body), 'the client got the first answer unchanged');
  t.ok(results[0]!.body.includes(SLACK));
  t.ok(results[1]!.body.equals(replies[1]!.body), 'the client got the second answer unchanged');
  t.equal(running.stats.recorded, 2);
  t.equal(running.stats.recordFailures, 0);

  // (3) no file under .tapes/, decompressed or not, holds a secret.
  await running.close(0);
  for (const s of SECRETS) t.same(holding(archive.dir, s), [], `no file under .tapes holds ${s.slice(0, 8)}…`);

  // (5) the second turn matched the first turn's records: four records, none repeated.
  const { store, records } = await chainOf(archive, 'refs/sessions/redact-session');
  t.same(
    records.map((r) => r.value.kind),
    ['user', 'assistant', 'tool_result', 'assistant'],
    'prompt, answer, tool result, answer: the re-sent prompt and answer matched their redacted records',
  );
  const last = records[3]!.value.capture as Record<string, any>;
  t.equal(last.matched, 2, 'the second turn matched two messages');
  t.equal(last.messages, 3);

  // The records say what was replaced, as scrubbed records do.
  t.same(records[0]!.value.scrubbed, { replacements: 1, rules: ['aws-access-key'] });
  t.same(records[1]!.value.scrubbed, { replacements: 3, rules: ['aws-access-key', 'slack-token'] }, 'the answer: its text, its raw stream, the request it names');
  t.match(records[2]!.value.scrubbed, { rules: ['github-token'] });
  t.ok(typeof records[2]!.value.content === 'object' && JSON.stringify(records[2]!.value.content).includes('$blob'), 'the tool output is a blob');
  t.match(records[3]!.value.scrubbed, { rules: ['aws-access-key', 'github-token', 'slack-token'] }, 'the last turn names the template blobs that held secrets');

  // The stored request body renders with the marks in place of the secrets.
  const reqBody = last.request.body as Array<string | { $blob: string }>;
  const parts: string[] = [];
  for (const p of reqBody) parts.push(typeof p === 'string' ? p : Buffer.from(await readContent(store, p.$blob)).toString('utf8'));
  const rendered = parts.join('');
  t.ok(rendered.includes('[REDACTED:aws-access-key]') && rendered.includes('[REDACTED:github-token]') && rendered.includes('[REDACTED:slack-token]'), 'the stored request holds the marks');
  t.same(JSON.parse(rendered).messages.length, 3, 'and is still the JSON request');

  // (4) log and show print the marks; show --wire the redacted bytes; export original says so.
  const cwd = dir;
  const log = await tapes(['log', 'redact-session'], { cwd });
  t.equal(log.code, 0, log.stderr);
  t.match(log.stdout, '[REDACTED:aws-access-key]');
  const show = await tapes(['show', 'redact-session~3'], { cwd });
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, '[REDACTED:aws-access-key]');
  t.notMatch(show.stdout, AWS);
  const wire = await tapes(['show', '--wire', 'redact-session'], { cwd });
  t.equal(wire.code, 0, wire.stderr);
  t.match(wire.stdout, '[REDACTED:github-token]');
  t.match(wire.stdout, '[REDACTED:slack-token]');
  for (const s of SECRETS) t.notMatch(wire.stdout, s);
  const fsck = await tapes(['fsck'], { cwd });
  t.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
});

t.test('without --redact the secrets are stored', async (t) => {
  const { archive, running } = await twoTurns(t, false);
  await running.close(0);
  for (const s of SECRETS) t.not(holding(archive.dir, s).length, 0, `${s.slice(0, 8)}… is in the archive`);
});

t.test('a compressed answer is stored redacted and compressed again; one split across events is not kept', async (t) => {
  const plain = anthropicStream(answer);
  const gzipped: Reply = { headers: [...plain.headers, ['content-encoding', 'gzip']], body: gzipSync(plain.body), chunks: 2 };
  // The token sent in two text deltas: no scan of the raw stream sees it whole.
  const [head, tail] = [SLACK.slice(0, 12), SLACK.slice(12)];
  const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const splitBody =
    ev('message_start', { type: 'message_start', message: { id: 'msg_split', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-6', stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } }) +
    ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `token ${head}` } }) +
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${tail} done` } }) +
    ev('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }) +
    ev('message_stop', { type: 'message_stop' });
  const split: Reply = { headers: plain.headers, body: Buffer.from(splitBody) };
  const { archive, running, results } = await twoTurns(t, true, [gzipped, split]);
  t.ok(results[0]!.body.equals(gzipped.body), 'the client got the gzip bytes as sent');
  t.ok(results[1]!.body.equals(split.body));
  await running.close(0);
  const { store, records } = await chainOf(archive, 'refs/sessions/redact-session');
  const first = records[1]!.value.capture as Record<string, any>;
  t.equal(first.response.content_encoding, 'gzip');
  const stored = Buffer.from(await readContent(store, first.response.body.$blob));
  const { gunzipSync } = await import('node:zlib');
  const unzipped = gunzipSync(stored).toString('utf8');
  t.ok(unzipped.includes('[REDACTED:slack-token]') && !unzipped.includes(SLACK), 'the stored gzip body decodes to the redacted stream');
  const second = records[records.length - 1]!.value.capture as Record<string, any>;
  t.equal(second.response.body, undefined, 'the split answer is not kept raw');
  t.match(second.response.body_withheld, /in pieces across stream events/);
  t.ok((records[records.length - 1]!.value.scrubbed as { rules: string[] }).rules.includes('slack-token'), 'the withheld answer counts as redacted');
  t.same(holding(archive.dir, tail), [], 'no file holds the second half of the split token');
  for (const s of SECRETS) t.same(holding(archive.dir, s), [], `no file under .tapes holds ${s.slice(0, 8)}…`);
});

t.test('an invalid custom rule stops tapes proxy --redact before it listens', async (t) => {
  const { dir } = await archiveIn(t);
  writeFileSync(join(dir, '.tapes', 'config'), '[secret-rule "broken"]\n\tregex = ACME-([0-9]{6}\n', { flag: 'a' });
  const config = readFileSync(join(dir, '.tapes', 'config'), 'utf8').split('\n');
  const line = config.findIndex((l) => l.includes('regex = ACME')) + 1;
  const r = await spawnTapes(['proxy', '--redact', '--listen', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:9'], { cwd: dir });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, `.tapes/config:${line}:`);
  t.match(r.stderr, 'secret rule broken: invalid regex');
  t.notMatch(r.stderr, 'listening');
  t.equal(r.stdout, '', 'no address was printed');
});

t.test('an invalid custom rule stops tapes run --redact before the agent starts', async (t) => {
  const { dir } = await archiveIn(t);
  writeFileSync(join(dir, '.tapes', 'config'), '[secret-rule "empty"]\n\tregex = x*\n', { flag: 'a' });
  const marker = join(dir, 'agent-ran');
  const r = await spawnTapes(['run', '--redact', '--upstream', 'http://127.0.0.1:9', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`], { cwd: dir });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, /\.tapes\/config:\d+: secret rule empty: the regex "x\*" matches the empty string/);
  t.notOk(existsSync(marker), 'the agent was not started');
});

t.test('with --redact a body over the memory limit is recorded truncated, never stored as it passes', async (t) => {
  const { archive } = await archiveIn(t);
  const upstream = await scriptedUpstream([anthropicStream([text('ok')])]);
  t.teardown(() => upstream.close());
  const limit = 16 * 1024;
  const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}), redact: true, memoryLimit: limit });
  t.teardown(() => running.close(0));
  // One key inside what is kept, one past it.
  const body = Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: `${AWS} ${'z'.repeat(2 * limit)} ${GITHUB}` }] }));
  const res = await send(running.url, { path: '/v1/messages', headers: HEADERS, body });
  t.equal(res.status, 200);
  t.ok(upstream.requests[0]!.body.equals(body), 'the upstream got the whole request');
  await running.close(0);
  t.equal(running.stats.recorded, 1);
  const { records } = await chainOf(archive, 'refs/sessions/redact-session');
  const capture = records[records.length - 1]!.value.capture as Record<string, any>;
  t.equal(capture.request.body_truncated, true, 'the request is recorded truncated');
  for (const s of [AWS, GITHUB]) t.same(holding(archive.dir, s), [], `no file under .tapes holds ${s.slice(0, 8)}…`);
});
