// tapes import: turn Claude Code transcripts, Codex rollouts and Gemini CLI
// sessions on disk into sessions, incrementally and losslessly.
import type { CommandArgs } from './lib/run-context.js';
import { warnAutoGc } from './lib/auto-gc.js';

interface Args extends CommandArgs {
  source?: string;
  paths?: string[];
  dryRun?: boolean;
  json?: boolean;
  progress?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { defaultImportPaths, importTranscripts } = await import('../src/archive/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  // On a machine with no archive yet, the first import makes the user's own (docs/archive-discovery.md).
  const archive = await ctx.archiveOrCreate();
  let kind: 'claude' | 'codex' | 'gemini' | 'auto' = 'auto';
  const paths = [...(args.paths ?? [])];
  if (args.source === 'claude' || args.source === 'codex' || args.source === 'gemini') kind = args.source;
  else if (args.source !== undefined) paths.unshift(args.source);
  const showProgress = args.progress ?? io.stderrIsTTY;
  const started = Date.now();
  const summary = await importTranscripts(archive, {
    kind,
    paths,
    cwd: ctx.workingDir,
    env: io.env,
    dryRun: args.dryRun,
    onAutoGc: (o) => warnAutoGc(o, io.stderr),
    onProgress: showProgress
      ? (p) => {
          const secs = Math.max(0.001, (Date.now() - started) / 1000);
          const width = 24;
          const done = p.bytesTotal ? Math.round((p.bytesDone / p.bytesTotal) * width) : width;
          io.stderr.write(
            `\rImporting [${'#'.repeat(done)}${' '.repeat(width - done)}] ${p.filesDone}/${p.filesTotal} files, ` +
              `${(p.bytesDone / 1e6).toFixed(1)}/${(p.bytesTotal / 1e6).toFixed(1)} MB, ${Math.round(p.records / secs)} records/s`,
          );
        }
      : undefined,
  });
  if (showProgress) io.stderr.write('\n');
  if (summary.files.length === 0 && paths.length === 0) {
    io.stderr.write(`hint: no transcripts found in ${defaultImportPaths(kind, io.env).join(' or ')}\n`);
  }
  if (summary.files_refused > 0) ctx.exitCode = 1;
  if (args.json) return ctx.json(summary);
  const lines: string[] = [];
  for (const l of summary.relinked ?? []) lines.push(`relinked ${l.session}: its capture is now ${l.capture}${l.removed ? ` (${l.removed} is gone: it held the same records)` : ''}`);
  for (const f of summary.files) {
    if (f.status === 'refused') lines.push(`refused ${f.path}: ${f.reason}`);
    else if (f.status === 'kept-separately') lines.push(`kept separately ${f.path}: does not extend the stored session, imported as ${f.session}`);
    if (f.capture) lines.push(`linked ${f.path}: the transcript of ${f.session}, whose capture is now ${f.capture}`);
    for (const p of f.status === 'refused' ? [] : f.problems) lines.push(`warning: ${p}`);
  }
  const s = summary.sessions;
  const verb = summary.dry_run ? 'would import' : 'imported';
  lines.push(
    `${verb} ${summary.files.length - summary.files_refused} of ${summary.files.length} files: ` +
      `${s.new} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.kept_separately} kept separately, ${summary.files_refused} refused; ` +
      `${summary.records_added} records added, ${(summary.bytes_stored / 1e6).toFixed(2)} MB stored for ${(summary.bytes_read / 1e6).toFixed(2)} MB read` +
      (summary.problems ? `; ${summary.problems} problem lines` : ''),
  );
  // Problems and refusals are diagnostics (stderr); the summary line is the result (stdout).
  const diag = lines.slice(0, -1);
  if (diag.length) io.stderr.write(diag.join('\n') + '\n');
  await ctx.write(lines[lines.length - 1] + '\n');
}
