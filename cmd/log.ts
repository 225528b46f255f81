// tapes log: the records of a session in captured order, drawn as a tree
// with elapsed times, abbreviated ids that `tapes show` accepts and one line
// per record saying what happened; subagents under the tool call that spawned
// them. Damaged records are reported in place and the rest still prints.
import { KIND } from './spec/index.js';
import { listOption, listValues } from './lib/options.js';
import { printTimeline } from './lib/timeline.js';
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  rev?: string;
  oneline?: boolean;
  maxCount?: number;
  since?: string;
  until?: string;
  kind?: string | string[];
  tool?: string | string[];
  errors?: boolean;
  reverse?: boolean;
  stat?: boolean;
  json?: boolean;
  subagents?: boolean;
  pager?: boolean;
  allRecords?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  const kinds = listOption(KIND, args.kind);
  const since = await ctx.time('--since', args.since);
  const until = await ctx.time('--until', args.until);
  if (args.maxCount !== undefined && !Number.isFinite(args.maxCount)) throw new UsageError('-n needs a number');
  await printTimeline(ctx, {
    revs: [...(args.rev === undefined ? [] : [args.rev]), ...args._],
    filter: { kinds, tools: listValues(args.tool), errors: args.errors, since, until },
    oneline: args.oneline,
    maxCount: args.maxCount,
    reverse: args.reverse,
    stat: args.stat,
    json: args.json,
    subagents: args.subagents !== false,
    pager: args.pager !== false,
    allRecords: args.allRecords,
  });
}
