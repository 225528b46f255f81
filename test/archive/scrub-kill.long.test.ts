// `tapes scrub --all` killed with SIGKILL at points spread over its work
// (found from its own --progress lines, so the machine's speed does not move
// them: while scanning, at the audit, among the ref moves, among the reflog
// rewrites), then run again: it completes, no ref ever points at a missing
// object (fsck is clean after the kill and after the rerun), and it ends
// with exactly the refs of an uninterrupted scrub.
import t from 'tap';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, corpusDir, tapes, tempDir } from '../helpers/cli.js';
import { ACME_RULE, refsBesidesAudit, PLANTED, grepArchive, writeProjects } from './scrub-helpers.js';

async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Every fixture Claude Code transcript, each with a key planted in its first prompt, plus the planted main session. */
async function bigArchive(): Promise<string> {
  const dir = tempDir('tapes-scrub-kill-');
  await must(['init', '-q'], dir);
  await fs.appendFile(join(dir, '.tapes', 'config'), ACME_RULE);
  const projects = await writeProjects(dir);
  const src = join(corpusDir, 'claude-code', 'projects');
  let n = 0;
  for (const p of await fs.readdir(src)) {
    for (const f of await fs.readdir(join(src, p))) {
      if (!f.endsWith('.jsonl')) continue;
      const lines = readFileSync(join(src, p, f), 'utf8').split('\n');
      const i = lines.findIndex((l) => l.includes('"type":"user"') && l.includes('"content":"'));
      if (i < 0) continue;
      const o = JSON.parse(lines[i]!);
      o.message.content += `\naws ${PLANTED.aws!.value}`;
      lines[i] = JSON.stringify(o);
      await fs.mkdir(join(projects, `-kill-${n}`), { recursive: true });
      await fs.writeFile(join(projects, `-kill-${n}`, `k${n}-${f}`), lines.join('\n'));
      n++;
    }
  }
  await must(['import', projects], dir);
  return dir;
}

function runScrub(cwd: string, killAfter?: RegExp, lagMs = 0): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, 'scrub', '--all', '--progress'], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let armed = killAfter !== undefined;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (armed && killAfter!.test(stderr)) {
        armed = false;
        setTimeout(() => child.kill('SIGKILL'), lagMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const refs = refsBesidesAudit;

const template = await bigArchive();
const control = tempDir('tapes-scrub-kill-control-');
await fs.cp(join(template, '.tapes'), join(control, '.tapes'), { recursive: true });
const clean = await runScrub(control);
if (clean.code !== 0) throw new Error(`control scrub failed: ${clean.stderr}`);
const expected = await refs(control);

const points: Array<[string, RegExp, number]> = [
  ['while scanning', /scrub: scanning 1000\n/, 0],
  ['at the audit', /scrub: audit 0\n/, 0],
  ['among the ref moves', /scrub: refs 3\/\d+\n/, 0],
  ['later among the ref moves', /scrub: refs 8\/\d+\n/, 2],
  ['among the reflog rewrites', /scrub: reflogs 2\/\d+\n/, 0],
  ['at the index', /scrub: index 0\n/, 0],
  ['at the first ref move', /scrub: refs 0\/\d+\n/, 0],
];

t.test('the control scrub moved many refs', async (t) => {
  t.ok(Object.keys(expected).length > 10, `${Object.keys(expected).length} refs`);
  t.not(JSON.stringify(expected), JSON.stringify(await refs(template)), 'and changed them');
});

for (const [name, at, lag] of points) {
  t.test(`killed ${name}`, async (t) => {
    const dir = tempDir('tapes-scrub-kill-case-');
    await fs.cp(join(template, '.tapes'), join(dir, '.tapes'), { recursive: true });
    const killed = await runScrub(dir, at, lag);
    t.ok(killed.signal === 'SIGKILL' || killed.code === 0, `killed (or finished first): ${killed.signal ?? killed.code}`);
    const fsck = await tapes(['fsck'], { cwd: dir });
    t.equal(fsck.code, 0, `fsck after the kill: every ref on a stored object\n${fsck.stdout}`);
    // A kill inside a ref move leaves that ref's lock, which tapes never
    // breaks by itself: the rerun names the file, and the user removes it.
    let rerun = await runScrub(dir);
    for (let i = 0; i < 3 && rerun.code !== 0; i++) {
      const lock = /rm '([^']+\.lock)'/.exec(rerun.stderr)?.[1];
      t.ok(lock, `a failed rerun names the lock to remove: ${rerun.stderr.slice(-300)}`);
      if (!lock) break;
      await fs.rm(lock);
      rerun = await runScrub(dir);
    }
    t.equal(rerun.code, 0, `the rerun completes: ${rerun.stderr.slice(-300)}`);
    t.same(await refs(dir), expected, 'with the refs of an uninterrupted scrub');
    await must(['gc', '--prune=now'], dir);
    t.same(await grepArchive(join(dir, '.tapes'), Object.values(PLANTED).map((p) => p.value)), [], 'and no secret left after gc --prune=now');
    t.equal((await tapes(['fsck'], { cwd: dir })).code, 0);
  });
}
