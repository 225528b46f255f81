// .tapes/config in git-config syntax: [section] or [section "sub"] headers and
// `key = value` lines. Only what tapes reads is interpreted; everything else
// is kept as written.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { BadArchiveError } from '../errors/index.js';
import { LockFile } from '../refs/index.js';

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

// ---- Writing ---------------------------------------------------------------
// Edits work on the text, line by line, so that comments, unknown sections and
// their layout survive; the whole file is replaced through config.lock
// (create-exclusive, write, fsync, rename), so a crash leaves the old or the
// new file, never half of one, and two writers never lose an edit.

export interface RemoteConfig {
  name: string;
  url: string;
  fetch?: string;
}

/** The remotes a config names, in the order their sections appear. */
export function remotesOf(config: Config): RemoteConfig[] {
  const out: RemoteConfig[] = [];
  for (const [key, value] of config) {
    const m = /^remote\.(.+)\.url$/.exec(key);
    if (!m) continue;
    const fetch = config.get(`remote.${m[1]}.fetch`);
    out.push({ name: m[1]!, url: value, ...(fetch !== undefined ? { fetch } : {}) });
  }
  return out;
}

/** The rule a remote name breaks, or undefined: it becomes one part of refs/remotes/<name>/…. */
export function remoteNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return 'a remote name is letters, digits, ".", "_" and "-", starting with a letter or digit';
  if (name.includes('..')) return 'a remote name cannot contain ".."';
  if (name.endsWith('.lock') || name.endsWith('.')) return 'a remote name cannot end with "." or ".lock"';
  return undefined;
}

function headerOf(line: string): { section: string; sub?: string } | undefined {
  const head = /^\s*\[([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\]\s*$/.exec(line);
  if (!head) return undefined;
  return { section: head[1]!.toLowerCase(), sub: head[2]?.replace(/\\(.)/g, '$1') };
}

function quoteSub(sub: string): string {
  return sub.replace(/[\\"]/g, (c) => '\\' + c);
}

function quoteValue(value: string): string {
  if (/^[^\s"#;\\]([^"#;\\\n]*[^\s"#;\\])?$/.test(value)) return value;
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

/** [start, end) line ranges of every `[section "sub"]` block. */
function blocks(lines: string[], section: string, sub: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    const h = headerOf(lines[i]!);
    if (!h || h.section !== section || h.sub !== sub) continue;
    let j = i + 1;
    while (j < lines.length && !headerOf(lines[j]!)) j++;
    out.push([i, j]);
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Removes every `[section "sub"]` block. */
export function removeConfigSection(text: string, section: string, sub: string): string {
  const lines = splitLines(text);
  for (const [s, e] of blocks(lines, section, sub).reverse()) lines.splice(s, e - s);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Renames every `[section "from"]` block to `[section "to"]`. */
export function renameConfigSection(text: string, section: string, from: string, to: string): string {
  const lines = splitLines(text);
  for (const [s] of blocks(lines, section, from)) lines[s] = `[${section} "${quoteSub(to)}"]`;
  return lines.join('\n') + '\n';
}

/** Sets `key` in `[section "sub"]` (the last such line, or a new one; the block is added when absent). */
export function setConfigValue(text: string, section: string, sub: string, key: string, value: string): string {
  const lines = splitLines(text);
  const found = blocks(lines, section, sub);
  const line = `\t${key} = ${quoteValue(value)}`;
  if (found.length === 0) {
    lines.push(`[${section} "${quoteSub(sub)}"]`, line);
    return lines.join('\n') + '\n';
  }
  for (const [s, e] of [...found].reverse()) {
    for (let i = e - 1; i > s; i--) {
      const kv = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(=|$)/.exec(lines[i]!);
      if (kv && kv[1]!.toLowerCase() === key.toLowerCase()) {
        lines[i] = line;
        return lines.join('\n') + '\n';
      }
    }
  }
  const [, end] = found[found.length - 1]!;
  lines.splice(end, 0, line);
  return lines.join('\n') + '\n';
}

/**
 * Rewrites `<archive>/config` under config.lock: `edit` gets the current text
 * (read while the lock is held) and returns the new one, which is parsed
 * before it replaces the file, so an edit can never make the archive unreadable.
 */
export async function editConfigFile(archiveDir: string, edit: (text: string) => string): Promise<Config> {
  const path = join(archiveDir, 'config');
  const lock = await LockFile.acquire(path, { what: 'config' });
  try {
    const next = edit(await fs.readFile(path, 'utf8'));
    const parsed = parseConfig(next, path);
    await lock.commit(next);
    return parsed;
  } finally {
    await lock.release();
  }
}

export interface ConfigEntry {
  /** Lower-case section name and its sub-section as written. */
  section: string;
  sub?: string;
  key: string;
  value: string;
  /** 1-based line, for errors that name where a value was written. */
  line: number;
}

/** Every `key = value` line in order, repeats kept (the Map of parseConfig keeps only the last). */
export function configEntries(text: string, path: string): ConfigEntry[] {
  parseConfig(text, path);
  const out: ConfigEntry[] = [];
  let head: { section: string; sub?: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const h = headerOf(line);
    if (h) {
      head = h;
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line)!;
    out.push({ ...head!, key: kv[1]!.toLowerCase(), value: configValue(kv[2] ?? 'true'), line: i + 1 });
  });
  return out;
}
