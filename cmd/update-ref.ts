// tapes update-ref: move or delete a ref, optionally only if it holds an expected value.
import type { CommandArgs } from './lib/run-context.js';

interface Args extends CommandArgs {
  ref: string;
  new?: string;
  old?: string;
  d?: boolean;
  m?: string;
  deref?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { checkFullRefName, ZERO_ID } = await import('../src/refs/index.js');
  const { checkRefTarget } = await import('../src/archive/plumbing.js');
  const { UsageError } = await import('../src/errors/index.js');
  checkFullRefName(args.ref);
  const ctx = args.ctx;
  const archive = await ctx.archive();
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
  if (args.json) await ctx.json(result);
}
