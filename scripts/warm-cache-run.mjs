// One warm run (scripts/warm-caches.mjs): loads a file of the bundle as the
// launcher does, but without its cache (bin/load-bundle.ts), loads its
// modules (bin/main.ts preload, as the preload-only cache does), runs one
// command line in this process, and when the command is done and the process
// is about to exit writes V8's code cache of the file, which then holds the
// bytecode of every function the run compiled.
//
//   node scripts/warm-cache-run.mjs <file> <out> <launcher> [args...]
//
// <out> is written only if the command ended with exit code 0; the caller
// checks both the exit code and the file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const [file, out, launcher, ...args] = process.argv.slice(2);
if (!file || !out || !launcher) {
  process.stderr.write('usage: node scripts/warm-cache-run.mjs <file> <out> <launcher> [args...]\n');
  process.exit(2);
}
const { loadBundle } = await import(pathToFileURL(join(root, 'build', 'bin', 'load-bundle.js')).href);
const loaded = loadBundle(file, false);
await loaded.exports.preload();
// What bin/main.ts reads: the command line as the launcher's process has it.
process.argv = [process.argv[0], launcher, ...args];
let written = false;
process.on('beforeExit', () => {
  // beforeExit comes again if a listener schedules more work; write once.
  if (written) return;
  written = true;
  if (Number(process.exitCode ?? 0) !== 0) return;
  writeFileSync(out, loaded.codeCache());
});
loaded.exports.main();
