// tapes rerun: ask the model again from a checkpoint. A dry run unless
// --send: it prints what would be sent, where, and what it may cost. With
// --send (confirmed on a terminal, or --yes), each model's answers become a
// new session branched at the checkpoint; tools are never run.
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  rev: string;
  model?: string | string[];
  system?: string;
  prompt?: string;
  promptFile?: string;
  upstream?: string;
  b?: string;
  send?: boolean;
  yes?: boolean;
  maxTurns?: number;
  maxCost?: number;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { systemError } = await import('../src/errors/system-error.js');
  const { listValues } = await import('./lib/options.js');
  const { promises: fs } = await import('node:fs');
  const ctx = args.ctx;
  const io = ctx.io;
  const maxTurns = args.maxTurns ?? 20;
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new UsageError(`--max-turns ${args.maxTurns}: a whole number of turns, at least 1`);
  if (args.maxCost !== undefined && !(Number.isFinite(args.maxCost) && args.maxCost >= 0)) throw new UsageError(`--max-cost ${args.maxCost}: an amount of US dollars, 0 or more`);
  const read = async (option: string, file: string): Promise<string> => {
    try {
      return await fs.readFile(ctx.path(file), 'utf8');
    } catch (err) {
      throw systemError(err, `${option} ${file}: cannot read it`, { file });
    }
  };
  const system = args.system !== undefined ? { text: await read('--system', args.system), from: args.system } : undefined;
  let prompt: { text: string; from: string } | undefined;
  if (args.prompt !== undefined) prompt = { text: args.prompt, from: '--prompt' };
  if (args.promptFile !== undefined) prompt = { text: await read('--prompt-file', args.promptFile), from: args.promptFile };
  if (prompt && prompt.text.trim() === '') throw new UsageError('the prompt is empty');

  const archive = await ctx.archive();
  const R = await import('../src/archive/rerun/index.js');
  const plan = await R.planRerun(archive, args.rev, { models: listValues(args.model), system, prompt, upstream: args.upstream });
  const keyVariable = R.KEY_ENV[plan.base.provider];
  const { renderRerunPlan, renderRerunResult, turnLine } = await import('../src/view/rerun-render.js');
  const { rerunPlanJson, rerunResultJson } = await import('../src/view/json/rerun.js');

  if (!args.send) {
    if (args.json) return ctx.json(rerunPlanJson(plan));
    await ctx.write([...renderRerunPlan(plan, keyVariable)].join('\n') + '\n');
    return;
  }

  // Everything that can be refused is refused before anything is sent.
  if (plan.requests.some((r) => r.model === null)) {
    const { InvalidInputError } = await import('../src/errors/index.js');
    throw new InvalidInputError(`${plan.original.name} does not record which model answered: name one with --model`, { session: plan.original.name });
  }
  R.apiKey(plan.base.provider, io.env);
  await R.branchNames(archive, plan, args.b);
  if (!args.yes) {
    if (!io.terminal) throw new UsageError('--send asks for confirmation on a terminal; add --yes to send without asking');
    for (const line of renderRerunPlan(plan, keyVariable)) if (!line.startsWith('Nothing was sent')) io.stderr.write(line + '\n');
    const costs = plan.requests.map((r) => r.estimate.cost_usd);
    const { formatCostPrecise } = await import('../src/view/sessions-table.js');
    const cost = costs.every((c) => c !== null) ? `~${formatCostPrecise(costs.reduce<number>((a, c) => a + c!, 0))} estimated for the first turn${costs.length > 1 ? 's' : ''}` : 'cost unknown';
    const bound = args.maxCost !== undefined ? `, at most $${args.maxCost} per model` : '';
    const { confirm } = await import('./lib/confirm.js');
    const n = plan.requests.length;
    if (!(await confirm(io, `Send ${n === 1 ? 'the request' : `${n} requests`} to ${plan.endpoint.origin} (${cost}, up to ${maxTurns} turn${maxTurns === 1 ? '' : 's'}${n > 1 ? ' each' : ''}${bound})? [y/N] `))) {
      io.stderr.write('Nothing was sent.\n');
      ctx.exitCode = 1;
      return;
    }
  }
  const results = await R.sendRerun(archive, plan, {
    env: io.env,
    branch: args.b,
    maxTurns,
    maxCost: args.maxCost,
    onTurn: (t) => {
      if (io.stderrIsTTY) io.stderr.write(turnLine(t) + '\n');
    },
  });
  for (const r of results) {
    if (!r.error) continue;
    io.stderr.write(`tapes: error: rerun with ${r.model}: ${r.error.message}; no session was made for it\n`);
    if (r.error.hint) io.stderr.write(r.error.hint.replace(/^/gm, 'hint: ') + '\n');
    ctx.exitCode = Math.max(ctx.exitCode, r.error.exitCode);
  }
  if (args.json) return ctx.json(rerunResultJson(plan, results));
  const chalk = await ctx.chalk();
  await ctx.write([...renderRerunResult(results, chalk)].join('\n') + '\n');
}
