// End to end with the real Gemini CLI (pinned in agents.json, installed from
// npm into a cache of its own): `tapes run` points it at its proxy through
// GOOGLE_GEMINI_BASE_URL and gives it a session id; a scripted Gemini API
// model on 127.0.0.1 asks for one run_shell_command, which the CLI really
// runs in a temp directory (--yolo), then answers. Then the session file the
// CLI wrote (under a temp HOME) is imported, and the run must be one
// session, every turn once, the command's real output recorded, the file
// given back byte for byte, and the dummy key nowhere in the archive.
import t from 'tap';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { agentBin, PINS } from './agents.js';
import { CALL, CLOSING, geminiModel } from './gemini-model.js';
import { everyTurnOnce, files, givenBack, importedRun, keyNowhere, runTapes } from './e2e-helpers.js';

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

  const records = await importedRun(t, run, arch!, file, sid);
  everyTurnOnce(t, records, { prompt: PROMPT, isCall: (b) => b.name === CALL, closing: CLOSING });
  // show --wire of the transcript's answer: Gemini's transcript and its capture give the message different ids, so it is found by what it says.
  const answer = records.filter((rec) => rec.content.some((b) => b.type === 'text' && b.text === CLOSING)).pop()!;
  const wire = await run(['show', '--wire', '--json', answer.id], arch!);
  t.equal(wire.code, 0, `show --wire finds the turn of the answer (${wire.stderr})`);
  const exchange = JSON.parse(wire.stdout.toString()) as { request: { path: string }; response: { body: string } };
  t.match(exchange.request.path, /:streamGenerateContent/, 'a model turn of the task');
  t.match(exchange.response.body, CLOSING.slice(0, 20), 'the turn that answered it');
  // show --context of it: the tools the CLI sent with that request.
  const context = await run(['show', '--context', '--json', answer.id], arch!);
  t.equal(context.code, 0, context.stderr);
  const c = JSON.parse(context.stdout.toString()) as { source: { kind: string }; tool_count: number; tools: Array<{ name: string }> };
  t.equal(c.source.kind, 'capture');
  t.ok(c.tools.some((x) => x.name === CALL), `the tools sent include ${CALL}`);
  await givenBack(t, run, arch!, sid, file);
  await keyNowhere(t, arch!, KEY);
});
