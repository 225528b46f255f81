// tapes cat-object: print an object's content, type or size.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  object: string;
  t?: boolean;
  s?: boolean;
  p?: boolean;
  e?: boolean;
  raw?: boolean;
  json?: boolean;
}

export const command = 'cat-object <object>';
export const describe = 'Print the content, type or size of an object';

export function builder(y: Argv) {
  return y
    .positional('object', { type: 'string', describe: 'Object id, prefix or revision' })
    .option('t', { type: 'boolean', describe: 'Print the object type' })
    .option('s', { type: 'boolean', describe: 'Print the size of the object body in bytes' })
    .option('p', { type: 'boolean', describe: 'Pretty-print: records as indented JSON, blobs as their content' })
    .option('e', { type: 'boolean', describe: 'Print nothing; exit 0 if the object exists and verifies' })
    .option('raw', { type: 'boolean', describe: 'Print the body as stored (a chunked blob: its chunk list)' })
    .option('json', { type: 'boolean', describe: 'Print a JSON description of the object' })
    .conflicts('t', ['s', 'p', 'e', 'raw', 'json'])
    .conflicts('s', ['p', 'e', 'raw', 'json'])
    .conflicts('p', ['e', 'raw', 'json'])
    .conflicts('e', ['raw', 'json'])
    .conflicts('raw', 'json');
}

export async function handler(args: Args): Promise<void> {
  const archive = await openArchive(args);
  const io = args.state.io;
  if (args.e) {
    try {
      const { id } = await archive.resolve(args.object);
      await (await archive.objects()).read(id);
    } catch (err) {
      // Not found (or no such revision) is 2, as everywhere; damaged is 1.
      args.state.exitCode = (err as { exitCode?: number }).exitCode === 2 ? 2 : 1;
    }
    return;
  }
  const { id } = await archive.resolve(args.object);
  const store = await archive.objects();
  if (args.json) {
    const { describeObject } = await import('../src/archive/index.js');
    return write(io.stdout, json(await describeObject(archive, id)));
  }
  const obj = await store.read(id);
  if (args.t) return write(io.stdout, obj.type + '\n');
  if (args.s) return write(io.stdout, obj.body.length + '\n');
  if (args.raw) return write(io.stdout, obj.body);
  if (args.p && obj.type === 'record') {
    const { parseRecordBody } = await import('../src/record/index.js');
    const { prettyCanonicalJson } = await import('../src/hash/index.js');
    return write(io.stdout, prettyCanonicalJson(parseRecordBody(obj.body, id).value) + '\n');
  }
  if (obj.type === 'record') return write(io.stdout, obj.body);
  // A blob, with or without -p: its content, chunk lists expanded (as git's -p prints a blob's content).
  const { streamContent } = await import('../src/odb/index.js');
  await streamContent(store, id, (piece) => write(io.stdout, piece));
}
