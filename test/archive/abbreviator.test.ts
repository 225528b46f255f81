// Abbreviated ids: found from an id's neighbours in the packs' sorted ids
// and the loose fan-out directory (no listing of every id under its first
// two digits), they must be what listing them gives: unique, and no longer
// than needed.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { AbbrevMemo, Abbreviator } from '../../src/archive/log/index.js';
import type { LooseObjectStore } from '../../src/odb/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli');

/** An archive in `cwd` holding one session, packed by gc; returns a runner of more commands there. */
async function packedArchive(cwd: string): Promise<(args: string[]) => Promise<void>> {
  const run = async (args: string[]) => {
    const r = await tapes(args, { cwd });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  };
  await run(['init', '-q']);
  await run(['import', join(PROJECT, '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl')]);
  await run(['gc']);
  return run;
}

t.test('abbreviations from neighbours equal those from listings, packed and loose objects together', async (t) => {
  const cwd = tempDir('tapes-abbrev-');
  const run = await packedArchive(cwd);
  await run(['import', join(PROJECT, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl'), join(PROJECT, '0cf3db51-1c73-43bb-8d05-dc02739514a5-7e6e3ea2ad.jsonl')]);
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const store = await archive.objects();
  const ids: string[] = [];
  for await (const id of store.ids()) ids.push(id);
  const packed = (store as LooseObjectStore).packs.list.reduce((n, p) => n + p.index.count, 0);
  t.ok(packed > 150 && ids.length > packed + 100, `${packed} packed and ${ids.length - packed} loose objects`);
  t.ok(store.neighbours, 'the archive store names neighbours');

  const fromNeighbours = await Abbreviator.create(archive);
  // The same archive through a store that can only list ids by prefix.
  const listingOnly = await Abbreviator.create({ refs: archive.refs, objects: async () => ({ findByPrefix: (p: string) => store.findByPrefix(p) }) } as unknown as Archive);
  await listingOnly.prepare(ids);
  // Short abbreviations (2 digits) so that collisions are common.
  const sorted = [...ids].sort();
  const sessions = (await archive.refs.listNames('refs/sessions/')).map((n) => n.slice('refs/sessions/'.length));
  let differ = 0;
  let longer = 0;
  for (const id of ids) {
    const a = await fromNeighbours.abbrev(id, 2);
    const b = await listingOnly.abbrev(id, 2);
    if (a !== b) differ++;
    if (a.length > 2) longer++;
    const matching = sorted.filter((x) => x.startsWith(a));
    if (matching.length !== 1) t.fail(`${a} names ${matching.length} objects`);
    // One digit fewer names another object too, or begins a session's name (revisions take those).
    const shorter = a.slice(0, -1);
    if (a.length > 2 && sorted.filter((x) => x.startsWith(shorter)).length < 2 && !sessions.some((n) => n.startsWith(shorter))) t.fail(`${a} is longer than needed`);
  }
  t.equal(differ, 0, `all ${ids.length} abbreviations agree`);
  t.ok(longer > 100, `${longer} needed more than 2 digits`);
});

// index/abbrev/ (archive/log/abbrev-memo.ts): each pack's digit counts are
// kept per session; the abbreviations through a kept memo must be those
// computed afresh, as packs come (a new import, packed) and go (gc), and a
// damaged file must be ignored.
t.test('abbreviations through the kept per-pack counts equal fresh ones as packs come and go', async (t) => {
  const cwd = tempDir('tapes-abbrev-memo-');
  const run = await packedArchive(cwd);
  const REF = 'refs/sessions/79e9becd-0b83-42f1-8cb1-33375d080476';

  const check = async (what: string) => {
    const archive = await Archive.openAt(join(cwd, '.tapes'));
    const store = await archive.objects();
    const ids: string[] = [];
    for await (const id of store.ids()) ids.push(id);
    const fresh = await Abbreviator.create(archive);
    const kept = await Abbreviator.create(archive);
    const memo = AbbrevMemo.load(archive, REF);
    kept.useMemo(memo);
    let differ = 0;
    for (const id of ids) if ((await fresh.abbrev(id, 2)) !== (await kept.abbrev(id, 2))) differ++;
    t.equal(differ, 0, `${what}: all ${ids.length} abbreviations agree`);
    await memo.save();
    const packs = (store as LooseObjectStore).packs.list.map((p) => p.name).sort();
    const file = JSON.parse(readFileSync(AbbrevMemo.path(archive, REF), 'utf8').split('\n')[1]!) as { ids: string; packs: Array<[string, string]> };
    t.same(file.packs.map((p) => p[0]), packs, `${what}: the file keeps the packs there are, and only those`);
    t.equal(file.ids.length / 64, ids.length, `${what}: every id asked about is kept`);
    return file;
  };

  const first = await check('no file yet');
  const again = await check('the file as written');
  t.same(again, first, 'nothing new to keep: the same file');
  // A second pack: its counts are added, the first pack's kept.
  await run(['import', join(PROJECT, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl')]);
  await run(['gc', '--prune=now']);
  await check('after another import and gc (one new pack, the old one gone)');
  // A damaged file is not believed: a count changed, the checksum left as it was.
  const archive = await Archive.openAt(join(cwd, '.tapes'));
  const path = AbbrevMemo.path(archive, REF);
  const text = readFileSync(path, 'utf8');
  const nl = text.indexOf('\n');
  const body = JSON.parse(text.slice(nl + 1)) as { packs: Array<[string, string]> };
  body.packs[0]![1] = 'p'.repeat(body.packs[0]![1].length);
  writeFileSync(path, text.slice(0, nl + 1) + JSON.stringify(body));
  t.equal(AbbrevMemo.load(archive, REF).for('0'.repeat(64)).get(body.packs[0]![0]), undefined, 'a damaged file reads as empty');
  await check('after the file was damaged');
});
