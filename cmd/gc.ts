// tapes gc: pack loose objects (session by session, oldest first) and prune
// unreachable objects older than the grace period; see man/tapes-gc.md.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  prune?: string;
  aggressive?: boolean;
  auto?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export const command = 'gc';
export const describe = 'Pack objects and remove unreachable ones older than the grace period';

export function builder(y: Argv) {
  return y
    .option('prune', { type: 'string', describe: 'Remove unreachable objects older than this (default: 2.weeks.ago; "now", "never")' })
    .option('aggressive', { type: 'boolean', describe: 'Repack everything with stronger compression (slower)' })
    .option('auto', { type: 'boolean', describe: 'Do nothing unless there are more loose objects than gc.auto; then pack only those' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing but errors' })
    .option('json', { type: 'boolean', describe: 'Print the result as one JSON document' });
}

export async function handler(args: Args): Promise<void> {
  const { gc, autoGc } = await import('../src/archive/index.js');
  const { parseExpiry, validTimeZone } = await import('../src/archive/timespec/index.js');
  const io = args.state.io;
  const archive = await openArchive(args);
  if (args.auto) {
    const outcome = await autoGc(archive);
    if (args.json) return write(io.stdout, json(outcome));
    if (outcome.note && outcome.note !== 'gc.auto is 0' && !args.quiet) io.stderr.write(`warning: auto gc: ${outcome.note}\n`);
    if (outcome.result && !args.quiet) await write(io.stdout, summary(outcome.result) + '\n');
    return;
  }
  // File times come from the system clock, so ages are measured with it (not io.now).
  // Dates without a zone are read in $TZ's, as --since's are (docs/timespec.md).
  const timeZone = validTimeZone(io.env.TZ);
  const prune = args.prune === undefined ? undefined : parseExpiry(args.prune, new Date(), timeZone);
  const result = await gc(archive, { prune, aggressive: args.aggressive, timeZone });
  if (args.json) return write(io.stdout, json(result));
  if (!args.quiet) await write(io.stdout, summary(result) + '\n');
}

function summary(r: import('../src/archive/index.js').GcResult): string {
  const packed = r.pack ? `packed ${r.pack.objects} objects in ${r.pack.frames} frames (${(r.pack.bytes / 1e6).toFixed(2)} MB)` : 'nothing to pack';
  return (
    `${packed}; ${r.looseRemoved} loose copies removed, ${r.pruned} unreachable objects pruned` +
    (r.loosened ? `, ${r.loosened} kept loose` : '') +
    `; ${r.packsAfter} pack${r.packsAfter === 1 ? '' : 's'}, ${r.looseAfter} loose objects`
  );
}

/** The automatic gc after commands that add objects (fetch, pull); a failure is only a warning. */
export async function autoGcAfter(archive: import('../src/archive/index.js').Archive, stderr: NodeJS.WritableStream): Promise<void> {
  const { autoGc } = await import('../src/archive/index.js');
  const outcome = await autoGc(archive);
  if (outcome.note && outcome.note !== 'gc.auto is 0') stderr.write(`warning: auto gc: ${outcome.note}\n`);
}
