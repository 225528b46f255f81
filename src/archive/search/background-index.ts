// Keeps the derived indexes current from a second thread while a large
// import runs on the first. A packed import moves its refs at checkpoints
// (archive/import.ts); after each, the worker (index-worker.ts) summarises
// the sessions that moved and indexes their new records, so that at the end
// only the last stretch is left to do. Reading back what was just written
// was a third of a whole-history import when done after it on one core.
// Anything that goes wrong in the worker (it cannot start, it fails) is
// made good by the same update run in this thread at the end: the indexes
// are derived data, and a later search would repair them anyway.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Archive } from '../archive.js';
import type { IndexWorkerMessage, IndexWorkerReply } from './index-worker.js';
import { updateSearchIndexQuietly } from './search-index.js';

/** The worker's heap bound: what a chain's pending texts and the frame cache need, with room. */
const WORKER_HEAP_MB = 64;
/**
 * Its young generation. V8's default (up to 48 MB on 64-bit) is sized for a
 * main thread; the worker's garbage is a record's text at a time and its
 * live set some 10-25 MB, so a small nursery costs a few more scavenges on
 * the second core and keeps some 20 MB out of the import's peak RSS
 * (docs/search.md, "Keeping it current").
 */
const WORKER_YOUNG_MB = 8;

/** How long `finish` waits for the worker to close the index before it ends the worker anyway. */
const CLOSE_WAIT_MS = 10_000;

export class BackgroundIndex {
  private posted = 0;
  private answered = 0;
  private failed = false;
  /** The worker has closed the search index (finish asks it to, last). */
  private closed = false;
  private waiting: (() => void) | undefined;

  private constructor(
    private readonly archive: Archive,
    private readonly worker: Worker | undefined,
    /** [0]: updates the worker has finished, counted by the worker itself (see `idle`). */
    private readonly done: Int32Array,
  ) {
    if (!worker) {
      this.failed = true;
      return;
    }
    worker.on('message', (reply: IndexWorkerReply) => {
      if (reply.closed) this.closed = true;
      else {
        this.answered++;
        if (!reply.ok) this.failed = true;
      }
      this.wake();
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  /**
   * Starts the worker (`url`: its module, beside this one unless a test
   * says otherwise). Without the worker's file (a build that lacks it),
   * the updates all happen in this thread at the end.
   */
  static start(archive: Archive, url = new URL('./index-worker.js', import.meta.url)): BackgroundIndex {
    let worker: Worker | undefined;
    const done = new Int32Array(new SharedArrayBuffer(4));
    if (existsSync(fileURLToPath(url))) {
      try {
        worker = new Worker(url, {
          workerData: { dir: archive.dir, done },
          resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
        });
      } catch {
        worker = undefined;
      }
    }
    return new BackgroundIndex(archive, worker, done);
  }

  /**
   * True when the worker runs and has finished every update asked of it.
   * Read from the count the worker keeps in shared memory, not from its
   * replies: those are messages, and an import busy with synchronous reads
   * and writes seldom returns to its event loop to receive them.
   */
  get idle(): boolean {
    return !this.failed && Atomics.load(this.done, 0) === this.posted;
  }

  /** True when the worker runs (false: everything is left to `finish`). */
  get running(): boolean {
    return !this.failed;
  }

  private fail(): void {
    this.failed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /**
   * Asks for an update (refs moved); returns at once. `summaries`: the
   * session summaries too (index/sessions.json), not only the search index.
   */
  update(summaries = true): void {
    if (this.failed || !this.worker) return;
    this.posted++;
    this.worker.postMessage({ summaries } satisfies IndexWorkerMessage);
  }

  /**
   * Waits for the updates asked for (ask for a last one first); then the
   * worker ends. When it could not do its work, the search index is brought
   * up to date here instead (the caller keeps the summaries itself).
   */
  async finish(): Promise<void> {
    while (!this.failed && this.answered < this.posted) await new Promise<void>((r) => (this.waiting = r));
    // The worker keeps the index open between updates: it closes it (and
    // checkpoints its write-ahead log) before it is ended.
    if (!this.failed && this.worker) {
      this.worker.postMessage({ close: true } satisfies IndexWorkerMessage);
      // Bounded: a worker that does not answer is ended all the same (its
      // writes are transactions; SQLite recovers a log left behind).
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        this.wake();
      }, CLOSE_WAIT_MS);
      while (!this.failed && !this.closed && !late) await new Promise<void>((r) => (this.waiting = r));
      clearTimeout(timer);
    }
    await this.stop();
    if (this.failed) await updateSearchIndexQuietly(this.archive);
  }

  /** Ends the worker, whatever it was doing (its writes are transactions and atomic renames: nothing is left half done). */
  async stop(): Promise<void> {
    if (!this.worker) return;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate().catch(() => undefined);
  }
}
