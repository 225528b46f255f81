// The --json shapes of `tapes proxy` (a stream of events, one a line) and
// `tapes run` (one document after the agent exits); docs/json.md.
import { shortRefName } from '../../refs/index.js';

/** What the shapes read of a recorded turn (the capture layer's TurnResult). */
export interface TurnLike {
  ref: string;
  api: string;
  status: number;
  model: string | null;
  added: string[];
  matched: number;
  messages: number;
  complete: boolean;
  problem?: string;
  tip: string;
}

export function listeningEvent(url: string, upstream: string, archive: string, recording: boolean) {
  return { event: 'listening', url, upstream, archive, recording };
}

export function turnEvent(r: TurnLike) {
  return {
    event: 'turn',
    session: shortRefName(r.ref),
    ref: r.ref,
    api: r.api,
    status: r.status,
    model: r.model,
    records_added: r.added.length,
    matched: r.matched,
    messages: r.messages,
    complete: r.complete,
    ...(r.problem ? { problem: r.problem } : {}),
    tip: r.tip,
  };
}

interface ProxyStatsLike {
  requests: number;
  recorded: number;
  recordFailures: number;
}

export function stoppedEvent(stats: ProxyStatsLike, sessions: unknown[]) {
  return { event: 'stopped', requests: stats.requests, recorded: stats.recorded, failures: stats.recordFailures, sessions };
}

/** run: the agent's exit status and what the proxy recorded meanwhile (sessions as in proxy's `stopped`). */
export function runJson(status: number, provider: string, upstream: string, stats: ProxyStatsLike, sessions: unknown[], warnings: string[] = []) {
  return { status, provider, upstream, requests: stats.requests, turns: stats.recorded, sessions, warnings };
}
