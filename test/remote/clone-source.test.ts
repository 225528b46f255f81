// clone's source is checked before anything is made (a missing one is an
// error, never a clone of the new directory from itself), and a clone killed
// part-way is resumed by running the same command again (issue 16, items 5, 6).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { binPath, tempDir } from '../helpers/cli.js';
import { FILES, PROJECT, archive, must, refOf, run } from './helpers.js';

t.test('a source that does not exist, or is the destination, is refused and nothing is created', async (t) => {
  const parent = tempDir();
  const missing = await run(['clone', 'newthing'], parent);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /remote .*newthing is not a tapes archive/);
  t.notOk(existsSync(join(parent, 'newthing')), 'no directory was made');
  const same = await run(['clone', 'y', 'y'], parent);
  t.not(same.code, 0);
  t.notOk(existsSync(join(parent, 'y')), 'no directory was made for clone y y');
  const a = await archive();
  const self = await run(['clone', a, a], parent);
  t.equal(self.code, 129, 'an archive cloned into itself is a usage error');
  t.match(self.stderr, /cannot clone .* into itself/);
  t.equal((await run(['fsck'], a)).code, 0, 'and the archive is untouched');
});

t.test('a clone killed part-way is started over by the next clone into the same place', async (t) => {
  const origin = await archive();
  await must(['import', PROJECT], origin);
  const parent = tempDir();
  const dest = join(parent, 'copy');
  const building = join(dest, '.tapes.clone-in-progress');
  // Killed as soon as the clone has begun building: the destination exists, unfinished.
  const child = spawn(process.execPath, [binPath, 'clone', origin, 'copy'], { cwd: parent, stdio: 'ignore' });
  for (let i = 0; i < 2000 && !existsSync(join(building, 'objects')); i++) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  t.ok(existsSync(building), 'the killed clone left its unfinished archive');
  t.notOk(existsSync(join(dest, '.tapes')), 'and no .tapes: nothing unfinished passes for an archive');
  t.equal((await run(['log'], dest)).code, 128, 'commands in the destination find no archive there');

  const again = await must(['clone', origin, 'copy'], parent);
  t.match(again.stdout, new RegExp(`Cloned .* into ${dest}/\\.tapes: ${FILES.length} sessions`));
  t.notOk(existsSync(building), 'the unfinished archive is gone once the clone is whole');
  for (const f of FILES) {
    const ref = 'refs/sessions/' + f.replace(/\.jsonl$/, '');
    t.equal(await refOf(dest, ref), await refOf(origin, ref), `${ref} as at the source`);
  }
  t.equal((await run(['fsck'], dest)).code, 0, 'fsck is clean');
  const third = await run(['clone', origin, 'copy'], parent);
  t.equal(third.code, 1, 'a finished clone is not cloned over');
  t.match(third.stderr, /already exists and is not empty/);
  await fs.rm(parent, { recursive: true, force: true });
});
