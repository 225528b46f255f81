// Planted secrets for the scrub tests: copies of real transcripts from
// test/fixtures with a secret of each kind written into a prompt, a tool
// input, a tool output (inline and one stored as a blob over 1 KiB), the
// last line, and a subagent's transcript; and a grep of every file under
// .tapes/, each one also decompressed when it is zstd (loose objects, packs).
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decompress } from 'fzstd';
import { corpusDir, tapes } from '../helpers/cli.js';

const projects = join(corpusDir, 'claude-code', 'projects');
export const MAIN_FILE = join(projects, '-Users-alex-workspace-cli--worktrees-2', '2b945d54-dd2b-4f60-b3b0-7b0252349003.jsonl');
export const OTHER_FILE = join(projects, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
export const AGENT_FILE = join(projects, '-Users-soph-Work-entire-devenv-cli', '19abe528-a510-4c89-a1f8-138956474766.jsonl');
export const MAIN = '2b945d54-dd2b-4f60-b3b0-7b0252349003';
export const OTHER = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
export const AGENT = 'agent-a1b2c3d';

/** A planted secret: the value the scrub must remove, and the rule that finds it. */
export interface Planted {
  rule: string;
  /** The text written into the transcript. */
  text: string;
  /** The part of it that is the secret (what [REDACTED:rule] replaces). */
  value: string;
}

const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK', '-----END RSA PRIVATE KEY-----'].join('\n');
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

/** Every kind the detector knows, each with a value not found anywhere in the fixtures. */
export const PLANTED: Record<string, Planted> = {
  aws: { rule: 'aws-access-key', text: 'AKIAZ7QW3ERT5YUI8OPL', value: 'AKIAZ7QW3ERT5YUI8OPL' },
  github: { rule: 'github-token', text: 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', value: 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' },
  openai: { rule: 'openai-key', text: 'sk-proj-Qw3rTy7UiOp9AsDfGhJkLzXcVbNm12', value: 'sk-proj-Qw3rTy7UiOp9AsDfGhJkLzXcVbNm12' },
  anthropic: { rule: 'anthropic-key', text: 'sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1', value: 'sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1' },
  pem: { rule: 'private-key', text: PEM, value: PEM },
  jwt: { rule: 'jwt', text: JWT, value: JWT },
  url: { rule: 'url-password', text: 'postgres://app:Hx7pQ2vL9wZr@db.internal:5432/prod', value: 'Hx7pQ2vL9wZr' },
  slack: { rule: 'slack-token', text: 'xoxb-2048-Tq8Wm3Kz7Lp1Vn6', value: 'xoxb-2048-Tq8Wm3Kz7Lp1Vn6' },
  stripe: { rule: 'stripe-key', text: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', value: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc' },
  password: { rule: 'password-assignment', text: 'DB_PASSWORD=Tr0ub4dor-and-3', value: 'Tr0ub4dor-and-3' },
  entropy: { rule: 'high-entropy', text: 'session_cookie_key = "Q7fZ2mK9pL4xW8vR3nB6tY1cH5"', value: 'Q7fZ2mK9pL4xW8vR3nB6tY1cH5' },
  custom: { rule: 'custom-acme', text: 'ACME-739251', value: 'ACME-739251' },
  google: { rule: 'google-api-key', text: 'AIzaSyD4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T', value: 'AIzaSyD4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T' },
  gitlab: { rule: 'gitlab-token', text: 'glpat-Mn3Bv5Cx7Zl9Kj2Hg4Fd', value: 'glpat-Mn3Bv5Cx7Zl9Kj2Hg4Fd' },
};

/** The custom rule PLANTED.custom needs, for .tapes/config. */
export const ACME_RULE = '[secret-rule "acme"]\n\tregex = ACME-[0-9]{6}\n';

type Obj = Record<string, any>;

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

/** Appends `text` to the line's prompt, first tool input string, tool output, text block, or a progress string. */
function plantIn(line: string, text: string): string {
  const o = JSON.parse(line) as Obj;
  const c = o.message?.content;
  if (typeof c === 'string') o.message.content = `${c}\n${text}`;
  else if (Array.isArray(c)) {
    const b = c[0] as Obj;
    if (b.type === 'tool_result' && typeof b.content === 'string') b.content = `${b.content}\n${text}`;
    else if (b.type === 'tool_use') {
      const k = Object.keys(b.input).find((x) => typeof b.input[x] === 'string')!;
      b.input[k] = `${b.input[k]} ${text}`;
    } else if (b.type === 'text') b.text = `${b.text}\n${text}`;
    else if (b.type === 'thinking') b.thinking = `${b.thinking}\n${text}`;
    else throw new Error(`cannot plant in a ${b.type} block`);
  } else {
    o.planted = text; // a line without a message (progress): a member of its own
  }
  return JSON.stringify(o);
}

/**
 * The main session: Google and GitLab keys in its first line (a snapshot), the AWS key in the first prompt (line 5), the OpenAI key in a
 * tool input (line 9), the GitHub token in a 13 KB tool output (a blob, line 11),
 * the private key in a 3 KB tool output (a blob, line 25), slack, stripe, a
 * password, a high-entropy value and the custom rule in a short tool output
 * (line 37), the JWT in the last answer (line 77) and the URL password in the last line.
 */
export function plantedMain(): string {
  const l = lines(MAIN_FILE);
  const p = PLANTED;
  l[0] = plantIn(l[0]!, `${p.google!.text} ${p.gitlab!.text}`);
  l[4] = plantIn(l[4]!, `use ${p.aws!.text} for the deploy`);
  l[8] = plantIn(l[8]!, p.openai!.text);
  l[10] = plantIn(l[10]!, `GITHUB_TOKEN: ${p.github!.text}`);
  l[24] = plantIn(l[24]!, p.pem!.text);
  l[36] = plantIn(l[36]!, [p.slack!.text, p.stripe!.text, p.password!.text, p.entropy!.text, p.custom!.text].join('\n'));
  l[76] = plantIn(l[76]!, `token: ${p.jwt!.text}`);
  l[77] = plantIn(l[77]!, p.url!.text);
  return l.join('\n') + '\n';
}

/** The subagent's transcript: the Anthropic key in its first prompt. */
export function plantedAgent(): string {
  const l = lines(AGENT_FILE);
  const i = l.findIndex((x) => typeof (JSON.parse(x) as Obj).message?.content === 'string');
  l[i] = plantIn(l[i]!, `export ANTHROPIC_API_KEY=${PLANTED.anthropic!.text}`);
  return l.join('\n') + '\n';
}

/** A projects folder: the main session (planted), its subagent (planted), another session (clean). */
export async function writeProjects(dir: string): Promise<string> {
  const project = join(dir, 'projects', '-work-demo');
  await fs.mkdir(join(project, MAIN, 'subagents'), { recursive: true });
  await fs.writeFile(join(project, `${MAIN}.jsonl`), plantedMain());
  await fs.writeFile(join(project, MAIN, 'subagents', `${AGENT}.jsonl`), plantedAgent());
  await fs.copyFile(OTHER_FILE, join(project, `${OTHER}.jsonl`));
  return join(dir, 'projects');
}

/** The forms a value may take on disk: itself, and JSON-escaped (a private key's newlines). */
function needles(value: string): Buffer[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1)]);
  // The search index keeps terms, not text: the longest alphanumeric run stands for them.
  const run = [...value.matchAll(/[A-Za-z0-9]{10,}/g)].map((m) => m[0]).sort((a, b) => b.length - a.length)[0];
  if (run) {
    forms.add(run);
    forms.add(run.toLowerCase()); // FTS5 terms are folded to lower case
  }
  return [...forms].map((f) => Buffer.from(f, 'utf8'));
}

/**
 * Every file under `dir` (raw, and decompressed when it is zstd: a loose
 * object, a pack) that holds one of `values`; `{file, value}` for each hit.
 */
export async function grepArchive(dir: string, values: string[]): Promise<Array<{ file: string; value: string }>> {
  const hits: Array<{ file: string; value: string }> = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const raw = readFileSync(p);
        const forms = [raw];
        if (raw.length >= 4 && raw.readUInt32LE(0) === 0xfd2fb528) forms.push(Buffer.from(decompress(raw)));
        if (raw.length >= 4 && (raw.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50) forms.push(Buffer.from(decompress(raw)));
        for (const v of values) if (forms.some((f) => needles(v).some((n) => f.includes(n)))) hits.push({ file: p.slice(dir.length + 1), value: v.slice(0, 12) });
      }
    }
  };
  walk(dir);
  return hits;
}

/** Every ref but the audit's, name → id, from show-ref (what a scrub must leave the same however it got there). */
export async function refsBesidesAudit(dir: string): Promise<Record<string, string>> {
  const r = await tapes(['show-ref'], { cwd: dir });
  if (r.code !== 0) throw new Error(`tapes show-ref exited ${r.code}: ${r.stderr}`);
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [id, name] = line.split(' ');
    if (!name!.startsWith('refs/audit/')) out[name!] = id!;
  }
  return out;
}
