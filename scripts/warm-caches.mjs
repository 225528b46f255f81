// Warms the code caches of the interactive commands' files of the bundle
// (scripts/bundle.mjs calls it once every file has its preload-only cache).
//
// A preload-only cache holds the bytecode of the modules' top-level code:
// every function a command runs (its handler, the object reader, the fzstd
// decoder, the table renderer ...) was still compiled lazily at every run.
// Here each interactive command is run once, in a process of its own, in a
// scratch archive of a few small transcripts from test/fixtures, and the
// cache is written when that run is over (scripts/warm-cache-run.mjs): V8's
// cache then holds every function the run compiled (docs/startup.md). A warm
// run that fails leaves that file its preload-only cache and prints a warning:
// the build goes on, and chunks/warm.json says which files were warmed by
// which command line (test/cmd/bundle.test.ts checks it).
//
// Nothing is written outside the scratch directory (made in the system's
// temp folder, removed at the end, whatever happened) and build/bundle/chunks.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const corpus = join(root, 'test', 'fixtures', 'corpus');
const claude = join(corpus, 'claude-code', 'projects');

// The session the commands read (158 records, 290 KB) and two smaller ones
// (128 KB, 56 KB); with the smallest Codex rollout of the corpus, if any.
const SESSION = '79e9becd-0b83-42f1-8cb1-33375d080476';
const TRANSCRIPTS = [
  join(claude, '-Users-alex-workspace-cli', `${SESSION}.jsonl`),
  join(claude, '-Users-alex-workspace-cli--worktrees-2', '2b945d54-dd2b-4f60-b3b0-7b0252349003.jsonl'),
  join(claude, '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl'),
];

/** The files warmed and the command line each is warmed by: `n` records back from the session's tip is `mid`. */
function warmRuns(session, n, mid) {
  return [
    { file: 'cmd-log.js', args: ['log', '--no-pager', session] },
    { file: 'cmd-show.js', args: ['show', mid] },
    { file: 'cmd-sessions.js', args: ['sessions'] },
    { file: 'cmd-rev-parse.js', args: ['rev-parse', `${session}~${n}`] },
    // -p reads the object as -t does, and prints it.
    { file: 'cmd-cat-object.js', args: ['cat-object', '-p', mid] },
    { file: 'main.js', args: ['--version'] },
  ];
}
/** The files warmRuns warms (for the warning when no run could be made at all). */
const WARMED_FILES = warmRuns('s', 1, 'id').map((r) => r.file);

const TIMEOUT_MS = 60_000;

function smallestCodexRollout() {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^rollout-.*\.jsonl$/.test(e.name)) found.push({ p, size: statSync(p).size });
    }
  };
  if (existsSync(join(corpus, 'codex'))) walk(join(corpus, 'codex'));
  found.sort((a, b) => a.size - b.size);
  return found[0]?.p;
}

/** Why a finished child failed, in a few words (undefined: it did not). */
function failure(r) {
  if (r.error) return r.error.message;
  if (r.signal) return `killed by ${r.signal}`;
  if (r.status !== 0) {
    // tapes' own error line, or an uncaught exception's (after Node's source excerpt), or the first line.
    const lines = String(r.stderr ?? '').split('\n').filter((l) => l.trim() !== '');
    const said = lines.find((l) => /^(tapes: |\w*Error\b)/.test(l)) ?? lines[0];
    return `exit code ${r.status}${said ? `: ${said}` : ''}`;
  }
  return undefined;
}

/**
 * Warms the caches of build/bundle/chunks (the preload-only ones are there
 * already) and writes chunks/warm.json. Never throws for a failed run:
 * returns the files warmed and, for the others, why not.
 */
export async function warmCaches({ log = (line) => process.stderr.write(line + '\n') } = {}) {
  const bundle = join(root, 'build', 'bundle');
  const chunks = join(bundle, 'chunks');
  const launcher = join(bundle, 'tapes.js');
  const { cachePath } = await import(pathToFileURL(join(root, 'build', 'bin', 'load-bundle.js')).href);
  const warmed = {};
  const notWarmed = {};

  const dir = mkdtempSync(join(tmpdir(), 'tapes-warm-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Interrupted (spawnSync returns once the child has had the signal too): remove it, then die of the signal as before.
  const onSignal = (signal) => {
    remove();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // No TAPES_* (no $TAPES_DIR archive, no pager), no user archive or agent
    // folders outside the scratch directory: HOME is the scratch directory.
    // Nothing goes over the network: no extra CA certificates to read (some
    // 40 ms of each of the 15 processes where the variable is set).
    const dropped = new Set(['CODEX_HOME', 'CLAUDE_CONFIG_DIR', 'USERPROFILE', 'NODE_EXTRA_CA_CERTS']);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TAPES_|XDG_|GEMINI_CLI_)/.test(k) && !dropped.has(k)));
    env.HOME = dir;
    const spawn = (argv) => spawnSync(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
    const tapes = (args) => {
      const r = spawn([launcher, ...args]);
      const why = failure(r);
      if (why) throw new Error(`tapes ${args.join(' ')}: ${why}`);
      return r.stdout;
    };

    let runs = [];
    try {
      const codex = smallestCodexRollout();
      tapes(['init', '-q']);
      // One pack, as a bulk import writes (import.packAbove): reads then go through the pack index and fzstd's frame decoder.
      appendFileSync(join(dir, '.tapes', 'config'), '[import]\n\tpackAbove = 1\n');
      tapes(['import', '--no-progress', ...TRANSCRIPTS, ...(codex ? [codex] : [])]);
      const ids = tapes(['rev-list', SESSION]).trim().split('\n');
      if (ids.length < 3) throw new Error(`rev-list ${SESSION}: ${ids.length} records`);
      const n = ids.length >> 1;
      runs = warmRuns(SESSION, n, ids[n]);
    } catch (err) {
      for (const file of WARMED_FILES) notWarmed[file] = `no scratch archive: ${err.message}`;
      log(`bundle: warning: no code cache warmed, every file keeps its preload-only cache (the scratch archive failed: ${err.message})`);
    }
    const notWarm = (file, args, run, why) => {
      notWarmed[file] = `tapes ${args.join(' ')} (${run}): ${why}`;
      log(`bundle: warning: chunks/${file} keeps its preload-only code cache: its ${run} (tapes ${args.join(' ')}) failed: ${why}`);
    };

    // Each command line once through the launcher first: the warm runs are
    // then those of an archive in use, its derived files (index/abbrev,
    // chains, timelines) already written, not the runs that write them.
    const primed = runs.filter(({ file, args }) => {
      const why = failure(spawn([launcher, ...args]));
      if (why) notWarm(file, args, 'run through the launcher', why);
      return !why;
    });
    for (const { file, args } of primed) {
      const path = join(chunks, file);
      const out = join(dir, `${file}.cache`);
      const r = spawn([join(root, 'scripts', 'warm-cache-run.mjs'), path, out, launcher, ...args]);
      const why = failure(r) ?? (existsSync(out) && statSync(out).size > 0 ? undefined : 'no cache written');
      if (why) {
        notWarm(file, args, 'warm run', why);
        continue;
      }
      copyFileSync(out, cachePath(path));
      warmed[file] = args;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remove();
  }
  writeFileSync(
    join(chunks, 'warm.json'),
    JSON.stringify({ about: 'The files whose code cache was written after running a command line in a scratch archive (scripts/warm-caches.mjs); the others keep the cache written after loading their modules.', warmed, notWarmed }, null, 2) + '\n',
  );
  return { warmed, notWarmed };
}
