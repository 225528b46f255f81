// The refs pass: every file under refs/ and logs/, HEAD, and lock files left
// at the top of the archive. It runs after the object pass, so that each ref
// is checked against what is already known about its object, and it marks the
// objects that refs, HEAD and reflog entries name as roots for connectivity.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZERO_ID } from '../hash/index.js';
import {
  LOCK_SUFFIX,
  SESSIONS_PREFIX,
  holdsChain,
  listRefFiles,
  listTopLevelLocks,
  parseReflog,
  parseRefContent,
  refNameProblem,
  type RefFile,
} from '../refs/index.js';
import { finding, type CheckId, type Finding } from './findings.js';
import { NodeFlag, NodeState, NodeType, type ObjectGraph } from './object-graph.js';

/** Files of refs/ or logs/ as the refs layer lists them, sorted by path bytes; lock files apart. */
function walk(archiveDir: string, area: 'refs' | 'logs'): { files: RefFile[]; locks: RefFile[] } {
  const { files, locks } = listRefFiles(archiveDir, area);
  const byRel = (a: RefFile, b: RefFile) => Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel));
  return { files: files.sort(byRel), locks: locks.sort(byRel) };
}

/** A regular file or a symlink is read; anything else (FIFO, socket) is not opened. */
function readRegular(f: RefFile): string {
  if (f.type === 'other') throw new Error('not a regular file');
  return readFileSync(f.abs, 'utf8');
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
  for (const f of refs.files) {
    const name = `refs/${f.rel}`;
    summary.refs++;
    const problem = storedNameProblem(name);
    if (problem) {
      await say('badRefName', name, `${problem}; tapes cannot read or update this ref`);
      continue;
    }
    let text: string;
    try {
      text = readRegular(f);
    } catch (err) {
      await say('badRefContent', name, `cannot read the ref: ${(err as Error).message}`);
      continue;
    }
    const value = parseRefValue(name, text);
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
  for (const f of logs.files) {
    const path = `logs/${f.rel}`;
    summary.reflogs++;
    const problem = storedNameProblem(f.rel);
    if (problem) {
      await say('badRefName', path, `reflog of an invalid ref name: ${problem}`);
      continue;
    }
    let text: string;
    try {
      text = readRegular(f);
    } catch (err) {
      await say('badReflogEntry', path, `cannot read the reflog: ${(err as Error).message}`);
      continue;
    }
    // Each move's new id is the next move's old id: name a missing object once per reflog.
    const seen = new Set<string>([ZERO_ID]);
    const lines = parseReflog(text);
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
  locks.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
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
  let text: string;
  try {
    const st = lstatSync(path);
    text = readRegular({ rel: 'HEAD', abs: path, type: st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other' });
  } catch (err) {
    // No HEAD yet is an unborn HEAD: `init` does not write one.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    return say('badHead', 'HEAD', `cannot read HEAD: ${(err as Error).message}`);
  }
  const value = parseRefValue('HEAD', text);
  if (typeof value === 'string') return say('badHead', 'HEAD', value);
  if (value.kind === 'id') return checkTarget('HEAD', value.id, { mustBeRecord: true, missing: 'refMissingObject' });
  if (storedNameProblem(value.target) || !value.target.startsWith(SESSIONS_PREFIX)) {
    return say('badHead', 'HEAD', `symbolic ref to ${JSON.stringify(clip(value.target))}, which is not a session ref (refs/sessions/…)`);
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
