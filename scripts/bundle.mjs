// Bundles the compiled CLI (build/bin/tapes.js and everything it imports)
// into build/bundle/: one entry file and a chunk per lazily loaded part, so
// that a command reads a handful of files instead of resolving and compiling
// some two hundred modules at every start (issue 15: start-up is most of an
// interactive command's time). Commands still load only what they use: each
// dynamic import stays a separate chunk. better-sqlite3 (native) and
// zstd-codec (which loads its WebAssembly beside itself) stay in
// node_modules. Run by `npm run build`, after tsc.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { tapes: join(root, 'build', 'bin', 'tapes.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.js' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3', 'zstd-codec'],
  // CommonJS dependencies bundled into ESM call require() for Node's own modules.
  banner: { js: "import { createRequire as __tapesRequire } from 'node:module'; const require = __tapesRequire(import.meta.url);" },
  logLevel: 'warning',
});
