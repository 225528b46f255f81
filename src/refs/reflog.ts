// The reflog: one line per ref move, appended under the ref's lock.
//   <old id> SP <new id> SP <time, UTC ISO-8601> TAB <reason> LF
// A ref's creation has the zero id as old; a deletion has it as new.
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { ZERO_ID } from '../hash/index.js';

export interface ReflogEntry {
  old: string;
  new: string;
  time: string;
  reason: string;
}

const LINE_RE = /^([0-9a-f]{64}) ([0-9a-f]{64}) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\t(.*)$/;

export function formatReflogLine(e: ReflogEntry): string {
  return `${e.old} ${e.new} ${e.time}\t${e.reason.replace(/[\r\n\t]+/g, ' ')}\n`;
}

export type ParsedReflogLine = { ok: true; entry: ReflogEntry } | { ok: false; line: number; text: string };

export function parseReflog(text: string): ParsedReflogLine[] {
  const out: ParsedReflogLine[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((l, i) => {
    const m = LINE_RE.exec(l);
    if (m) out.push({ ok: true, entry: { old: m[1]!, new: m[2]!, time: m[3]!, reason: m[4]! } });
    else out.push({ ok: false, line: i + 1, text: l });
  });
  return out;
}

export async function appendReflog(path: string, entry: ReflogEntry): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  // Never through a link (RefStore refuses one first; this holds if one appears meanwhile).
  const handle = await fs.open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(formatReflogLine(entry));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export { ZERO_ID };
