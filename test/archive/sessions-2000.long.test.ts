// Thousands of sessions: the session index answers a warm `tapes sessions`
// without reading a single object (counted by taking the objects away, not
// by a clock), in-process and as a process. Long suite: it builds 2,000
// sessions.
import t from 'tap';
import { promises as fs, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnTapes, tapes, tempDir } from '../helpers/cli.js';
import { Archive, listSessions } from '../../src/archive/index.js';
import { WriteQueue } from '../../src/odb/index.js';
import { canonicalRecordBytes } from '../../src/record/index.js';

// The archive writes its objects through the thread pool.
process.env.UV_THREADPOOL_SIZE ??= '16';

const env = { TZ: 'UTC' };

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = tempDir('tapes-sessions-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function run(cwd: string, args: string[]) {
  const r = await tapes(args, { cwd, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

t.test('2,000 sessions: a warm listing reads no object, and is the same in-process and as a process', async (t) => {
  const cwd = scratch(t);
  await run(cwd, ['init', '-q']);
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const queue = new WriteQueue(await archive.objectWriter(), false, 64);
  const N = 2000;
  const built = performance.now();
  const tips: string[] = [];
  for (let i = 0; i < N; i++) {
    // Distinct small chains (prompt, answer with usage): nothing shared between sessions.
    const start = Date.UTC(2025, 0, 1) + i * 3_600_000;
    const meta = { harness: 'claude-code', cwd: `/home/dev/project-${i % 9}`, session_id: `s${i}` };
    const user = await queue.write(
      'record',
      canonicalRecordBytes({ parent: null, kind: 'user', role: 'user', time: new Date(start).toISOString(), content: [{ type: 'text', text: `task ${i}` }], meta }),
    );
    tips.push(
      await queue.write(
        'record',
        canonicalRecordBytes({
          parent: user,
          kind: 'assistant',
          role: 'assistant',
          time: new Date(start + (i % 97) * 60_000).toISOString(),
          content: [{ type: 'text', text: `done ${i}` }],
          meta: { ...meta, model: i % 3 ? 'claude-opus-4-5-20251101' : 'claude-sonnet-4-5-20250929', message_id: `msg_${i}`, usage: { input_tokens: i, output_tokens: 7, cache_read_input_tokens: 1000, cache_creation_input_tokens: 10 } },
        }),
      ),
    );
  }
  await queue.flush();
  // Ref files written directly: the archive's layout (docs/format.md §7), without a reflog per session.
  await Promise.all(tips.map((tip, i) => fs.writeFile(join(cwd, '.tapes', 'refs', 'sessions', `${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}-${i}`), tip + '\n')));
  t.comment(`built ${N} sessions in ${Math.round(performance.now() - built)} ms`);

  let t0 = performance.now();
  const cold = await run(cwd, ['sessions']);
  const coldMs = performance.now() - t0;
  t.equal(cold.stdout.trim().split('\n').length, N + 1, 'a line per session and the header');
  t0 = performance.now();
  const warm = await run(cwd, ['sessions']);
  const warmMs = performance.now() - t0;
  t.equal(warm.stdout, cold.stdout, 'the same from the index');
  t0 = performance.now();
  const json = await run(cwd, ['sessions', '--json']);
  const jsonMs = performance.now() - t0;
  t.equal(json.stdout.trim().split('\n').length, N);
  t0 = performance.now();
  await run(cwd, ['stats']);
  const statsMs = performance.now() - t0;
  // The real binary, start-up included.
  t0 = performance.now();
  const spawned = await spawnTapes(['sessions'], { cwd, env });
  const spawnMs = performance.now() - t0;
  t.equal(spawned.code, 0);
  t.equal(spawned.stdout, cold.stdout);
  t.comment(
    `tapes sessions, ${N} sessions: cold index ${Math.round(coldMs)} ms, warm ${Math.round(warmMs)} ms in-process, ` +
      `${Math.round(spawnMs)} ms as a process; --json ${Math.round(jsonMs)} ms; stats ${Math.round(statsMs)} ms (for the record: bench/read.ts measures these)`,
  );
  // Work counted, not time: with every object taken away (an empty objects/
  // in place of the full one), a warm listing — the index is level with the
  // refs — gives the same output, so it read none.
  const objects = join(cwd, '.tapes', 'objects');
  await fs.rename(objects, `${objects}.away`);
  await fs.mkdir(objects);
  try {
    const blind = await tapes(['sessions'], { cwd, env });
    t.equal(blind.code, 0, `a warm listing needs no object: ${blind.stderr}`);
    t.equal(blind.stdout, cold.stdout, 'and prints the same');
    const blindProcess = await spawnTapes(['sessions'], { cwd, env });
    t.equal(blindProcess.stdout, cold.stdout, 'as a process too');
  } finally {
    await fs.rm(objects, { recursive: true });
    await fs.rename(`${objects}.away`, objects);
  }
  const list = await listSessions(await Archive.openAt(join(cwd, '.tapes')));
  t.equal(list.length, N);
});
