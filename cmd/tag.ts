// tapes tag: name a checkpoint (refs/tags/<name>), list tags, delete one.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  name?: string;
  rev?: string;
  list?: boolean;
  delete?: boolean;
  message?: string;
  force?: boolean;
  n?: boolean;
  json?: boolean;
  _: Array<string | number>;
}

export const command = 'tag [name] [rev]';
export const describe = 'Name a record (a checkpoint), list tags, or delete one';

export function builder(y: Argv) {
  return y
    .positional('name', { type: 'string', describe: 'The tag to create (with -l: a pattern; with -d: the tag to delete)' })
    .positional('rev', { type: 'string', describe: 'What the tag names (default: HEAD)' })
    .option('list', { alias: 'l', type: 'boolean', describe: 'List tags (those matching the patterns given)' })
    .option('delete', { alias: 'd', type: 'boolean', describe: 'Delete the named tags' })
    .option('message', { alias: 'm', type: 'string', requiresArg: true, describe: 'A one-line message kept with the tag' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'Move a tag that already exists' })
    .option('n', { type: 'boolean', describe: 'List tags with their messages (implies -l)' })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .conflicts('list', 'delete')
    .conflicts('delete', ['message', 'force']);
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { createTag, deleteTag, listTags } = await import('../src/archive/tag.js');
  const io = args.state.io;
  const words = [args.name, args.rev, ...args._.slice(1).map(String)].filter((w): w is string => w !== undefined);
  const archive = await openArchive(args);

  if (args.delete) {
    if (words.length === 0) throw new UsageError('tag -d needs the name of a tag');
    const deleted = [];
    for (const name of words) deleted.push(await deleteTag(archive, name));
    if (args.json) return write(io.stdout, json({ deleted: deleted.map((d) => ({ name: d.name, id: d.id })) }));
    for (const d of deleted) await write(io.stdout, `Deleted tag ${d.name} (was ${d.id.slice(0, 12)})\n`);
    return;
  }

  if (args.list || args.n || words.length === 0) {
    if (args.message !== undefined || args.force) throw new UsageError('-m and -f create a tag; they do not go with -l');
    const tags = await listTags(archive, words);
    if (args.json) return write(io.stdout, json(tags));
    const width = Math.max(0, ...tags.map((t) => t.name.length));
    const lines = tags.map((t) => (args.n ? `${t.name.padEnd(width)}  ${t.message ?? ''}`.trimEnd() : t.name));
    if (lines.length) await write(io.stdout, lines.join('\n') + '\n');
    if (tags.length === 0 && words.length > 0) args.state.exitCode = 2;
    return;
  }

  if (words.length > 2) throw new UsageError('tag <name> [<rev>] takes one name and one revision');
  const tag = await createTag(archive, words[0]!, words[1] ?? 'HEAD', { message: args.message, force: args.force });
  if (args.json) return write(io.stdout, json(tag));
  if (tag.old !== null && tag.old !== tag.id) io.stderr.write(`Updated tag ${tag.name} (was ${tag.old.slice(0, 12)})\n`);
}
