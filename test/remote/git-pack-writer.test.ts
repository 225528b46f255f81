// Writing git packs for receive-pack: what GitPackWriter makes is read back
// object for object by git-pack.ts and accepted by git's own index-pack
// --strict; an object added twice is stored once.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { GitPackWriter } from '../../src/remote/git-pack-writer.js';
import { readPack } from '../../src/remote/git-pack.js';
import { encodeCommit, encodeTree } from '../../src/remote/git-mirror.js';
import { tempDir } from '../helpers/cli.js';

t.test('a written pack reads back, and git index-pack --strict accepts it', async (t) => {
  const w = new GitPackWriter();
  const small = Buffer.from('hello\n');
  // Large enough that the size needs several bytes of the entry header.
  const large = Buffer.from('x'.repeat(70_000));
  const a = w.add('blob', small);
  const b = w.add('blob', large);
  t.equal(w.add('blob', small), a, 'adding again gives the same id...');
  t.equal(w.count, 2, '...and stores nothing more');
  const tree = w.add('tree', encodeTree([{ mode: '100644', name: 'a', oid: a }, { mode: '100644', name: 'b', oid: b }]));
  const commit = w.add('commit', encodeCommit({ tree, parents: [], time: 0, message: 'm\n' }));
  t.equal(w.count, 4);
  t.ok(w.bytes > 0 && w.bytes < large.length, 'objects are compressed');
  const pack = w.finish();

  const back = readPack(pack);
  t.same([...back.keys()].sort(), [a, b, tree, commit].sort());
  t.ok(back.get(b)!.content.equals(large));
  t.equal(back.get(commit)!.type, 'commit');

  const dir = tempDir('tapes-git-pack-writer-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', '--bare', dir]);
  const out = execFileSync('git', ['-C', dir, 'index-pack', '--strict', '--stdin'], { input: pack }).toString();
  t.match(out, /^pack\t[0-9a-f]{40}\n$/, 'git indexes it');
  t.equal(execFileSync('git', ['-C', dir, 'cat-file', '-p', `${commit}:a`]).toString(), 'hello\n');
});
