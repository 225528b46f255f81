// tapes hash-object: compute (and with -w store) the id of a blob or record.
import type { Argv } from 'yargs';
import { UsageError } from '../src/errors/index.js';
import type { CommandArgs } from './lib/run-context.js';
import { readAll } from './lib/io.js';
import { hashedJson } from '../src/view/json/plumbing.js';

interface Args extends CommandArgs {
  type: 'blob' | 'record';
  w?: boolean;
  stdin?: boolean;
  json?: boolean;
  file?: string[];
}

export function builder(y: Argv) {
  return y.check((a) => {
    if (!a.stdin && (!a.file || (a.file as string[]).length === 0)) throw new UsageError('Name a file or use --stdin.');
    return true;
  });
}

export async function handler(args: Args): Promise<void> {
  const { promises: fs } = await import('node:fs');
  const { hashObject, WriteQueue } = await import('../src/archive/index.js');
  const { InvalidInputError, NotFoundError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  const archive = args.w ? await ctx.archive() : undefined;
  const queue = archive ? new WriteQueue(await archive.objectWriter()) : undefined;
  const inputs: Array<{ what: string; path?: string }> = [];
  if (args.stdin) inputs.push({ what: '<stdin>' });
  for (const f of args.file ?? []) inputs.push({ what: f, path: ctx.path(f) });
  const results = [];
  for (const input of inputs) {
    let bytes: Uint8Array;
    if (input.path === undefined) {
      bytes = await readAll(ctx.io.stdin);
    } else {
      try {
        bytes = await fs.readFile(input.path);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT') throw new NotFoundError(`cannot read ${input.what}: no such file`, { path: input.path });
        if (e.code === 'EISDIR') throw new InvalidInputError(`cannot read ${input.what}: it is a directory`, { path: input.path });
        throw new InvalidInputError(`cannot read ${input.what}: ${e.message}`, { path: input.path });
      }
    }
    const r = await hashObject(queue, args.type, bytes, input.what);
    results.push(hashedJson(r, input.what));
  }
  // Ids are printed once every object is on disk, as git does after writing.
  await queue?.flush();
  if (args.json) await ctx.jsonLines(results);
  else await ctx.write(results.map((r) => r.id + '\n').join(''));
}
