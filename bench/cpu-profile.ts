// Summarises a V8 .cpuprofile (from `node --cpu-prof`) into the few lines a
// person needs: where the main thread spent its time, by function and by file.
// Work done on libuv's thread pool (fsync, file writes) is not sampled; it
// shows up as "(idle)" time on the main thread while it waits.
import { promises as fs } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: HotSpot[];
  byFile: HotSpot[];
}

/** Where a frame's code lives, short: a repo path, a package name, or a V8 pseudo-frame. */
function place(url: string, repoRoot: string): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return 'npm:' + path.slice(nm + '/node_modules/'.length).split('/')[0];
  if (path.startsWith('node:')) return path;
  return path.startsWith('/') ? relative(repoRoot, path) : path;
}

export async function summariseProfile(file: string, repoRoot: string, top = 12): Promise<ProfileSummary> {
  const p = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i] is the gap before sample i; V8 attributes it to that sample.
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const fileTotals = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    const where = place(cf.url, repoRoot);
    const name = where
      ? `${cf.functionName || '(anonymous)'}  ${where}:${cf.lineNumber + 1}`
      : cf.functionName || '(anonymous)';
    fn.set(name, (fn.get(name) ?? 0) + us);
    const key = where || cf.functionName;
    fileTotals.set(key, (fileTotals.get(key) ?? 0) + us);
    total += us;
  }
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }));
  return { totalMs: total / 1000, byFunction: rank(fn), byFile: rank(fileTotals) };
}
