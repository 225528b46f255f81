// The man page's table of checks and the code's table must say the same
// thing: scripts read the page, fsck prints the code's ids.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { AREA_BITS, CHECKS, CHECK_IDS } from '../../src/fsck/index.js';
import { repoRoot } from './fixtures/archive.js';

const page = readFileSync(new URL('man/tapes-fsck.md', repoRoot), 'utf8');

t.test('every check of the code is in the man page, with its area and severity', async (t) => {
  const rows = new Map<string, { area: string; bit: number; severity: string }>();
  for (const m of page.matchAll(/^\| `(\w+)` \| (\w+) \((\d)\) \| (\w+) \|/gm)) {
    rows.set(m[1]!, { area: m[2]!, bit: Number(m[3]), severity: m[4]! });
  }
  t.same([...rows.keys()].sort(), [...CHECK_IDS].sort(), 'the same ids, none missing, none extra');
  for (const id of CHECK_IDS) {
    const row = rows.get(id);
    t.same(row, { area: CHECKS[id].area, bit: AREA_BITS[CHECKS[id].area], severity: CHECKS[id].severity }, id);
  }
});

t.test('the page has the standard sections, in order', async (t) => {
  const sections = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  t.same(sections, ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'OUTPUT', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']);
});

t.test('tapes help fsck shows the page', async (t) => {
  const { tapes, tempDir } = await import('./fixtures/archive.js');
  const r = await tapes(tempDir(t), ['help', 'fsck']);
  t.equal(r.code, 0);
  t.equal(r.stdout, page);
});
