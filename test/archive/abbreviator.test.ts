// Abbreviated ids: found from an id's neighbours in the packs' sorted ids
// and the loose fan-out directory (no listing of every id under its first
// two digits), they must be what listing them gives: unique, and no longer
// than needed.
import t from 'tap';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { Abbreviator } from '../../src/archive/log/index.js';
import type { LooseObjectStore } from '../../src/odb/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

const PROJECT = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli');

t.test('abbreviations from neighbours equal those from listings, packed and loose objects together', async (t) => {
  const cwd = tempDir('tapes-abbrev-');
  const run = async (args: string[]) => {
    const r = await tapes(args, { cwd });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  };
  await run(['init', '-q']);
  await run(['import', join(PROJECT, '79e9becd-0b83-42f1-8cb1-33375d080476.jsonl')]);
  await run(['gc']);
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
