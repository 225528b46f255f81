// A scrub that stops anywhere (staged here in-process, deterministically: a
// ref move, the audit's ref move or a reflog rewrite fails after k steps)
// leaves every ref on a stored object, and run again it finishes with
// exactly the refs of an uninterrupted scrub (the rewrite is a function of
// the records and the rules, so the ids are the same). The real binary
// killed with SIGKILL is in scrub-kill.long.test.ts.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { scrub } from '../../src/archive/scrub.js';
import { tapes, tempDir } from '../helpers/cli.js';
import { ACME_RULE, refsBesidesAudit, writeProjects } from './scrub-helpers.js';

async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** A planted archive (made once) copied for each case. */
const template = tempDir('tapes-scrub-crash-');
await must(['init', '-q'], template);
await fs.appendFile(join(template, '.tapes', 'config'), ACME_RULE);
await must(['import', await writeProjects(template)], template);
await must(['tag', 'mid', '2b945d54-dd2b-4f60-b3b0-7b0252349003~40'], template);

async function copy(): Promise<string> {
  const dir = tempDir('tapes-scrub-crash-case-');
  await fs.cp(join(template, '.tapes'), join(dir, '.tapes'), { recursive: true });
  return dir;
}

const refs = refsBesidesAudit;

const control = await copy();
await scrub(await Archive.openAt(join(control, '.tapes')), { all: true });
const expected = await refs(control);

/** Runs scrub --all with `method` of the ref store failing after `k` calls. */
async function crashAt(method: 'update' | 'rewriteReflog', k: number, onlyAudit = false): Promise<string> {
  const dir = await copy();
  const archive = await Archive.openAt(join(dir, '.tapes'));
  const real = archive.refs[method].bind(archive.refs) as (...a: unknown[]) => Promise<unknown>;
  let calls = 0;
  (archive.refs as unknown as Record<string, unknown>)[method] = async (...a: unknown[]) => {
    const counts = !onlyAudit || a[0] === 'refs/audit/scrub';
    if (counts && calls++ >= k) throw new Error('staged crash');
    return real(...a);
  };
  await scrub(archive, { all: true }).then(
    () => {
      throw new Error('the staged crash did not happen');
    },
    (err: Error) => {
      if (err.message !== 'staged crash') throw err;
    },
  );
  return dir;
}

const cases: Array<[string, 'update' | 'rewriteReflog', number, boolean]> = [
  ['before the audit moves', 'update', 0, true],
  ['after the audit, before any session moves', 'update', 1, false],
  ['after one session moved', 'update', 2, false],
  ['after every ref moved, before the reflogs', 'rewriteReflog', 0, false],
  ['halfway through the reflogs', 'rewriteReflog', 2, false],
];

for (const [name, method, k, onlyAudit] of cases) {
  t.test(`crash ${name}: refs on stored objects, and a rerun ends where an uninterrupted scrub does`, async (t) => {
    const dir = await crashAt(method, k, onlyAudit);
    const fsck = await tapes(['fsck'], { cwd: dir });
    t.equal(fsck.code, 0, `fsck after the crash: no ref points at a missing object\n${fsck.stdout}${fsck.stderr}`);
    await must(['scrub', '--all', '--prune'], dir);
    t.same(await refs(dir), expected, 'the same refs as the uninterrupted scrub');
    t.equal((await tapes(['fsck'], { cwd: dir })).code, 0, 'fsck after the rerun');
    t.match((await must(['scrub', '--all'], dir)).stdout, /^no secrets found/, 'nothing left to scrub');
  });
}
