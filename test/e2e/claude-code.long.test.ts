// End to end with the real Claude Code (pinned in agents.json, installed from
// npm into a cache of its own): `tapes run` puts its proxy between the CLI and
// a scripted model on 127.0.0.1; the model asks for one Bash call, which the
// CLI really runs in a temp directory, then answers. Then the transcript the
// CLI wrote (under a temp HOME) is imported. One run must be one session
// (the capture its view under refs/captures), every turn present once, the
// tool call and its real output recorded, the transcript given back byte for
// byte, and the dummy API key nowhere in the archive. When a new version of
// the CLI changes its format or its traffic, this is the test that says so.
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { agentBin, PINS } from './agents.js';
import { CLOSING, COMMAND, TOOL_USE_ID, scriptedModel } from './anthropic-model.js';
import { files, keep, keyNowhere, runTapes } from './e2e-helpers.js';

const KEY = 'sk-ant-e2e-dummy-key-5c1d9e';
const PROMPT = 'Create hello.txt with a greeting';

const root = tempDir('tapes-e2e-claude-');
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'home');
const work = join(root, 'work');
const arch = join(root, 'archive');
for (const d of [home, work, arch]) mkdirSync(d);
const run = runTapes(home, arch);

t.test(`Claude Code ${PINS['claude-code']!.version}: one run, one session, every turn once, the transcript back byte for byte, no key stored`, async (t) => {
  const claude = agentBin('claude-code');
  const model = await scriptedModel();
  t.teardown(() => model.close());
  t.equal((await run(['init', '-q'], arch)).code, 0);

  const agentEnv = {
    ANTHROPIC_API_KEY: KEY,
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const r = await run(['run', '--upstream', model.url, '--', claude, '-p', PROMPT, '--allowedTools', 'Bash'], work, agentEnv);
  t.equal(r.code, 0, `tapes run exited 0 (${r.stderr.slice(-500)})`);
  t.match(r.stdout.toString(), CLOSING, "the agent printed the model's answer");
  t.match(r.stderr, /recorded session [0-9a-f-]{36}: 2 turns/, 'two model turns recorded');
  t.equal(readFileSync(join(work, 'hello.txt'), 'utf8'), 'hello from the agent\n', 'the tool call really ran');
  const turns = model.requests.filter((q) => q.path.startsWith('/v1/messages') && Array.isArray(q.body.tools) && (q.body.tools as unknown[]).length > 0);
  t.equal(turns.length, 2, 'the model was asked twice (the call, then the answer)');

  const transcripts = files(join(home, '.claude', 'projects')).filter((f) => f.endsWith('.jsonl'));
  t.equal(transcripts.length, 1, 'Claude Code wrote one transcript');
  const file = transcripts[0]!;
  const sid = file.split('/').pop()!.replace(/\.jsonl$/, '');
  keep(file, `claude-code-${PINS['claude-code']!.version}.jsonl`);
  t.match(r.stderr, sid, 'the capture is named by the same session id');

  const imp = await run(['import', '--json', file], arch);
  t.equal(imp.code, 0, imp.stderr);
  const sessions = (await run(['sessions', '--json'], arch)).stdout
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { name: string });
  t.same(
    sessions.map((s) => s.name),
    [sid],
    'one session for the run',
  );
  const refs = (await run(['for-each-ref', '--format=%(refname)'], arch)).stdout.toString().trim().split('\n').sort();
  t.same(refs, [`refs/captures/sessions/${sid}`, `refs/sessions/${sid}`], 'the capture is the view of the session, not a session of its own');

  const records = (await run(['log', '--json', sid], arch)).stdout
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; kind: string; content: Array<Record<string, unknown>> });
  const blocks = records.flatMap((rec) => rec.content.map((b) => ({ rec, b })));
  t.equal(records.filter((rec) => rec.kind === 'user' && JSON.stringify(rec.content).includes(PROMPT)).length, 1, 'the prompt once');
  const calls = blocks.filter(({ b }) => b.type === 'tool_use' && b.id === TOOL_USE_ID);
  t.equal(calls.length, 1, 'the tool call once');
  t.same((calls[0]!.b.input as { command: string }).command, COMMAND);
  const results = blocks.filter(({ b }) => b.type === 'tool_result' && b.tool_use_id === TOOL_USE_ID);
  t.equal(results.length, 1, 'its result once');
  t.match(JSON.stringify(results[0]!.b.content), 'hello from the agent', "the command's real output");
  t.equal(blocks.filter(({ b }) => b.type === 'text' && b.text === CLOSING).length, 1, 'the answer once');

  const wire = await run(['show', '--wire', calls[0]!.rec.id], arch);
  t.equal(wire.code, 0, `show --wire of the model turn (${wire.stderr})`);
  t.match(wire.stdout.toString(), TOOL_USE_ID, 'the exact response of the turn');

  const back = await run(['export', '--format', 'original', sid], arch);
  t.equal(createHash('sha256').update(back.stdout).digest('hex'), createHash('sha256').update(readFileSync(file)).digest('hex'), 'the transcript given back byte for byte');

  await keyNowhere(t, arch, KEY);
  t.ok(existsSync(join(arch, '.tapes', 'refs', 'captures', 'sessions', sid)));
});
