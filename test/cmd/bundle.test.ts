// The bundled CLI (build/bundle/tapes.js, what `npm install` links as
// `tapes`) runs the same commands as the compiled modules the other tests
// load: start-up, a man page found from the bundle's folder, the codec and
// SQLite loaded from node_modules, one file per command compiled from its
// V8 code cache.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../cmd/commands.js';
import { cachePath } from '../../bin/load-bundle.js';
import { corpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';
import { CHUNKS, loadFresh, preloadCacheSize } from './bundle-helpers.js';

const BUNDLE = join(repoRoot, 'build', 'bundle', 'tapes.js');
const TRANSCRIPT = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');

function bundled(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BUNDLE, ...args], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0', TZ: 'UTC' }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('the bundle exists and answers as the modules do', async (t) => {
  t.ok(existsSync(BUNDLE), 'npm run build writes build/bundle/tapes.js');
  const cwd = tempDir('tapes-bundle-');
  t.equal(bundled(['--version'], cwd).stdout, (await tapes(['--version'], { cwd })).stdout, '--version');
  t.match(bundled(['help', 'log'], cwd).stdout, /^# tapes-log\(1\)/, 'a man page, found from the bundle');
  t.equal(bundled(['init', '-q'], cwd).code, 0);
  const imp = bundled(['import', TRANSCRIPT], cwd);
  t.equal(imp.code, 0, imp.stderr);
  const env = { TZ: 'UTC' };
  for (const args of [['log', '--no-pager', 'bc3bf53b'], ['show', '--no-pager', 'bc3bf53b~3'], ['cat-object', '-p', 'bc3bf53b'], ['search', 'test', '-n', '3'], ['fsck']]) {
    const b = bundled(args, cwd);
    const m = await tapes(args, { cwd, env });
    t.equal(b.code, m.code, `${args.join(' ')}: exit code`);
    t.equal(b.stdout, m.stdout, `${args.join(' ')}: same output`);
    if (args[0] !== 'fsck') t.ok(b.stdout.length > 0, `${args.join(' ')}: printed something`);
  }
  t.equal(bundled(['show', 'no-such-thing'], cwd).code, 2, 'errors map to exit codes');
  // Commands that load Node modules by a dynamic import (made requires in the bundle: vm.Script has no module loader).
  for (const args of [['stats'], ['show-ref'], ['status'], ['tag', '--json']]) {
    const b = bundled(args, cwd);
    const m = await tapes(args, { cwd, env });
    t.equal(b.code, m.code, `${args.join(' ')}: exit code (${b.stderr.trim()})`);
    t.equal(b.stdout, m.stdout, `${args.join(' ')}: same output`);
  }
  const hashed = spawnSync(process.execPath, [BUNDLE, 'hash-object', '--stdin'], { cwd, input: 'hello\n', encoding: 'utf8', env: { PATH: process.env.PATH } });
  t.equal(hashed.stderr, '', 'hash-object --stdin: no error');
  t.equal(hashed.stdout, (await tapes(['hash-object', '--stdin'], { cwd, stdin: 'hello\n' })).stdout, 'hash-object --stdin: the same id');
});

t.test('string-width is loaded only when a width is measured, not at every start', async (t) => {
  const cwd = tempDir('tapes-bundle-width-');
  t.equal((await tapes(['init', '-q'], { cwd })).code, 0); // setup: the first test inits through the bundle
  // Counts the Intl.Segmenter objects made in the process: string-width makes one when its module loads.
  const probe = 'data:text/javascript,' + encodeURIComponent(
    'const S = Intl.Segmenter; let n = 0; Intl.Segmenter = class extends S { constructor(...a) { super(...a); n++; } }; process.on("exit", () => process.stderr.write(`segmenters: ${n}\\n`));',
  );
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', probe, BUNDLE, ...args], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0', TZ: 'UTC' }, encoding: 'utf8' });
  // tapes prints its own help and usage errors, so yargs never lays out columns here.
  for (const args of [['sessions'], ['sessions', '--help'], ['log', '--bogus']]) {
    const r = run(args);
    t.match(r.stderr, /segmenters: 0\n/, `${args.join(' ')}: no Intl.Segmenter made`);
    t.equal(r.stdout, (await tapes(args, { cwd })).stdout, `${args.join(' ')}: the same output as the unbundled modules`);
  }
});

t.test('the bundle never looks for a package.json above the working directory (yargs guessing a version)', async (t) => {
  const outer = tempDir('tapes-bundle-pkg-');
  const cwd = join(outer, 'project');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(cwd);
  writeFileSync(join(outer, 'package.json'), '{"name":"someone-elses","version":"9.9.9"}');
  t.equal((await tapes(['init', '-q'], { cwd })).code, 0); // setup: the first test inits through the bundle
  // Logs every path the process lists or reads through fs, ESM importers included.
  const probe = 'data:text/javascript,' + encodeURIComponent(
    'import fs from "node:fs"; import { syncBuiltinESMExports } from "node:module";' +
      'const seen = []; for (const f of ["readdirSync", "readFileSync"]) { const o = fs[f]; fs[f] = function (p, ...a) { seen.push(String(p)); return o.call(this, p, ...a); }; }' +
      'syncBuiltinESMExports(); process.on("exit", () => process.stderr.write("paths: " + JSON.stringify(seen) + "\\n"));',
  );
  const r = spawnSync(process.execPath, ['--import', probe, BUNDLE, 'sessions'], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0', TZ: 'UTC' }, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const paths = JSON.parse(/paths: (.*)\n/.exec(r.stderr)![1]!) as string[];
  t.ok(paths.length > 0, 'the probe sees the reads');
  t.same(paths.filter((p) => p === outer || p.startsWith(join(outer, 'package.json'))), [], 'nothing above the working directory is listed or read');
});

t.test('a packed import from the bundle keeps the search index from its worker thread', async (t) => {
  t.ok(existsSync(join(repoRoot, 'build', 'bundle', 'chunks', 'index-worker.js')), 'the worker is a file of the bundle');
  const cwd = tempDir('tapes-bundle-worker-');
  t.equal((await tapes(['init', '-q'], { cwd })).code, 0); // setup: the first test inits through the bundle
  appendFileSync(join(cwd, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
  // The worker's own module, loaded: a probe in every thread says which files it ran.
  const probe = join(cwd, 'probe.mjs');
  writeFileSync(probe, "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.stderr.write('worker thread started\\n');\n");
  const imp = spawnSync(process.execPath, ['--import', probe, BUNDLE, 'import', TRANSCRIPT], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0', TZ: 'UTC' }, encoding: 'utf8' });
  t.equal(imp.status, 0, imp.stderr);
  t.match(imp.stderr, /worker thread started/, 'the import ran a worker thread');
  const index = JSON.parse(bundled(['index', '--json'], cwd).stdout) as { chains: number; chains_updated: number; records: number };
  t.equal(index.chains_updated, 0, 'the index was level when the import ended');
  t.ok(index.records > 10, `records indexed (${index.records})`);
  t.equal(bundled(['search', 'test', '-n', '1'], cwd).code, 0, 'and search finds them');
});


t.test('every command has its own file and code cache, and V8 takes the cache', async (t) => {
  const names = Object.keys(COMMANDS);
  t.ok(names.length > 30, `${names.length} commands`);
  for (const file of [...names.map((n) => `cmd-${n}.js`), 'main.js']) {
    const path = join(CHUNKS, file);
    t.ok(existsSync(cachePath(path)), `${file}: a code cache beside it`);
    t.match(readFileSync(path, 'latin1').slice(0, 20), /^'use strict';/, `${file}: strict, as the ES modules it is made from`);
  }
  // Loading a file runs its modules' top-level code only: main() is what runs a command.
  for (const file of ['cmd-rev-parse.js', 'cmd-show.js', 'main.js']) {
    t.same(loadFresh(join(CHUNKS, file)), { cached: true, main: 'function' }, `${file}: the cache the build wrote is accepted (build and launcher wrap the source alike); it exports main`);
  }
  t.notOk(readdirSync(CHUNKS).some((f) => f.startsWith('chunk-')), 'no shared chunks: no module is in two files');
});

// The interactive commands' files: their code cache is written after running
// the command once in a scratch archive (scripts/warm-caches.mjs), so that it
// holds the functions the command runs, not only its modules' top-level code.
const WARMED = ['cmd-cat-object.js', 'cmd-log.js', 'cmd-rev-parse.js', 'cmd-sessions.js', 'cmd-show.js', 'main.js'];

t.test('the interactive commands\' code caches are warm: written after a run, larger than a preload-only one, and accepted', async (t) => {
  const manifest = JSON.parse(readFileSync(join(CHUNKS, 'warm.json'), 'utf8')) as { warmed: Record<string, string[]>; notWarmed: Record<string, string> };
  t.same(manifest.notWarmed, {}, 'no warm run failed');
  t.same(Object.keys(manifest.warmed).sort(), WARMED, 'each interactive file was warmed (chunks/warm.json)');
  // A preload-only cache made now varies from run to run: by tens of bytes mostly, once by more than 1 KB (a
  // clean-clone CI run: V8's lazy compilation and flushing are not deterministic); a warm run adds kilobytes
  // (some 5 KB for --version, 50-170 KB for the others).
  const MARGIN = 2500;
  for (const file of WARMED) {
    const path = join(CHUNKS, file);
    const warm = statSync(cachePath(path)).size;
    const preload = preloadCacheSize(path);
    t.ok(warm > preload + MARGIN, `${file}: its cache (${warm} bytes) holds more than a preload-only one (${preload} bytes), by the run of ${(manifest.warmed[file] ?? []).join(' ')}`);
    t.same(loadFresh(path), { cached: true, main: 'function' }, `${file}: V8 accepts the warm cache`);
  }
  // The comparison itself: a file not warmed has the preload-only cache preloadCacheSize makes.
  const other = join(CHUNKS, 'cmd-stats.js');
  t.notOk('cmd-stats.js' in manifest.warmed, 'stats is not warmed');
  t.ok(Math.abs(statSync(cachePath(other)).size - preloadCacheSize(other)) <= MARGIN, 'cmd-stats.js: its cache is the size of a preload-only one');
});

t.test('a command reads its own file of the bundle and no other', async (t) => {
  const cwd = tempDir('tapes-bundle-own-');
  t.equal((await tapes(['init', '-q'], { cwd })).code, 0); // setup: the first test inits through the bundle
  const probe = 'data:text/javascript,' + encodeURIComponent(
    'import fs from "node:fs"; import { syncBuiltinESMExports } from "node:module";' +
      'const seen = []; const o = fs.readFileSync; fs.readFileSync = function (p, ...a) { seen.push(String(p)); return o.call(this, p, ...a); };' +
      'syncBuiltinESMExports(); process.on("exit", () => process.stderr.write("paths: " + JSON.stringify(seen) + "\\n"));',
  );
  const chunksRead = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', probe, BUNDLE, ...args], { cwd, env: { PATH: process.env.PATH, FORCE_COLOR: '0', TZ: 'UTC' }, encoding: 'utf8' });
    const paths = JSON.parse(/paths: (.*)\n/.exec(r.stderr)![1]!) as string[];
    return { code: r.status, stdout: r.stdout, read: paths.filter((p) => p.startsWith(CHUNKS)).map((p) => p.slice(CHUNKS.length + 1)).sort() };
  };
  t.same(chunksRead(['rev-parse', '--verify', '-q', 'HEAD']).read, ['cmd-rev-parse.js', 'cmd-rev-parse.js.cache'], 'rev-parse');
  t.same(chunksRead(['-C', '.', '--color', 'never', 'log', '--no-pager']).read, ['cmd-log.js', 'cmd-log.js.cache'], 'global options before the word');
  const odd = chunksRead(['log', '--bogus']);
  t.same(odd.read, ['cmd-log.js', 'cmd-log.js.cache', 'yargs.js'], 'a line only yargs reads: yargs from its own file');
  t.equal(odd.code, 129, 'and its usage error');
  const version = chunksRead(['--version']);
  t.same(version.read, ['main.js', 'main.js.cache'], '--version');
  t.equal(version.stdout, '0.1.0\n');
  const unknown = chunksRead(['no-such-command']);
  t.same(unknown.read, ['main.js', 'main.js.cache'], 'an unknown word');
  t.equal(unknown.code, 129, 'and the usual usage error');
});
