// tapes run -- <agent…>: the recording proxy on a free loopback port, and the
// agent run with its base URL pointed at it; the agent's exit status is ours.
import type { Argv } from 'yargs';
import { openArchive, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  provider?: string;
  upstream?: string;
  json?: boolean;
  quiet?: boolean;
  agent?: string[];
  _: Array<string | number>;
  '--'?: Array<string | number>;
}

export const command = 'run [agent..]';
export const describe = 'Run an agent with its model traffic recorded through the proxy';

export function builder(y: Argv) {
  return y
    .parserConfiguration({ 'populate--': true })
    .positional('agent', { type: 'string', array: true, describe: 'The agent command and its arguments (after --)' })
    .option('provider', { type: 'string', choices: ['anthropic', 'openai'], describe: 'The API the agent talks to (default: openai for codex, else anthropic)' })
    .option('upstream', { type: 'string', requiresArg: true, describe: 'Base URL the proxy forwards to (default: the provider\'s API, or $TAPES_UPSTREAM)' })
    .option('json', { type: 'boolean', describe: 'After the agent exits, print what was recorded as JSON on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing of ours unless something goes wrong' });
}

export async function handler(args: Args): Promise<void> {
  const C = await import('../src/archive/capture.js');
  const { UsageError, TapesError } = await import('../src/errors/index.js');
  const { workingDir } = await import('../src/archive/index.js');
  const io = args.state.io;
  const command = [...(args.agent ?? []), ...(args['--'] ?? [])].map(String);
  if (command.length === 0) throw new UsageError('name the agent to run after --, e.g. tapes run -- claude', {});
  const provider = (args.provider as 'anthropic' | 'openai' | undefined) ?? C.providerFor(command);
  const upstream = C.upstreamUrl(args.upstream, provider, io.env);
  const archive = await openArchive(args);
  const problems: string[] = [];
  const running = await C.startProxy(archive, {
    listen: { host: '127.0.0.1', port: 0 },
    upstream,
    onProblem: (m) => problems.push(m),
  });
  let status: number;
  try {
    const exit = await C.runAgent(command, {
      cwd: workingDir({ cwd: io.cwd, env: io.env, chdir: args.C }),
      env: C.agentEnv(io.env, running.url, [provider]),
      stdio: { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr },
      onSignal: io.onSignal,
    });
    status = exit.status;
  } catch (err) {
    await running.close(0);
    const agentStatus = (err as { agentStatus?: number }).agentStatus;
    if (err instanceof TapesError && agentStatus !== undefined) {
      io.stderr.write(`tapes: error: ${err.message}\n`);
      args.state.exitCode = agentStatus;
      return;
    }
    throw err;
  }
  // The agent has exited: let turns still in flight finish and be written.
  await running.close(2000);
  const sessions = running.sessions();
  for (const p of problems) io.stderr.write(`tapes run: warning: ${p}\n`);
  if (args.json) {
    io.stdout.write(JSON.stringify({ status, provider, upstream: running.upstream, requests: running.stats.requests, turns: running.stats.recorded, sessions }) + '\n');
  } else if (!args.quiet) {
    if (sessions.length === 0) io.stderr.write(`tapes run: no model turns recorded (${running.stats.requests} request${running.stats.requests === 1 ? '' : 's'} forwarded)\n`);
    for (const s of sessions) {
      const extra = [s.incomplete ? `${s.incomplete} incomplete` : '', s.api_errors ? `${s.api_errors} API error${s.api_errors === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
      io.stderr.write(`tapes run: recorded session ${s.name}: ${s.turns} turn${s.turns === 1 ? '' : 's'}, +${s.records_added} records${extra ? ` (${extra})` : ''}; see tapes log ${s.name}\n`);
    }
  }
  args.state.exitCode = status;
}
