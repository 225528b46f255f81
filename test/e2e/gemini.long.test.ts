// End to end with the real Gemini CLI (pinned in agents.json, installed from
// npm into a cache of its own): `tapes run` points it at its proxy through
// GOOGLE_GEMINI_BASE_URL and gives it a session id; a scripted Gemini API
// model on 127.0.0.1 asks for one run_shell_command, which the CLI really
// runs in a temp directory (--yolo), then answers. Then the session file the
// CLI wrote (under a temp HOME) is imported, and the run must be one
// session, every turn once, the command's real output recorded, the file
// given back byte for byte, and the dummy key nowhere in the archive.
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { agentBin, PINS } from './agents.js';
import { CALL, CLOSING, geminiModel } from './gemini-model.js';
import { files, keyNowhere, runTapes } from './e2e-helpers.js';

const KEY = 'AIza-gemini-e2e-dummy-key-5c0d1e';
const PROMPT = 'Create hello.txt with a greeting';

t.test(`Gemini CLI ${PINS.gemini!.version}: one run, one session, every turn once, the session file back byte for byte, no key stored`, async (t) => {
  const root = tempDir('tapes-e2e-gemini-');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const [home, work, arch] = ['home', 'work', 'archive'].map((d) => join(root, d));
  for (const d of [home!, work!, arch!]) mkdirSync(d);
  // No telemetry, no update check, no auth prompt: the API key is the auth.
  mkdirSync(join(home!, '.gemini'));
  writeFileSync(join(home!, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } }, privacy: { usageStatisticsEnabled: false }, telemetry: { enabled: false }, general: { disableAutoUpdate: true, disableUpdateNag: true } }));
  const run = runTapes(home!, arch!);
  const gemini = agentBin('gemini');
  const model = await geminiModel();
  t.teardown(() => model.close());
  t.equal((await run(['init', '-q'], arch!)).code, 0);

  const env = { GEMINI_API_KEY: KEY, GEMINI_CLI_TRUST_WORKSPACE: 'true', GEMINI_TELEMETRY_ENABLED: 'false', NO_BROWSER: 'true', CI: '1' };
  const r = await run(['run', '--upstream', model.url, '--', gemini, '-p', PROMPT, '--yolo'], work!, env);
  t.equal(r.code, 0, `tapes run exited 0 (${r.stderr.slice(-1500)})`);
  t.notMatch(r.stderr, /failed|Error/, 'no side request of the CLI failed on the scripted answers');
  t.match(r.stderr, /recorded session [0-9a-f-]{36}: 3 turns/, 'three model turns recorded: the router\'s question and the two of the task');
  t.match(r.stdout.toString(), CLOSING, "Gemini CLI printed the model's answer");
  t.equal(readFileSync(join(work!, 'hello.txt'), 'utf8'), 'hello from the agent\n', 'the command really ran');
  t.equal(model.requests.filter((q) => q.path.includes(':streamGenerateContent')).length, 2, 'the model was asked twice, through the proxy');

  const chats = files(join(home!, '.gemini', 'tmp')).filter((f) => /\/chats\/session-[^/]*\.jsonl?$/.test(f));
  t.equal(chats.length, 1, `Gemini CLI wrote one session file (${chats.join(', ')})`);
  const file = chats[0]!;
  const sid = (JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { sessionId: string }).sessionId;
  t.match(r.stderr, sid, 'the capture is named by the same session id');

  const imp = await run(['import', '--json', file], arch!);
  t.equal(imp.code, 0, `import exited 0 (${imp.stderr})`);
  const sessions = (await run(['sessions', '--json'], arch!)).stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string });
  t.same(sessions.map((s) => s.name), [sid], 'one session for the run');
  const refs = (await run(['for-each-ref', '--format=%(refname)'], arch!)).stdout.toString().trim().split('\n').sort();
  t.same(refs, [`refs/captures/sessions/${sid}`, `refs/sessions/${sid}`], 'the capture is the view of the session');

  const records = (await run(['log', '--json', sid], arch!)).stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; content: Array<Record<string, unknown>> });
  const blocks = records.flatMap((rec) => rec.content.map((b) => ({ rec, b })));
  t.equal(records.filter((rec) => rec.kind === 'user' && JSON.stringify(rec.content).includes(PROMPT)).length, 1, 'the prompt once');
  const calls = blocks.filter(({ b }) => b.type === 'tool_use' && b.name === CALL);
  t.equal(calls.length, 1, 'the call once');
  const results = blocks.filter(({ b }) => b.type === 'tool_result' && b.tool_use_id === calls[0]?.b.id);
  t.equal(results.length, 1, 'its result once');
  t.match(JSON.stringify(results[0]?.b.content), 'hello from the agent', "the command's real output");
  t.equal(blocks.filter(({ b }) => b.type === 'text' && b.text === CLOSING).length, 1, 'the answer once');

  const back = await run(['export', '--format', 'original', sid], arch!);
  t.equal(createHash('sha256').update(back.stdout).digest('hex'), createHash('sha256').update(readFileSync(file)).digest('hex'), 'the session file given back byte for byte');
  await keyNowhere(t, arch!, KEY);
});
