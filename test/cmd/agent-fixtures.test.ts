// Real Claude Code 2.1.328 and Codex 0.169.0 files (test/fixtures/agents/,
// made by the real CLIs against the scripted loopback models): their
// bookkeeping folds in log and the Markdown export, and `show --context`
// reads the request context they record (api-request-shape and prompt
// snapshots; turn_context).
import t from 'tap';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tapes, tempDir } from '../helpers/cli.js';

const FIX = join(repoRoot, 'test', 'fixtures', 'agents');
const CLAUDE = 'claude-code-2.1.328.jsonl';
const CODEX = 'codex-0.169.0-rollout-01a2464b-59eb-7e90-8265-4a6445d2602d.jsonl';
const env = { TZ: 'UTC' };
const cwd = tempDir('tapes-agent-fixtures-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
for (const f of [CLAUDE, CODEX]) copyFileSync(join(FIX, f), join(cwd, f));
async function ok(args: string[]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
await ok(['init', '-q']);
await ok(['import', CLAUDE, CODEX]);
const sessions = (await ok(['sessions', '--json'])).trim().split('\n').map((l) => JSON.parse(l) as { name: string; harness?: string; tip_format?: string });
const byFormat = async (re: RegExp) => {
  for (const s of sessions) {
    const recs = (await ok(['log', '--json', s.name])).trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string | null; kind: string; source: { format: string } | null; meta: Record<string, unknown> });
    if (recs.some((r) => r.source && re.test(r.source.format))) return { name: s.name, recs };
  }
  throw new Error(`no session of format ${re}`);
};

t.test('Claude Code 2.1.328: the bookkeeping folds; show --context gives the recorded system prompt and tools', async (t) => {
  const { name, recs } = await byFormat(/claude/);
  const log = await ok(['log', '--oneline', name]);
  const folded = Number(/^(\d+) bookkeeping records folded/m.exec(log)?.[1] ?? 0);
  t.ok(folded >= 10, `the attachments, request shapes and the like fold (${folded})`);
  const md = await ok(['export', '--format', 'markdown', name]);
  t.match(md, new RegExp(`_${folded} bookkeeping records folded`), 'the Markdown export folds the same count');
  const answer = recs.filter((r) => r.role === 'assistant').pop()!;
  const c = JSON.parse(await ok(['show', '--context', '--json', answer.id])) as { source: { kind: string }; model: string | null; system: string | null; tool_count: number | null; tools: Array<{ name: string }> | null };
  t.equal(c.source.kind, 'transcript');
  t.match(c.system, /You are an agent working with the user toward their goals/, "the system prompt Claude Code recorded (its prompt snapshot or request shape, the nearest)");
  t.ok((c.tool_count ?? 0) > 0, `tools recorded (${c.tool_count})`);
  t.ok(c.tools!.some((x) => x.name === 'Bash'), 'Bash among them');
});

t.test('Codex 0.169.0: the bookkeeping folds; show --context gives the model of its turn context', async (t) => {
  const { name, recs } = await byFormat(/codex/);
  t.match(await ok(['log', '--oneline', name]), /^\d+ bookkeeping records? folded/m);
  const answer = recs.filter((r) => r.role === 'assistant').pop()!;
  const c = JSON.parse(await ok(['show', '--context', '--json', answer.id])) as { model: string | null; system: string | null };
  t.equal(c.model, 'gpt-6.1-sol', 'the model of the turn_context line');
  t.ok(c.system && c.system.length > 100, 'the base instructions');
});
