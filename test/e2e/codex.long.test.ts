// End to end with the real Codex CLI (pinned in agents.json, installed from
// npm into a cache of its own): `tapes run` points Codex at its proxy through
// a model provider on Codex's command line (0.169 ignores OPENAI_BASE_URL);
// a scripted Responses model on 127.0.0.1 asks for one shell command, which
// Codex really runs in a temp directory, then answers. Then the rollout Codex
// wrote (under a temp HOME) is imported, and the run must be one session,
// every turn once, the command's real output recorded, the rollout given back
// byte for byte, and the dummy key nowhere in the archive.
import t from 'tap';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { agentBin, PINS } from './agents.js';
import { CALL_ID, CLOSING, responsesModel } from './responses-model.js';
import { everyTurnOnce, files, givenBack, importedRun, keep, keyNowhere, runTapes } from './e2e-helpers.js';

const KEY = 'sk-openai-e2e-dummy-key-31b7a0';
const PROMPT = 'Create hello.txt with a greeting';

t.test(`Codex CLI ${PINS.codex!.version}: one run, one session, every turn once, the rollout back byte for byte, no key stored`, async (t) => {
  const root = tempDir('tapes-e2e-codex-');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const [home, work, arch] = ['home', 'work', 'archive'].map((d) => join(root, d));
  for (const d of [home!, work!, arch!]) mkdirSync(d);
  const run = runTapes(home!, arch!);
  const codex = agentBin('codex');
  const model = await responsesModel();
  t.teardown(() => model.close());
  t.equal((await run(['init', '-q'], arch!)).code, 0);

  const r = await run(['run', '--upstream', model.url, '--', codex, 'exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', PROMPT], work!, { OPENAI_API_KEY: KEY });
  t.equal(r.code, 0, `tapes run exited 0 (${r.stderr.slice(-500)})`);
  t.match(r.stdout.toString(), CLOSING, "Codex printed the model's answer");
  t.match(r.stderr, /recorded session [0-9a-f-]{36}: 2 turns/, 'two model turns recorded');
  t.equal(readFileSync(join(work!, 'hello.txt'), 'utf8'), 'hello from the agent\n', 'the command really ran');
  t.equal(model.requests.filter((q) => q.path.endsWith('/responses')).length, 2, 'the model was asked twice, through the proxy');

  const rollouts = files(join(home!, '.codex', 'sessions')).filter((f) => /rollout-.*\.jsonl$/.test(f));
  t.equal(rollouts.length, 1, 'Codex wrote one rollout');
  const file = rollouts[0]!;
  const sid = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/.exec(file)![1]!;
  keep(file, `codex-${PINS.codex!.version}-rollout-${sid}.jsonl`);
  t.match(r.stderr, sid, 'the capture is named by the same session id');

  const records = await importedRun(t, run, arch!, file, sid);
  everyTurnOnce(t, records, { prompt: PROMPT, isCall: (b) => b.id === CALL_ID, closing: CLOSING });
  await givenBack(t, run, arch!, sid, file);
  await keyNowhere(t, arch!, KEY);
});
