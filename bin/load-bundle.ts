// Loads one file of the bundle (scripts/bundle.mjs) as Node loads a CommonJS
// module, with the V8 code cache kept beside it: Node 20 has no compile
// cache of its own, and compiling a command's half megabyte of JavaScript
// was a good part of what an interactive command cost beyond Node's start
// (docs/startup.md). The cache is written when the bundle is built (never at
// run time: nothing outside an archive is written); a cache V8 refuses
// (another Node, other V8 flags) or that is missing only means compiling.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** Whether V8 used the cache file (false: no cache, or one it refused). */
  cached: boolean;
  /** The code cache of what has compiled so far (the bundle build writes it). */
  codeCache(): Buffer;
}

/** The path of `file`'s code cache. */
export function cachePath(file: string): string {
  return `${file}.cache`;
}

/** Runs `file` (a CommonJS bundle) and returns its exports; `useCache: false` compiles without the cache file. */
export function loadBundle(file: string, useCache = true): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  if (useCache) {
    try {
      cachedData = readFileSync(cachePath(file));
    } catch {
      cachedData = undefined;
    }
  }
  // The wrapper is part of the cached source: the build and every run must use this same one.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Record<string, unknown> };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, cached: cachedData !== undefined && !script.cachedDataRejected, codeCache: () => script.createCachedData() };
}
