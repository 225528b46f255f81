// tapes tag: name a checkpoint (refs/tags/<name>), list tags, delete one.
import type { CommandArgs } from './lib/run-context.js';
import { deletedTagJson } from '../src/view/json/refs.js';

interface Args extends CommandArgs {
  name?: string;
  rev?: string;
  list?: boolean;
  delete?: boolean;
  message?: string;
  force?: boolean;
  n?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { createTag, deleteTag, listTags } = await import('../src/archive/tag.js');
  const ctx = args.ctx;
  const io = ctx.io;
  const words = [args.name, args.rev, ...args._].filter((w): w is string => w !== undefined);
  const archive = await ctx.archive();

  if (args.delete) {
    if (words.length === 0) throw new UsageError('tag -d needs the name of a tag');
    const deleted = [];
    for (const name of words) deleted.push(await deleteTag(archive, name));
    if (args.json) return ctx.jsonLines(deleted.map(deletedTagJson));
    for (const d of deleted) await ctx.write(`Deleted tag ${d.name} (was ${d.id.slice(0, 12)})\n`);
    return;
  }

  if (args.list || args.n || words.length === 0) {
    if (args.message !== undefined || args.force) throw new UsageError('-m and -f create a tag; they do not go with -l');
    const tags = await listTags(archive, words);
    if (args.json) return ctx.jsonLines(tags);
    const width = Math.max(0, ...tags.map((t) => t.name.length));
    const lines = tags.map((t) => (args.n ? `${t.name.padEnd(width)}  ${t.message ?? ''}`.trimEnd() : t.name));
    if (lines.length) await ctx.write(lines.join('\n') + '\n');
    if (tags.length === 0 && words.length > 0) ctx.exitCode = 2;
    return;
  }

  if (words.length > 2) throw new UsageError('tag <name> [<rev>] takes one name and one revision');
  const tag = await createTag(archive, words[0]!, words[1] ?? 'HEAD', { message: args.message, force: args.force });
  if (args.json) return ctx.json(tag);
  if (tag.old !== null && tag.old !== tag.id) io.stderr.write(`Updated tag ${tag.name} (was ${tag.old.slice(0, 12)})\n`);
}
