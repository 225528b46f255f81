// The per-ref lines of push, fetch and pull, as git prints them.
import type { Writable } from 'node:stream';
import { write } from './io.js';

export interface RefReport {
  ref: string;
  old: string | null;
  new: string | null;
  status: string;
  reason?: string;
}

const FLAGS: Record<string, string> = {
  new: '*',
  'fast-forward': ' ',
  forced: '+',
  deleted: '-',
  'up-to-date': '=',
  rejected: '!',
  diverged: '!',
  ahead: '>',
  pruned: '-',
};

/** One line per ref that moved (or would have): flag, status, ref, the move, and why it was refused. */
export async function printReports(out: Writable, reports: readonly RefReport[]): Promise<void> {
  for (const r of reports) {
    if (r.status === 'up-to-date') continue;
    const move = r.old && r.new && r.old !== r.new ? `  ${r.old.slice(0, 12)}..${r.new.slice(0, 12)}` : '';
    const why = r.reason ? `  (${r.reason})` : '';
    await write(out, ` ${FLAGS[r.status] ?? ' '} ${r.status.padEnd(12)} ${r.ref}${move}${why}\n`);
  }
}
