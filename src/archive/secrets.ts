// The archive's secret detector (built-in rules plus .tapes/config's custom
// rules and allow-list) and the scan of the records a chain holds beyond a
// set of records already elsewhere — what push uses to refuse sending
// secrets. The config format is in docs/secrets.md:
//   [secret-rule "acme"]        regex = ACME-[0-9]{6}
//   [secrets]                   allow = aws-access-key:<sha256 hex prefix>
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import type { ObjectStore } from '../odb/index.js';
import { readContent } from '../odb/index.js';
import { customRule, readRecord, scanStoredValue, SecretDetector, type AllowEntry, type SecretFinding, type SecretRule } from '../record/index.js';
import { configEntries } from './config.js';

/** The detector for an archive directory: built-in rules, then its custom rules, minus its allow-list. */
export async function archiveSecretDetector(archiveDir: string): Promise<SecretDetector> {
  const path = join(archiveDir, 'config');
  const text = await fs.readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const custom: SecretRule[] = [];
  const allow: AllowEntry[] = [];
  for (const e of configEntries(text, path)) {
    if (e.section === 'secret-rule' && e.key === 'regex') {
      custom.push(customRule({ id: e.sub ?? '', pattern: e.value, source: { path, line: e.line } }));
    } else if (e.section === 'secrets' && e.sub === undefined && e.key === 'allow') {
      const m = /^([a-z0-9-]+):([0-9a-f]{12,64})$/i.exec(e.value);
      if (!m) {
        throw new InvalidInputError(`${path}:${e.line}: secrets.allow ${JSON.stringify(e.value)}: write <rule>:<sha256 hex, 12 digits or more>`, { path, line: e.line });
      }
      allow.push({ rule: m[1]!, digest: m[2]!.toLowerCase() });
    }
  }
  return new SecretDetector(custom, allow);
}

export interface ChainSecret {
  record: string;
  rule: string;
  path: string;
  blob?: string;
  digest: string;
}

/**
 * Secrets in the records from `tip` back to (not including) the first record in
 * `known` (or to the root). One finding per (record, rule, path) is enough to refuse.
 */
export async function scanChainSecrets(
  store: ObjectStore,
  detector: SecretDetector,
  tip: string,
  known: ReadonlySet<string>,
  /** Findings per blob id, shared across the chains one scan reads: each blob is read and scanned once. */
  blobMemo: Map<string, SecretFinding[]> = new Map(),
): Promise<ChainSecret[]> {
  const out: ChainSecret[] = [];
  const get = (id: string): Promise<Uint8Array> => readContent(store, id);
  let id: string | null = tip;
  while (id !== null && !known.has(id)) {
    const rec = await readRecord(store, id);
    const seen = new Set<string>();
    for (const f of await scanStoredValue(detector, rec.value, get, '$', blobMemo)) {
      const k = `${f.rule}\0${f.path}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ record: id, rule: f.rule, path: f.path, digest: f.digest, ...(f.blob ? { blob: f.blob } : {}) });
    }
    id = rec.parent;
  }
  return out;
}
