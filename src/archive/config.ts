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
    out.set(`${section}.${kv[1]!.toLowerCase()}`, configValue(kv[2] ?? 'true'));
  });
  return out;
}

/** A value with its quotes and escapes undone and a trailing comment (outside quotes) dropped. */
function configValue(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[++i]!;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else if (c === '"') quoted = !quoted;
    else if ((c === '#' || c === ';') && !quoted) break;
    else out += c;
  }
  return out.trim();
}

export const INITIAL_CONFIG = '[core]\n\tformatVersion = 1\n';
export const FORMAT_VERSION = 1;
