// tapes show-ref: list refs and the ids they hold. Output: <id> SP <ref> LF.
import type { CommandArgs } from './lib/run-context.js';
import { refJson } from '../src/view/json/plumbing.js';

interface Args extends CommandArgs {
  pattern?: string[];
  head?: boolean;
  sessions?: boolean;
  tags?: boolean;
  hash?: boolean;
  verify?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** git's show-ref matching: the pattern equals the name or a /-separated tail of it. */
function matchesTail(name: string, pattern: string): boolean {
  return name === pattern || name.endsWith('/' + pattern);
}

export async function handler(args: Args): Promise<void> {
  const ctx = args.ctx;
  const io = ctx.io;
  const archive = await ctx.archive();
  const patterns = args.pattern ?? [];
  let refs: Array<{ name: string; id: string }> = [];
  if (args.verify) {
    for (const p of patterns) {
      const id = p === 'HEAD' || p.startsWith('refs/') ? await archive.refs.resolve(p) : undefined;
      if (id) refs.push({ name: p, id });
      else if (!args.quiet) io.stderr.write(`tapes: error: ${p} is not a ref\n`);
    }
  } else {
    refs = await archive.refs.list('refs/');
    if (args.sessions || args.tags) {
      refs = refs.filter(
        (r) => (args.sessions && r.name.startsWith('refs/sessions/')) || (args.tags && r.name.startsWith('refs/tags/')),
      );
    }
    if (patterns.length) refs = refs.filter((r) => patterns.some((p) => matchesTail(r.name, p)));
    if (args.head) {
      const id = await archive.refs.resolve('HEAD');
      if (id) refs.unshift({ name: 'HEAD', id });
    }
  }
  if (refs.length === 0 || (args.verify && refs.length < patterns.length)) ctx.exitCode = 2;
  if (args.quiet) return;
  if (args.json) return ctx.jsonLines(refs.map(refJson));
  const lines = refs.map((r) => (args.hash ? r.id : `${r.id} ${r.name}`));
  if (lines.length) await ctx.write(lines.join('\n') + '\n');
}
