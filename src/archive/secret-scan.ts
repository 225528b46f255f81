// Push's scan of the chains it is about to send (secrets.ts scans one), on
// worker threads when there are many (secret-scan-worker.ts). On the scale
// corpus the scan of every record of a first push was most of its time
// (113,237 records and their blobs: 13 s of 21 s on one core); chains are
// independent, so two threads on two cores take half. Findings come back in
// the order of the chains, whichever thread scanned them. Anything wrong
// with the threads (they cannot start, one fails) means scanning again here:
// a push never goes out unscanned.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SecretDetector, SecretFinding } from '../record/index.js';
import type { Archive } from './archive.js';
import { scanChainSecrets, type ChainSecret } from './secrets.js';
import type { ScanWorkerReply, ScanWorkerRequest } from './secret-scan-worker.js';

/** Fewer chains than this are scanned here: a thread costs some 100 ms to start. */
export const PARALLEL_SCAN_FROM = 16;
const MAX_THREADS = 4;

export interface ScanOptions {
  /** Threads to use (default: the cores, at most 4); below 2, or few chains, the scan runs in this thread. */
  threads?: number;
  /** The worker's module (tests point it elsewhere). */
  workerUrl?: URL;
  /** Set to how many threads did the scan (1: this one). */
  report?: { threads: number };
}

/** The secrets each chain (by its tip) holds beyond the records in `known`: one list per tip, in order. */
export async function scanChains(archive: Archive, detector: SecretDetector, tips: readonly string[], known: ReadonlySet<string>, opts: ScanOptions = {}): Promise<ChainSecret[][]> {
  const url = opts.workerUrl ?? new URL('./secret-scan-worker.js', import.meta.url);
  const threads = Math.min(opts.threads ?? Math.min(availableParallelism(), MAX_THREADS), tips.length);
  if (threads >= 2 && tips.length >= PARALLEL_SCAN_FROM && existsSync(fileURLToPath(url))) {
    try {
      const out = await scanInWorkers(archive.dir, tips, known, threads, url);
      if (opts.report) opts.report.threads = threads;
      return out;
    } catch {
      // Scanned again below.
    }
  }
  if (opts.report) opts.report.threads = 1;
  const store = await archive.objects();
  const out: ChainSecret[][] = [];
  const memo = new Map<string, SecretFinding[]>();
  for (const tip of tips) out.push(await scanChainSecrets(store, detector, tip, known, memo));
  return out;
}

function scanInWorkers(dir: string, tips: readonly string[], known: ReadonlySet<string>, threads: number, url: URL): Promise<ChainSecret[][]> {
  return new Promise((resolve, reject) => {
    const results: Array<ChainSecret[] | undefined> = new Array(tips.length);
    let done = 0;
    let over = false;
    const workers: Worker[] = [];
    const finish = (err?: Error) => {
      if (over) return;
      over = true;
      for (const w of workers) void w.terminate().catch(() => undefined);
      if (err) reject(err);
      else resolve(results as ChainSecret[][]);
    };
    // Each thread takes a contiguous run of the chains, in order: packs lay
    // chains out in ref order, so neighbouring chains share frames, and a
    // frame decoded by one thread is rarely needed by the other.
    const runs = Array.from({ length: threads }, (_, k) => ({ at: Math.floor((k * tips.length) / threads), end: Math.floor(((k + 1) * tips.length) / threads) }));
    /** Per thread, whether it was told to stop (its run is done): only then may it exit. */
    const stopped: boolean[] = new Array(threads).fill(false);
    const feed = (w: Worker, k: number) => {
      const run = runs[k]!;
      const msg: ScanWorkerRequest = run.at < run.end ? { i: run.at, tip: tips[run.at++]! } : { stop: true };
      if ('stop' in msg) stopped[k] = true;
      w.postMessage(msg);
    };
    const knownList = [...known];
    for (let k = 0; k < threads; k++) {
      let w: Worker;
      try {
        w = new Worker(url, { workerData: { dir, known: knownList } });
      } catch (err) {
        finish(err as Error);
        return;
      }
      workers.push(w);
      w.on('message', (reply: ScanWorkerReply) => {
        if ('error' in reply) return finish(new Error(reply.error));
        if ('found' in reply) {
          results[reply.i] = reply.found;
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
