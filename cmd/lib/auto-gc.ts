// The automatic gc after commands that add objects (import, fetch, pull):
// a failure is only a warning.
import type { Writable } from 'node:stream';
import type { Archive } from '../../src/archive/archive.js';

/** Warns of what stopped an automatic gc; gc.auto = 0 turns it off on purpose and is not worth a word. */
export function warnAutoGc(outcome: { note?: string }, stderr: Writable): void {
  if (outcome.note && outcome.note !== 'gc.auto is 0') stderr.write(`warning: auto gc: ${outcome.note}\n`);
}

export async function autoGcAfter(archive: Archive, stderr: Writable): Promise<void> {
  const { autoGc } = await import('../../src/archive/index.js');
  warnAutoGc(await autoGc(archive), stderr);
}
