// The import's second thread (src/archive/search/index-worker.ts), run as it
// is, with a record of what passes between it and BackgroundIndex: each
// message it receives and each reply it sends, one JSON line each, in
// `worker-log` beside the archive's .tapes. A reply's line also says whether
// the search index's write-ahead log was there when the reply was sent: it
// is while a connection is open, and goes when the last one closes.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { dir } = workerData as { dir: string };
const log = join(dir, '..', 'worker-log');
const wal = join(dir, 'index', 'search.sqlite-wal');
const port = parentPort!;
const post = port.postMessage.bind(port);
port.postMessage = (reply: unknown) => {
  appendFileSync(log, JSON.stringify({ reply, wal: existsSync(wal) }) + '\n');
  post(reply);
};
// The worker's own listener, wrapped as it is added: a listener added here
// would start the port before the worker's module has added its own, and
// the messages received meanwhile would never reach it.
type Listen = (event: string, listener: (value: unknown) => void) => unknown;
const on = (port.on as Listen).bind(port);
(port as unknown as { on: Listen }).on = (event, listener) =>
  on(event, event !== 'message' ? listener : (message) => {
    appendFileSync(log, JSON.stringify({ message }) + '\n');
    listener(message);
  });
await import('../../src/archive/search/index-worker.js');
