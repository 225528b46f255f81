// .tapes/config in git-config syntax: [section] or [section "sub"] headers and
// `key = value` lines. Only what tapes reads is interpreted; everything else
// is kept as written.
import { BadArchiveError } from '../errors/index.js';

export type Config = Map<string, string>; // "section.sub.key" (section and key lower-case) -> value

export function parseConfig(text: string, path: string): Config {
  const out: Config = new Map();
  let section: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\]$/.exec(line);
    if (head) {
      section = head[1]!.toLowerCase() + (head[2] !== undefined ? '.' + head[2].replace(/\\(.)/g, '$1') : '');
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!kv || section === undefined) {
      throw new BadArchiveError(`${path}:${i + 1}: cannot parse config line: ${raw}`, { path, line: i + 1 });
    }
    let value = kv[2] ?? 'true';
    value = value.replace(/\s+[#;].*$/, '');
    if (/^".*"$/.test(value)) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    out.set(`${section}.${kv[1]!.toLowerCase()}`, value);
  });
  return out;
}

export const INITIAL_CONFIG = '[core]\n\tformatVersion = 1\n';
export const FORMAT_VERSION = 1;
