// tapes run -- <agent…>: the recording proxy on a free loopback port, and the
// agent run with its base URL pointed at it; the agent's exit status is ours.
import type { CommandArgs } from './lib/run-context.js';
import { jsonLine } from './lib/io.js';
import { runJson } from '../src/view/json/capture.js';

interface Args extends CommandArgs {
  provider?: string;
  upstream?: string;
  redact?: boolean;
  json?: boolean;
  quiet?: boolean;
  agent?: string[];
}

export async function handler(args: Args): Promise<void> {
  const C = await import('../src/archive/capture.js');
  const { UsageError, TapesError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const command = [...(args.agent ?? []), ...args._];
  if (command.length === 0) throw new UsageError('name the agent to run after --, e.g. tapes run -- claude', {});
  const provider = (args.provider as 'anthropic' | 'openai' | 'gemini' | undefined) ?? C.providerFor(command);
  const upstream = C.upstreamUrl(args.upstream, provider, io.env);
  const archive = await ctx.archive();
  const problems: string[] = [];
  const running = await C.startProxy(archive, {
    listen: { host: '127.0.0.1', port: 0 },
    upstream,
    redact: Boolean(args.redact),
    onProblem: (m) => problems.push(m),
  });
  const { randomUUID } = await import('node:crypto');
  const launch = C.agentLaunch(command, running.url, provider, io.env, randomUUID);
  let status: number;
  try {
    const exit = await C.runAgent(launch.command, {
      cwd: ctx.workingDir,
      env: launch.env,
      stdio: { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr },
      onSignal: io.onSignal,
    });
    status = exit.status;
  } catch (err) {
    await running.close(0);
    const agentStatus = (err as { agentStatus?: number }).agentStatus;
    if (err instanceof TapesError && agentStatus !== undefined) {
      io.stderr.write(`tapes: error: ${err.message}\n`);
      ctx.exitCode = agentStatus;
      return;
    }
    throw err;
  }
  // The agent has exited: let turns still in flight finish and be written.
  await running.close(2000);
  const sessions = running.sessions();
  const none = C.noTurnsWarning(command, provider, running.stats);
  if (none) problems.push(none);
  for (const p of problems) io.stderr.write(`tapes run: warning: ${p}\n`);
  if (args.json) {
    // One line: it follows whatever the agent printed on the same stdout, so a script takes the last line.
    await ctx.write(jsonLine(runJson(status, provider, running.upstream, running.stats, sessions, problems)));
  } else if (!args.quiet) {
    for (const s of sessions) {
      const extra = [s.incomplete ? `${s.incomplete} incomplete` : '', s.api_errors ? `${s.api_errors} API error${s.api_errors === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
      const view = s.ref.startsWith('refs/captures/') ? `, as its capture view ${s.ref.slice('refs/'.length)}` : '';
      io.stderr.write(`tapes run: recorded session ${s.name}: ${s.turns} turn${s.turns === 1 ? '' : 's'}, +${s.records_added} records${view}${extra ? ` (${extra})` : ''}; see tapes log ${s.name}\n`);
    }
  }
  ctx.exitCode = status;
}
