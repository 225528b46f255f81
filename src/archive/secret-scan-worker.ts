// A worker thread of push's walk (secret-scan.ts, push-walk.ts): it opens
// the archive read-only by its directory, builds the same detector from its
// config when it scans, and walks each chain it is handed, claiming records
// and blobs in the table it shares with the other threads, answering with
// what it read and found. Nothing is written here.
import { parentPort, workerData } from 'node:worker_threads';
import { Archive } from './archive.js';
import { LocalClaims, SharedClaims, remoteHas, walkChain, type ChainWalk, type WalkContext } from './push-walk.js';
import { archiveSecretDetector } from './secrets.js';

export type ScanWorkerRequest = { i: number; tip: string } | { stop: true };
export type ScanWorkerReply = { i: number; walk: ChainWalk } | { i: number; error: string } | { ready: true };

interface Data {
  dir: string;
  known: string[];
  scan: boolean;
  /** The claim table shared by the threads (SharedClaims); absent, this thread claims alone. */
  claims?: SharedArrayBuffer;
  remoteObjects?: string;
}

const port = parentPort;
if (port) {
  const data = workerData as Data;
  const setUp = (async (): Promise<WalkContext> => {
    const archive = await Archive.openAt(data.dir, { readOnly: true });
    const detector = data.scan ? await archiveSecretDetector(data.dir) : undefined;
    return {
      store: await archive.objects(),
      detector,
      known: new Set(data.known),
      claims: data.claims ? new SharedClaims(data.claims) : new LocalClaims(),
      // This thread's chains share blobs (system prompts, tool outputs read again): each is scanned once.
      blobFindings: new Map(),
      remoteHas: remoteHas(detector, data.remoteObjects),
    };
  })();
  port.on('message', (msg: ScanWorkerRequest) => {
    if ('stop' in msg) {
      port.close();
      return;
    }
    void setUp
      .then((ctx) => walkChain(ctx, msg.tip))
      .then(
        (walk) => port.postMessage({ i: msg.i, walk } satisfies ScanWorkerReply),
        (err: unknown) => port.postMessage({ i: msg.i, error: (err as Error).message } satisfies ScanWorkerReply),
      );
  });
  port.postMessage({ ready: true } satisfies ScanWorkerReply);
}
