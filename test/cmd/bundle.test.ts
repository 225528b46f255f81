// The bundled CLI (build/bundle/tapes.js, what `npm install` links as
// `tapes`) runs the same commands as the compiled modules the other tests
// load: start-up, a man page found from the bundle's folder, the codec and
// SQLite loaded from node_modules, a lazily loaded command chunk.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';

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
});

t.test('string-width is loaded only when a width is measured, not at every start', async (t) => {
  const cwd = tempDir('tapes-bundle-width-');
  t.equal(bundled(['init', '-q'], cwd).code, 0);
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
  t.equal(bundled(['init', '-q'], cwd).code, 0);
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
