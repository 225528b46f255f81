// Colour is decided once per run, from --color, NO_COLOR, FORCE_COLOR and
// whether the output is a terminal, and carried as a chalk instance; nothing
// colours at module load.
import { Chalk, type ChalkInstance } from 'chalk';

export type ColorMode = 'auto' | 'always' | 'never';

export function colorLevel(mode: ColorMode | undefined, env: Record<string, string | undefined>, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (mode === 'never') return 0;
  if (mode === 'always') return forced(env) || 1;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return forced(env);
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : /-256(color)?$/.test(env.TERM ?? '') ? 2 : 1;
}

function forced(env: Record<string, string | undefined>): 0 | 1 | 2 | 3 {
  const f = env.FORCE_COLOR;
  if (f === undefined || f === '' || f === 'true') return 1;
  if (f === 'false' || f === '0') return 0;
  const n = Number(f);
  return n >= 3 ? 3 : n === 2 ? 2 : 1;
}

export function makeChalk(mode: ColorMode | undefined, env: Record<string, string | undefined>, isTTY: boolean): ChalkInstance {
  return new Chalk({ level: colorLevel(mode, env, isTTY) });
}

export type { ChalkInstance };
