#!/usr/bin/env node
// The installed `tapes` (build/bundle/tapes.js, scripts/bundle.mjs). It reads
// the command word as the CLI reads it (cmd/lib/argv.ts) and runs that
// command's own bundle, build/bundle/chunks/cmd-<name>.js: the whole CLI
// with that one command, one file compiled from its V8 code cache, instead
// of a module graph of chunks resolved, compiled and linked at every start.
// Anything without a known command word (--version, --help, an unknown
// word, completion) runs chunks/main.js, the CLI with no command.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanArgv } from '../cmd/lib/argv.js';
import { specOf } from '../cmd/spec/index.js';
import { loadBundle } from './load-bundle.js';

const scan = scanArgv(process.argv.slice(2));
const spec = scan.error === undefined && !scan.version && scan.command !== undefined ? specOf(scan.command) : undefined;
const chunks = fileURLToPath(new URL('./chunks/', import.meta.url));
const file = join(chunks, spec ? `cmd-${spec.name}.js` : 'main.js');
let main: (() => void) | undefined;
try {
  main = (loadBundle(file).exports as { main(): void }).main;
} catch (err) {
  // Only a damaged or half-copied installation lacks a file of its own bundle.
  process.stderr.write(`tapes: error: cannot load ${file}: ${(err as Error).message}\nThe installation is incomplete: install tapes again (npm install).\n`);
  process.exitCode = 1;
}
main?.();
