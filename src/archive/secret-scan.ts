// Push's walk of the chains it is about to send (push-walk.ts), with the
// secret scan or without it, on worker threads when there are many chains
// (secret-scan-worker.ts). On the scale corpus reading and scanning every
// record of a first push was most of its time; chains are independent, so
// two threads on two cores take half, and a record or blob is read by
// whichever thread claims it first (SharedClaims), never by both. Findings
// come back in the order of the chains, whichever thread read them.
// Anything wrong with the threads (they cannot start, one fails) means
// walking again here: a push never goes out unscanned.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LooseObjectStore, type ObjectStore } from '../odb/index.js';
import type { SecretDetector } from '../record/index.js';
import type { Archive } from './archive.js';
import { LocalClaims, SharedClaims, WalkStitcher, remoteHas, walkChain, type StitchedWalk, type WalkContext } from './push-walk.js';
import type { ChainSecret } from './secrets.js';
import type { ScanWorkerReply, ScanWorkerRequest } from './secret-scan-worker.js';

/** Fewer chains than this are walked here: a thread costs some 100 ms to start. */
export const PARALLEL_SCAN_FROM = 16;
const MAX_THREADS = 4;

export interface ScanOptions {
  /** Threads to use (default: the cores, at most 4); below 2, or few chains, the walk runs in this thread. */
  threads?: number;
  /** The worker's module (tests point it elsewhere). */
  workerUrl?: URL;
  /** Set to how many threads did the walk (1: this one), and how many objects they read. */
  report?: { threads: number; reads?: number };
  /**
   * Without a detector: the remote's objects directory (a file remote), so
   * that the walk stops at what the remote holds, as the transfer does.
   */
  remoteObjects?: string;
}

/**
 * Reads every record from each tip back to the first record in `known` (or
 * the root) and every blob they name, each once; with a detector, scans
 * them. Returns each chain's findings (in the order of `tips`) and what was
 * read, for the transfer.
 */
export async function walkChains(archive: Archive, detector: SecretDetector | undefined, tips: readonly string[], known: ReadonlySet<string>, opts: ScanOptions = {}): Promise<StitchedWalk> {
  const url = opts.workerUrl ?? new URL('./secret-scan-worker.js', import.meta.url);
  const threads = Math.min(opts.threads ?? Math.min(availableParallelism(), MAX_THREADS), tips.length);
  if (threads >= 2 && tips.length >= PARALLEL_SCAN_FROM && existsSync(fileURLToPath(url))) {
    try {
      const store = await archive.objects();
      const expected = store instanceof LooseObjectStore ? store.packs.list.reduce((n, p) => n + p.index.count, 0) : 0;
      const stitcher = new WalkStitcher();
      await walkInWorkers(archive.dir, tips, known, threads, url, Boolean(detector), expected, opts.remoteObjects, stitcher);
      const out = stitcher.finish(tips, known, Boolean(detector));
      if (opts.report) Object.assign(opts.report, { threads, reads: out.reads });
      return out;
    } catch {
      // Walked again below.
    }
  }
  const out = await walkHere(await archive.objects(), detector, tips, known, opts.remoteObjects);
  if (opts.report) Object.assign(opts.report, { threads: 1, reads: out.reads });
  return out;
}

/** The walk of every chain in this thread. */
export async function walkHere(store: ObjectStore, detector: SecretDetector | undefined, tips: readonly string[], known: ReadonlySet<string>, remoteObjects?: string): Promise<StitchedWalk> {
  const ctx: WalkContext = { store, detector, known, claims: new LocalClaims(), blobFindings: new Map(), remoteHas: remoteHas(detector, remoteObjects) };
  const stitcher = new WalkStitcher();
  for (const tip of tips) stitcher.add(await walkChain(ctx, tip));
  return stitcher.finish(tips, known, Boolean(detector));
}

/** The secrets each chain (by its tip) holds beyond the records in `known`: one list per tip, in order. */
export async function scanChains(archive: Archive, detector: SecretDetector, tips: readonly string[], known: ReadonlySet<string>, opts: ScanOptions = {}): Promise<ChainSecret[][]> {
  return (await walkChains(archive, detector, tips, known, opts)).findings!;
}

function walkInWorkers(
  dir: string,
  tips: readonly string[],
  known: ReadonlySet<string>,
  threads: number,
  url: URL,
  scan: boolean,
  expected: number,
  remoteObjects: string | undefined,
  /** Takes each chain's walk as it comes in. */
  stitcher: WalkStitcher,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    let over = false;
    const workers: Worker[] = [];
    const finish = (err?: Error) => {
      if (over) return;
      over = true;
      for (const w of workers) void w.terminate().catch(() => undefined);
      if (err) reject(err);
      else resolve();
    };
    // Each thread takes a contiguous run of the chains, in order: packs lay
    // chains out in ref order, so neighbouring chains share frames, and a
    // frame decoded by one thread is rarely needed by the other. A thread
    // whose run is done takes the last chain of the longest run left.
    const runs = Array.from({ length: threads }, (_, k) => ({ at: Math.floor((k * tips.length) / threads), end: Math.floor(((k + 1) * tips.length) / threads) }));
    /** Per thread, whether it was told to stop (no work is left): only then may it exit. */
    const stopped: boolean[] = new Array(threads).fill(false);
    const next = (k: number): number | undefined => {
      const own = runs[k]!;
      if (own.at < own.end) return own.at++;
      let longest = own;
      for (const r of runs) if (r.end - r.at > longest.end - longest.at) longest = r;
      return longest.at < longest.end ? --longest.end : undefined;
    };
    const feed = (w: Worker, k: number) => {
      const i = next(k);
      const msg: ScanWorkerRequest = i === undefined ? { stop: true } : { i, tip: tips[i]! };
      if ('stop' in msg) stopped[k] = true;
      w.postMessage(msg);
    };
    const claims = SharedClaims.create(expected + 4 * tips.length + 65536);
    const knownList = [...known];
    for (let k = 0; k < threads; k++) {
      let w: Worker;
      try {
        w = new Worker(url, { workerData: { dir, known: knownList, scan, claims: claims.buffer, remoteObjects } });
      } catch (err) {
        finish(err as Error);
        return;
      }
      workers.push(w);
      w.on('message', (reply: ScanWorkerReply) => {
        if ('error' in reply) return finish(new Error(reply.error));
        if ('walk' in reply) {
          stitcher.add(reply.walk);
          if (++done === tips.length) return finish();
        }
        feed(w, k);
      });
      w.on('error', (err) => finish(err));
      w.on('exit', () => {
        if (!stopped[k]) finish(new Error('a scanning thread stopped before its work was done'));
      });
    }
  });
}
