// tapes fsck: verify every object and ref of the archive; the exit status is
// a bit mask by area (objects 1, chains 2, refs 4). Plumbing: the line
// grammar and the JSON shape are documented in man/tapes-fsck.md.
import type { CommandArgs } from './lib/run-context.js';
import { fsckJson } from '../src/view/json/maintenance.js';
import type { Finding, FsckPhase } from '../src/fsck/index.js';

interface Args extends CommandArgs {
  json?: boolean;
  dangling?: boolean;
  unreachable?: boolean;
  progress?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { fsck, formatFinding } = await import('../src/fsck/index.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const archive = await ctx.archive();
  const store = await archive.objectVerifier();
  const progress = (args.progress ?? io.stderrIsTTY) ? new Progress(io.stderr, () => io.now().getTime()) : undefined;
  const shown: Finding[] = [];
  const result = await fsck(
    { dir: archive.dir, objectsDir: archive.objectsDir, store },
    {
      dangling: args.dangling,
      unreachable: args.unreachable,
      onProgress: progress && ((phase, done, total) => progress.update(phase, done, total)),
      onFinding: async (f) => {
        if (args.json) {
          shown.push(f);
          return;
        }
        progress?.clear();
        await ctx.write(formatFinding(f) + '\n');
      },
    },
  );
  progress?.finish();
  if (args.json) await ctx.json(fsckJson(shown, result.counts, result.exitCode));
  ctx.exitCode = result.exitCode;
}

const LABELS: Record<FsckPhase, string> = {
  objects: 'Checking objects',
  refs: 'Checking refs',
  connectivity: 'Checking connectivity',
};

/** One self-overwriting line on a terminal, redrawn at most every 100 ms. */
class Progress {
  private phase?: FsckPhase;
  private text = '';
  private visible = false;
  private last = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly now: () => number,
  ) {}

  update(phase: FsckPhase, done: number, total?: number): void {
    if (phase !== this.phase) {
      this.finish();
      this.phase = phase;
    }
    const t = this.now();
    const complete = total !== undefined && done === total;
    if (this.visible && !complete && t - this.last < 100) return;
    this.last = t;
    const percent = total === 0 || total === undefined ? 100 : Math.floor((done * 100) / total);
    this.text = LABELS[phase] + (total === undefined ? '' : `: ${percent}% (${done}/${total})`);
    this.draw(this.text);
  }

  /** Ends the current phase's line with ", done." */
  finish(): void {
    if (this.phase === undefined) return;
    this.draw(this.text + ', done.');
    this.out.write('\n');
    this.visible = false;
    this.phase = undefined;
  }

  /** Erases the line so that a finding on stdout does not land in the middle of it. */
  clear(): void {
    if (this.visible) this.out.write('\r\x1b[K');
    this.visible = false;
  }

  private draw(text: string): void {
    this.out.write('\r\x1b[K' + text);
    this.visible = true;
  }
}
