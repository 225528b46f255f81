// Named remotes: [remote "<name>"] sections of .tapes/config, with the URL of
// another archive (a path or file:// URL) or of a git server (http(s)://).
// A URL with credentials in it is refused: config is a plain file that gets
// copied and shown, and credentials come from the environment or a helper.
import { isAbsolute, resolve } from 'node:path';
import { AlreadyExistsError, InvalidInputError, NotFoundError } from '../errors/index.js';
import { REMOTES_PREFIX } from '../refs/index.js';
import type { Archive } from './archive.js';
import {
  editConfigFile,
  parseConfig,
  remoteNameProblem,
  remotesOf,
  removeConfigSection,
  renameConfigSection,
  setConfigValue,
  type RemoteConfig,
} from './config.js';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export type { RemoteConfig } from './config.js';

/** The fetch line written for a remote (informational: the mapping is fixed, see tapes-fetch(1)). */
export function defaultFetchSpec(name: string): string {
  return `+refs/sessions/*:${REMOTES_PREFIX}${name}/sessions/*`;
}

export function checkRemoteName(name: string): string {
  const problem = remoteNameProblem(name);
  if (problem) throw new InvalidInputError(`invalid remote name ${JSON.stringify(name)}: ${problem}`, { name, rule: problem });
  return name;
}

/**
 * The URL to store for what the user typed: http(s):// and file:// URLs as
 * given (after checks), a path made absolute against `cwd`.
 */
export function normalizeRemoteUrl(url: string, cwd: string): string {
  if (url.trim() === '' || /[\u0000-\u001f\u007f]/.test(url)) {
    throw new InvalidInputError(`invalid remote URL ${JSON.stringify(url)}`, { url });
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // scp-like "host:path" (git's ssh shorthand) is not a transport tapes has.
    if (/^[^/\\]*:/.test(url) && !/^[A-Za-z]:[\\/]/.test(url)) {
      throw new InvalidInputError(`unsupported remote URL ${JSON.stringify(url)}: use a path, file://, http:// or https://`, { url });
    }
    return isAbsolute(url) ? resolve(url) : resolve(cwd, url);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`invalid remote URL ${JSON.stringify(url)}`, { url });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InvalidInputError(
      `refusing a remote URL with credentials in it: ${redactUrl(url)}`,
      { url: redactUrl(url) },
      'Credentials are never written to .tapes/config. Give the URL without them and provide\n' +
        'them through the environment or a git credential helper.',
    );
  }
  if (scheme === 'file') {
    if (parsed.host !== '' && parsed.host !== 'localhost') {
      throw new InvalidInputError(`unsupported file URL ${JSON.stringify(url)}: only local paths (file:///path)`, { url });
    }
    return url;
  }
  if (scheme === 'http' || scheme === 'https') return url;
  throw new InvalidInputError(`unsupported remote URL ${JSON.stringify(redactUrl(url))}: use a path, file://, http:// or https://`, {
    url: redactUrl(url),
  });
}

/** A URL with any user name or password replaced by "***", for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, '$1***@');
}

async function currentRemotes(archive: Archive): Promise<RemoteConfig[]> {
  const path = join(archive.dir, 'config');
  return remotesOf(parseConfig(await fs.readFile(path, 'utf8'), path));
}

export async function listRemotes(archive: Archive): Promise<RemoteConfig[]> {
  return currentRemotes(archive);
}

export async function getRemote(archive: Archive, name: string): Promise<RemoteConfig> {
  const r = (await currentRemotes(archive)).find((x) => x.name === name);
  if (!r) throw new NotFoundError(`no such remote: ${name}`, { name }, 'Run "tapes remote -v" to list the remotes.');
  return r;
}

export async function addRemote(archive: Archive, name: string, url: string, cwd: string): Promise<RemoteConfig> {
  checkRemoteName(name);
  const stored = normalizeRemoteUrl(url, cwd);
  await editConfigFile(archive.dir, (text) => {
    if (remotesOf(parseConfig(text, 'config')).some((r) => r.name === name)) {
      throw new AlreadyExistsError(`remote ${name} already exists`, { name }, `Use "tapes remote set-url ${name} <url>" to change its URL.`);
    }
    return setConfigValue(setConfigValue(text, 'remote', name, 'url', stored), 'remote', name, 'fetch', defaultFetchSpec(name));
  });
  return { name, url: stored, fetch: defaultFetchSpec(name) };
}

export async function setRemoteUrl(archive: Archive, name: string, url: string, cwd: string): Promise<RemoteConfig> {
  const stored = normalizeRemoteUrl(url, cwd);
  await getRemote(archive, name);
  await editConfigFile(archive.dir, (text) => setConfigValue(text, 'remote', name, 'url', stored));
  return getRemote(archive, name);
}

/** Removes the remote's section and its remote-tracking refs (refs/remotes/<name>/…). */
export async function removeRemote(archive: Archive, name: string): Promise<void> {
  await getRemote(archive, name);
  await editConfigFile(archive.dir, (text) => removeConfigSection(text, 'remote', name));
  for (const r of await archive.refs.list(`${REMOTES_PREFIX}${name}/`)) {
    await archive.refs.delete(r.name, { expectedOld: r.id, reason: `remote: remove ${name}` });
  }
}

/** Renames the remote's section and moves its remote-tracking refs. */
export async function renameRemote(archive: Archive, from: string, to: string): Promise<void> {
  checkRemoteName(to);
  await getRemote(archive, from);
  if ((await currentRemotes(archive)).some((r) => r.name === to)) {
    throw new AlreadyExistsError(`remote ${to} already exists`, { name: to });
  }
  await editConfigFile(archive.dir, (text) => {
    let next = renameConfigSection(text, 'remote', from, to);
    const fetch = remotesOf(parseConfig(next, 'config')).find((r) => r.name === to)?.fetch;
    if (fetch === defaultFetchSpec(from)) next = setConfigValue(next, 'remote', to, 'fetch', defaultFetchSpec(to));
    return next;
  });
  for (const r of await archive.refs.list(`${REMOTES_PREFIX}${from}/`)) {
    const moved = `${REMOTES_PREFIX}${to}/${r.name.slice(`${REMOTES_PREFIX}${from}/`.length)}`;
    await archive.refs.update(moved, r.id, { expectedOld: null, reason: `remote: rename ${from} to ${to}` });
    await archive.refs.delete(r.name, { expectedOld: r.id, reason: `remote: rename ${from} to ${to}` });
  }
}
