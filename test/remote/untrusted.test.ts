// A remote is untrusted: a damaged object, an object file swapped for
// another's, a ref name that would escape the archive, a missing parent or a
// frame that would decompress beyond 1 MiB each abort the fetch with exit 1
// and an error naming the object or ref, and the local archive is left byte
// for byte as it was.
import t, { type Test } from 'tap';
import { cpSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { fetchRemote } from '../../src/archive/sync.js';
import { loadCodec } from '../../src/object/index.js';
import type { Transport } from '../../src/remote/index.js';
import { tempDir } from '../helpers/cli.js';
import { SMALL, SMALL_SESSION, archive, fingerprint, must, objectCount, refOf, run, transcript } from './helpers.js';

let imported: Promise<string> | undefined;

/**
 * A remote holding the small session and an empty local archive naming it.
 * The remote is imported once per file and each test gets a full copy (the
 * tests damage its object files in place).
 */
async function setup() {
  imported ??= (async () => {
    const remote = await archive();
    // SMALL's first 12 lines of 78, under its name: the remote needs a session of a few records; each record more was copied, cloned or fetched, each object fsynced.
    await must(['import', await transcript(tempDir('tapes-remote-src-'), SMALL, 12)], remote);
    return remote;
  })();
  const remote = tempDir('tapes-remote-');
  cpSync(await imported, remote, { recursive: true });
  const local = await archive();
  await must(['remote', 'add', 'origin', remote], local);
  const ids = (await must(['rev-list', '-n', '3', SMALL_SESSION], remote)).stdout.trim().split('\n');
  const file = (id: string) => join(remote, '.tapes/objects', id.slice(0, 2), id.slice(2));
  return { remote, local, tip: ids[0]!, parent: ids[1]!, grandparent: ids[2]!, file };
}

async function overwrite(path: string, bytes: Uint8Array): Promise<void> {
  await fs.chmod(path, 0o644);
  await fs.writeFile(path, bytes);
}

async function refusedFetch(t: Test, local: string, pattern: RegExp): Promise<void> {
  const before = await fingerprint(join(local, '.tapes'));
  const r = await run(['fetch'], local);
  t.equal(r.code, 1, 'exit 1');
  t.match(r.stderr, pattern, 'the error names what is wrong');
  t.same(await fingerprint(join(local, '.tapes')), before, 'the local archive is byte for byte unchanged');
  const pull = await run(['pull'], local);
  t.equal(pull.code, 1, 'pull refuses too');
  t.same(await fingerprint(join(local, '.tapes')), before, 'and changes nothing');
}

t.test('a flipped byte in a remote object', async (t) => {
  const s = await setup();
  const bytes = await fs.readFile(s.file(s.parent));
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  await overwrite(s.file(s.parent), bytes);
  await refusedFetch(t, s.local, new RegExp(`tapes: error: .*object ${s.parent}`));
});

t.test('a remote object file replaced with another object\'s file', async (t) => {
  const s = await setup();
  await overwrite(s.file(s.tip), await fs.readFile(s.file(s.grandparent)));
  await refusedFetch(t, s.local, new RegExp(`object ${s.tip}: content hashes to ${s.grandparent}`));
});

t.test('a missing parent on the remote', async (t) => {
  const s = await setup();
  await fs.rm(s.file(s.parent));
  await refusedFetch(t, s.local, new RegExp(`object ${s.parent}, named by record ${s.tip} as its parent, is missing`));
});

t.test('a frame that would decompress beyond 1 MiB', async (t) => {
  const s = await setup();
  const codec = await loadCodec();
  await overwrite(s.file(s.parent), codec.compress(new Uint8Array(2 * 1024 * 1024)));
  await refusedFetch(t, s.local, new RegExp(`object ${s.parent}`));
});

t.test('a ref name that breaks the rules, written by hand on the remote', async (t) => {
  const s = await setup();
  await fs.writeFile(join(s.remote, '.tapes/refs/sessions/a..b'), s.tip + '\n');
  await refusedFetch(t, s.local, /refusing ref "refs\/sessions\/a\.\.b": a ref name cannot contain "\.\."/);
});

t.test('ref names that would escape the archive, from any transport', async (t) => {
  const s = await setup();
  const arch = await Archive.open({ cwd: s.local, env: {} });
  for (const name of ['refs/sessions/../../x', '../config', 'refs/remotes/origin/sessions/x', 'HEAD', 'refs/sessions/x.lock']) {
    const before = await fingerprint(join(s.local, '.tapes'));
    let asked = false;
    const transport: Transport = {
      listRefs: async () => [{ name, id: s.tip }],
      push: async () => [],
      fetch: async () => {
        asked = true;
        return { objects: 0, bytes: 0 };
      },
      close: async () => undefined,
    };
    await t.rejects(fetchRemote(arch, 'origin', { transport }), { code: 'InvalidInputError', data: { ref: name } }, name);
    t.notOk(asked, 'no object was asked for');
    t.same(await fingerprint(join(s.local, '.tapes')), before, 'nothing changed');
  }
});

t.test('a fetch interrupted before its refs moved completes when run again', async (t) => {
  const s = await setup();
  await must(['fetch'], s.local);
  const tracking = `refs/remotes/origin/sessions/${SMALL.replace('.jsonl', '')}`;
  t.equal(await refOf(s.local, tracking), s.tip);
  // As if killed after the objects were stored: the refs are not there yet.
  await fs.rm(join(s.local, '.tapes', tracking));
  const objects = await objectCount(s.local);
  const again = JSON.parse((await must(['fetch', '--json'], s.local)).stdout);
  t.equal(again.objects, 0, 'no object is sent twice');
  t.equal(await objectCount(s.local), objects);
  t.equal(await refOf(s.local, tracking), s.tip);
  t.equal((await run(['fsck'], s.local)).code, 0);
});
