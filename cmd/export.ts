// tapes export: write a session out: the original transcript bytes, the
// normalised records as JSONL, or a transcript to read as Markdown or one
// self-contained HTML page; --all writes every session into a folder with an
// index page; --redact masks what looks like a secret and says how many.
import type { Argv } from 'yargs';
import { openArchive, write, type GlobalArgs } from './context.js';

type Format = 'original' | 'jsonl' | 'markdown' | 'html';

interface Args extends GlobalArgs {
  session?: string;
  format: Format;
  output?: string;
  all?: boolean;
  redact?: boolean;
}

export const command = 'export [session]';
export const describe = 'Write a session out: original bytes, JSONL records, Markdown or HTML';

export function builder(y: Argv) {
  return y
    .positional('session', { type: 'string', describe: 'Session (or any revision: the chain ending there)' })
    .option('format', { choices: ['original', 'jsonl', 'markdown', 'html'], default: 'original', describe: 'Output format' })
    .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'Write to <file> instead of standard output (with --all: the folder)' })
    .option('all', { type: 'boolean', describe: 'Every session, one file each, into the folder -o names (with an index page for markdown and html)' })
    .option('redact', { type: 'boolean', describe: 'Mask strings that look like secrets (keys, tokens, private keys, passwords in URLs)' });
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { workingDir, writeFileAtomic } = await import('../src/archive/index.js');
  const { exportAll, exportFunction } = await import('../src/view/export.js');
  const { validTimeZone } = await import('../src/archive/timespec/index.js');
  const io = args.state.io;
  if (args.all && args.session !== undefined) throw new UsageError('--all exports every session: give no <session> with it');
  if (args.all && args.output === undefined) throw new UsageError('--all needs -o <folder> to write the files into');
  if (!args.all && args.session === undefined) throw new UsageError('name the session to export (or --all -o <folder>)');
  const redactor = args.redact ? new (await import('../src/archive/export/index.js')).Redactor() : undefined;
  const opts = { timeZone: validTimeZone(io.env.TZ) };
  const archive = await openArchive(args);
  const { resolve } = await import('node:path');
  const target = args.output === undefined ? undefined : resolve(workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }), args.output);
  if (args.all) {
    const r = await exportAll(archive, target!, args.format, { ...opts, redactor });
    for (const f of r.failed) io.stderr.write(`tapes: error: ${f.session}: ${f.message}\n`);
    io.stderr.write(`tapes: wrote ${r.files.length} session${r.files.length === 1 ? '' : 's'}${r.index ? ` and ${r.index}` : ''} to ${args.output}\n`);
    if (r.failed.length) args.state.exitCode = 1;
  } else {
    const run = exportFunction(args.format, redactor);
    if (target === undefined) await run(archive, args.session!, (b) => write(io.stdout, b), opts);
    // Written next to the target and renamed, so a failed export never leaves half a file.
    else await writeFileAtomic(target, (sink) => run(archive, args.session!, sink, opts));
  }
  if (redactor) {
    const counts = Object.entries(redactor.counts()).map(([k, n]) => `${n} ${k}`);
    io.stderr.write(`tapes: redacted ${redactor.total} secret${redactor.total === 1 ? '' : 's'}${counts.length ? ` (${counts.join(', ')})` : ''}\n`);
  }
}
