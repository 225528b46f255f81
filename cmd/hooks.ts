// tapes hooks: install, remove and inspect the hook that imports each agent
// session automatically, and `run`, which is what that hook calls. Unless
// --archive or $TAPES_DIR names one, the hook imports into the user's archive
// (never into a project's .tapes/ found from wherever the agent happens to run).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandArgs, RunContext } from './lib/run-context.js';
import type { Archive } from '../src/archive/archive.js';
import type { HookAgent, HookLogEntry, HookStatus } from '../src/archive/hooks/hooks.js';

interface Args extends CommandArgs {
  action: string;
  agent?: string;
  payload?: string[];
  command?: string;
  json?: boolean;
}

/** The archive named by --archive or $TAPES_DIR (discovery's first two rules), if any. */
function explicitArchive(ctx: RunContext): string | undefined {
  const loc = ctx.location;
  if (loc.archive !== undefined) return resolve(ctx.workingDir, loc.archive);
  if (loc.chdir === undefined && loc.env.TAPES_DIR) return resolve(ctx.workingDir, loc.env.TAPES_DIR);
  return undefined;
}

async function openArchive(ctx: RunContext, quiet = false): Promise<Archive> {
  const { Archive } = await import('../src/archive/archive.js');
  // The hook itself says nothing: an agent may take anything it prints for its answer.
  if (explicitArchive(ctx) !== undefined) return quiet ? Archive.open(ctx.location, { now: ctx.io.now }) : ctx.archive();
  const a = await Archive.openUser(ctx.io.env, { now: ctx.io.now });
  if (quiet) return a;
  if (a.origin?.created) ctx.io.stderr.write(`Initialized the user archive in ${a.dir}/\n`);
  if (ctx.globals.verbose) ctx.io.stderr.write(`tapes: using archive ${a.dir} (the user's archive)\n`);
  return a;
}

function lastRun(e: HookLogEntry | null): string {
  if (!e) return 'never run';
  if (!e.ok) return `last run ${e.time}: failed: ${e.error}`;
  return `last run ${e.time}: ${e.status} ${e.session} (${e.records_added} records added)`;
}

export async function handler(args: Args): Promise<void> {
  const H = await import('../src/archive/hooks/hooks.js');
  const { UsageError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const agents: readonly string[] = H.HOOK_AGENTS;
  if (!['install', 'uninstall', 'status', 'run'].includes(args.action)) throw new UsageError(`unknown action ${JSON.stringify(args.action)}: install, uninstall, status or run`);
  if (args.agent !== undefined && !agents.includes(args.agent)) throw new UsageError(`unknown agent ${JSON.stringify(args.agent)}: claude, codex or gemini`);
  if (args.agent === undefined && args.action !== 'status') throw new UsageError(`tapes hooks ${args.action} needs an agent: claude, codex or gemini`);
  if (args.action !== 'run' && args.payload?.length) throw new UsageError(`Unknown argument: ${args.payload[0]}`);
  const agent = args.agent as HookAgent | undefined;

  if (args.action === 'run') return run(args, agent!);

  if (args.action === 'status') {
    const named = explicitArchive(ctx);
    const { userArchiveDir, isArchiveDir } = await import('../src/archive/discover.js');
    const dir = named ?? userArchiveDir(io.env);
    const archiveDir = dir && (await isArchiveDir(dir)) ? dir : undefined;
    const list: HookStatus[] = [];
    for (const a of agent ? [agent] : H.HOOK_AGENTS) list.push(await H.hookStatus(archiveDir, a, io.env));
    if (args.json) return ctx.jsonLines(list.map((s) => ({ ...s, archive: archiveDir ?? null })));
    const lines = list.map((s) => {
      const state = s.problem ? `cannot read its settings: ${s.problem}` : s.installed ? `installed (${s.events.join(', ')}) in ${s.settings}` : `not installed (${s.settings})`;
      return `${s.agent.padEnd(8)}${state}; ${lastRun(s.last)}`;
    });
    lines.push(`archive: ${archiveDir ?? `${dir ?? '(none)'} (not created yet)`}`);
    return ctx.write(lines.join('\n') + '\n');
  }

  const archive = await openArchive(ctx);
  const title = H.AGENTS[agent!].title;
  if (args.action === 'install') {
    const named = explicitArchive(ctx);
    const program = [...(args.command !== undefined ? [args.command] : (io.program ?? ['tapes'])), ...(named !== undefined ? ['--archive', archive.dir] : [])];
    const r = await H.installHook(archive, agent!, io.env, program);
    if (args.json) return ctx.json({ ...r, archive: archive.dir });
    await ctx.write(
      r.changed
        ? `Installed: ${title} runs "${r.command}" on ${r.events.join(', ')} (${r.settings}); sessions go to ${archive.dir}\n`
        : `Already installed: ${title} runs the tapes hook on ${r.events.join(', ')} (${r.settings})\n`,
    );
    return;
  }
  const r = await H.uninstallHook(archive, agent!, io.env);
  if (args.json) return ctx.json(r);
  await ctx.write(r.changed ? `Removed the tapes hook from ${r.settings}${r.restored ? ' (the file is as it was before install)' : ''}\n` : `No tapes hook in ${r.settings}\n`);
}

/** The hook itself: never fails the agent and prints nothing; each result goes to the archive's hooks/log. */
async function run(args: Args, agent: HookAgent): Promise<void> {
  const ctx = args.ctx;
  const io = ctx.io;
  const H = await import('../src/archive/hooks/hooks.js');
  const now = io.now();
  let stdin = '';
  if (agent !== 'codex') {
    const chunks: Buffer[] = [];
    for await (const c of io.stdin) chunks.push(Buffer.from(c as Uint8Array));
    stdin = Buffer.concat(chunks).toString('utf8');
  }
  let logDir: string | undefined;
  try {
    const { userArchiveDir } = await import('../src/archive/discover.js');
    logDir = explicitArchive(ctx) ?? userArchiveDir(io.env);
    const archive = await openArchive(ctx, true);
    logDir = archive.dir;
    const entry = await H.runHook(archive, agent, { stdin, args: args.payload ?? [] }, io.env, now);
    await H.appendHookLog(archive.dir, entry);
  } catch (err) {
    // The archive could not be opened (or the log written): said in the log when its folder exists.
    const entry: HookLogEntry = { time: now.toISOString(), agent, event: null, session_id: null, transcript: null, ok: false, status: null, session: null, records_added: 0, error: err instanceof Error ? err.message : String(err) };
    if (logDir && existsSync(logDir)) await H.appendHookLog(logDir, entry).catch(() => undefined);
  }
  ctx.exitCode = 0;
}
