// tapes for-each-ref: list refs with a format. Default: <id> SP <type> TAB <ref> LF.
import type { CommandArgs } from './lib/run-context.js';
import { refRowJson } from '../src/view/json/plumbing.js';
import { REF_FORMAT_FIELDS as FIELDS } from './spec/plumbing.js';

interface Args extends CommandArgs {
  pattern?: string[];
  format?: string;
  sort?: string;
  count?: number;
  json?: boolean;
}

const DEFAULT_FORMAT = '%(objectname) %(objecttype)%09%(refname)';

/** A pattern matches a ref when it is a /-boundary prefix of it, or as a glob (* and ? within a part). */
function matchesPattern(name: string, pattern: string): boolean {
  if (/[*?]/.test(pattern)) {
    const re = new RegExp(
      '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '(/.*)?$',
    );
    return re.test(name);
  }
  const p = pattern.replace(/\/$/, '');
  return name === p || name.startsWith(p + '/');
}

export async function handler(args: Args): Promise<void> {
  const { UsageError } = await import('../src/errors/index.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const ctx = args.ctx;
  const archive = await ctx.archive();
  const format = args.format ?? DEFAULT_FORMAT;
  for (const m of format.matchAll(/%\(([^)]*)\)/g)) {
    if (!(FIELDS as readonly string[]).includes(m[1]!)) throw new UsageError(`unknown field %(${m[1]}) in --format`);
  }
  const patterns = args.pattern ?? [];
  let refs = (await archive.refs.list('refs/')).filter((r) => patterns.length === 0 || patterns.some((p) => matchesPattern(r.name, p)));
  if (args.sort) {
    const key = args.sort.replace(/^-/, '') as 'refname' | 'objectname';
    const field = key === 'refname' ? 'name' : 'id';
    refs.sort((a, b) => (a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : 0));
    if (args.sort.startsWith('-')) refs.reverse();
  }
  if (args.count !== undefined) refs = refs.slice(0, Math.max(0, args.count));
  const store = await archive.objects();
  const rows = [];
  for (const r of refs) {
    let type = 'missing';
    try {
      type = (await store.read(r.id)).type;
    } catch {
      // A ref to a missing or damaged object is still listed; fsck explains it.
    }
    rows.push({ ref: r.name, id: r.id, type });
  }
  if (args.json) return ctx.jsonLines(rows.map(refRowJson));
  // One pass, so that %% never combines with what follows it and a % in a
  // ref name is printed as it is.
  const out = rows.map((r) =>
    format.replace(/%%|%09|%0a|%\(([^)]*)\)/g, (m: string, f: string | undefined) => {
        if (m === '%%') return '%';
        if (m === '%09') return '\t';
        if (m === '%0a') return '\n';
        switch (f) {
          case 'objectname':
            return r.id;
          case 'objectname:short':
            return r.id.slice(0, 12);
          case 'objecttype':
            return r.type;
          case 'refname':
            return r.ref;
          default:
            return shortRefName(r.ref);
        }
      }),
  );
  if (out.length) await ctx.write(out.join('\n') + '\n');
}
