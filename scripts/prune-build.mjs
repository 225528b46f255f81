// Removes compiled files from build/ whose TypeScript source is gone (tsc's
// incremental build never deletes them), so a renamed or deleted test does
// not keep running from a stale copy.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = join(root, 'build');
let removed = 0;
function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      // build/bundle is esbuild's output (scripts/bundle.mjs), build/test-groups
      // is scripts/test-groups.mjs's: neither is tsc's.
      if (p !== join(build, 'bundle') && p !== join(build, 'test-groups')) walk(p);
    }
    else if (/\.js(\.map)?$/.test(e.name)) {
      const source = join(root, relative(build, p).replace(/\.js(\.map)?$/, '.ts'));
      if (!existsSync(source)) {
        rmSync(p);
        removed++;
      }
    }
  }
}
if (existsSync(build)) walk(build);
if (removed) console.log(`prune-build: removed ${removed} stale compiled file${removed === 1 ? '' : 's'}`);
