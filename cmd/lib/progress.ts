// Transfer progress on stderr (push, fetch, pull, clone), as git shows it.
import type { Io } from '../context.js';

export interface Progress {
  update?: (p: { objects: number; bytes: number }) => void;
  done(): void;
}

/** Progress on stderr, at most ten times a second, ended with a newline; shown when `enabled`, else when stderr is a terminal. */
export function progressReporter(io: Io, enabled: boolean | undefined, label: string): Progress {
  if (!(enabled ?? io.stderrIsTTY)) return { update: undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  let shown = false;
  const line = (p: { objects: number; bytes: number }) => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    return `${label}: ${p.objects} objects, ${formatBytes(p.bytes)}, ${formatBytes(p.bytes / secs)}/s`;
  };
  let latest = { objects: 0, bytes: 0 };
  let updated = false;
  return {
    update: (p) => {
      latest = p;
      updated = true;
      if (Date.now() - last < 100) return;
      last = Date.now();
      shown = true;
      io.stderr.write(`\r${line(p)}`);
    },
    done: () => {
      // Like git, the final count is shown whenever anything moved, however fast.
      if (shown || updated) io.stderr.write(`\r${line(latest)}, done.\n`);
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
