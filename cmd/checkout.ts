// tapes checkout: move HEAD to a session (attached) or a record (detached),
// create a session at a record with -b, and with --resume write the session
// up to that record as a new Claude Code or Codex transcript to resume in the
// agent itself.
import type { CommandArgs } from './lib/run-context.js';
import { checkoutJson } from '../src/view/json/head.js';

interface Args extends CommandArgs {
  rev?: string;
  b?: string;
  detach?: boolean;
  resume?: string;
  claudeDir?: string;
  codexDir?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const archive = await ctx.archive();
  const rev = args.rev ?? 'HEAD';
  if (args.rev === undefined && args.b === undefined && args.resume === undefined) {
    throw new UsageError('name a session or record to check out (tapes checkout <rev>)');
  }
  if (args.claudeDir !== undefined && args.resume !== 'claude') throw new UsageError('--claude-dir goes with --resume claude');
  if (args.codexDir !== undefined && args.resume !== 'codex') throw new UsageError('--codex-dir goes with --resume codex');

  if (args.resume !== undefined) {
    if (args.b !== undefined || args.detach) throw new UsageError('--resume writes a transcript; it does not go with -b or --detach');
    const { resumeTranscript, defaultAgentDir } = await import('../src/archive/resume.js');
    const agent = args.resume as 'claude' | 'codex';
    const given = agent === 'claude' ? args.claudeDir : args.codexDir;
    const base = ctx.workingDir;
    const dir = given !== undefined ? ctx.path(given) : defaultAgentDir(agent, io.env);
    const r = await resumeTranscript(archive, rev, agent, { dir, now: io.now });
    if (args.json) return ctx.json(r);
    for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
    io.stderr.write(`Wrote ${r.path} (${r.lines} lines, up to record ${r.record.slice(0, 12)})\n`);
    const cd = r.cwd && r.cwd !== base ? `cd ${shellQuote(r.cwd)} && ` : '';
    await ctx.write(`${cd}${r.command}\n`);
    return;
  }

  const { checkout } = await import('../src/archive/checkout.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const r = await checkout(archive, rev, { create: args.b, detach: args.detach });
  if (args.json) {
    return ctx.json(checkoutJson(r));
  }
  if (args.quiet) return;
  const where = r.to.state === 'detached' ? `HEAD is now at ${r.to.id!.slice(0, 12)} (detached)` : `on session '${shortRefName(r.to.ref!)}'`;
  if (r.created) io.stderr.write(`Switched to a new session '${shortRefName(r.created)}' at ${r.to.id!.slice(0, 12)}\n`);
  else if (!r.moved) io.stderr.write(r.to.state === 'detached' ? `HEAD is already at ${r.to.id!.slice(0, 12)} (detached)\n` : `Already ${where}\n`);
  else if (r.to.state === 'detached') io.stderr.write(`${where}\n`);
  else io.stderr.write(`Switched to session '${shortRefName(r.to.ref!)}'\n`);
}

/** A path as one shell word. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
