// The refs pass: every file under refs/ and logs/, HEAD, and lock files left
// at the top of the archive. It runs after the object pass, so that each ref
// is checked against what is already known about its object, and it marks the
// objects that refs, HEAD and reflog entries name as roots for connectivity.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ZERO_ID } from '../hash/index.js';
import { LOCK_SUFFIX, SESSIONS_PREFIX, parseReflog, parseRefContent, refNameProblem } from '../refs/index.js';
import { finding, type CheckId, type Finding } from './findings.js';
import { NodeFlag, NodeState, NodeType, type ObjectGraph } from './object-graph.js';

interface WalkedFile {
  /** Path below the walked directory, "/"-separated. */
  rel: string;
  abs: string;
}

/** Files below `dir` (symlinks count as files), sorted by path; lock files apart. */
async function walk(dir: string): Promise<{ files: WalkedFile[]; locks: WalkedFile[] }> {
  const files: WalkedFile[] = [];
  const locks: WalkedFile[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childAbs = join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(childAbs, childRel);
      else if (e.name.endsWith(LOCK_SUFFIX)) locks.push({ rel: childRel, abs: childAbs });
      else files.push({ rel: childRel, abs: childAbs });
    }
  };
  await visit(dir, '');
  const byRel = (a: WalkedFile, b: WalkedFile) => Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel));
  return { files: files.sort(byRel), locks: locks.sort(byRel) };
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

  const refs = await walk(join(archiveDir, 'refs'));
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
      text = await fs.readFile(f.abs, 'utf8');
    } catch (err) {
      await say('badRefContent', name, `cannot read the ref: ${(err as Error).message}`);
      continue;
    }
    const value = parseRefValue(name, text);
    if (typeof value === 'string') await say('badRefContent', name, value);
    else if (value.kind === 'id') {
      await checkTarget(name, value.id, { mustBeRecord: name.startsWith(SESSIONS_PREFIX), missing: 'refMissingObject' });
    }
    else if (storedNameProblem(value.target) || value.target === 'HEAD') {
      await say('badRefContent', name, `symbolic ref to ${JSON.stringify(value.target)}, which is not a valid ref name`);
    }
    // A symbolic ref to a ref that does not exist yet is unborn, as HEAD can be.
  }

  await checkHead(archiveDir, say, checkTarget);

  const logs = await walk(join(archiveDir, 'logs'));
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
      text = await fs.readFile(f.abs, 'utf8');
    } catch (err) {
      await say('badReflogEntry', path, `cannot read the reflog: ${(err as Error).message}`);
      continue;
    }
    // Each move's new id is the next move's old id: name a missing object once per reflog.
    const seen = new Set<string>([ZERO_ID]);
    for (const line of parseReflog(text)) {
      if (!line.ok) {
        await say('badReflogEntry', path, `line ${line.line}: ${JSON.stringify(clip(line.text))} is not "<old> <new> <time>TAB<reason>"`);
        continue;
      }
      for (const id of [line.entry.old, line.entry.new]) {
        if (seen.has(id)) continue;
        seen.add(id);
        await checkTarget(path, id, { mustBeRecord: false, missing: 'reflogMissingObject', line: line.line });
      }
    }
  }

  // Lock files: under refs/ and logs/, and beside HEAD and config.
  const locks = [
    ...refs.locks.map((l) => ({ path: `refs/${l.rel}`, abs: l.abs })),
    ...logs.locks.map((l) => ({ path: `logs/${l.rel}`, abs: l.abs })),
  ];
  for (const e of await fs.readdir(archiveDir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory() && e.name.endsWith(LOCK_SUFFIX)) locks.push({ path: e.name, abs: join(archiveDir, e.name) });
  }
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
  let text: string;
  try {
    text = await fs.readFile(join(archiveDir, 'HEAD'), 'utf8');
  } catch (err) {
    // No HEAD yet is an unborn HEAD: `init` does not write one.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    return say('badHead', 'HEAD', `cannot read HEAD: ${(err as Error).message}`);
  }
  const value = parseRefValue('HEAD', text);
  if (typeof value === 'string') return say('badHead', 'HEAD', value);
  if (value.kind === 'id') return checkTarget('HEAD', value.id, { mustBeRecord: true, missing: 'refMissingObject' });
  if (storedNameProblem(value.target) || !value.target.startsWith('refs/')) {
    return say('badHead', 'HEAD', `symbolic ref to ${JSON.stringify(value.target)}, which is not a ref under refs/`);
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
