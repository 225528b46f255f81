// tapes rev-parse: print what revisions resolve to.
import type { CommandArgs } from './lib/run-context.js';
import { jsonLine } from './lib/io.js';
import { revisionJson, tapesDirJson } from '../src/view/json/plumbing.js';

interface Args extends CommandArgs {
  rev?: string[];
  short?: number;
  symbolicFullName?: boolean;
  tapesDir?: boolean;
  verify?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const ctx = args.ctx;
  // A bare --short is --short=12 (cli.ts); anything but a number is 12 too.
  if (args.short !== undefined && Number.isNaN(args.short)) args.short = 12;
  const archive = await ctx.archive();
  const revs = args.rev ?? [];
  if (args.tapesDir) {
    await ctx.write(args.json ? jsonLine(tapesDirJson(archive.dir)) : archive.dir + '\n');
    if (revs.length === 0) return;
  } else if (revs.length === 0) {
    throw new UsageError('name at least one revision (or use --tapes-dir)');
  }
  if (args.verify && revs.length !== 1) throw new UsageError('--verify takes exactly one revision');
  if (args.short !== undefined && (args.short < 4 || args.short > 64)) {
    throw new UsageError('--short takes a length from 4 to 64');
  }
  // The store (and its codec) only for --json, which reads each object for its type.
  const results = [];
  for (const rev of revs) {
    let r;
    try {
      r = await archive.resolve(rev);
    } catch (err) {
      if (args.quiet && args.verify) {
        ctx.exitCode = (err as { exitCode?: number }).exitCode ?? 1;
        return;
      }
      throw err;
    }
    // Only --json prints the type, and only it needs the object read (as
    // git's rev-parse, the text output names what resolved without opening it).
    results.push({ rev, id: r.id, ref: r.ref ?? null });
  }
  if (args.json) {
    const json = [];
    const store = await archive.objects();
    for (const r of results) json.push(revisionJson(r.rev, { ...r, type: (await store.read(r.id)).type }));
    return ctx.jsonLines(json);
  }
  for (const r of results) {
    if (args.symbolicFullName) {
      if (r.ref) await ctx.write((r.ref === 'HEAD' ? await headName(archive) : r.ref) + '\n');
    } else {
      await ctx.write((args.short ? await uniquePrefix(archive.objectLayout(), r.id, args.short) : r.id) + '\n');
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
