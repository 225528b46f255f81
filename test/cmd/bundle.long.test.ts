// The bundle's failure modes (test/cmd/bundle.test.ts has the rest): a code
// cache V8 refuses, and a file of the bundle missing. Long: each case is a
// process of its own.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachePath } from '../../bin/load-bundle.js';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { CHUNKS, loadFresh } from './bundle-helpers.js';


t.test('a damaged, foreign or missing code cache only means compiling', async (t) => {
  const dir = tempDir('tapes-bundle-cache-');
  const file = join(dir, 'cmd-rev-parse.js');
  copyFileSync(join(CHUNKS, 'cmd-rev-parse.js'), file);
  t.same(loadFresh(file), { cached: false, main: 'function' }, 'no cache file: compiled');
  const good = readFileSync(cachePath(join(CHUNKS, 'cmd-rev-parse.js')));
  for (const [what, bytes] of [
    ['truncated', good.subarray(0, good.length >> 1)],
    ['garbage', Buffer.alloc(good.length, 0x5a)],
    ['another file\'s', readFileSync(cachePath(join(CHUNKS, 'cmd-log.js')))],
    ['empty', Buffer.alloc(0)],
  ] as const) {
    writeFileSync(cachePath(file), bytes);
    t.same(loadFresh(file), { cached: false, main: 'function' }, `${what} cache: refused, and the file still loads`);
  }
  copyFileSync(cachePath(join(CHUNKS, 'cmd-rev-parse.js')), cachePath(file));
  t.same(loadFresh(file), { cached: true, main: 'function' }, 'the genuine cache, copied: taken');
});

t.test('a bundle missing its command file says so, without a stack trace', async (t) => {
  // A copy of the bundle beside the real one (node_modules is found from build/), one command's file removed.
  const { cpSync, rmSync, mkdtempSync } = await import('node:fs');
  const copy = mkdtempSync(join(repoRoot, 'build', 'bundle-copy-'));
  t.teardown(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(join(repoRoot, 'build', 'bundle'), copy, { recursive: true });
  rmSync(join(copy, 'chunks', 'cmd-rev-parse.js'));
  const cwd = tempDir('tapes-bundle-missing-');
  const r = spawnSync(process.execPath, [join(copy, 'tapes.js'), 'rev-parse', 'HEAD'], { cwd, env: { PATH: process.env.PATH }, encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /^tapes: error: cannot load .*cmd-rev-parse\.js: ENOENT/);
  t.match(r.stderr, /install tapes again/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const v = spawnSync(process.execPath, [join(copy, 'tapes.js'), '--version'], { cwd, encoding: 'utf8' });
  t.equal(v.stdout, '0.1.0\n', 'the other files still work');
});
