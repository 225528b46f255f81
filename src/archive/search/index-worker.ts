// The worker thread of a background index update (background-index.ts).
// It opens the archive by its directory and, for each message, brings the
// session summaries and the search index level with the refs, reading each
// chain once for both (derived-update.ts), then says so. Both are derived
// data kept against the ref tips and written as any other process writes
// them (docs/search.md), so the import that started this thread and the
// thread itself never need to agree on anything else.
import { lstatSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { setFrameCacheBytes } from '../../odb/index.js';
import { loadCodec } from '../../object/index.js';
import { HeadCache } from '../../record/index.js';
import { Archive } from '../archive.js';
import { updateDerivedIndexes } from './derived-update.js';
import type { SessionsMemo } from '../sessions/index.js';
import { openSearchIndex, type DocsMemo, type SearchIndex } from './search-index.js';

export interface IndexWorkerReply {
  ok: boolean;
  message?: string;
  /** The answer to a `close`, not to an update. */
  closed?: boolean;
}

/** An update (the summaries too, or only the search index), or the last word: close the index. */
export type IndexWorkerMessage = { summaries: boolean } | { close: true };

/** Measured on the scale corpus (two runs each): 16 MiB peaked at 292–294 MB, 4 MiB at 279–287 MB and some 7 % slower on a loaded machine. */
const WORKER_FRAME_CACHE_BYTES = 8 * 1024 * 1024;
/**
 * Records' heads kept between chains and updates (some 2 KB each on the
 * scale corpus, 8 MB in all): room for the longest chain of the scale
 * corpus (2,331 records) and the records its resumed sessions add, which
 * the import reads one after another (archive/reading-order.ts).
 */
const WORKER_HEADS = 4096;

const port = parentPort;
if (port) {
  // Each chain is read once, oldest frames first: a small cache serves it, and
  // the import's peak of memory is this thread's and the importing one's together.
  setFrameCacheBytes(WORKER_FRAME_CACHE_BYTES);
  // It decodes a whole import's records: the WebAssembly codec from the first
  // frame, not the JavaScript decoder a short-lived reader starts with
  // (object/compress.ts), which V8 then compiles again and again for nothing.
  loadCodec().catch(() => undefined);
  const { dir, done } = workerData as { dir: string; done?: Int32Array };
  let queue: Promise<void> = Promise.resolve();
  // The docs of the search index as the last update left them: each update
  // checks them against the file (it may have been built again meanwhile)
  // and reads only the rows added since, instead of every row each time.
  const docs: DocsMemo = {};
  // A resumed session's chain begins with its parent's records: read once for both.
  const heads = new HeadCache(WORKER_HEADS);
  // The summaries this thread last wrote: not read back while the file is still that one.
  const sessions: SessionsMemo = {};
  // The index's connection, kept from one update to the next (opening it,
  // setting it up and closing it, which checkpoints its write-ahead log, was
  // some 20 ms an update), while the file at its path is the one it opened.
  let held: { index: SearchIndex; dev: bigint; ino: bigint } | undefined;
  const release = () => {
    held?.index.close();
    held = undefined;
  };
  const openIndex = (archive: Archive): SearchIndex => {
    if (held) {
      const st = lstatSync(held.index.path!, { bigint: true, throwIfNoEntry: false });
      if (st?.isFile() && st.dev === held.dev && st.ino === held.ino) return held.index;
      // Deleted, or built again by another process: this update opens the file there now.
      release();
    }
    const index = openSearchIndex(archive);
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection; the
    // worker's writes append (rowids, FTS5 segments) and touch few pages
    // twice, so 2 MB does as well (measured: \`tapes index --rebuild\` of the
    // scale archive took no longer) and keeps the rest out of an import's peak.
    index.db.pragma('cache_size = -2000');
    const st = index.path === null ? undefined : lstatSync(index.path, { bigint: true, throwIfNoEntry: false });
    if (st?.isFile()) held = { index, dev: st.dev, ino: st.ino };
    return index;
  };
  const update = async (summaries: boolean): Promise<IndexWorkerReply> => {
    const archive = await Archive.openAt(dir);
    const index = openIndex(archive);
    let finished = false;
    try {
      // One chain at a time (a packed import's reads never wait on the disk),
      // each read once for its summary and its search records. A search
      // index held in memory (read-only archive) has nothing to keep current.
      await updateDerivedIndexes(archive, { summaries, index: index.path !== null ? index : undefined, docs, heads, sessions });
      finished = true;
    } finally {
      if (held?.index !== index) index.close();
      // An update that failed leaves a connection in whatever state: opened afresh next time.
      else if (!finished) release();
    }
    return { ok: true };
  };
  port.on('message', (msg: IndexWorkerMessage) => {
    queue = queue.then(async () => {
      if ('close' in msg) {
        // The import is done: the connection closes (and checkpoints its log) before the thread ends.
        release();
        port.postMessage({ ok: true, closed: true } satisfies IndexWorkerReply);
        return;
      }
      let reply: IndexWorkerReply;
      try {
        reply = await update(msg.summaries);
      } catch (err) {
        reply = { ok: false, message: (err as Error).message };
      }
      // Counted where the importing thread reads it without its event loop (BackgroundIndex.idle).
      if (done) Atomics.add(done, 0, 1);
      port.postMessage(reply);
    });
  });
}
