// tapes hash-object: compute (and with -w store) the id of a blob or record.
import type { Argv } from 'yargs';
import { UsageError } from '../src/errors/index.js';
import { json, openArchive, readAll, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  type: 'blob' | 'record';
  w?: boolean;
  stdin?: boolean;
  json?: boolean;
  file?: string[];
}

export const command = 'hash-object [file..]';
export const describe = 'Compute the id of a blob or record, and with -w store it';

export function builder(y: Argv) {
  return y
    .positional('file', { type: 'string', array: true, describe: 'Files to hash' })
    .option('t', { alias: 'type', choices: ['blob', 'record'], default: 'blob', describe: 'Object type' })
    .option('w', { type: 'boolean', describe: 'Write the object into the archive' })
    .option('stdin', { type: 'boolean', describe: 'Read the object from standard input' })
    .option('json', { type: 'boolean', describe: 'Print results as JSON' })
    .check((a) => {
      if (!a.stdin && (!a.file || (a.file as string[]).length === 0)) throw new UsageError('Name a file or use --stdin.');
      return true;
    });
}

export async function handler(args: Args): Promise<void> {
  const { promises: fs } = await import('node:fs');
  const { resolve } = await import('node:path');
  const { hashObject, workingDir, WriteQueue } = await import('../src/archive/index.js');
  const { InvalidInputError, NotFoundError } = await import('../src/errors/index.js');
  const io = args.state.io;
  const archive = args.w ? await openArchive(args) : undefined;
  const queue = archive ? new WriteQueue(await archive.objectWriter()) : undefined;
  const cwd = workingDir({ cwd: io.cwd, env: io.env, chdir: args.C });
  const inputs: Array<{ what: string; path?: string }> = [];
  if (args.stdin) inputs.push({ what: '<stdin>' });
  for (const f of args.file ?? []) inputs.push({ what: f, path: resolve(cwd, f) });
  const results = [];
  for (const input of inputs) {
    let bytes: Uint8Array;
    if (input.path === undefined) {
      bytes = await readAll(io.stdin);
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
    results.push({ ...r, input: input.what });
  }
  // Ids are printed once every object is on disk, as git does after writing.
  await queue?.flush();
  if (args.json) await write(io.stdout, json(results));
  else await write(io.stdout, results.map((r) => r.id + '\n').join(''));
}
