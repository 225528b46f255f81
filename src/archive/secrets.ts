// The archive's secret detector (built-in rules plus .tapes/config's custom
// rules and allow-list), and what push's scan of the records a remote lacks
// (push-walk.ts) reports: what push uses to refuse sending secrets. The config format is in docs/secrets.md:
//   [secret-rule "acme"]        regex = ACME-[0-9]{6}
//   [secrets]                   allow = aws-access-key:<sha256 hex prefix>
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import { customRule, SecretDetector, type AllowEntry, type SecretRule } from '../record/index.js';
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

/** A secret in a record of a chain: where (record, JSON path, blob) and by which rule; the value only as its digest. */
export interface ChainSecret {
  record: string;
  rule: string;
  path: string;
  blob?: string;
  digest: string;
}
