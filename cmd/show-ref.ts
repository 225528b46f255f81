// tapes show-ref: list refs and the ids they hold. Output: <id> SP <ref> LF.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  pattern?: string[];
  head?: boolean;
  sessions?: boolean;
  tags?: boolean;
  hash?: boolean;
  verify?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export const command = 'show-ref [pattern..]';
export const describe = 'List refs with the ids they point at';

export function builder(y: Argv) {
  return y
    .positional('pattern', { type: 'string', array: true, describe: 'Show refs whose name ends with these parts' })
    .option('head', { type: 'boolean', describe: 'Also show HEAD' })
    .option('sessions', { type: 'boolean', describe: 'Only refs/sessions/' })
    .option('tags', { type: 'boolean', describe: 'Only refs/tags/' })
    .option('hash', { alias: 's', type: 'boolean', describe: 'Print only the ids' })
    .option('verify', { type: 'boolean', describe: 'Patterns are exact full ref names' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing; only the exit status' })
    .option('json', { type: 'boolean', describe: 'Print refs as a JSON array' });
}

/** git's show-ref matching: the pattern equals the name or a /-separated tail of it. */
export function matchesTail(name: string, pattern: string): boolean {
  return name === pattern || name.endsWith('/' + pattern);
}

export async function handler(args: Args): Promise<void> {
  const archive = await openArchive(args);
  const io = args.state.io;
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
  if (refs.length === 0 || (args.verify && refs.length < patterns.length)) args.state.exitCode = 2;
  if (args.quiet) return;
  if (args.json) return write(io.stdout, json(refs.map((r) => ({ ref: r.name, id: r.id }))));
  const lines = refs.map((r) => (args.hash ? r.id : `${r.id} ${r.name}`));
  if (lines.length) await write(io.stdout, lines.join('\n') + '\n');
}
