// tapes proxy: a recording reverse proxy for the Anthropic Messages and
// OpenAI Chat Completions / Responses APIs. Runs until interrupted; each
// model turn lands on its session's chain.
import type { CommandArgs } from './lib/run-context.js';
import { jsonLine } from './lib/io.js';
import { listeningEvent, stoppedEvent, turnEvent } from '../src/view/json/capture.js';

interface Args extends CommandArgs {
  listen?: string;
  upstream?: string;
  provider?: string;
  allowRemote?: boolean;
  record?: boolean;
  redact?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const C = await import('../src/archive/capture.js');
  const { UsageError } = await import('../src/errors/index.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const listen = C.parseListen(args.listen);
  C.checkListen(listen, Boolean(args.allowRemote));
  const upstream = C.upstreamUrl(args.upstream, args.provider as 'anthropic' | 'openai', io.env);
  if (!io.onSignal) throw new UsageError('tapes proxy runs until interrupted, and cannot be interrupted here', {});
  const archive = await ctx.archive();
  const running = await C.startProxy(archive, {
    listen,
    upstream,
    allowRemote: args.allowRemote,
    record: args.record !== false,
    redact: Boolean(args.redact),
    onTurn: (r) => {
      if (args.json) {
        io.stdout.write(jsonLine(turnEvent(r)));
      } else if (!args.quiet) {
        const flag = r.complete ? '' : r.status >= 200 && r.status < 300 ? ` (incomplete: ${r.problem})` : ` (HTTP ${r.status})`;
        io.stderr.write(`tapes proxy: ${shortRefName(r.ref)}: +${r.added.length} record${r.added.length === 1 ? '' : 's'}${r.model ? `, ${r.model}` : ''}${flag}\n`);
      }
    },
    onProblem: (m) => io.stderr.write(`tapes proxy: warning: ${m}\n`),
  });
  if (args.json) io.stdout.write(jsonLine(listeningEvent(running.url, running.upstream, archive.dir, args.record !== false)));
  else {
    await ctx.write(running.url + '\n');
    io.stderr.write(`tapes proxy: listening on ${running.url}, forwarding to ${running.upstream}${args.record === false ? ' (not recording)' : `, recording into ${archive.dir}${args.redact ? ', secrets redacted' : ''}`}; interrupt to stop\n`);
  }
  // The first signal stops accepting and lets exchanges in flight finish; a
  // second cuts them. Either way every turn that began is recorded before exit.
  let signals = 0;
  let stopped!: () => void;
  const stopping = new Promise<void>((resolve) => (stopped = resolve));
  const off = io.onSignal((signal) => {
    if (++signals === 1) {
      const n = running.proxy.exchangesInFlight;
      if (n > 0) io.stderr.write(`tapes proxy: ${signal}: finishing ${n} exchange${n === 1 ? '' : 's'} in flight; interrupt again to cut ${n === 1 ? 'it' : 'them'} (what arrived is recorded)\n`);
      stopped();
    } else {
      running.proxy.abort();
    }
  });
  await stopping;
  try {
    await running.close(Infinity);
  } finally {
    off();
  }
  const sessions = running.sessions();
  if (args.json) {
    io.stdout.write(jsonLine(stoppedEvent(running.stats, sessions)));
    return;
  }
  io.stderr.write(`tapes proxy: stopped after ${running.stats.requests} request${running.stats.requests === 1 ? '' : 's'}, ${running.stats.recorded} turn${running.stats.recorded === 1 ? '' : 's'} recorded\n`);
  for (const s of sessions) io.stderr.write(`  ${s.name}: ${s.turns} turn${s.turns === 1 ? '' : 's'}, +${s.records_added} records\n`);
  if (running.stats.recordFailures > 0) ctx.exitCode = 1;
}
