// tapes remote: name the other archives (paths, file:// or http(s):// URLs)
// that push, fetch and pull talk to; stored in .tapes/config.
import type { Argv } from 'yargs';
import type { CommandArgs } from './lib/run-context.js';
import { positionalUsage } from './spec/index.js';
import { remote } from './spec/share.js';
import { positionalOf } from './lib/yargs-spec.js';
import { remoteJson } from '../src/view/json/refs.js';

interface Args extends CommandArgs {
  verbose?: boolean;
  json?: boolean;
  name?: string;
  url?: string;
  old?: string;
  new?: string;
}

type Remotes = typeof import('../src/archive/remote.js');

/** What each subcommand of the table (cmd/spec/share.ts) does. */
const ACTIONS: Record<string, (args: Args, r: Remotes) => Promise<void>> = {
  add: async (args, r) => void (await r.addRemote(await args.ctx.archive(), args.name!, args.url!, args.ctx.workingDir)),
  remove: async (args, r) => r.removeRemote(await args.ctx.archive(), args.name!),
  rename: async (args, r) => r.renameRemote(await args.ctx.archive(), args.old!, args.new!),
  'get-url': async (args, r) => args.ctx.write((await r.getRemote(await args.ctx.archive(), args.name!)).url + '\n'),
  'set-url': async (args, r) => void (await r.setRemoteUrl(await args.ctx.archive(), args.name!, args.url!, args.ctx.workingDir)),
  list: (args) => handler(args),
};

export function builder(y: Argv) {
  for (const sub of remote.subcommands ?? []) {
    const usage = `${sub.name} ${positionalUsage(sub)}`.trimEnd();
    const names = [usage, ...(sub.aliases ?? []).map((a) => usage.replace(sub.name, a)), ...(sub.name === 'list' ? ['$0'] : [])];
    y = y.command(
      names,
      false,
      (s: Argv) => sub.positionals.reduce((acc, p) => acc.positional(p.name, positionalOf(p)), s),
      async (a) => ACTIONS[sub.name]!(a as unknown as Args, await import('../src/archive/remote.js')),
    );
  }
  return y;
}

export async function handler(args: Args): Promise<void> {
  const { listRemotes } = await import('../src/archive/remote.js');
  const ctx = args.ctx;
  const remotes = await listRemotes(await ctx.archive());
  if (args.json) return ctx.jsonLines(remotes.map(remoteJson));
  for (const r of remotes) {
    await ctx.write(args.verbose || ctx.globals.verbose ? `${r.name}\t${r.url} (fetch)\n${r.name}\t${r.url} (push)\n` : `${r.name}\n`);
  }
}
