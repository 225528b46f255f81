// tapes checkout: move HEAD to a session (attached) or a record (detached),
// create a session at a record with -b, and with --resume write the session
// up to that record as a new Claude Code or Codex transcript to resume in the
// agent itself.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  rev?: string;
  b?: string;
  detach?: boolean;
  resume?: string;
  claudeDir?: string;
  codexDir?: string;
  json?: boolean;
  quiet?: boolean;
}

export const command = 'checkout [rev]';
export const describe = 'Move HEAD to a session or a record; resume a record in Claude Code or Codex';

export function builder(y: Argv) {
  return y
    .positional('rev', { type: 'string', describe: 'A session (HEAD attaches to it) or any record (HEAD is detached on it)' })
    .option('b', { type: 'string', requiresArg: true, describe: 'Create session <name> at the record and attach HEAD to it' })
    .option('detach', { type: 'boolean', describe: 'Detach HEAD on the record even when <rev> names a session' })
    .option('resume', { type: 'string', requiresArg: true, choices: ['claude', 'codex'], describe: 'Write the session up to the record as a new transcript of this agent, and print the command that resumes it' })
    .option('claude-dir', { type: 'string', requiresArg: true, describe: "Claude Code's configuration folder (default: $CLAUDE_CONFIG_DIR, else ~/.claude)" })
    .option('codex-dir', { type: 'string', requiresArg: true, describe: "Codex's home folder (default: $CODEX_HOME, else ~/.codex)" })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing on success (errors still go to stderr)' })
    .conflicts('b', 'detach');
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const io = args.state.io;
  const archive = await openArchive(args);
  const rev = args.rev ?? 'HEAD';
  if (args.rev === undefined && args.b === undefined && args.resume === undefined) {
    throw new UsageError('name a session or record to check out (tapes checkout <rev>)');
  }
  if (args.claudeDir !== undefined && args.resume !== 'claude') throw new UsageError('--claude-dir goes with --resume claude');
  if (args.codexDir !== undefined && args.resume !== 'codex') throw new UsageError('--codex-dir goes with --resume codex');

  if (args.resume !== undefined) {
    if (args.b !== undefined || args.detach) throw new UsageError('--resume writes a transcript; it does not go with -b or --detach');
    const { resumeTranscript, defaultAgentDir } = await import('../src/archive/resume.js');
    const { resolve } = await import('node:path');
    const { workingDir } = await import('../src/archive/index.js');
    const agent = args.resume as 'claude' | 'codex';
    const given = agent === 'claude' ? args.claudeDir : args.codexDir;
    const base = workingDir({ cwd: io.cwd, env: io.env, chdir: args.C });
    const dir = given !== undefined ? resolve(base, given) : defaultAgentDir(agent, io.env);
    const r = await resumeTranscript(archive, rev, agent, { dir, now: io.now });
    if (args.json) return write(io.stdout, json(r));
    for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
    io.stderr.write(`Wrote ${r.path} (${r.lines} lines, up to record ${r.record.slice(0, 12)})\n`);
    const cd = r.cwd && r.cwd !== base ? `cd ${shellQuote(r.cwd)} && ` : '';
    await write(io.stdout, `${cd}${r.command}\n`);
    return;
  }

  const { checkout } = await import('../src/archive/checkout.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const r = await checkout(archive, rev, { create: args.b, detach: args.detach });
  if (args.json) {
    return write(io.stdout, json({ moved: r.moved, created: r.created ? shortRefName(r.created) : null, head: r.to.state, session: r.to.ref ? shortRefName(r.to.ref) : null, id: r.to.id }));
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
