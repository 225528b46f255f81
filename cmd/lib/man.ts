// The manual pages (man/tapes-<command>.md), shipped beside build/.
import { existsSync, promises as fs } from 'node:fs';

/**
 * man/ of the package: the nearest one above this file, which runs from
 * build/cmd/lib/ or, bundled, from build/bundle/ or its chunks/.
 */
const MAN_DIR = ((): URL => {
  for (let up = new URL('./', import.meta.url), i = 0; i < 6; up = new URL('../', up), i++) {
    const dir = new URL('man/', up);
    if (existsSync(new URL('tapes.md', dir))) return dir;
  }
  return new URL('../../../man/', import.meta.url);
})();

/** The text of a page, or undefined when there is none. */
export async function readManPage(name: string): Promise<string | undefined> {
  if (!/^[a-z-]+$/.test(name)) return undefined;
  return fs.readFile(new URL(`tapes-${name}.md`, MAN_DIR), 'utf8').catch(() => undefined);
}

/** The body of a page's `## <title>` section. */
export function manSection(page: string, title: string): string {
  const start = page.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const rest = page.slice(start + title.length + 5);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The lines of the first code block of a page's SYNOPSIS: the usage forms `--help` prints. */
export function synopsisLines(page: string): string[] {
  const m = /```\n([\s\S]*?)\n```/.exec(manSection(page, 'SYNOPSIS'));
  return m ? m[1]!.split('\n') : [];
}
