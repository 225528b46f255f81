// The MCP server's latency (issue 18): `tapes mcp` started once over an
// archive, each tool called again and again through the MCP SDK's client
// over the real stdio pipe, the time per call after start-up (what an agent
// feels: the server stays up); against the same question asked of the CLI as
// a new process (`tapes <command> --json`) and against `node -e 0`, measured
// in the same run. Medians of interleaved rounds.
//
// Usage: node build/bench/mcp.js [--archive DIR] [--reps N] [--json]
//   --archive  an archive's directory (the one holding .tapes); default: one
//              built in a temp dir from the claude-code fixtures
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cleanEnv, currentLoad, machineInfo, makeTempDir, nowMs, stats } from './lib.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
const FIXTURES = join(repoRoot, 'test/fixtures/corpus/claude-code/projects');
const ENV = { ...cleanEnv(), TZ: 'UTC' } as Record<string, string>;

function parseArgs(argv: string[]) {
  const o = { archive: undefined as string | undefined, reps: 7, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--archive') o.archive = resolve(argv[++i]!);
    else if (argv[i] === '--reps') o.reps = Number(argv[++i]);
    else if (argv[i] === '--json') o.json = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

function cli(cwd: string, args: string[]): { ms: number; stdout: string } {
  const t = nowMs();
  const r = spawnSync(NODE, [TAPES, ...args], { cwd, env: ENV, maxBuffer: 1 << 30 });
  const ms = nowMs() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`tapes ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout.toString() };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const tmp = await makeTempDir('mcp');
  try {
    let dir = o.archive;
    if (!dir) {
      dir = join(tmp, 'archive');
      cpSync(FIXTURES, join(tmp, 'projects'), { recursive: true });
      spawnSync(NODE, [TAPES, 'init', '-q', dir], { env: ENV });
      spawnSync(NODE, [TAPES, 'import', join(tmp, 'projects')], { cwd: dir, env: ENV });
    }
    // The questions, from the archive itself: its newest session, the one compared with it, a record, a word.
    const sessions = JSON.parse(`[${cli(dir, ['sessions', '--json', '-n', '2']).stdout.trim().split('\n').join(',')}]`) as Array<{ name: string }>;
    const [s1, s2] = [sessions[0]!.name, (sessions[1] ?? sessions[0]!).name];
    const record = cli(dir, ['rev-parse', `${s1}~1`]).stdout.trim();
    const questions: Array<{ tool: string; args: Record<string, unknown>; argv: string[] }> = [
      { tool: 'sessions', args: { limit: 10 }, argv: ['sessions', '--json', '-n', '11'] },
      { tool: 'search', args: { query: 'error', limit: 10 }, argv: ['search', '--json', '-n', '11', 'error'] },
      { tool: 'log', args: { session: s1, limit: 10 }, argv: ['log', '--json', '-n', '11', s1] },
      { tool: 'show', args: { id: record }, argv: ['show', '--json', record] },
      { tool: 'diff', args: { a: s1, b: s2, limit: 10 }, argv: ['diff', '--json', s1, s2] },
      { tool: 'stats', args: { session: s1 }, argv: ['stats', '--json', s1] },
      { tool: 'errors', args: { limit: 10 }, argv: [] },
    ];

    const t0 = nowMs();
    const transport = new StdioClientTransport({ command: NODE, args: [TAPES, 'mcp'], cwd: dir, env: ENV, stderr: 'ignore' });
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    const startMs = nowMs() - t0;
    const first: Record<string, number> = {};
    const perCall: Record<string, number[]> = {};
    const perCli: Record<string, number[]> = {};
    const node0: number[] = [];
    for (let rep = 0; rep < o.reps; rep++) {
      const t = nowMs();
      spawnSync(NODE, ['-e', '0'], { env: ENV });
      node0.push(nowMs() - t);
      for (const q of questions) {
        const c = nowMs();
        const r = (await client.callTool({ name: q.tool, arguments: q.args })) as { isError?: boolean; content: Array<{ text: string }> };
        const ms = nowMs() - c;
        if (r.isError) throw new Error(`${q.tool}: ${r.content[0]?.text}`);
        if (rep === 0) first[q.tool] = ms;
        else (perCall[q.tool] ??= []).push(ms);
        if (q.argv.length) (perCli[q.tool] ??= []).push(cli(dir, q.argv).ms);
      }
    }
    await client.close();
    const n0 = stats(node0).median;
    const rows = questions.map((q) => {
      const call = stats(perCall[q.tool] ?? [first[q.tool]!]).median;
      const proc = q.argv.length ? stats(perCli[q.tool]!).median : null;
      return { tool: q.tool, first_call_ms: first[q.tool]!, per_call_ms: call, cli_process_ms: proc, vs_cli: proc ? call / proc : null, vs_node0: call / n0 };
    });
    const out = { machine: machineInfo(), load: currentLoad(), archive: dir, start_ms: startMs, node0_ms: n0, rows };
    if (o.json) {
      console.log(JSON.stringify(out, null, 2));
      return;
    }
    console.log(`tapes mcp on ${dir}: start-up and connect ${startMs.toFixed(0)} ms; node -e 0 ${n0.toFixed(0)} ms (median of ${o.reps})`);
    console.log('tool       first call   per call   CLI process   per call / CLI   per call / node -e 0');
    for (const r of rows) {
      console.log(
        `${r.tool.padEnd(10)} ${r.first_call_ms.toFixed(0).padStart(7)} ms ${r.per_call_ms.toFixed(1).padStart(7)} ms ${(r.cli_process_ms === null ? '—' : `${r.cli_process_ms.toFixed(0)} ms`).padStart(12)} ${(r.vs_cli === null ? '—' : `${r.vs_cli.toFixed(2)}×`).padStart(15)} ${`${r.vs_node0.toFixed(2)}×`.padStart(21)}`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
