// tapes rev-parse: print what revisions resolve to.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  rev?: string[];
  short?: number;
  symbolicFullName?: boolean;
  tapesDir?: boolean;
  verify?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export const command = 'rev-parse [rev..]';
export const describe = 'Print the object ids (or ref names) that revisions resolve to';

export function builder(y: Argv) {
  return y
    .positional('rev', { type: 'string', array: true, describe: 'Revisions to resolve' })
    .option('short', {
      type: 'number',
      describe: 'Abbreviate ids to <n> hex digits (at least 4; default 12)',
      coerce: (n: number) => (Number.isNaN(n) ? 12 : n),
    })
    .option('symbolic-full-name', { type: 'boolean', describe: 'Print the full ref name a revision names' })
    .option('tapes-dir', { type: 'boolean', describe: 'Print the path of the archive directory' })
    .option('verify', { type: 'boolean', describe: 'Exactly one revision, which must name an object' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'With --verify: no error message, only the exit status' })
    .option('json', { type: 'boolean', describe: 'Print results as JSON' });
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const archive = await openArchive(args);
  const io = args.state.io;
  const revs = args.rev ?? [];
  if (args.tapesDir) {
    await write(io.stdout, args.json ? json({ tapesDir: archive.dir }) : archive.dir + '\n');
    if (revs.length === 0) return;
  } else if (revs.length === 0) {
    throw new UsageError('name at least one revision (or use --tapes-dir)');
  }
  if (args.verify && revs.length !== 1) throw new UsageError('--verify takes exactly one revision');
  if (args.short !== undefined && (args.short < 4 || args.short > 64)) {
    throw new UsageError('--short takes a length from 4 to 64');
  }
  const store = await archive.objects();
  const results = [];
  for (const rev of revs) {
    let r;
    try {
      r = await archive.resolve(rev);
    } catch (err) {
      if (args.quiet && args.verify) {
        args.state.exitCode = (err as { exitCode?: number }).exitCode ?? 1;
        return;
      }
      throw err;
    }
    const type = (await store.read(r.id)).type;
    results.push({ rev, id: r.id, type, ref: r.ref ?? null });
  }
  if (args.json) return write(io.stdout, json(results));
  for (const r of results) {
    if (args.symbolicFullName) {
      if (r.ref) await write(io.stdout, (r.ref === 'HEAD' ? await headName(archive) : r.ref) + '\n');
    } else {
      await write(io.stdout, (args.short ? await uniquePrefix(store, r.id, args.short) : r.id) + '\n');
    }
  }
}

/** The shortest prefix of at least `min` digits that names only `id`. */
async function uniquePrefix(store: { findByPrefix(p: string): Promise<string[]> }, id: string, min: number): Promise<string> {
  for (let n = min; n < id.length; n++) {
    if ((await store.findByPrefix(id.slice(0, n))).length <= 1) return id.slice(0, n);
  }
  return id;
}

async function headName(archive: { refs: { follow(n: string): Promise<{ name: string }> } }): Promise<string> {
  return (await archive.refs.follow('HEAD')).name;
}
