// tapes export beyond the original bytes: JSONL (every record, complete,
// the documented members, blobs read back), Markdown (prompts, fenced tool
// calls, folded long results, quoted thinking, errors, subagents quoted under
// their call), --all with an index page, --redact with its count, and usage
// errors. The original format keeps giving the exact bytes.
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { Redactor, REDACT_PATTERNS } from '../../src/archive/export/index.js';

const edge = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data');
const SHOWCASE = '55550000-0000-4000-8000-000000000001';
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
const codexFile = join(edge, 'codex', 'sessions', '2026', '01', '02', 'rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl');

const env = { TZ: 'UTC' };
const cwd = tempDir('tapes-export-');
t.teardown(() => rmSync(cwd, { recursive: true, force: true }));

// A transcript holding secrets, to redact.
const SECRET_SESSION = '77770000-0000-4000-8000-000000000007';
const secretsFile = join(cwd, `${SECRET_SESSION}.jsonl`);
const ANT = 'sk-ant-api03-' + 'A'.repeat(40);
const GH = 'ghp_' + 'b'.repeat(36);
const AWS = 'AKIA' + 'ABCDEFGHIJKLMNOP';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabcdef\n-----END RSA PRIVATE KEY-----';
const line = (n: number, type: string, content: unknown) =>
  JSON.stringify({ type, uuid: `u${n}`, parentUuid: n > 1 ? `u${n - 1}` : null, sessionId: SECRET_SESSION, timestamp: `2026-03-01T10:00:0${n}.000Z`, cwd: '/w', message: { role: type, content } });
writeFileSync(
  secretsFile,
  [
    line(1, 'user', `deploy with ANTHROPIC_API_KEY=${ANT} please`),
    line(2, 'assistant', [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: `git clone https://deploy:hunter2secret@git.example.com/x.git && echo ${GH}` } }]),
    line(3, 'user', [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `key ${AWS}\n${PEM}\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz012345`, is_error: false }]),
  ].join('\n') + '\n',
);

async function run(args: string[]) {
  return tapes(args, { cwd, env });
}
async function ok(args: string[]) {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
await ok(['init', '-q']);
await ok(['import', realFile, join(edge, 'minimal_showcase'), codexFile, secretsFile]);

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

t.test('original is still the exact bytes, to stdout and to a file', async (t) => {
  const r = await ok(['export', REAL]);
  t.equal(sha(r.stdoutBytes), sha(readFileSync(realFile)));
  const out = join(cwd, 'copy.jsonl');
  await ok(['export', REAL, '--format', 'original', '-o', out]);
  t.equal(sha(readFileSync(out)), sha(readFileSync(realFile)));
});

interface Line {
  v: number;
  id: string;
  session: string | null;
  chain: string | null;
  agent: { name: string; type: string | null; description: string | null } | null;
  depth: number;
  seq: number;
  kind: string;
  label: string;
  role: string | null;
  time: string | null;
  is_error: boolean;
  content: Array<Record<string, unknown>>;
  meta: Record<string, unknown>;
  source: { format: string; line: number; eol: string } | null;
  tokens: Record<string, number> | null;
}

t.test('jsonl: one complete record per line, subagents after their call', async (t) => {
  const r = await ok(['export', SHOWCASE, '--format', 'jsonl']);
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  const main = (await ok(['rev-list', '--reverse', SHOWCASE])).stdout.split('\n').filter(Boolean);
  const a1 = (await ok(['rev-list', '--reverse', `agents/${SHOWCASE}/agent-showcol1`])).stdout.split('\n').filter(Boolean);
  const a2 = (await ok(['rev-list', '--reverse', `agents/${SHOWCASE}/agent-showcol2`])).stdout.split('\n').filter(Boolean);
  t.equal(lines.length, main.length + a1.length + a2.length, 'every record once');
  t.same(lines.filter((l) => l.depth === 0).map((l) => l.id), main, 'the session in order');
  t.same(lines.filter((l) => l.agent?.name === 'agent-showcol1').map((l) => l.id), a1);
  t.same(lines.filter((l) => l.agent?.name === 'agent-showcol2').map((l) => l.id), a2);
  const keys = ['v', 'id', 'session', 'chain', 'agent', 'depth', 'seq', 'kind', 'label', 'role', 'time', 'is_error', 'content', 'meta', 'source', 'tokens'];
  for (const l of lines) {
    t.same(Object.keys(l).sort(), [...keys].sort(), `members of ${l.id.slice(0, 7)}`);
    t.equal(l.v, 1);
    t.equal(l.session, SHOWCASE);
  }
  // Subagent records come right after the record that spawned them.
  const spawner = lines.findIndex((l) => l.content.some((b) => b.type === 'tool_use' && b.name === 'Agent'));
  t.equal(lines[spawner + 1]!.agent?.name, 'agent-showcol1');
  t.equal(lines[spawner + 1]!.chain, `agents/${SHOWCASE}/agent-showcol1`);
  t.equal(lines[spawner + 1]!.depth, 1);
  // Blobs are read back: the log --json view of each record is the same content and meta.
  const log = (await ok(['log', '--json', '--no-subagents', SHOWCASE])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  for (const l of log) {
    const mine = lines.find((x) => x.id === l.id)!;
    t.same(mine.content, l.content);
    t.same(mine.meta, l.meta);
    t.same(mine.source, l.source);
  }
  const real = (await ok(['export', REAL, '--format', 'jsonl'])).stdout.split('\n').filter(Boolean).map((x) => JSON.parse(x) as Line);
  t.equal(real.filter((l) => l.is_error).length, 4, 'failed results and the calls they answer');
  t.ok(real.some((l) => l.tokens !== null && l.tokens.output > 0), 'token counts');
  const codex = (await ok(['export', '11111111', '--format', 'jsonl'])).stdout.split('\n').filter(Boolean).map((x) => JSON.parse(x) as Line);
  t.ok(codex.length > 5 && codex.every((l) => l.source?.format === 'codex'));
});

t.test('markdown: a transcript to read', async (t) => {
  const md = (await ok(['export', SHOWCASE, '--format', 'markdown'])).stdout;
  t.match(md, /^# Session 55550000-0000-4000-8000-000000000001\n\n- \*\*Title:\*\* Give me a tour of the repository/);
  t.match(md, /### 1\. User · 2026-06-15 10:00:01 \+00:00 · `1c8cd56`\n\nGive me a tour of the repository/);
  t.match(md, /\*\*Tool call: mcp\\_\\_plugin/);
  t.match(md, /<details><summary>output: 52 lines, 1339 characters<\/summary>\n\n```\n\{/, 'a long result is folded');
  t.match(md, /\n> #### Subagent agent-showcol1 — general-purpose: Survey the web module\n/, 'a subagent quoted under its call');
  t.match(md, /\n> ### 8\.1\. User · /);
  t.match(md, /120 in, 40 out/, 'token counts');
  const real = (await ok(['export', REAL, '--format', 'markdown'])).stdout;
  t.match(real, /> \*\*Thinking\*\*\n>\n> The user wants to update Go/, 'thinking quoted');
  t.match(real, /### 22\. Tool result ✗ · .*\n\n\*\*Tool result\*\* `toolu_\w+` \*\*✗ error\*\*/);
  t.match(real, /\*\*Tool call: Grep\*\* `toolu_\w+`\n\n```json\n\{\n  "output_mode": "content",\n  "pattern": "1\\\\.2\[0-9\]\\\\.\[0-9\]"\n\}\n```/);
  // Fences never close early: a result holding ``` gets a longer fence.
  const fences = real.match(/^`{3,}/gm) ?? [];
  t.equal(fences.length % 2, 0, 'fences pair up');
});

t.test('--redact masks secrets in every format and says how many', async (t) => {
  for (const format of ['original', 'jsonl', 'markdown', 'html']) {
    const r = await ok(['export', SECRET_SESSION, '--format', format, '--redact']);
    for (const secret of [ANT, GH, AWS, 'hunter2secret', 'MIIEowIBAAKCAQEA7', 'abcdefghijklmnopqrstuvwxyz012345']) t.notOk(r.stdout.includes(secret), `${format}: ${secret.slice(0, 12)}… masked`);
    t.match(r.stdout, /\[REDACTED:anthropic-key\]/);
    t.match(r.stdout, /https:\/\/deploy:\[REDACTED:url-password\]@git\.example\.com/);
    t.match(r.stderr, /^tapes: redacted \d+ secrets \(/m);
    t.match(r.stderr, /1 private-key/);
    t.match(r.stderr, /1 github-token/);
    t.match(r.stderr, /1 aws-access-key/);
    t.match(r.stderr, /1 url-password/);
    t.match(r.stderr, /1 bearer-token/);
  }
  const orig = await ok(['export', SECRET_SESSION, '--redact']);
  for (const l of orig.stdout.split('\n').filter(Boolean)) t.doesNotThrow(() => JSON.parse(l), 'redacted lines are still JSON');
  const plain = await ok(['export', SECRET_SESSION]);
  t.ok(plain.stdout.includes(ANT), 'without --redact nothing is masked');
  t.equal(plain.stderr, '');
  const clean = await ok(['export', REAL, '--format', 'jsonl', '--redact']);
  t.match(clean.stderr, /^tapes: redacted 0 secrets\n$/);
});

t.test('the redaction patterns, one by one', async (t) => {
  const cases: Array<[string, string]> = [
    ['private-key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'],
    ['anthropic-key', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz'],
    ['openai-key', 'sk-proj-abcdefghijklmnopqrstuvwxyz012'],
    ['aws-access-key', 'AKIAIOSFODNN7EXAMPLE'],
    ['github-token', 'github_pat_11ABCDEFGHIJKLMNOPQRSTUV_abc'],
    ['gitlab-token', 'glpat-abcdefghijklmnopqrst'],
    ['slack-token', 'xoxb-1234567890-abcdefghij'],
    ['google-api-key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
    ['stripe-key', 'sk_live_abcdefghijklmnop1234'],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['bearer-token', 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz'],
    ['url-password', 'postgres://app:s3cr3tpass@db.internal:5432/app'],
    ['password-assignment', 'DB_PASSWORD=correcthorsebattery'],
    ['high-entropy', 'signing_key = "q8Zr2LmX7vT4pW9nB3kY6hJ1cF5dS0aG"'],
  ];
  t.equal(cases.length, REDACT_PATTERNS.length, 'every pattern is tried');
  for (const [id, text] of cases) {
    const r = new Redactor();
    const out = r.redact(`before ${text} after`);
    t.same(r.counts(), { [id]: 1 }, id);
    t.match(out, new RegExp(`^before .*\\[REDACTED:${id}\\].* after$`, 's'));
  }
  const r = new Redactor();
  t.equal(r.redact('sk-ant is a prefix; git@github.com:x/y; https://example.com/path; password: short; password: "{{.Env.SIGN_PASSWORD}}"; PASSWORD=${DB_PASSWORD}'), 'sk-ant is a prefix; git@github.com:x/y; https://example.com/path; password: short; password: "{{.Env.SIGN_PASSWORD}}"; PASSWORD=${DB_PASSWORD}', 'no false alarms on ordinary text');
  t.equal(r.total, 0);
});

t.test('--all writes every session and an index page', async (t) => {
  const dir = join(cwd, 'site');
  const r = await ok(['export', '--all', '--format', 'html', '-o', 'site']);
  const files = readdirSync(dir).sort();
  t.ok(files.includes('index.html'));
  const sessions = (await ok(['sessions', '--json'])).stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { name: string }).name);
  t.equal(files.length, sessions.length + 1);
  t.match(r.stderr, new RegExp(`^tapes: wrote ${sessions.length} sessions and index.html to site\\n$`));
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  for (const f of files.filter((f) => f !== 'index.html')) t.match(index, `href="${f}"`);
  t.ok(existsSync(join(dir, `${SHOWCASE}.html`)));
  t.notOk(files.some((f) => f.startsWith('agent-')), 'subagents are inside their session, not files of their own');
  const md = await ok(['export', '--all', '--format', 'markdown', '-o', 'md']);
  t.match(md.stderr, /and index\.md/);
  t.match(readFileSync(join(cwd, 'md', 'index.md'), 'utf8'), /^# Sessions\n\n\| Session \| Started/);
  const jl = await ok(['export', '--all', '--format', 'jsonl', '-o', 'jl']);
  t.notMatch(jl.stderr, /index/);
  t.equal(readdirSync(join(cwd, 'jl')).length, sessions.length);
});

t.test('usage errors', async (t) => {
  for (const [args, re] of [
    [['export'], /name the session to export/],
    [['export', '--all'], /--all needs -o/],
    [['export', '--all', REAL, '-o', 'x'], /give no <session> with it/],
    [['export', REAL, '--format', 'pdf'], /Invalid values/],
  ] as Array<[string[], RegExp]>) {
    const r = await run(args);
    t.equal(r.code, 129, args.join(' '));
    t.match(r.stderr, re);
  }
  t.equal((await run(['export', 'nosuch', '--format', 'html'])).code, 2);
  t.notOk(existsSync(join(cwd, 'x')));
});
