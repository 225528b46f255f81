// tapes rev-list: the ids of a chain, newest first (one per line).
import type { CommandArgs } from './lib/run-context.js';
import { chainLinkJson, countJson } from '../src/view/json/plumbing.js';

interface Args extends CommandArgs {
  rev: string[];
  maxCount?: number;
  reverse?: boolean;
  count?: boolean;
  parents?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { listChain } = await import('../src/archive/plumbing.js');
  const ctx = args.ctx;
  const archive = await ctx.archive();
  const tips: string[] = [];
  for (const rev of args.rev) tips.push((await archive.resolve(rev)).id);
  const rows: Array<{ id: string; parent: string | null }> = [];
  const limit = args.maxCount === undefined ? Infinity : Math.max(0, args.maxCount);
  const streaming = !args.reverse && !args.count && !args.json;
  for await (const rec of listChain(archive, tips, limit)) {
    const row = { id: rec.id, parent: rec.parent };
    if (streaming) await ctx.write(line(row, args.parents));
    else rows.push(row);
  }
  if (streaming) return;
  if (args.reverse) rows.reverse();
  if (args.count) return args.json ? ctx.json(countJson(rows.length)) : ctx.write(`${rows.length}\n`);
  if (args.json) return ctx.jsonLines(rows.map(chainLinkJson));
  await ctx.write(rows.map((r) => line(r, args.parents)).join(''));
}

function line(r: { id: string; parent: string | null }, parents?: boolean): string {
  return parents && r.parent ? `${r.id} ${r.parent}\n` : `${r.id}\n`;
}
