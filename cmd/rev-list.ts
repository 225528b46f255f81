// tapes rev-list: the ids of a chain, newest first (one per line).
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  rev: string[];
  maxCount?: number;
  reverse?: boolean;
  count?: boolean;
  parents?: boolean;
  json?: boolean;
}

export const command = 'rev-list <rev..>';
export const describe = 'List the records of a chain, newest first';

export function builder(y: Argv) {
  return y
    .positional('rev', { type: 'string', array: true, describe: 'Where to start walking' })
    .option('max-count', { alias: 'n', type: 'number', requiresArg: true, describe: 'Stop after <n> records' })
    .option('reverse', { type: 'boolean', describe: 'Oldest first' })
    .option('count', { type: 'boolean', describe: 'Print only the number of records' })
    .option('parents', { type: 'boolean', describe: 'Print each record with its parent' })
    .option('json', { type: 'boolean', describe: 'Print records as a JSON array of {id, parent}' });
}

export async function handler(args: Args): Promise<void> {
  const { listChain } = await import('../src/archive/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  const tips: string[] = [];
  for (const rev of args.rev) tips.push((await archive.resolve(rev)).id);
  const rows: Array<{ id: string; parent: string | null }> = [];
  const limit = args.maxCount === undefined ? Infinity : Math.max(0, args.maxCount);
  const streaming = !args.reverse && !args.count && !args.json;
  for await (const rec of listChain(archive, tips, limit)) {
    const row = { id: rec.id, parent: rec.parent };
    if (streaming) await write(io.stdout, line(row, args.parents));
    else rows.push(row);
  }
  if (streaming) return;
  if (args.reverse) rows.reverse();
  if (args.count) return write(io.stdout, args.json ? json({ count: rows.length }) : `${rows.length}\n`);
  if (args.json) return write(io.stdout, json(rows));
  await write(io.stdout, rows.map((r) => line(r, args.parents)).join(''));
}

function line(r: { id: string; parent: string | null }, parents?: boolean): string {
  return parents && r.parent ? `${r.id} ${r.parent}\n` : `${r.id}\n`;
}
