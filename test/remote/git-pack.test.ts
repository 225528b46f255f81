// Reading git packs as servers send them: a real pack made by git
// pack-objects (with deltas against offsets and against ids) reads back to
// exactly what git cat-file gives, and damaged packs are refused.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptObjectError } from '../../src/errors/index.js';
import { applyDelta, readPack } from '../../src/remote/git-pack.js';
import { corpusDir, tempDir } from '../helpers/cli.js';

const git = (dir: string, args: string[], input?: Buffer | string): Buffer => execFileSync('git', ['-C', dir, ...args], { input, maxBuffer: 1 << 30 });

let made: { dir: string; oids: string[] } | undefined;

/** A repository with many similar versions of real transcript text, so git makes deltas (made once: the tests only read it). */
function repoWithHistory(): { dir: string; oids: string[] } {
  if (made) return made;
  const dir = tempDir('tapes-git-pack-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, ['init', '-q']);
  const text = execFileSync('head', ['-c', '200000', join(corpusDir, 'claude-code/projects/-Users-alex-workspace-cli--worktrees-2/7505c804-ef06-4be0-a866-480597e6bbc1.jsonl')]).toString('utf8');
  const lines = text.split('\n');
  mkdirSync(join(dir, 'd'), { recursive: true });
  for (let v = 0; v < 12; v++) {
    writeFileSync(join(dir, 'd', 'transcript.jsonl'), lines.slice(0, 40 + v * 20).join('\n'));
    writeFileSync(join(dir, `f${v % 3}.txt`), `${v}\n${lines.slice(v, v + 30).join('\n')}`);
    git(dir, ['add', '-A']);
    git(dir, ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', `v${v}`]);
  }
  const oids = git(dir, ['rev-list', '--objects', '--all']).toString().trim().split('\n').map((l) => l.split(' ')[0]!);
  made = { dir, oids };
  return made;
}

/** Every object as git itself reads it: one `git cat-file --batch` for all of them. */
function catFile(dir: string, oids: string[]): Map<string, { type: string; content: Buffer }> {
  const out = git(dir, ['cat-file', '--batch'], oids.join('\n') + '\n');
  const objects = new Map<string, { type: string; content: Buffer }>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const [oid, type, size] = out.subarray(at, eol).toString().split(' ') as [string, string, string];
    const start = eol + 1;
    objects.set(oid, { type, content: out.subarray(start, start + Number(size)) });
    at = start + Number(size) + 1;
  }
  return objects;
}

t.test('a pack from git pack-objects, with offset deltas, reads back exactly', async (t) => {
  const { dir, oids } = repoWithHistory();
  const pack = git(dir, ['pack-objects', '--stdout', '--delta-base-offset', '-q'], oids.join('\n') + '\n');
  const objects = readPack(pack);
  t.equal(objects.size, oids.length, 'every object');
  const expected = catFile(dir, oids);
  t.equal(expected.size, oids.length);
  for (const oid of oids) {
    const o = objects.get(oid);
    t.ok(o, oid);
    if (!o) continue;
    t.equal(o.type, expected.get(oid)!.type);
    if (!o.content.equals(expected.get(oid)!.content)) t.fail(`${oid} differs from git cat-file`);
  }
  // The pack really has deltas (git verify-pack lists a chain length for them).
  const packDir = tempDir('tapes-git-pack-file-');
  t.teardown(() => rmSync(packDir, { recursive: true, force: true }));
  writeFileSync(join(packDir, 'p.pack'), pack);
  execFileSync('git', ['index-pack', join(packDir, 'p.pack')]);
  t.match(execFileSync('git', ['verify-pack', '-v', join(packDir, 'p.idx')]).toString(), /chain length = [1-9]/);
});

t.test('a pack with deltas against object ids (no ofs-delta) reads back exactly', async (t) => {
  const { dir, oids } = repoWithHistory();
  const pack = git(dir, ['pack-objects', '--stdout', '-q'], oids.join('\n') + '\n');
  // Without --delta-base-offset git writes REF_DELTA objects (type 7).
  const objects = readPack(pack);
  t.equal(objects.size, oids.length);
  const expected = catFile(dir, oids);
  let checked = 0;
  for (const oid of oids) {
    const o = objects.get(oid)!;
    if (o.type === expected.get(oid)?.type && o.content.equals(expected.get(oid)!.content)) checked++;
  }
  t.equal(checked, oids.length, 'each equals git cat-file');
});

t.test('damaged packs are refused with what is wrong', async (t) => {
  const { dir, oids } = repoWithHistory();
  const pack = git(dir, ['pack-objects', '--stdout', '--delta-base-offset', '-q'], oids.join('\n') + '\n');
  const resum = (b: Buffer): Buffer => {
    const body = b.subarray(0, b.length - 20);
    return Buffer.concat([body, createHash('sha1').update(body).digest()]);
  };
  const flipped = Buffer.from(pack);
  flipped[200] = flipped[200]! ^ 0xff;
  t.throws(() => readPack(flipped), CorruptObjectError, 'one flipped byte: the trailer does not match');
  t.throws(() => readPack(flipped), /SHA-1 trailer/);
  t.throws(() => readPack(resum(flipped)), CorruptObjectError, 'a flipped byte behind a good trailer: refused while reading');
  t.throws(() => readPack(pack.subarray(0, pack.length - 100)), CorruptObjectError, 'cut short');
  const moreDeclared = Buffer.from(pack);
  moreDeclared.writeUInt32BE(moreDeclared.readUInt32BE(8) + 1, 8);
  t.throws(() => readPack(resum(moreDeclared)), /fewer than/);
  t.throws(() => readPack(Buffer.from('not a pack at all, just some bytes here')), /PACK/);
});

t.test('deltas: copy and insert, and out-of-bounds instructions refused', async (t) => {
  const base = Buffer.from('hello, world');
  // Source 12 bytes, target 10: copy 5 bytes from offset 0, then insert ", all".
  const delta = Buffer.from([12, 10, 0x80 | 0x01 | 0x10, 0, 5, 5, ...Buffer.from(', all')]);
  t.equal(applyDelta(base, delta).toString(), 'hello, all');
  t.throws(() => applyDelta(base, Buffer.from([12, 10, 0x80 | 0x01 | 0x10, 20, 5])), /outside/);
  t.throws(() => applyDelta(base, Buffer.from([11, 1, 1, 0x41])), /base of 11 bytes/);
  t.throws(() => applyDelta(base, Buffer.from([12, 2, 0])), /reserved/);
  t.throws(() => applyDelta(base, Buffer.from([12, 3, 1, 0x41])), /makes 1 bytes/);
});
