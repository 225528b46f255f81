// tapes scrub: rewrite the chains that hold secrets so that each one is
// replaced by [REDACTED:<rule>], move their refs, write an audit record and,
// with --prune, remove the superseded objects; see man/tapes-scrub.md.
import type { CommandArgs } from './lib/run-context.js';
import { scrubJson } from '../src/view/json/scrub.js';

interface Args extends CommandArgs {
  session?: string[];
  all?: boolean;
  dryRun?: boolean;
  prune?: boolean;
  json?: boolean;
  progress?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { scrub } = await import('../src/archive/scrub.js');
  const { shortId } = await import('../src/hash/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const archive = await ctx.archive();
  // One line per step on stderr (--progress, or a terminal): what a long scrub is doing, and where a kill landed.
  const show = args.progress ?? (io.stderrIsTTY && !args.json);
  const progress = show
    ? (phase: string, done: number, total?: number) => io.stderr.write(`scrub: ${phase} ${done}${total !== undefined ? `/${total}` : ''}\n`)
    : undefined;
  const r = await scrub(archive, { sessions: args.session ?? [], all: args.all, dryRun: args.dryRun, prune: args.prune, onProgress: progress });
  if (args.json) return ctx.json(scrubJson(r));
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(`${f.ref.replace(/^refs\//, '')} ${shortId(f.record)} ${f.path}${f.blob ? ` (blob ${shortId(f.blob)})` : ''}: ${f.rule} ${f.preview}`);
  }
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const rules = r.rules.length ? ` (${r.rules.join(', ')})` : '';
  if (r.rewritten === 0) {
    lines.push(`no secrets found in ${plural(r.scanned, 'record')}`);
  } else if (r.dry_run) {
    lines.push(
      `would scrub ${plural(r.secrets, 'secret')}${rules}: ${plural(r.rewritten, 'record')} and ${plural(r.blobs, 'blob')} rewritten, ${plural(r.refs.length, 'ref')} moved`,
    );
    for (const m of r.refs) lines.push(`  ${m.ref}${m.why === 'shares history' ? ' (shares rewritten history)' : ''}`);
  } else if (!r.effective) {
    lines.push(`found ${plural(r.secrets, 'secret')}${rules} only in history that remote-tracking refs hold: nothing to rewrite here until "tapes push --force" replaces the remote's sessions`);
  } else {
    lines.push(`scrubbed ${plural(r.secrets, 'secret')}${rules}: ${plural(r.rewritten, 'record')} and ${plural(r.blobs, 'blob')} rewritten`);
    for (const m of r.refs) lines.push(`  ${m.ref}: ${shortId(m.old)} -> ${shortId(m.new)}${m.why === 'shares history' ? ' (shares rewritten history)' : ''}`);
    lines.push(`audit: ${r.audit} (refs/audit/scrub); ${plural(r.reflog_lines, 'reflog line')} rewritten`);
    if (r.index_removed.length) lines.push(`removed ${r.index_removed.join(', ')} (derived; rebuilt when next needed)`);
  }
  if (r.prune) {
    const p = r.prune;
    lines.push(`pruned ${plural(p.pruned, 'unreachable object')}; ${plural(p.packsAfter, 'pack')}, ${plural(p.looseAfter, 'loose object')} left`);
  }
  await ctx.write(lines.join('\n') + '\n');
  for (const k of r.kept) {
    io.stderr.write(`note: ${k.ref} still holds the old history (${shortId(k.id)}), so its objects stay stored\n`);
  }
  if (r.kept.length) {
    io.stderr.write('note: "tapes push --force <remote>" replaces the remote\'s sessions; then "tapes scrub --all --prune" removes the old objects here\n');
  } else if (!r.dry_run && r.rewritten > 0 && !r.prune) {
    io.stderr.write('note: the old objects stay stored until "tapes gc --prune=now" (or run scrub with --prune)\n');
  }
}
