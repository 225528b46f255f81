// tapes export: write a session out: the original transcript bytes, the
// normalised records as JSONL, or a transcript to read as Markdown or one
// self-contained HTML page; --all writes every session into a folder with an
// index page; --redact masks what looks like a secret and says how many.
import type { CommandArgs } from './lib/run-context.js';

type Format = 'original' | 'jsonl' | 'markdown' | 'html';

interface Args extends CommandArgs {
  session?: string;
  format: Format;
  output?: string;
  all?: boolean;
  redact?: boolean;
  allRecords?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { writeFileAtomic } = await import('../src/archive/index.js');
  const { exportAll, exportFunction } = await import('../src/view/export.js');
  const ctx = args.ctx;
  const io = ctx.io;
  if (args.all && args.session !== undefined) throw new UsageError('--all exports every session: give no <session> with it');
  if (args.all && args.output === undefined) throw new UsageError('--all needs -o <folder> to write the files into');
  if (!args.all && args.session === undefined) throw new UsageError('name the session to export (or --all -o <folder>)');
  const redactor = args.redact ? new (await import('../src/archive/export/index.js')).Redactor() : undefined;
  const { emptyScrubMarks } = await import('../src/archive/export/index.js');
  // What scrubs replaced in the records an `original` export reads (said below).
  const marks = emptyScrubMarks();
  const opts = { timeZone: await ctx.timeZone(), allRecords: args.allRecords, scrubMarks: args.all ? undefined : marks };
  const archive = await ctx.archive();
  const target = args.output === undefined ? undefined : ctx.path(args.output);
  if (args.all) {
    const r = await exportAll(archive, target!, args.format, { ...opts, redactor });
    for (const f of r.failed) io.stderr.write(`tapes: error: ${f.session}: ${f.message}\n`);
    io.stderr.write(`tapes: wrote ${r.files.length} session${r.files.length === 1 ? '' : 's'}${r.index ? ` and ${r.index}` : ''} to ${args.output}\n`);
    if (r.failed.length) ctx.exitCode = 1;
  } else {
    const run = exportFunction(args.format, redactor);
    if (target === undefined) await run(archive, args.session!, (b) => ctx.write(b), opts);
    // Written next to the target and renamed, so a failed export never leaves half a file.
    else await writeFileAtomic(target, (sink) => run(archive, args.session!, sink, opts));
    if (args.format === 'original') {
      // A scrubbed session's source is the original with the scrub's replacements: say so.
      const m = marks;
      if (m.records > 0) {
        io.stderr.write(
          `tapes: note: ${args.session} was scrubbed: ${m.replacements} replacement${m.replacements === 1 ? '' : 's'} in ${m.records} record${m.records === 1 ? '' : 's'} ` +
            `(rules ${m.rules.join(', ')}); these bytes are the original's with [REDACTED:<rule>] in their place\n`,
        );
      }
    }
  }
  if (redactor) {
    const counts = Object.entries(redactor.counts()).map(([k, n]) => `${n} ${k}`);
    io.stderr.write(`tapes: redacted ${redactor.total} secret${redactor.total === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''}\n`);
  }
}
