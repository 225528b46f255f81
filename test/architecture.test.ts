// Keeps the layers as DESIGN.md §9 draws them: a folder imports only folders
// listed above it; cmd/ is imported by nothing but the entry point; only the
// entry point touches `process`.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { repoRoot } from './helpers/cli.js';

export const LAYERS = [
  'src/errors',
  'src/hash',
  'src/object',
  'src/odb',
  'src/refs',
  'src/record',
  'src/import',
  'src/capture',
  'src/remote',
  'src/fsck',
  'src/archive',
  'src/view',
  'cmd',
];

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.ts')) out.push(p);
    }
  };
  await walk(join(repoRoot, dir));
  return out;
}

function layerOf(file: string): number {
  const rel = relative(repoRoot, file).split('\\').join('/');
  return LAYERS.findIndex((l) => rel === l || rel.startsWith(l + '/'));
}

export function importsOf(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/^import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

t.test('every source file belongs to a layer', async (t) => {
  for (const f of [...(await sources('src')), ...(await sources('cmd'))]) {
    t.not(layerOf(f), -1, relative(repoRoot, f));
  }
});

t.test('imports point down the layers', async (t) => {
  const files = [...(await sources('src')), ...(await sources('cmd'))];
  t.ok(files.length > 20, `checked ${files.length} files`);
  let checked = 0;
  for (const file of files) {
    const from = layerOf(file);
    for (const spec of importsOf(await fs.readFile(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      checked++;
      const ok = to !== -1 && to <= from;
      if (!ok) t.fail(`${relative(repoRoot, file)} imports ${spec} (${LAYERS[to] ?? 'outside the layers'}), which is not above ${LAYERS[from]}`);
    }
  }
  t.ok(checked > 50, `checked ${checked} imports`);
});

t.test('the checker itself catches an upward import', async (t) => {
  t.same(importsOf("import { x } from '../archive/index.js';\nconst m = await import('../../cmd/cli.js');"), [
    '../archive/index.js',
    '../../cmd/cli.js',
  ]);
  t.equal(layerOf(join(repoRoot, 'src/odb/x.ts')) < layerOf(join(repoRoot, 'src/archive/index.ts')), true);
});

/** The folders a folder's files import (relative imports only), by file. */
async function importedFolders(dir: string, folder: (target: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const file of await sources(dir)) {
    for (const spec of importsOf(await fs.readFile(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(repoRoot, resolve(dirname(file), spec)).split('\\').join('/');
      if (folder(target)) found.push(`${relative(repoRoot, file)} imports ${spec}`);
    }
  }
  return found;
}

t.test('the model never imports its presentation: no src/archive file imports src/view', async (t) => {
  t.ok((await sources('src/archive')).length > 20, 'src/archive has files to check');
  t.same(await importedFolders('src/archive', (target) => target === 'src/view' || target.startsWith('src/view/')), []);
  t.ok(layerOf(join(repoRoot, 'src/archive/index.ts')) < layerOf(join(repoRoot, 'src/view/index.ts')), 'view is listed above archive');
});

t.test('capture and import share only the record layer: no src/capture file imports src/import', async (t) => {
  t.same(await importedFolders('src/capture', (target) => target === 'src/import' || target.startsWith('src/import/')), []);
});

t.test('nothing below the entry point touches process', async (t) => {
  for (const file of [...(await sources('src')), ...(await sources('cmd'))]) {
    const text = (await fs.readFile(file, 'utf8')).replace(/\/\/.*$/gm, '');
    t.notMatch(text, /\bprocess\.(cwd|env|exit|argv|stdout|stderr|stdin|exitCode)\b/, relative(repoRoot, file));
  }
});

t.test('npm test runs every fast test file exactly once: each is imported by one file of build/test-groups', async (t) => {
  // scripts/test-groups.mjs writes the groups from what tsc compiled; this
  // checks them against the TypeScript sources, so a test file that no group
  // runs (or that two groups run) fails here rather than passing unseen.
  const fast = (await sources('test'))
    .map((f) => relative(join(repoRoot, 'test'), f).split('\\').join('/'))
    .filter((f) => f.endsWith('.test.ts') && !f.endsWith('.long.test.ts'))
    .map((f) => f.replace(/\.ts$/, '.js'))
    .sort();
  const groupsDir = join(repoRoot, 'build', 'test-groups');
  const imported: string[] = [];
  for (const g of await fs.readdir(groupsDir)) {
    for (const m of (await fs.readFile(join(groupsDir, g), 'utf8')).matchAll(/^ {2}await import\('\.\.\/test\/(.+)'\);$/gm)) imported.push(m[1]!);
  }
  t.ok(fast.length > 50, `${fast.length} fast test files found`);
  t.same(imported.slice().sort(), fast, 'the groups import exactly the fast test files, each once');
});
