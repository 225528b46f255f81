// No block of six or more lines is copied between files of src/ and cmd/, as
// is or with other names (issue 14): shared code has one home.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCopies, shape } from './helpers/copies.js';
import { repoRoot, tempDir } from './helpers/cli.js';

t.test('a line is compared by its shape: names, strings and numbers do not count', async (t) => {
  t.equal(shape("  const total = count + 1; // sum"), shape('const n = k + 22;'));
  t.not(shape('const total = count + 1;'), shape('const total = count - 1;'));
});

t.test('a block copied under other names is found; five lines are not', async (t) => {
  const root = tempDir('tapes-copies-');
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'cmd'));
  const block = (v: string, lines: number) =>
    Array.from({ length: lines }, (_, i) => `  const ${v}${i} = ${v}Input.slice(${i}) + '${v}';`).join('\n');
  writeFileSync(join(root, 'src', 'a.ts'), `export function a(aInput: string) {\n${block('a', 6)}\n}\n`);
  writeFileSync(join(root, 'cmd', 'b.ts'), `export function b(bInput: string) {\n  let x = 1;\n${block('b', 6)}\n}\n`);
  writeFileSync(join(root, 'cmd', 'c.ts'), `export function c(cInput: string, n = 0) {\n${block('c', 5)}\n}\n`);
  t.same(findCopies(root), [{ a: 'cmd/b.ts:3', b: 'src/a.ts:2' }], 'the six lines, not the five');
});

t.test('no block of six or more lines is copied between files', async (t) => {
  const copies = findCopies(repoRoot);
  t.same(copies.map((c) => `${c.a} ~ ${c.b}`), [], 'copied blocks (first file:line ~ second file:line)');
});
