// tapes update-ref: move or delete a ref, optionally only if it holds an expected value.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  ref: string;
  new?: string;
  old?: string;
  d?: boolean;
  m?: string;
  deref?: boolean;
  json?: boolean;
}

export const command = 'update-ref <ref> [new] [old]';
export const describe = 'Point a ref at an object (compare-and-swap with <old>), or delete it with -d';

export function builder(y: Argv) {
  return y
    .positional('ref', { type: 'string', describe: 'Full ref name (refs/sessions/<name>, refs/tags/<name>, HEAD)' })
    .positional('new', { type: 'string', describe: 'Revision the ref should point at' })
    .positional('old', { type: 'string', describe: 'Value the ref must hold now; 64 zeros or "" if it must not exist' })
    .option('d', { type: 'boolean', describe: 'Delete the ref (then <new> is the expected old value)' })
    .option('m', { type: 'string', requiresArg: true, describe: 'Reason recorded in the reflog' })
    .option('deref', { type: 'boolean', default: true, describe: 'Follow a symbolic HEAD (--no-deref moves HEAD itself)' })
    .option('json', { type: 'boolean', describe: 'Print the move as JSON' })
    .strict();
}

export async function handler(args: Args): Promise<void> {
  const { checkFullRefName, ZERO_ID } = await import('../src/refs/index.js');
  const { checkRefTarget } = await import('../src/archive/index.js');
  const { UsageError } = await import('../src/errors/index.js');
  checkFullRefName(args.ref);
  const archive = await openArchive(args);
  const expected = async (rev: string | undefined): Promise<string | null | undefined> => {
    if (rev === undefined) return undefined;
    if (rev === '' || rev === ZERO_ID) return null;
    return (await archive.resolve(rev)).id;
  };
  const reason = args.m ?? `update-ref${args.d ? ' -d' : ''}`;
  let result;
  if (args.d) {
    if (args.old !== undefined) throw new UsageError('with -d, give at most one value: the expected old one');
    result = await archive.refs.delete(args.ref, { expectedOld: await expected(args.new), reason, deref: args.deref });
  } else {
    if (args.new === undefined) throw new UsageError('name the revision the ref should point at (or -d to delete it)');
    const { id } = await archive.resolve(args.new);
    const target = args.deref === false ? args.ref : (await archive.refs.follow(args.ref)).name;
    await checkRefTarget(archive, target, id);
    result = await archive.refs.update(args.ref, id, { expectedOld: await expected(args.old), reason, deref: args.deref });
  }
  if (args.json) await write(args.state.io.stdout, json(result));
}
