// `tapes tag`: named checkpoints under refs/tags/. A tag holds the id of the
// object it names (a record, usually), never an object of its own: version 1
// of the format has no tag object type, and a tag that *is* its record keeps
// every reader (log, show, diff, checkout, export, push) working on it as on
// any revision. A message (`-m`) is kept as the reason of the reflog line
// that set the tag, `tag: <message>` (docs/checkout.md explains the choice).
import { NotFoundError, RefConflictError, UsageError } from '../errors/index.js';
import { TAGS_PREFIX, checkFullRefName, shortRefName } from '../refs/index.js';
import type { Archive } from './archive.js';

export const TAG_REASON = 'tag';
const MESSAGE_PREFIX = `${TAG_REASON}: `;

export interface TagInfo {
  /** The short name (without refs/tags/). */
  name: string;
  ref: string;
  id: string;
  /** The object type the tag names. */
  type: string;
  /** The message given when the tag was set here, or null. */
  message: string | null;
  /** When the tag was set here (its last reflog line), or null. */
  time: string | null;
}

export interface TagOptions {
  message?: string;
  /** Move an existing tag. */
  force?: boolean;
}

function tagRef(name: string): string {
  if (name === '' || name.startsWith('-')) throw new UsageError(`'${name}' is not a valid tag name`);
  return checkFullRefName(`${TAGS_PREFIX}${name}`);
}

export async function createTag(archive: Archive, name: string, rev: string, opts: TagOptions = {}): Promise<TagInfo & { old: string | null }> {
  const ref = tagRef(name);
  const { id } = await archive.resolve(rev);
  const old = (await archive.refs.resolve(ref)) ?? null;
  if (old !== null && !opts.force) {
    throw new RefConflictError(`tag '${name}' already exists (at ${old})`, { name: ref, existing: old }, 'Use -f to move it, or -d to delete it first.');
  }
  const message = opts.message?.replace(/[\r\n\t]+/g, ' ').trim();
  await archive.refs.update(ref, id, {
    expectedOld: old,
    reason: message ? MESSAGE_PREFIX + message : TAG_REASON,
    deref: false,
  });
  const [info] = await describeTags(archive, [{ name: ref, id }]);
  return { ...info!, old };
}

export async function deleteTag(archive: Archive, name: string): Promise<{ name: string; id: string }> {
  const ref = tagRef(name);
  const id = await archive.refs.resolve(ref);
  if (id === undefined) throw new NotFoundError(`tag '${name}' not found`, { name: ref });
  await archive.refs.delete(ref, { expectedOld: id, reason: 'tag -d', deref: false });
  return { name, id };
}

/** `*` any run of characters, `?` one; anything else literal (as git's `tag -l`). */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's');
  return re.test(text);
}

/** Every tag, sorted by name; with patterns, those whose short name matches one. */
export async function listTags(archive: Archive, patterns: string[] = []): Promise<TagInfo[]> {
  const refs = await archive.refs.list(TAGS_PREFIX);
  const wanted = patterns.length ? refs.filter((r) => patterns.some((p) => globMatch(p, shortRefName(r.name)))) : refs;
  return describeTags(archive, wanted);
}

async function describeTags(archive: Archive, refs: Array<{ name: string; id: string }>): Promise<TagInfo[]> {
  const store = await archive.objects();
  const out: TagInfo[] = [];
  for (const r of refs) {
    const lines = await archive.refs.readReflog(r.name);
    let last: { reason: string; time: string } | undefined;
    for (const l of lines) if (l.ok && l.entry.new === r.id) last = l.entry;
    const type = await store
      .read(r.id)
      .then((o) => o.type as string)
      .catch(() => 'missing');
    out.push({
      name: shortRefName(r.name),
      ref: r.name,
      id: r.id,
      type,
      message: last?.reason.startsWith(MESSAGE_PREFIX) ? last.reason.slice(MESSAGE_PREFIX.length) : null,
      time: last?.time ?? null,
    });
  }
  return out;
}
