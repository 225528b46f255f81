// How `tapes rerun` prints: the dry run (per model: where it goes, what it
// sends, what changed, what it may cost), a line per turn while it runs,
// and the closing table (per branch: turns, tokens, cost, why it stopped,
// and the first step where it and the original differ).
import { oneLine } from '../archive/event/index.js';
import type { ChalkInstance } from './color.js';
import type { BranchLike, RerunPlanLike } from './json/rerun.js';
import { formatCompact, formatCostPrecise, formatInt } from './sessions-table.js';
import { sanitize } from './timeline.js';

const API_NAMES: Record<string, string> = {
  'anthropic-messages': 'Messages API',
  'openai-responses': 'Responses API',
  'openai-chat': 'Chat Completions API',
  'gemini-generate-content': 'Gemini API',
};

const SOURCES: Record<string, string> = {
  capture: 'a captured session',
  'claude-code': 'a Claude Code transcript',
  codex: 'a Codex rollout',
};

function plural(n: number, word: string): string {
  return `${formatInt(n)} ${word}${n === 1 ? '' : 's'}`;
}

const row = (label: string, text: string) => `  ${label.padEnd(9)} ${text}`;

/** The dry run, line by line. */
export function* renderRerunPlan(plan: RerunPlanLike, keyVariable: string): Generator<string> {
  const o = plan.original;
  yield `Rerun of ${o.name} from ${o.checkpoint.id.slice(0, 12)} (${SOURCES[o.source] ?? o.source})`;
  yield row('provider', `${plan.base.provider}, ${API_NAMES[plan.base.api] ?? plan.base.api}`);
  yield row('endpoint', plan.endpoint.href);
  for (const note of plan.base.notes) yield row('note', note);
  for (const r of plan.requests) {
    const changedModel = r.changes.some((c) => c.what === 'model');
    yield '';
    yield `${r.model ?? '(model not recorded)'}${changedModel ? '' : ' (the model that answered)'}`;
    const exact = plan.base.exact && r.changes.length === 0;
    yield row('request', `${plural(r.messages, plan.base.api === 'openai-responses' ? 'item' : 'message')}, ${plural(r.tool_results, 'tool result')}, ${plural(r.body.length, 'byte')}; ${exact ? 'the recorded request, byte for byte' : plan.base.exact ? 'the recorded request, changed as below' : 'rebuilt from the records'}`);
    const sys = r.system;
    yield row('system', sys.source === 'none' ? 'none' : `${sys.source === 'file' ? 'from the file given' : sys.source === 'recorded' ? 'as recorded' : 'from the transcript'} (${plural(sys.bytes, 'byte')})`);
    const tools = r.tools;
    yield row('tools', tools.count === 0 ? 'none' : `${plural(tools.count, 'tool')}, ${tools.source === 'names' ? 'named by the calls the session made' : tools.source === 'recorded' ? 'as recorded' : 'from the transcript'}`);
    if (r.changes.length === 0) yield row('changes', 'none');
    for (const [i, c] of r.changes.entries()) {
      const text = c.what === 'prompt' ? `prompt ${c.how}: ${c.from !== null ? `"${c.from}" → ` : ''}"${c.to}"` : `${c.what}: ${c.from ?? '(none)'} → ${c.to}`;
      yield row(i === 0 ? 'changes' : '', text);
    }
    const e = r.estimate;
    yield row('tokens', `~${formatInt(e.input_tokens)} in (${e.input_from === 'recorded' ? 'as the provider counted this request' : 'estimated from its size'}), ~${formatInt(e.output_tokens)} out (${e.output_from === 'recorded' ? "the original answer's" : 'assumed'})`);
    yield row('cost', e.cost_usd === null ? `unknown: no price for ${r.model ?? 'the model'}` : `~${formatCostPrecise(e.cost_usd)} for the first turn, estimated at list prices`);
  }
  yield '';
  yield `Nothing was sent. --send asks the model (with the key in ${keyVariable}); tools are never run.`;
}

/** One line per turn while a rerun runs (standard error). */
export function turnLine(t: { model: string; turn: number; calls: string[]; matched: boolean | null; stop?: { reason: string } }): string {
  const what = t.calls.length ? `called ${t.calls.join(', ')}` : 'answered';
  const how = t.matched === true ? (t.stop ? '' : ': as the original did; its recorded results go back') : t.matched === false ? ': not as the original did' : '';
  return `rerun ${t.model}: turn ${t.turn}: ${what}${how}${t.stop ? ` (stopped: ${t.stop.reason})` : ''}`;
}

interface StepLike {
  step: number;
  label: string;
  text: string;
}

function stepText(s: StepLike, width: number): string {
  return `${s.label}: ${oneLine(sanitize(s.text), width)}`;
}

/** The first step where a branch and the original differ, in a few words. */
export function divergenceText(d: BranchLike['divergence'], width = 50): string {
  if (!d) return '-';
  const a = d.original as StepLike | null;
  const b = d.rerun as StepLike | null;
  if (!a && !b) return `none: the same ${d.shared_steps} steps`;
  const step = (b ?? a)!.step;
  if (a && b) return `step ${step}: original ${stepText(a, width)}; rerun ${stepText(b, width)}`;
  if (b) return `step ${step}: rerun ${stepText(b, width)}, not in the original`;
  return `step ${step}: the rerun stopped where the original went on (${stepText(a!, width)})`;
}

/** The closing table, then why each branch stopped. */
export function* renderRerunResult(branches: BranchLike[], chalk?: ChalkInstance): Generator<string> {
  const bold = (s: string) => (chalk && chalk.level > 0 ? chalk.bold(s) : s);
  const header = ['BRANCH', 'MODEL', 'TURNS', 'TOKENS', 'COST', 'STOPPED', 'FIRST DIFFERENCE'];
  const rows = branches.map((b) => {
    const t = b.tokens;
    return [
      b.name ?? '(none)',
      b.model,
      String(b.turns),
      formatCompact(t.input + t.output + t.cache_read + t.cache_write),
      formatCostPrecise(b.cost_usd),
      b.error ? 'failed' : (b.stop?.reason ?? '-'),
      b.error ? 'no branch made' : divergenceText(b.divergence),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([2, 3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  yield bold(line(header));
  for (const r of rows) yield line(r);
  for (const b of branches) {
    if (b.stop && b.name) yield `${b.name}: stopped after turn ${b.stop.turn}: ${b.stop.message}`;
  }
}
