// tapes completion: the bash script really completes (bash runs it, with
// COMP_WORDS set, against a real archive and the built binary); the answers
// of `tapes __complete` for every shell; and the completion path loads no
// yargs, no codec and no command module, so it costs little more than
// starting Node.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { promises as fs, chmodSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { binPath, repoRoot, tapes, tempDir } from '../helpers/cli.js';

async function must(args: string[], cwd: string, stdin?: string): Promise<string> {
  const r = await tapes(args, { cwd, stdin });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** An archive with two sessions, a tag and a remote, made with tapes itself. */
async function archive(): Promise<string> {
  const dir = tempDir('tapes-complete-');
  await must(['init', '-q'], dir);
  const first = (await must(['hash-object', '-t', 'record', '-w', '--stdin'], dir, '{"parent": null, "kind": "user"}')).trim();
  const second = (await must(['hash-object', '-t', 'record', '-w', '--stdin'], dir, `{"parent": "${first}", "kind": "assistant"}`)).trim();
  await must(['update-ref', 'refs/sessions/demo-session', second], dir);
  await must(['update-ref', 'refs/sessions/other-run', first], dir);
  await must(['tag', 'chk-1', 'demo-session'], dir);
  await must(['remote', 'add', 'nas', join(dir, 'elsewhere')], dir);
  writeFileSync(join(dir, 'notes.jsonl'), '');
  return dir;
}

/** A `tapes` on PATH that runs the built binary, as an installed one would. */
function shim(): string {
  const dir = tempDir('tapes-bin-');
  const file = join(dir, 'tapes');
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${binPath}' "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}

const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

/** Runs the bash script's completion function on `words` (the last is the one completed), as bash would on Tab. */
function bashComplete(script: string, bin: string, cwd: string, words: string[]): string[] {
  const program = [
    `source ${quote(script)}`,
    `COMP_WORDS=(${words.map(quote).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${quote(words.join(' '))}`,
    '_tapes',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', program], {
    cwd,
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: cwd },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bash: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

const hasBash = spawnSync('bash', ['--version']).status === 0;

t.test('the bash script completes commands, options, choices, sessions, tags, remotes and paths', async (t) => {
  t.ok(hasBash, 'bash runs here (the fast suite needs Node, git and a POSIX shell)');
  const dir = await archive();
  const bin = shim();
  const script = join(tempDir('tapes-script-'), 'tapes.bash');
  writeFileSync(script, await must(['completion', 'bash'], dir));

  // Through bash, what the script itself does: pass the words, keep each
  // answer's name (its description dropped), let bash complete a path, and
  // take the word bash splits at '='.
  t.same(bashComplete(script, bin, dir, ['tapes', 'lo']), ['log'], 'a command');
  t.same(bashComplete(script, bin, dir, ['tapes', 'export', '--format', 'm']), ['markdown'], 'a choice');
  t.same(bashComplete(script, bin, dir, ['tapes', 'export', '--format', '=', '']).sort(), ['html', 'jsonl', 'markdown', 'original'], 'a choice after = (bash splits the word there)');
  t.same(bashComplete(script, bin, dir, ['tapes', 'log', 'dem']), ['demo-session'], 'a session name from the archive');
  t.same(bashComplete(script, bin, dir, ['tapes', 'import', 'no']), ['notes.jsonl'], 'a path');
  t.same(bashComplete(script, bin, dir, ['tapes', 'log', '--since', '']), [], 'a free value: nothing to offer');
  // The other answers are `tapes __complete`'s alone (the script passes them
  // on as it passes those above): the names it gives, in this process, as
  // the script keeps them (each bash run started a Node process as well).
  const names = async (...words: string[]) => (await must(['__complete', ...words], dir)).split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
  t.same((await names('re')).sort(), ['remote', 'replay', 'rerun', 'rev-list', 'rev-parse'], 'commands sharing a prefix');
  t.same(await names('log', '--ki'), ['--kind'], 'an option');
  t.ok((await names('log', '--no-')).includes('--no-pager'), 'the --no- form of an option on by default');
  t.same(await names('--color', 'n'), ['never'], "a global option's choice");
  t.same((await names('diff', 'demo-session', '')).sort(), ['demo-session', 'other-run'], "diff's second session");
  t.same(await names('tag', '-d', 'ch'), ['chk-1'], 'a tag');
  t.same(await names('push', ''), ['nas'], 'a remote');

  const outside = tempDir('tapes-outside-');
  t.same(bashComplete(script, bin, outside, ['tapes', 'log', 'dem']), [], 'no archive, no session names');
  t.same(bashComplete(script, bin, outside, ['tapes', '-C', dir, 'log', 'dem']), ['demo-session'], '-C says where the archive is');
  t.same(bashComplete(script, bin, outside, ['tapes', '--archive', join(dir, '.tapes'), 'show', 'oth']), ['other-run'], '--archive too');
});

t.test('tapes __complete: what each word completes to', async (t) => {
  const dir = await archive();
  const answer = async (...words: string[]) => (await must(['__complete', ...words], dir)).split('\n').filter(Boolean);
  t.same(await answer('lo'), ['log\tShow the records of a session in captured order'], 'commands with their descriptions (zsh and fish show them)');
  t.same(await answer('export', '--format=m'), ['--format=markdown'], 'zsh and fish keep --option= on the word');
  t.same(await answer('log', '--kind', 'user,to'), ['user,tool', 'user,tool_result'], 'a list option completes its last item');
  t.same(await answer('-C', ''), [':dir'], '-C takes a directory');
  t.same(await answer('export', '-o', ''), [':file'], '-o takes a file');
  t.same(await answer('remote', ''), ['add\tAdd a remote', 'remove\tRemove a remote and its remote-tracking refs', 'rename\tRename a remote and move its remote-tracking refs', 'get-url\tPrint the URL of a remote', 'set-url\tChange the URL of a remote', 'list\tList the remotes'], 'subcommands');
  t.same(await answer('remote', 'rm', ''), [`nas\t${join(dir, 'elsewhere')}`], "a subcommand's positional");
  t.same(await answer('completion', ''), ['bash', 'zsh', 'fish']);
  t.same(await answer('help', 'rev-p'), ['rev-parse\tPrint the object ids (or ref names) that revisions resolve to']);
  t.same(await answer('rev-parse', 'H'), ['HEAD'], 'revisions include HEAD');
  t.same(await answer('update-ref', 'refs/t'), ['refs/tags/chk-1'], 'full ref names');
  t.same(await answer('status', ''), [], 'a command with no positionals');
  t.same(await answer('rerun', '--max-'), ['--max-turns\tAsk at most <n> model turns per model', '--max-cost\tStop before a turn that would take the estimated cost of a model past <usd> US dollars'], "rerun's options, from its table");
  t.same(await answer('rerun', '--system', ''), [':file'], 'rerun --system takes a file');
  t.same(await answer('rerun', 'chk'), ['chk-1\ttag'], "rerun's checkpoint: a revision (a tag here)");
  t.same(await answer('frobnicate', ''), [], 'an unknown command');
  t.same(await answer('log', '--', '-'), [], 'after --, words are not options');
  const bare = await answer('');
  t.ok(bare.some((l) => l.startsWith('log\t')) && !bare.some((l) => l.startsWith('-')), 'a bare Tab offers commands, not options');
  t.ok((await answer('-')).some((l) => l.startsWith('--archive')), 'options before the command are the global ones');
});

t.test('tapes completion prints the script of each shell', async (t) => {
  const dir = tempDir('tapes-script-');
  for (const [shell, marks] of Object.entries({ bash: ['complete -F _tapes tapes'], zsh: ['#compdef tapes', 'compdef _tapes tapes'], fish: ['complete -c tapes'] })) {
    const r = await tapes(['completion', shell], { cwd: dir });
    t.equal(r.code, 0, shell);
    for (const m of marks) t.match(r.stdout, m, `${shell}: ${m}`);
    t.match(r.stdout, 'tapes __complete', `${shell}: asks tapes`);
  }
  const bad = await tapes(['completion', 'tcsh'], { cwd: dir });
  t.equal(bad.code, 129);
  t.match(bad.stderr, /no completion for shell "tcsh"/);
  t.equal((await tapes(['completion'], { cwd: dir })).code, 129, 'the shell is required');
  t.equal(spawnSync('bash', ['-n', '-c', (await tapes(['completion', 'bash'], { cwd: dir })).stdout]).status, 0, 'the bash script parses');
});

// ---- what the completion path loads

/** Relative and package specifiers a source file imports; `import type` is erased and does not count. */
function importsOf(text: string, dynamic: boolean): string[] {
  const out = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  if (dynamic) out.push(...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
  return out;
}

/** Every file and package reached from `roots`, following static imports, and dynamic ones too when asked. */
async function reach(roots: string[], dynamic: boolean): Promise<Set<string>> {
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(await fs.readFile(file, 'utf8'), dynamic)) {
      if (spec.startsWith('.')) await visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else seen.add(spec);
    }
  };
  for (const r of roots) await visit(r);
  return seen;
}

t.test('the completion path loads no yargs, codec, renderer or command module', async (t) => {
  // cli.ts's static imports, then everything complete.ts may load.
  const cli = await reach([join(repoRoot, 'cmd', 'cli.ts')], false);
  const complete = await reach([join(repoRoot, 'cmd', 'lib', 'complete.ts')], true);
  const loaded = [...new Set([...cli, ...complete])].map((f) => (f.startsWith('/') ? relative(repoRoot, f) : f));
  t.ok(loaded.includes('cmd/spec/index.ts') && loaded.includes('src/refs/ref-store.ts'), 'the reader sees the tables and the ref store');
  const heavy = loaded.filter(
    (f) =>
      ['yargs', 'chalk', 'zstd-codec', 'better-sqlite3', 'isomorphic-git'].includes(f) ||
      // src/odb/no-follow.ts is the refs' no-follow file read: node:fs and errors only.
      (/^src\/(object|odb|record|import|capture|remote|fsck|view)\//.test(f) && f !== 'src/odb/no-follow.ts') ||
      /^cmd\/[^/]+\.ts$/.test(f) && !['cmd/cli.ts', 'cmd/context.ts'].includes(f),
  );
  t.same(heavy, [], `loads only ${loaded.length} light modules`);
  const probe = join(tempDir('tapes-reach-'), 'probe.ts');
  writeFileSync(probe, "import type { Argv } from 'yargs';\nconst z = await import('zstd-codec');\n");
  t.same([...(await reach([probe], true))].slice(1), ['zstd-codec'], 'a type import is not a load; a dynamic import is');
});
