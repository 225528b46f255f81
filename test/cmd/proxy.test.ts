// tapes proxy on the command line: run in-process with a signal source, used
// by a real client, stopped by a signal; listen addresses checked.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createCli } from '../../cmd/cli.js';
import { tapes, tempDir, until } from '../helpers/cli.js';
import { SSE_DIR, send, startUpstream } from '../capture/wire-helpers.js';

function startCli(args: string[], cwd: string) {
  const signals = new EventEmitter();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const cli = createCli({
    cwd,
    env: {},
    stdin: Readable.from([]),
    stdout,
    stderr,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    onSignal: (listener) => {
      signals.on('signal', listener);
      return () => signals.off('signal', listener);
    },
  });
  const done = cli.run(args);
  return {
    done,
    out: () => out,
    err: () => err,
    signal: (s: string) => signals.emit('signal', s),
    async firstLine(): Promise<string> {
      await until(() => out.includes('\n'));
      return out.split('\n')[0]!;
    },
  };
}

t.test('tapes proxy records turns until interrupted', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal((await tapes(['init'], { cwd: dir })).code, 0);
  const reply = readFileSync(join(SSE_DIR, 'anthropic', 'messages_stream.sse'));
  const upstream = await startUpstream(() => ({ headers: [['content-type', 'text/event-stream']], body: reply, chunks: 3 }));
  t.teardown(() => upstream.close());
  const run = startCli(['proxy', '--listen', '127.0.0.1:0', '--upstream', upstream.url], dir);
  const url = await run.firstLine();
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'prints the address it listens on');
  const body = Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  const res = await send(url, { path: '/v1/messages', headers: [['x-claude-code-session-id', 'cli-1'], ['x-api-key', 'sk-x']], body });
  t.ok(res.body.equals(reply));
  run.signal('SIGINT');
  t.equal(await run.done, 0, 'stops cleanly on a signal');
  t.match(run.err(), /listening on http:\/\/127\.0\.0\.1:\d+, forwarding to http:\/\/127\.0\.0\.1:\d+/);
  t.match(run.err(), /cli-1: \+2 records, claude-3-5-sonnet-20241022/);
  t.match(run.err(), /stopped after 1 request, 1 turn recorded/);
  const log = await tapes(['log', '--oneline', 'cli-1'], { cwd: dir });
  t.equal(log.code, 0, 'tapes log reads the captured session');
  t.match(log.stdout, /Hello! How can I help you today\?/);
  const fsck = await tapes(['fsck'], { cwd: dir });
  t.equal(fsck.code, 0, `fsck is clean: ${fsck.stdout}${fsck.stderr}`);
});

t.test('tapes proxy --json', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tapes(['init'], { cwd: dir });
  const upstream = await startUpstream(() => ({ headers: [['content-type', 'application/json']], body: readFileSync(join(SSE_DIR, 'anthropic', 'messages_oneshot.json')) }));
  t.teardown(() => upstream.close());
  const run = startCli(['proxy', '--json', '--listen', '0', '--upstream', upstream.url], dir);
  const first = JSON.parse(await run.firstLine()) as { event: string; url: string; recording: boolean };
  t.equal(first.event, 'listening');
  t.equal(first.recording, true);
  await send(first.url, { path: '/v1/messages', headers: [['x-claude-code-session-id', 'j-1']], body: Buffer.from('{"model":"m","messages":[{"role":"user","content":"x"}]}') });
  await until(() => run.out().includes('"turn"'));
  run.signal('SIGTERM');
  t.equal(await run.done, 0);
  const lines = run.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.same(lines.map((l) => l.event), ['listening', 'turn', 'stopped']);
  t.match(lines[1], { session: 'j-1', api: 'anthropic-messages', status: 200, records_added: 2, complete: true });
  t.match(lines[2], { requests: 1, recorded: 1, sessions: [{ name: 'j-1', turns: 1, records_added: 2 }] });
});

t.test('listen addresses', async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tapes(['init'], { cwd: dir });
  const remote = await tapes(['proxy', '--listen', '0.0.0.0:0'], { cwd: dir });
  t.equal(remote.code, 129, 'a non-loopback address is refused without --allow-remote');
  t.match(remote.stderr, /--listen 0\.0\.0\.0:0: not a loopback address/);
  t.match(remote.stderr, /add --allow-remote if that is what you want/);
  const bad = await tapes(['proxy', '--listen', '127.0.0.1:99999'], { cwd: dir });
  t.equal(bad.code, 129);
  t.match(bad.stderr, /--listen 127\.0\.0\.1:99999: expected PORT/);
  const up = await tapes(['proxy', '--upstream', 'ftp://x'], { cwd: dir });
  t.equal(up.code, 129);
  t.match(up.stderr, /only http and https/);
  const creds = await tapes(['proxy', '--upstream', 'https://user:pw@example.com'], { cwd: dir });
  t.equal(creds.code, 129);
  t.notMatch(creds.stderr, /pw/, 'the credential is not echoed');
  // The port is taken: a clear error.
  const holder = startCli(['proxy', '--listen', '127.0.0.1:0', '--no-record', '--upstream', 'http://127.0.0.1:9'], dir);
  const url = await holder.firstLine();
  const port = new URL(url).port;
  const busy = startCli(['proxy', '--listen', `127.0.0.1:${port}`, '--upstream', 'http://127.0.0.1:9'], dir);
  t.equal(await busy.done, 1);
  t.match(busy.err(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
  holder.signal('SIGINT');
  t.equal(await holder.done, 0);
  const noArchive = tempDir();
  t.teardown(() => rmSync(noArchive, { recursive: true, force: true }));
  const na = startCli(['proxy', '--listen', '0'], noArchive);
  t.equal(await na.done, 128, 'no archive: fatal, with the hint to create one');
});
