// The real agent CLIs the end-to-end suite drives, pinned in agents.json (the
// one place their versions are named; docs/e2e.md says how to bump them).
// Each is installed from npm into a cache folder of its own, outside the
// project's node_modules: $TAPES_AGENTS_CACHE, else <repo>/.cache/agents.
// A failed install throws: the suite fails loudly rather than skipping.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

export interface AgentPin {
  package: string;
  version: string;
  bin: string;
}

export const PINS = JSON.parse(readFileSync(join(repoRoot, 'test', 'e2e', 'agents.json'), 'utf8')) as Record<string, AgentPin>;

/** The agent's executable, installed first when it is not in the cache. */
export function agentBin(name: string, env: Record<string, string | undefined> = process.env): string {
  const pin = PINS[name];
  if (!pin) throw new Error(`no pin for agent ${name} in test/e2e/agents.json`);
  const root = env.TAPES_AGENTS_CACHE || join(repoRoot, '.cache', 'agents');
  const dir = join(root, `${pin.package.replace(/[@/]/g, '_')}_${pin.version}`);
  const bin = join(dir, 'node_modules', '.bin', pin.bin);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `${pin.package}@${pin.version}`], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`cannot install ${pin.package}@${pin.version} into ${dir}: ${r.stderr || r.error?.message}`);
  return bin;
}
