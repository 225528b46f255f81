// Every command's module, loaded only when that command runs; their tables
// (names, options, groups) are in cmd/spec/. Nothing else imports a command.
import type { Argv } from 'yargs';
import type { CommandArgs } from './lib/run-context.js';

export interface CommandModule {
  /** yargs set-up beyond the table (checks, coercions, subcommands); the table itself is applied by cli.ts. */
  builder?: (y: Argv) => Argv;
  handler: (args: CommandArgs & Record<string, unknown>) => Promise<void>;
}

type Loader = () => Promise<CommandModule>;

// Each handler declares the options it reads; the table guarantees them.
const load = (m: Promise<{ builder?: unknown; handler: unknown }>) => m as Promise<CommandModule>;

export const COMMANDS: Record<string, Loader> = {
  init: () => load(import('./init.js')),
  import: () => load(import('./import.js')),
  hooks: () => load(import('./hooks.js')),
  proxy: () => load(import('./proxy.js')),
  run: () => load(import('./run.js')),
  sessions: () => load(import('./sessions.js')),
  log: () => load(import('./log.js')),
  show: () => load(import('./show.js')),
  replay: () => load(import('./replay.js')),
  search: () => load(import('./search.js')),
  stats: () => load(import('./stats.js')),
  export: () => load(import('./export.js')),
  mcp: () => load(import('./mcp.js')),
  diff: () => load(import('./diff.js')),
  status: () => load(import('./status.js')),
  checkout: () => load(import('./checkout.js')),
  tag: () => load(import('./tag.js')),
  rerun: () => load(import('./rerun.js')),
  remote: () => load(import('./remote.js')),
  push: () => load(import('./push.js')),
  fetch: () => load(import('./fetch.js')),
  pull: () => load(import('./pull.js')),
  clone: () => load(import('./clone.js')),
  gc: () => load(import('./gc.js')),
  scrub: () => load(import('./scrub.js')),
  fsck: () => load(import('./fsck.js')),
  index: () => load(import('./index.js')),
  completion: () => load(import('./completion.js')),
  help: () => load(import('./help.js')),
  'hash-object': () => load(import('./hash-object.js')),
  'cat-object': () => load(import('./cat-object.js')),
  'rev-parse': () => load(import('./rev-parse.js')),
  'update-ref': () => load(import('./update-ref.js')),
  'show-ref': () => load(import('./show-ref.js')),
  'for-each-ref': () => load(import('./for-each-ref.js')),
  'rev-list': () => load(import('./rev-list.js')),
};
