// The --json shape of scrub (docs/json.md): the model's result, with gc's
// shape for what --prune did.
import type { ScrubResult } from '../../archive/scrub.js';
import { gcJson } from './maintenance.js';

export function scrubJson(r: ScrubResult) {
  const { prune, ...rest } = r;
  return { ...rest, ...(prune ? { prune: gcJson(prune) } : {}) };
}
