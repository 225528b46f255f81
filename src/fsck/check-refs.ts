// The refs pass: every file under refs/ and logs/, HEAD, and lock files left
// at the top of the archive. It runs after the object pass, so that each ref
// is checked against what is already known about its object, and it marks the
// objects that refs, HEAD and reflog entries name as roots for connectivity.
// A link is never read through: it is one symlinkInArchive finding.
import { join } from 'node:path';
import { ZERO_ID } from '../hash/index.js';
import { entryKind, readBounded } from '../odb/index.js';
import {
  LOCK_SUFFIX,
  MAX_REFLOG_FILE_SIZE,
  MAX_REF_FILE_SIZE,
  SESSIONS_PREFIX,
  compareBytes,
  holdsChain,
  listRefFiles,
  listTopLevelLocks,
  parseReflog,
  parseRefContent,
  refNameProblem,
  type RefFile,
  type UnlistableDir,
} from '../refs/index.js';
import { symlinkFinding } from './check-links.js';
import { finding, type CheckId, type Finding } from './findings.js';
import { NodeFlag, NodeState, NodeType, type ObjectGraph } from './object-graph.js';

/** Files of refs/ or logs/ as the refs layer lists them, sorted by path bytes; lock files apart. */
function walk(archiveDir: string, area: 'refs' | 'logs'): { files: RefFile[]; locks: RefFile[]; unlistable: UnlistableDir[] } {
  const { files, locks, unlistable } = listRefFiles(archiveDir, area);
  const byRel = (a: { rel: string }, b: { rel: string }) => compareBytes(a.rel, b.rel);
  return { files: files.sort(byRel), locks: locks.sort(byRel), unlistable: unlistable.sort(byRel) };
}

/**
 * A ref's or reflog's text, read without following a link, without blocking
 * on a FIFO and without reading past `max` bytes; or why it cannot be read.
 */
function readText(f: RefFile, max: number): { text: string } | { problem: string } {
  if (f.type === 'other') return { problem: 'not a regular file' };
  const r = readBounded(f.abs, max);
  if (r.ok) return { text: r.bytes.toString('utf8') };
  if (r.why === 'tooLarge') return { problem: `the file ${r.message}, far longer than any it can hold` };
  return { problem: r.message };
}

/** The rule a stored ref name breaks (HEAD, or refs/<area>/<name>), if any. */
function storedNameProblem(name: string): string | undefined {
  if (name === 'HEAD') return undefined;
  const problem = refNameProblem(name);
  if (problem) return problem;
  if (!name.startsWith('refs/') || name.split('/').length < 3) return 'a stored ref is HEAD or refs/<area>/<name>';
  return undefined;
}

type TargetCheck = (
  path: string,
  id: string,
  opts: { mustBeRecord: boolean; missing: CheckId; line?: number },
) => Promise<void>;

export interface RefsSummary {
  refs: number;
  reflogs: number;
}

export async function checkRefs(
  archiveDir: string,
  graph: ObjectGraph,
  report: (f: Finding) => Promise<void>,
): Promise<RefsSummary> {
  const summary: RefsSummary = { refs: 0, reflogs: 0 };
  const say = (id: CheckId, path: string, detail: string) => report(finding(id, { path }, detail));

  // Marks `id` as a root and says whether it is there with the right type.
  const checkTarget: TargetCheck = async (path, id, opts) => {
    const n = graph.node(id);
    graph.flags[n]! |= NodeFlag.Root | NodeFlag.UsedAsContent;
    const state = graph.state[n];
    const names = opts.line === undefined ? 'points at' : `line ${opts.line} names`;
    if (state === NodeState.Absent) return say(opts.missing, path, `${names} ${id}, which is not in the archive`);
    // An unreadable object has its own finding; its type is unknown.
    if (state !== NodeState.Ok || !opts.mustBeRecord || graph.type[n] === NodeType.Record) return;
    await say('refWrongType', path, `${names} ${id}, which is a blob; it must point at a record`);
  };

  const refs = walk(archiveDir, 'refs');
  await reportUnlistable(refs.unlistable, 'refs', 'badRefContent', say);
  for (const f of refs.files) {
    const name = `refs/${f.rel}`;
    summary.refs++;
    if (f.type === 'symlink') {
      await report(symlinkFinding(name, f.abs));
      continue;
    }
    const problem = storedNameProblem(name);
    if (problem) {
      await say('badRefName', name, `${problem}; tapes cannot read or update this ref`);
      continue;
    }
    const read = readText(f, MAX_REF_FILE_SIZE);
    if ('problem' in read) {
      await say('badRefContent', name, `cannot read the ref: ${read.problem}`);
      continue;
    }
    const value = parseRefValue(name, read.text);
    if (typeof value === 'string') {
      await say('badRefContent', name, value);
    } else if (value.kind === 'id') {
      await checkTarget(name, value.id, { mustBeRecord: holdsChain(name), missing: 'refMissingObject' });
    } else {
      // docs/format.md §7: in format version 1 only HEAD is symbolic, and
      // commands that list refs skip symbolic ones, so such a ref is invisible.
      await say('badRefContent', name, `symbolic ref to ${JSON.stringify(clip(value.target))}; only HEAD may be symbolic`);
    }
  }

  await checkHead(archiveDir, say, checkTarget);

  const logs = walk(archiveDir, 'logs');
  await reportUnlistable(logs.unlistable, 'logs', 'badReflogEntry', say);
  for (const f of logs.files) {
    const path = `logs/${f.rel}`;
    summary.reflogs++;
    if (f.type === 'symlink') {
      await report(symlinkFinding(path, f.abs));
      continue;
    }
    const problem = storedNameProblem(f.rel);
    if (problem) {
      await say('badRefName', path, `reflog of an invalid ref name: ${problem}`);
      continue;
    }
    const read = readText(f, MAX_REFLOG_FILE_SIZE);
    if ('problem' in read) {
      await say('badReflogEntry', path, `cannot read the reflog: ${read.problem}`);
      continue;
    }
    // Each move's new id is the next move's old id: name a missing object once per reflog.
    const seen = new Set<string>([ZERO_ID]);
    const lines = parseReflog(read.text);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line.ok) {
        await say('badReflogEntry', path, `line ${line.line}: ${JSON.stringify(clip(line.text))} is not "<old> <new> <time>TAB<reason>"`);
        continue;
      }
      for (const id of [line.entry.old, line.entry.new]) {
        if (seen.has(id)) continue;
        seen.add(id);
        await checkTarget(path, id, { mustBeRecord: false, missing: 'reflogMissingObject', line: i + 1 });
      }
    }
  }

  // Lock files: under refs/ and logs/, and beside HEAD and config.
  const locks = [
    ...refs.locks.map((l) => ({ path: `refs/${l.rel}`, abs: l.abs })),
    ...logs.locks.map((l) => ({ path: `logs/${l.rel}`, abs: l.abs })),
  ];
  // (An unlistable archive directory lists none: the refs above already said what they could.)
  for (const l of listTopLevelLocks(archiveDir)) locks.push({ path: l.rel, abs: l.abs });
  locks.sort((a, b) => compareBytes(a.path, b.path));
  for (const l of locks) {
    await say(
      'staleLock',
      l.path,
      `lock file blocks updates of ${l.path.slice(0, -LOCK_SUFFIX.length)}; if no tapes process is running, remove it: rm '${l.abs}'`,
    );
  }
  return summary;
}

async function checkHead(
  archiveDir: string,
  say: (id: CheckId, path: string, detail: string) => Promise<void>,
  checkTarget: TargetCheck,
): Promise<void> {
  const path = join(archiveDir, 'HEAD');
  const kind = entryKind(path);
  // No HEAD yet is an unborn HEAD (`init` does not write one); a link is
  // named with the archive's other top-level entries (check-links.ts).
  if (kind === 'missing' || kind === 'symlink') return;
  const read = readText({ rel: 'HEAD', abs: path, type: kind === 'file' ? 'file' : 'other' }, MAX_REF_FILE_SIZE);
  if ('problem' in read) return say('badHead', 'HEAD', `cannot read HEAD: ${read.problem}`);
  const value = parseRefValue('HEAD', read.text);
  if (typeof value === 'string') return say('badHead', 'HEAD', value);
  if (value.kind === 'id') return checkTarget('HEAD', value.id, { mustBeRecord: true, missing: 'refMissingObject' });
  if (storedNameProblem(value.target) || !value.target.startsWith(SESSIONS_PREFIX)) {
    return say('badHead', 'HEAD', `symbolic ref to ${JSON.stringify(clip(value.target))}, which is not a session ref (refs/sessions/…)`);
  }
}

/**
 * Directories of refs/ or logs/ that could not be listed: the refs or reflogs
 * in them are unknown. refs/ or logs/ being a link is named with the
 * archive's top-level entries instead (check-links.ts).
 */
async function reportUnlistable(
  dirs: UnlistableDir[],
  area: 'refs' | 'logs',
  id: CheckId,
  say: (id: CheckId, path: string, detail: string) => Promise<void>,
): Promise<void> {
  for (const d of dirs) {
    if (d.rel === '' && entryKind(d.abs) === 'symlink') continue;
    const what = area === 'refs' ? 'the refs' : 'the reflogs';
    await say(id, d.rel ? `${area}/${d.rel}` : area, `cannot list the directory, so ${what} in it are unknown: ${d.message}`);
  }
}

/** The ref's value, or what is wrong with its content. */
function parseRefValue(name: string, text: string): ReturnType<typeof parseRefContent> | string {
  try {
    return parseRefContent(name, text);
  } catch {
    return `content ${JSON.stringify(clip(text))} is neither "<64 hex id>" nor "ref: <ref name>"`;
  }
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
