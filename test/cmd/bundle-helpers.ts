// What the bundle's tests share (test/cmd/bundle.test.ts, bundle.long.test.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

export const CHUNKS = join(repoRoot, 'build', 'bundle', 'chunks');

/**
 * `file` loaded by bin/load-bundle.ts in a process of its own (V8 keeps what
 * a process compiled and would not look at a second cache of the same source).
 */
export function loadFresh(file: string): { cached: boolean; main: string } {
  const loader = new URL('../../bin/load-bundle.js', import.meta.url).href;
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const { loadBundle } = await import(${JSON.stringify(loader)}); const b = loadBundle(${JSON.stringify(file)}); process.stdout.write(JSON.stringify({ cached: b.cached, main: typeof b.exports.main }));`],
    // Not tap's environment: its NODE_OPTIONS would load its process-info hooks into the child too.
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  if (r.status !== 0) throw new Error(`loading ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { cached: boolean; main: string };
}

/**
 * The size of the code cache the build would have kept for `file` without
 * running a command (scripts/bundle.mjs: loaded without its cache, its
 * modules preloaded), made in a process of its own.
 */
export function preloadCacheSize(file: string): number {
  const loader = new URL('../../bin/load-bundle.js', import.meta.url).href;
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const { loadBundle } = await import(${JSON.stringify(loader)}); const b = loadBundle(${JSON.stringify(file)}, false); await b.exports.preload(); process.stdout.write(String(b.codeCache().length));`],
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  if (r.status !== 0) throw new Error(`preloading ${file}: ${r.stderr}`);
  return Number(r.stdout);
}
