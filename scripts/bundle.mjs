// Bundles the compiled CLI into build/bundle/ (what `npm install` links as
// `tapes`), CommonJS throughout (build/bundle/package.json says so):
//
//   tapes.js                 the launcher (bin/launch.ts): reads the command
//                            word and runs that command's file;
//   chunks/cmd-<name>.js     the whole CLI with that one command, every
//                            module it can load in one file;
//   chunks/main.js           the CLI with no command (--version, --help,
//                            completion, an unknown word);
//   chunks/*.js.cache        each file's V8 code cache (bin/load-bundle.ts);
//   chunks/warm.json         which caches were warmed by running a command
//                            (scripts/warm-caches.mjs);
//   chunks/yargs.js          yargs, loaded when a command line needs it;
//   chunks/index-worker.js, chunks/secret-scan-worker.js   the workers.
//
// One file per command, compiled from a code cache, instead of an ES module
// graph of shared chunks: Node 20 resolves, reads, compiles and links each
// ES module of a graph at every start (25-50 chunks, 40-60 ms of an
// interactive command) and has no compile cache (docs/startup.md). Code
// shared by commands is repeated in each file, so no two files of one
// process hold the same module. better-sqlite3 (native) and zstd-codec
// (which loads its WebAssembly beside itself) stay in node_modules. Run by
// `npm run build`, after tsc.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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


const outdir = join(root, 'build', 'bundle');
const chunks = join(outdir, 'chunks');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(chunks, { recursive: true });
writeFileSync(join(outdir, 'package.json'), '{\n  "type": "commonjs"\n}\n');

// The command table of one file: only its own command's module (the
// launcher runs a file only for its own command).
const commandsFile = /[\\/]build[\\/]cmd[\\/]commands\.js$/;
function onlyCommand(name) {
  return {
    name: 'only-command',
    setup(b) {
      b.onLoad({ filter: commandsFile }, (args) => ({
        contents: name === undefined ? 'export const COMMANDS = {};\n' : `export const COMMANDS = { ${JSON.stringify(name)}: () => import(${JSON.stringify(`./${name}.js`)}) };\n`,
        resolveDir: dirname(args.path),
        loader: 'js',
      }));
    },
  };
}

// A dynamic import() of a Node module (`await import('node:fs')`) would stay
// an import() in the output, which a file run by bin/load-bundle.ts cannot
// make (vm.Script has no module loader): it becomes a require() instead.
const builtinDynamicImports = {
  name: 'builtin-dynamic-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && isBuiltin(args.path) ? { path: args.path, namespace: 'builtin-dynamic' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-dynamic' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});\n`, loader: 'js' }));
  },
};

// yargs (and cliui, y18n, yargs-parser with it: some 150 kB) is a file of
// its own, chunks/yargs.js, loaded by require() the first time a command
// line needs it (cmd/cli.ts imports it only then: a plain command line is
// read by cmd/lib/fast-argv.ts). Inside every command's file it was code
// loaded and never run: about 4 ms of each start (measured on rev-parse,
// 18.4 to 14.3 ms to load its file).
const yargsApart = {
  name: 'yargs-apart',
  setup(b) {
    b.onResolve({ filter: /^yargs$/ }, (args) => (args.kind === 'dynamic-import' ? { path: 'yargs', namespace: 'yargs-apart' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'yargs-apart' }, () => ({
      // The function itself: cli.ts takes it as the module's default export.
      contents: "module.exports = require(require('node:path').join(__dirname, 'yargs.js')).default;\n",
      loader: 'js',
    }));
  },
};

// What every file shares: CommonJS, Node 20, strict mode (the ES modules it
// is made from are strict; CommonJS is not unless told), import.meta.url
// made from the file's own path (the workers and man pages are found
// beside it).
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'zstd-codec'],
  define: { 'import.meta.url': '__tapesFileUrl' },
  banner: { js: "'use strict';\nvar __tapesFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
};

// mcp answers its tools by running other commands in the same process
// (cmd/lib/mcp-server.ts): its file holds every command.
const EVERY_COMMAND = new Set(['mcp']);
const commandNames = Object.keys((await import(pathToFileURL(join(root, 'build', 'cmd', 'commands.js')).href)).COMMANDS);
const files = [...commandNames.map((name) => ({ name, out: `cmd-${name}` })), { name: undefined, out: 'main' }];
await Promise.all([
  build({ ...common, entryPoints: { tapes: join(root, 'build', 'bin', 'launch.js') }, outdir, plugins: [builtinDynamicImports] }),
  build({
    ...common,
    // The workers (of a background index update, of push's secret scan) are
    // loaded by their URLs beside the code that starts them
    // (src/archive/search/background-index.ts, src/archive/secret-scan.ts).
    entryPoints: {
      'index-worker': join(root, 'build', 'src', 'archive', 'search', 'index-worker.js'),
      'secret-scan-worker': join(root, 'build', 'src', 'archive', 'secret-scan-worker.js'),
    },
    outdir: chunks,
    plugins: [lazyStringWidth, noVersionGuess, builtinDynamicImports],
  }),
  build({
    ...common,
    stdin: { contents: "export { default } from 'yargs';\n", resolveDir: root, loader: 'js', sourcefile: 'yargs-entry.js' },
    outfile: join(chunks, 'yargs.js'),
    plugins: [lazyStringWidth, noVersionGuess, builtinDynamicImports],
  }),
  ...files.map(({ name, out }) =>
    build({ ...common, entryPoints: { [out]: join(root, 'build', 'bin', 'main.js') }, outdir: chunks, plugins: [lazyStringWidth, noVersionGuess, builtinDynamicImports, yargsApart, ...(EVERY_COMMAND.has(name) ? [] : [onlyCommand(name)])] }),
  ),
]);

// The code caches: each file run as the launcher runs it, its modules loaded
// (bin/main.ts preload) but no command run, and what V8 compiled kept. The
// interactive commands' files get a warm one below.
const { loadBundle, cachePath } = await import(pathToFileURL(join(root, 'build', 'bin', 'load-bundle.js')).href);
for (const { out } of files) {
  const file = join(chunks, `${out}.js`);
  const loaded = loadBundle(file, false);
  await loaded.exports.preload();
  writeFileSync(cachePath(file), loaded.codeCache());
}

// No file may keep an import(): run through vm.Script, it would fail when reached.
for (const f of readdirSync(chunks).filter((f) => f.endsWith('.js'))) {
  const m = /(?<![\w$.])import\(/.exec(readFileSync(join(chunks, f), 'latin1'));
  if (m) throw new Error(`build/bundle/chunks/${f}: a dynamic import() is left at offset ${m.index}; bundle it or make it a require (scripts/bundle.mjs)`);
}

// The interactive commands' caches written again after running the command
// once (scripts/warm-caches.mjs): they then hold every function the command
// compiled, not only the modules' top-level code. A failed warm run keeps the
// preload-only cache and prints a warning (chunks/warm.json lists what was warmed).
const { warmCaches } = await import(pathToFileURL(join(root, 'scripts', 'warm-caches.mjs')).href);
await warmCaches();
