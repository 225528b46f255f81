// tapes import: turn Claude Code transcripts and Codex rollouts on disk into
// sessions, incrementally and losslessly.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  source?: string;
  paths?: string[];
  dryRun?: boolean;
  json?: boolean;
  progress?: boolean;
}

export const command = 'import [source] [paths..]';
export const describe = 'Import Claude Code transcripts and Codex rollouts (default: their usual folders)';

export function builder(y: Argv) {
  return y
    .positional('source', { type: 'string', describe: '"claude", "codex", or a path (format detected)' })
    .positional('paths', { type: 'string', array: true, describe: 'Files or folders (searched recursively)' })
    .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Report what would change; write nothing' })
    .option('json', { type: 'boolean', describe: 'Print the summary as one JSON document' })
    .option('progress', { type: 'boolean', describe: 'Show progress on stderr (default: when stderr is a terminal)' });
}

export async function handler(args: Args): Promise<void> {
  const { defaultImportPaths, importTranscripts, workingDir } = await import('../src/archive/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  let kind: 'claude' | 'codex' | 'auto' = 'auto';
  const paths = [...(args.paths ?? [])];
  if (args.source === 'claude' || args.source === 'codex') kind = args.source;
  else if (args.source !== undefined) paths.unshift(args.source);
  const showProgress = args.progress ?? io.stderrIsTTY;
  const started = Date.now();
  const summary = await importTranscripts(archive, {
    kind,
    paths,
    cwd: workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }),
    env: io.env,
    dryRun: args.dryRun,
    onAutoGc: (o) => {
      if (o.note && o.note !== 'gc.auto is 0') io.stderr.write(`warning: auto gc: ${o.note}\n`);
    },
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
  if (summary.files_refused > 0) args.state.exitCode = 1;
  if (args.json) return write(io.stdout, json(summary));
  const lines: string[] = [];
  for (const f of summary.files) {
    if (f.status === 'refused') lines.push(`refused ${f.path}: ${f.reason}`);
    else if (f.status === 'kept-separately') lines.push(`kept separately ${f.path}: does not extend the stored session, imported as ${f.session}`);
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
  await write(io.stdout, lines[lines.length - 1] + '\n');
}
