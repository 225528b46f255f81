// The timeline kept for `tapes log` (src/archive/log/timeline-cache.ts): the
// second log of a session answers from .tapes/index/timelines/ without
// reading its records, prints exactly what a log from the records prints,
// and is never believed once the session or its subagents have moved, nor
// when the file is damaged or belongs to another ref.
import t from 'tap';
import { copyFileSync, cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { timelineCachePath } from '../../src/archive/log/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const env = { TZ: 'UTC' };
const REAL = 'bc3bf53b-19fe-4209-b30a-a1acffaf6703';
const realFile = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', `${REAL}.jsonl`);
const showcase = join(corpusDir, 'edge-cases', 'daaain__claude-code-log', 'test', 'test_data', 'minimal_showcase');
const SHOWCASE = '55550000-0000-4000-8000-000000000001';

async function ok(args: string[], cwd: string) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const base = tempDir('tapes-logcache-base-');
await ok(['init', '-q'], base);
await ok(['import', realFile, showcase], base);

function fresh(): string {
  const cwd = tempDir('tapes-logcache-');
  cpSync(join(base, '.tapes'), join(cwd, '.tapes'), { recursive: true });
  return cwd;
}

t.test('the second log answers from the kept timeline, the same bytes, without reading a record', async (t) => {
  const cwd = fresh();
  for (const session of [REAL, SHOWCASE]) {
    const first = await ok(['log', session], cwd);
    const archive = await Archive.openAt(join(cwd, '.tapes'));
    t.ok(existsSync(timelineCachePath(archive, `refs/sessions/${session}`)), `${session}: its timeline is kept`);
    const oneline = await ok(['log', '--oneline', session], cwd);
    const reversed = await ok(['log', '--reverse', '-n', '5', session], cwd);
    // The abbreviations still need the object names (not contents): keep the packs' and loose names, drop the contents.
    const restore = hideObjectContents(cwd);
    const again = await tapes(['log', session], { cwd, env });
    const againOneline = await tapes(['log', '--oneline', session], { cwd, env });
    const againReversed = await tapes(['log', '--reverse', '-n', '5', session], { cwd, env });
    const json = await tapes(['log', '--json', session], { cwd, env });
    restore();
    t.equal(again.code, 0, again.stderr);
    t.equal(again.stdout, first.stdout, `${session}: the same lines`);
    t.equal(againOneline.stdout, oneline.stdout, `${session}: --oneline too`);
    t.equal(againReversed.stdout, reversed.stdout, `${session}: --reverse -n too`);
    t.not(json.code, 0, `${session}: --json reads the records (and finds them unreadable here)`);
  }
});

/** Empties every object file in place (names kept, contents gone), returning a function that puts them back. */
function hideObjectContents(cwd: string): () => void {
  const objects = join(cwd, '.tapes', 'objects');
  const saved = new Map<string, Buffer>();
  for (const d of readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const f of readdirSync(join(objects, d))) {
      const p = join(objects, d, f);
      saved.set(p, readFileSync(p));
      writeFileSync(p, Buffer.alloc(0));
    }
  }
  return () => {
    for (const [p, b] of saved) writeFileSync(p, b);
  };
}

t.test('a session that moved on, a new subagent, a damaged or misplaced file: the records are read again', async (t) => {
  const cwd = fresh();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const path = timelineCachePath(archive, `refs/sessions/${SHOWCASE}`);
  const before = await ok(['log', SHOWCASE], cwd);
  t.ok(existsSync(path));

  // A subagent ref deleted: the kept timeline names it, so it is not believed.
  const agentRef = `refs/agents/${SHOWCASE}/agent-showcol2`;
  const agentTip = (await ok(['rev-parse', agentRef], cwd)).stdout.trim();
  await ok(['update-ref', '-d', agentRef], cwd);
  const without = await ok(['log', SHOWCASE], cwd);
  t.notMatch(without.stdout, /agent-showcol2/, 'the deleted subagent is gone from the log');
  t.match(before.stdout, /agent-showcol2/);
  await ok(['update-ref', agentRef, agentTip], cwd);
  t.equal((await ok(['log', SHOWCASE], cwd)).stdout, before.stdout, 'back again: the same log as before');

  // The session moved back one record: the kept file is for another tip.
  const lines = (out: string) => out.split('\n').filter(Boolean).length;
  const full = await ok(['log', '--oneline', '--no-subagents', SHOWCASE], cwd);
  const tip = (await ok(['rev-parse', `refs/sessions/${SHOWCASE}`], cwd)).stdout.trim();
  await ok(['update-ref', `refs/sessions/${SHOWCASE}`, `${tip}~1`], cwd);
  t.equal(lines((await ok(['log', '--oneline', '--no-subagents', SHOWCASE], cwd)).stdout), lines(full.stdout) - 1, 'one record fewer');
  t.not((await ok(['log', SHOWCASE], cwd)).stdout, before.stdout, 'and the log says so');
  await ok(['update-ref', `refs/sessions/${SHOWCASE}`, tip], cwd);
  t.equal((await ok(['log', SHOWCASE], cwd)).stdout, before.stdout, 'forward again: the same log');

  // A damaged file, and another session's file in its place: neither is believed.
  writeFileSync(path, readFileSync(path, 'utf8').replace('"label":"user"', '"label":"usr"'));
  t.equal((await ok(['log', SHOWCASE], cwd)).stdout, before.stdout, 'a file whose digest does not match is rebuilt');
  await ok(['log', REAL], cwd);
  copyFileSync(timelineCachePath(archive, `refs/sessions/${REAL}`), path);
  t.equal((await ok(['log', SHOWCASE], cwd)).stdout, before.stdout, "another session's file is not believed");
  rmSync(join(cwd, '.tapes', 'index'), { recursive: true });
  t.equal((await ok(['log', SHOWCASE], cwd)).stdout, before.stdout, 'the whole index deleted: rebuilt');
});

t.test('a damaged record is reported every time: a timeline with one is never kept', async (t) => {
  const cwd = fresh();
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const ids = (await ok(['rev-list', `refs/sessions/${REAL}`], cwd)).stdout.trim().split('\n');
  const bad = ids[5]!;
  writeFileSync(join(cwd, '.tapes', 'objects', bad.slice(0, 2), bad.slice(2)), 'damaged');
  for (let i = 0; i < 2; i++) {
    const r = await tapes(['log', REAL], { cwd, env });
    t.equal(r.code, 1, `run ${i + 1}: exit 1`);
    t.match(r.stderr, new RegExp(`record ${bad} cannot be read`), `run ${i + 1}: the damage is reported`);
  }
  t.notOk(existsSync(timelineCachePath(archive, `refs/sessions/${REAL}`)), 'no timeline kept');
});
