// Every check fsck makes, declared once: the id a finding starts with, the
// area whose bit it sets in the exit status, and its severity. The man page
// (man/tapes-fsck.md) carries the same table, and a test keeps the two equal,
// so a script can rely on an id meaning the same thing in every release.

export type Severity = 'error' | 'warning' | 'info';
export type Area = 'objects' | 'chains' | 'refs';

/** Exit-status bit of each area; only error findings set it. */
export const AREA_BITS: Record<Area, number> = { objects: 1, chains: 2, refs: 4 };

export interface CheckDefinition {
  area: Area;
  severity: Severity;
  /** One line for the man page and `--help` readers. */
  summary: string;
}

export const CHECKS = {
  // objects: one object file, on its own
  badCompression: { area: 'objects', severity: 'error', summary: 'the file is not one well-formed zstd frame of at most 1 MiB' },
  hashMismatch: { area: 'objects', severity: 'error', summary: 'the decompressed bytes do not hash to the id in the file name' },
  badHeader: { area: 'objects', severity: 'error', summary: 'the object header is not "<type> <length>" followed by NUL' },
  badType: { area: 'objects', severity: 'error', summary: 'the object type is neither blob nor record' },
  badLength: { area: 'objects', severity: 'error', summary: 'the header length differs from the body length' },
  unreadableObject: { area: 'objects', severity: 'error', summary: 'the object file cannot be read (permissions, I/O error)' },
  badRecord: { area: 'objects', severity: 'error', summary: 'a record body is not UTF-8 JSON of a valid record (parent, $blob markers)' },
  nonCanonicalRecord: { area: 'objects', severity: 'error', summary: 'a record body is not its canonical JSON (RFC 8785)' },
  badChunkList: { area: 'objects', severity: 'error', summary: 'a blob starting with "tapes-chunks 1" does not parse as a chunk list' },
  strayFile: { area: 'objects', severity: 'warning', summary: 'a file or directory in objects/ that is not named like an object' },
  tempFile: { area: 'objects', severity: 'warning', summary: 'a temporary object file left by an interrupted write' },
  badPack: { area: 'objects', severity: 'error', summary: 'a pack whose header, trailer, checksum or frames are damaged, or an index without its pack' },
  badPackIndex: { area: 'objects', severity: 'error', summary: 'a pack index whose checksum, id order, fan-out or entry bounds are wrong' },
  packWithoutIndex: { area: 'objects', severity: 'warning', summary: 'a pack with no index (left by an interrupted gc; the next gc removes it)' },
  // The archive's files as a whole (the objects bit: its files are what is wrong).
  symlinkInArchive: {
    area: 'objects',
    severity: 'error',
    summary: 'a symbolic link under .tapes (objects, packs, refs, logs, index, HEAD …): never followed, so what it points at is not in the archive',
  },
  // chains: links between objects
  missingParent: { area: 'chains', severity: 'error', summary: "a record's parent is not in the archive" },
  parentNotRecord: { area: 'chains', severity: 'error', summary: "a record's parent is a blob" },
  missingBlob: { area: 'chains', severity: 'error', summary: 'a record references a blob that is not in the archive' },
  blobRefNotBlob: { area: 'chains', severity: 'error', summary: 'a record\'s {"$blob": id} names a record' },
  missingChunk: { area: 'chains', severity: 'error', summary: 'a chunk list names a chunk or nested list that is not in the archive' },
  chunkNotBlob: { area: 'chains', severity: 'error', summary: 'a chunk list names a record' },
  unreachableMissingLink: {
    area: 'chains',
    severity: 'warning',
    summary: 'an unreachable object links to an object that is not in the archive (left by an interrupted write)',
  },
  chunkNotList: { area: 'chains', severity: 'error', summary: 'a chunk list names, as a nested list ("l"), a blob that is not a chunk list' },
  chunkSizeMismatch: { area: 'chains', severity: 'error', summary: 'a chunk or nested list holds a different number of bytes than its list says' },
  dangling: { area: 'chains', severity: 'info', summary: 'an unreachable object that no other object references (shown with --dangling)' },
  unreachable: { area: 'chains', severity: 'info', summary: 'an object not reachable from any ref, HEAD or reflog entry (shown with --unreachable)' },
  // refs: HEAD, refs/, logs/ and lock files
  badRefName: { area: 'refs', severity: 'error', summary: 'a file under refs/ or logs/ whose name is not a valid ref name' },
  badRefContent: { area: 'refs', severity: 'error', summary: 'a ref file under refs/ does not hold an id (only HEAD may be symbolic)' },
  refMissingObject: { area: 'refs', severity: 'error', summary: 'a ref or a detached HEAD points at an object that is not in the archive' },
  refWrongType: { area: 'refs', severity: 'error', summary: 'a session ref or a detached HEAD points at a blob' },
  badHead: { area: 'refs', severity: 'error', summary: 'HEAD holds neither an id nor "ref: refs/sessions/<name>"' },
  badReflogEntry: { area: 'refs', severity: 'error', summary: 'a reflog line does not parse as "<old> <new> <time>TAB<reason>"' },
  reflogMissingObject: { area: 'refs', severity: 'error', summary: 'a reflog entry names an object that is not in the archive' },
  staleLock: { area: 'refs', severity: 'warning', summary: 'a .lock file that blocks updates until it is removed (the detail gives the path)' },
} as const satisfies Record<string, CheckDefinition>;

export type CheckId = keyof typeof CHECKS;

export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export interface Finding {
  severity: Severity;
  id: CheckId;
  area: Area;
  /** The object the finding is about (its file name), for object and chain checks. */
  object?: string;
  /** A path relative to the archive directory (with "/"), for everything else. */
  path?: string;
  detail: string;
}

export function finding(id: CheckId, subject: { object: string } | { path: string }, detail: string): Finding {
  const def: CheckDefinition = CHECKS[id];
  return { severity: def.severity, id, area: def.area, ...subject, detail };
}

/** `<severity> SP <id> SP <object id or path> ":" SP <detail>`, always one line. */
export function formatFinding(f: Finding): string {
  const subject = f.object ?? quotePath(f.path ?? '');
  return `${f.severity} ${f.id} ${subject}: ${escapeControls(f.detail)}`;
}

// A file name can hold anything, even a newline or ": ", and the line must
// still split unambiguously; such names are C-quoted, as git quotes paths.
function quotePath(path: string): string {
  if (!/[\x00-\x1f\x7f"\\]|: /.test(path)) return path;
  return '"' + escapeControls(path.replace(/\\/g, '\\\\').replace(/"/g, '\\"')) + '"';
}

function escapeControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** The exit status: the bits of every area with an error finding. */
export function exitMask(findings: Iterable<Finding>): number {
  let mask = 0;
  for (const f of findings) if (f.severity === 'error') mask |= AREA_BITS[f.area];
  return mask;
}
