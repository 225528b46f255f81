// A worker thread of push's secret scan (secret-scan.ts): it opens the
// archive read-only by its directory, builds the same detector from its
// config, and scans each chain it is handed, answering with the findings.
// Scanning is most of a large push's time and splits by chain, so two
// threads on two cores halve it; nothing is written here.
import { parentPort, workerData } from 'node:worker_threads';
import type { SecretFinding } from '../record/index.js';
import { Archive } from './archive.js';
import { archiveSecretDetector, scanChainSecrets, type ChainSecret } from './secrets.js';

export type ScanWorkerRequest = { i: number; tip: string } | { stop: true };
export type ScanWorkerReply = { i: number; found: ChainSecret[] } | { i: number; error: string } | { ready: true };

const port = parentPort;
if (port) {
  const { dir, known } = workerData as { dir: string; known: string[] };
  const knownSet = new Set(known);
  // This thread's chains share blobs (system prompts, tool outputs read again): each is scanned once.
  const memo = new Map<string, SecretFinding[]>();
  const setUp = (async () => {
    const archive = await Archive.openAt(dir, { readOnly: true });
    return { store: await archive.objects(), detector: await archiveSecretDetector(dir) };
  })();
  port.on('message', (msg: ScanWorkerRequest) => {
    if ('stop' in msg) {
      port.close();
      return;
    }
    void setUp
      .then(({ store, detector }) => scanChainSecrets(store, detector, msg.tip, knownSet, memo))
      .then(
        (found) => port.postMessage({ i: msg.i, found } satisfies ScanWorkerReply),
        (err: unknown) => port.postMessage({ i: msg.i, error: (err as Error).message } satisfies ScanWorkerReply),
      );
  });
  port.postMessage({ ready: true } satisfies ScanWorkerReply);
}
