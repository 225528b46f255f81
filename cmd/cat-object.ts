// tapes cat-object: print an object's content, type or size.
import type { CommandArgs } from './lib/run-context.js';
import { write } from './lib/io.js';

interface Args extends CommandArgs {
  object: string;
  t?: boolean;
  s?: boolean;
  p?: boolean;
  e?: boolean;
  raw?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const ctx = args.ctx;
  const archive = await ctx.archive();
  if (args.e) {
    try {
      const { id } = await archive.resolve(args.object);
      await (await archive.objects()).read(id);
    } catch (err) {
      // Not found (or no such revision) is 2, as everywhere; damaged is 1.
      ctx.exitCode = (err as { exitCode?: number }).exitCode === 2 ? 2 : 1;
    }
    return;
  }
  const { id } = await archive.resolve(args.object);
  const store = await archive.objects();
  if (args.json) {
    const { describeObject } = await import('../src/archive/plumbing.js');
    return ctx.json(await describeObject(archive, id));
  }
  const obj = await store.read(id);
  if (args.t) return ctx.write(obj.type + '\n');
  if (args.s) return ctx.write(obj.body.length + '\n');
  if (args.raw) return ctx.write(obj.body);
  if (args.p && obj.type === 'record') {
    const { parseRecordBody } = await import('../src/record/index.js');
    const { prettyCanonicalJson } = await import('../src/hash/index.js');
    return ctx.write(prettyCanonicalJson(parseRecordBody(obj.body, id).value) + '\n');
  }
  if (obj.type === 'record') return ctx.write(obj.body);
  // A blob, with or without -p: its content, chunk lists expanded (as git's -p prints a blob's content).
  const { streamContent } = await import('../src/odb/index.js');
  await streamContent(store, id, (piece) => write(ctx.io.stdout, piece));
}
