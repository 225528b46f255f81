// tapes gc: pack loose objects (session by session, oldest first) and prune
// unreachable objects older than the grace period; see man/tapes-gc.md.
import type { CommandArgs } from './lib/run-context.js';
import { warnAutoGc } from './lib/auto-gc.js';
import { autoGcJson, gcJson } from '../src/view/json/maintenance.js';
import type { GcResult } from '../src/archive/index.js';

interface Args extends CommandArgs {
  prune?: string;
  aggressive?: boolean;
  auto?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { gc, autoGc } = await import('../src/archive/index.js');
  const { parseExpiry } = await import('../src/archive/timespec/index.js');
  const ctx = args.ctx;
  const archive = await ctx.archive();
  if (args.auto) {
    const outcome = await autoGc(archive);
    if (args.json) return ctx.json(autoGcJson(outcome));
    if (args.quiet) return;
    warnAutoGc(outcome, ctx.io.stderr);
    if (outcome.result) await ctx.write(summary(outcome.result) + '\n');
    return;
  }
  // File times come from the system clock, so ages are measured with it (not io.now).
  // Dates without a zone are read in $TZ's, as --since's are (docs/timespec.md).
  const timeZone = await ctx.timeZone();
  const prune = args.prune === undefined ? undefined : parseExpiry(args.prune, new Date(), timeZone);
  const result = await gc(archive, { prune, aggressive: args.aggressive, timeZone });
  if (args.json) return ctx.json(gcJson(result));
  if (!args.quiet) await ctx.write(summary(result) + '\n');
}

function summary(r: GcResult): string {
  const packed = r.pack ? `packed ${r.pack.objects} objects in ${r.pack.frames} frames (${(r.pack.bytes / 1e6).toFixed(2)} MB)` : 'nothing to pack';
  return (
    `${packed}; ${r.looseRemoved} loose copies removed, ${r.pruned} unreachable objects pruned` +
    (r.loosened ? `, ${r.loosened} kept loose` : '') +
    `; ${r.packsAfter} pack${r.packsAfter === 1 ? '' : 's'}, ${r.looseAfter} loose objects`
  );
}
