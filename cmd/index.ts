// tapes index: bring the search index (.tapes/index/search.sqlite) level with
// the refs, or rebuild it from the objects with --rebuild, and say what it
// holds. Searching does the same on its own; this is for doing it ahead of
// time, after a repair, or to measure it.
import type { CommandArgs } from './lib/run-context.js';
import { indexJson } from '../src/view/json/maintenance.js';

interface Args extends CommandArgs {
  rebuild?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { updateIndex } = await import('../src/archive/search/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const archive = await ctx.archive();
  const r = await updateIndex(archive, Boolean(args.rebuild));
  for (const f of r.sync.failed) io.stderr.write(`tapes: warning: ${f.chain} is not searchable: ${f.message}\n`);
  if (args.json) {
    await ctx.json(indexJson(r));
  } else {
    const what = r.rebuilt ? 'rebuilt' : r.sync.chains_updated || r.sync.chains_removed ? 'updated' : 'up to date';
    const changes = r.sync.chains_updated || r.sync.chains_removed ? ` (${r.sync.records_indexed} records indexed in ${r.sync.chains_updated} chains${r.sync.chains_removed ? `, ${r.sync.chains_removed} chains dropped` : ''})` : '';
    const where = r.path === null ? 'held in memory: the archive cannot be written' : `${(r.bytes / 1048576).toFixed(1)} MB`;
    await ctx.write(`Search index ${what}${changes}: ${r.records} records in ${r.chains} chains, ${where}\n`);
  }
  if (r.sync.failed.length) ctx.exitCode = 1;
}
