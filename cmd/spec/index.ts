// Every command's table, in the order `tapes help` lists them (by group,
// porcelain first), and the global options every command accepts.
import type { CommandSpec, OptionSpec } from './types.js';
import { hooks, importCmd, init, proxy, run } from './capture.js';
import { exportCmd, log, mcp, replay, search, sessions, show, stats } from './read.js';
import { checkout, diff, rerun, status, tag } from './compare.js';
import { clone, fetch, pull, push, remote } from './share.js';
import { completion, fsck, gc, help, index, scrub } from './maintain.js';
import { catObject, forEachRef, hashObject, revList, revParse, showRef, updateRef } from './plumbing.js';

export * from './types.js';

/**
 * Options that go before or after the command word. They are read before
 * the command is parsed (cmd/lib/argv.ts), so they are declared here only.
 */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'C', type: 'string', arg: '<dir>', describe: 'Run as if started in <dir>', complete: 'dir' },
  { name: 'archive', type: 'string', arg: '<path>', describe: 'Use the archive at <path>', complete: 'dir' },
  { name: 'color', type: 'string', arg: '<when>', choices: ['auto', 'always', 'never'], describe: 'Colour output: auto (on a terminal), always, never' },
  { name: 'verbose', type: 'boolean', describe: 'Say on stderr which archive is used and how it was found' },
];

export const SPECS: readonly CommandSpec[] = [
  init,
  importCmd,
  hooks,
  proxy,
  run,
  sessions,
  log,
  show,
  replay,
  search,
  stats,
  exportCmd,
  mcp,
  diff,
  status,
  checkout,
  tag,
  rerun,
  remote,
  push,
  fetch,
  pull,
  clone,
  gc,
  scrub,
  fsck,
  index,
  completion,
  help,
  hashObject,
  catObject,
  revParse,
  updateRef,
  showRef,
  forEachRef,
  revList,
];

export function specOf(name: string): CommandSpec | undefined {
  return SPECS.find((s) => s.name === name);
}
