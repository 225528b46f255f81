// Bundles the compiled CLI (build/bin/tapes.js and everything it imports)
// into build/bundle/: one entry file and a chunk per lazily loaded part, so
// that a command reads a handful of files instead of resolving and compiling
// some two hundred modules at every start (issue 15: start-up is most of an
// interactive command's time). Commands still load only what they use: each
// dynamic import stays a separate chunk. better-sqlite3 (native) and
// zstd-codec (which loads its WebAssembly beside itself) stay in
// node_modules. Run by `npm run build`, after tsc.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// yargs and cliui measure help text with string-width, whose module builds an
// Intl.Segmenter and Unicode-property regular expressions when it loads: some
// 30 ms of ICU set-up at every start, for a function only help output calls.
// In the bundle each import of string-width gets a stand-in that loads the
// real module (the same code, wrapped by esbuild to run on first require) the
// first time a width is asked for.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { real: true } });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let real;\nexport default function stringWidth(text, options) {\n  real ??= require(${JSON.stringify(args.path)}).default;\n  return real(text, options);\n}\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
const outdir = join(root, 'build', 'bundle');
rmSync(outdir, { recursive: true, force: true });
// yargs' factory turns on a --version option whose number it guesses by
// walking up from the directory yargs was loaded from to the nearest
// package.json. Bundled, that directory is unknown and yargs starts from the
// working directory: every command listed the folders above the user's cwd
// and read whichever package.json it found there (10 ms, and a file outside
// the archive; a FIFO of that name would hang it). tapes turns the option
// off anyway (cli.ts: .version(false)), so the bundle's factory does not
// make it.
const noVersionGuess = {
  name: 'no-version-guess',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const call = '        yargs.version();\n';
      if (source.split(call).length !== 2) throw new Error(`${args.path}: yargs' factory changed; check the no-version-guess plugin in scripts/bundle.mjs`);
      return { contents: source.replace(call, ''), loader: 'js' };
    });
  },
};

await build({
  // The workers (of a background index update, of push's secret scan) are
  // loaded by their URLs beside the code that starts them
  // (src/archive/search/background-index.ts, src/archive/secret-scan.ts),
  // which is in a chunk: so they are chunks too.
  entryPoints: {
    tapes: join(root, 'build', 'bin', 'tapes.js'),
    'chunks/index-worker': join(root, 'build', 'src', 'archive', 'search', 'index-worker.js'),
    'chunks/secret-scan-worker': join(root, 'build', 'src', 'archive', 'secret-scan-worker.js'),
  },
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
  plugins: [lazyStringWidth, noVersionGuess],
});
