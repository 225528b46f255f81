// cmd/ keeps one command per module and nothing sideways: a command module
// imports shared CLI code from cmd/lib/ and its table from cmd/spec/, never
// another command; only the registry (cmd/commands.ts) names them. Every
// table has a module, a man page, and every module a table.
import t from 'tap';
import { promises as fs, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { COMMANDS } from '../../cmd/commands.js';
import { SPECS } from '../../cmd/spec/index.js';

const cmdDir = join(repoRoot, 'cmd');

/** The specifiers a file imports, statically or dynamically. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The command modules: what the registry loads when a command runs. */
async function commandModules(): Promise<Set<string>> {
  const registry = await fs.readFile(join(cmdDir, 'commands.ts'), 'utf8');
  const loaded = [...registry.matchAll(/\bimport\(\s*'(\.\/[^']+)'\s*\)/g)].map((m) => m[1]!);
  return new Set(loaded.map((s) => resolve(cmdDir, s.replace(/\.js$/, '.ts'))));
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The command modules `file` imports (none is allowed but from the registry). */
function sidewaysImports(file: string, text: string, modules: Set<string>): string[] {
  return importsOf(text)
    .filter((s) => s.startsWith('.'))
    .filter((s) => modules.has(resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
}

t.test('no cmd/ file imports a command module, but the registry', async (t) => {
  const modules = await commandModules();
  t.ok(modules.size >= 30, `${modules.size} command modules`);
  for (const file of await sources(cmdDir)) {
    if (file === join(cmdDir, 'commands.ts')) continue;
    const bad = sidewaysImports(file, await fs.readFile(file, 'utf8'), modules);
    t.same(bad, [], `${relative(repoRoot, file)} imports no command module`);
  }
});

t.test('the check catches a command importing another', async (t) => {
  const modules = await commandModules();
  const log = join(cmdDir, 'log.ts');
  t.same(sidewaysImports(join(cmdDir, 'replay.ts'), "const log = await import('./log.js');", modules), ['./log.js']);
  t.same(sidewaysImports(join(cmdDir, 'stats.ts'), "import { filterOptions } from './sessions.js';", modules), ['./sessions.js']);
  t.same(sidewaysImports(join(cmdDir, 'lib', 'timeline.ts'), "import { handler } from '../log.js';", modules), ['../log.js']);
  t.same(sidewaysImports(log, "import { write } from './lib/io.js';\nimport { KIND } from './spec/index.js';", modules), [], 'cmd/lib and cmd/spec are allowed');
});

t.test('every table has a module and a man page, and every module a table', async (t) => {
  const names = SPECS.map((s) => s.name);
  t.same([...names].sort(), Object.keys(COMMANDS).sort(), 'the registry and the tables name the same commands');
  t.equal(new Set(names).size, names.length, 'no command is declared twice');
  for (const s of SPECS) {
    t.ok(existsSync(join(repoRoot, 'man', `tapes-${s.name}.md`)), `man/tapes-${s.name}.md`);
    const mod = await COMMANDS[s.name]!();
    t.type(mod.handler, 'function', `${s.name} has a handler`);
  }
});
