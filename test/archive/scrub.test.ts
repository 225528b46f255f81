// tapes scrub, end to end on copies of real transcripts with a secret of
// every kind planted at the start, middle and end of a session, in a prompt,
// a tool input, tool outputs (one over 1 KiB, stored as a blob) and a
// subagent chain: the dry run lists and changes nothing; the scrub rewrites
// the chains, moves the refs (and a tag on the rewritten history), leaves
// the clean session's ids alone, writes the audit; after --prune no file
// under .tapes/ holds a planted value, decompressed or not, the search index
// included; the rewritten sessions still log, show, diff, export and fsck;
// a second scrub finds nothing; bad input changes nothing.
import t from 'tap';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyArchive, tapes, tempDir } from '../helpers/cli.js';
import { fingerprint as remoteFingerprint } from '../remote/helpers.js';
import { ACME_RULE, AGENT, MAIN, OTHER, PLANTED, grepArchive, plantedMain, writeProjects } from './scrub-helpers.js';

async function must(args: string[], cwd: string) {
  const r = await tapes(args, { cwd });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** The archive's files and their hashes; index/ (derived data, rebuilt by any read) left out when asked. */
const fingerprint = (dir: string, skipIndex = false) => remoteFingerprint(dir, skipIndex ? ['index'] : []);

const VALUES = Object.values(PLANTED).map((p) => p.value);
const rev = async (cwd: string, r: string) => (await must(['rev-parse', r], cwd)).stdout.trim();

let made: Promise<string> | undefined;
/**
 * An archive holding the planted sessions, with the custom rule
 * configured: imported once for the file, and the tests that scrub or
 * refuse to scrub it take a copy (its transcripts beside it copied too).
 */
async function planted(): Promise<string> {
  made ??= plantedOnce();
  const dir = tempDir('tapes-scrub-');
  copyArchive(await made, dir);
  return dir;
}

async function plantedOnce(): Promise<string> {
  const dir = tempDir('tapes-scrub-');
  await must(['init', '-q'], dir);
  await fs.appendFile(join(dir, '.tapes', 'config'), ACME_RULE);
  const projects = await writeProjects(dir);
  // Written a minute ago, so that the import's stat cache trusts them (a file
  // changed within 2 s of being recorded is read again: its racy rule).
  const past = new Date(Date.now() - 60_000);
  for (const f of await fs.readdir(projects, { recursive: true })) await fs.utimes(join(projects, f), past, past);
  await must(['import', projects], dir);
  return dir;
}

t.test('scrub of one session: dry run, rewrite, audit, prune, and nothing of any secret left', async (t) => {
  const dir = await planted();
  const tapesDir = join(dir, '.tapes');
  t.ok((await grepArchive(tapesDir, VALUES)).length > 0, 'the planted values are stored before the scrub (the grep can fail)');
  const otherBefore = await rev(dir, OTHER);
  const mainBefore = await rev(dir, MAIN);
  await must(['tag', 'checkpoint', `${MAIN}~40`], dir);
  await must(['search', 'deploy'], dir); // builds the search index, which holds the text

  // --dry-run: every planted kind listed (masked), nothing changed.
  const before = await fingerprint(tapesDir);
  const dry = await must(['scrub', MAIN, '--dry-run'], dir);
  for (const p of Object.values(PLANTED)) t.match(dry.stdout, new RegExp(`: ${p.rule} `), `dry run lists ${p.rule}`);
  for (const v of VALUES) t.notOk(dry.stdout.includes(v) || dry.stderr.includes(v), `dry run does not print ${v.slice(0, 10)}`);
  t.match(dry.stdout, /\(blob [0-9a-f]{12}\): github-token/, 'the blob is named');
  t.match(dry.stdout, new RegExp(`agents/${MAIN}/${AGENT} [0-9a-f]{12} .*anthropic-key`), 'the subagent chain is scanned');
  t.match(dry.stdout, /would scrub \d+ secrets .*: \d+ records and 2 blobs rewritten, 3 refs moved/);
  t.match(dry.stdout, /refs\/tags\/checkpoint \(shares rewritten history\)/);
  t.same(await fingerprint(tapesDir), before, 'the dry run changed nothing');
  const dryJson = JSON.parse((await must(['scrub', MAIN, '-n', '--json'], dir)).stdout);
  t.equal(dryJson.dry_run, true);
  t.same(new Set(dryJson.findings.map((f: { rule: string }) => f.rule)), new Set(Object.values(PLANTED).map((p) => p.rule)), 'every kind found');

  // The scrub.
  const r = await must(['scrub', MAIN, '--json'], dir);
  const res = JSON.parse(r.stdout);
  t.equal(res.dry_run, false);
  t.same(res.refs.map((m: { ref: string }) => m.ref).sort(), [`refs/agents/${MAIN}/${AGENT}`, `refs/sessions/${MAIN}`, 'refs/tags/checkpoint']);
  t.same(
    res.refs.map((m: { ref: string; new: string }) => m.new),
    dryJson.refs.map((m: { ref: string; new: string }) => m.new),
    'the dry run named the ids the scrub gave',
  );
  t.equal(await rev(dir, OTHER), otherBefore, 'the clean session keeps its ids');
  const mainAfter = await rev(dir, MAIN);
  t.not(mainAfter, mainBefore, 'the session moved');
  t.equal(await rev(dir, 'checkpoint'), await rev(dir, `${MAIN}~40`), 'the tag moved with the history it names');
  t.not(await rev(dir, `${MAIN}~77`), await rev(dir, `${mainBefore}~77`), 'from the first record (a secret in line 1) on, records get new ids');
  t.equal(await rev(dir, `refs/sessions/${OTHER}~5`), await rev(dir, `${otherBefore}~5`), 'the clean session keeps its ids');
  const reflog = readFileSync(join(tapesDir, 'logs', 'refs', 'sessions', MAIN), 'utf8');
  t.match(reflog, /\tscrub: \d+ secrets, rules [a-z-, ]*aws-access-key/, 'the reflog says scrub: <n> secrets, rules …');
  t.notMatch(reflog, mainBefore, 'no reflog line names the superseded tip');
  t.ok(res.index_removed.includes('index/search.sqlite'), 'the search index went');

  // The audit record keeps no secret, and a salted hash proves each one.
  const audit = JSON.parse((await must(['cat-object', '-p', 'refs/audit/scrub'], dir)).stdout);
  t.equal(audit.scrub.salt.length, 64);
  const awsEntry = audit.scrub.replacements.find((x: { rule: string }) => x.rule === 'aws-access-key');
  t.equal(awsEntry.hash, createHash('sha256').update(audit.scrub.salt + PLANTED.aws!.value).digest('hex'), 'the holder of the value can prove it was there');
  t.ok(awsEntry.old && awsEntry.new && awsEntry.path && awsEntry.end > awsEntry.start, 'old id, new id, position');
  const auditText = (await must(['cat-object', '-p', 'refs/audit/scrub'], dir)).stdout;
  for (const v of VALUES) t.notOk(auditText.includes(v), `the audit does not hold ${v.slice(0, 10)}`);
  t.notMatch((await must(['sessions'], dir)).stdout, /audit/, 'the audit chain is not a session');

  // The rewritten session reads, diffs and exports.
  await must(['log', MAIN], dir);
  t.match((await must(['show', `${MAIN}~73`], dir)).stdout, /use \[REDACTED:aws-access-key\] for the deploy/, 'show gives the replaced prompt');
  const diff = await tapes(['diff', MAIN, mainBefore], { cwd: dir });
  t.equal(diff.code, 1, 'diff compares the scrubbed session with the old one (they differ)');
  t.match(diff.stdout, /~ a .* user: "lint and test failures :\( use \[REDACTED:aws-access-ke/, 'the replaced steps differ');
  t.match(diff.stdout, /= 9 identical steps/, 'the steps between them are the same');
  const exp = await must(['export', MAIN, '--format', 'original'], dir);
  let expected = plantedMain();
  for (const p of Object.values(PLANTED)) {
    if (p.rule === 'anthropic-key') continue; // in the subagent
    expected = expected.split(JSON.stringify(p.value).slice(1, -1)).join(`[REDACTED:${p.rule}]`);
  }
  t.equal(exp.stdout, expected, 'export --format original gives the original bytes with the same replacements');
  t.match(exp.stderr, /note: .* was scrubbed: \d+ replacements in \d+ records/, 'and says so');

  // A second scrub finds nothing.
  t.match((await must(['scrub', '--all'], dir)).stdout, /^no secrets found in \d+ records\n$/);

  // Still something stored until the prune …
  t.ok((await grepArchive(tapesDir, VALUES)).length > 0, 'the old objects stay until pruned');
  const pruned = await must(['scrub', MAIN, '--prune'], dir);
  t.match(pruned.stdout, /pruned \d+ unreachable objects/);
  await must(['search', 'deploy'], dir); // the index again, from the scrubbed records
  t.equal((await tapes(['search', PLANTED.aws!.value], { cwd: dir })).code, 2, 'search finds no secret');
  t.same(await grepArchive(tapesDir, VALUES), [], 'no file under .tapes/ holds a planted value');
  const fsck = await tapes(['fsck'], { cwd: dir });
  t.equal(fsck.code, 0, `fsck is clean: ${fsck.stdout}${fsck.stderr}`);
});

t.test('scrub --all, and an import of the unchanged transcript afterwards stores nothing again', async (t) => {
  // Its own import, not a copy: the import afterwards is told the file is unchanged by the stat cache, which names the file by its path.
  const dir = await plantedOnce();
  await must(['scrub', '--all', '--prune'], dir);
  t.same(await grepArchive(join(dir, '.tapes'), VALUES), []);
  const again = await must(['import', join(dir, 'projects'), '--json'], dir);
  t.equal(JSON.parse(again.stdout).sessions.kept_separately, 0, 'the unchanged file is not imported as a second session');
  t.same(await grepArchive(join(dir, '.tapes'), VALUES), [], 'and its secrets are not stored again');
});

t.test('bad input changes nothing', async (t) => {
  const dir = await planted();
  const tapesDir = join(dir, '.tapes');
  const before = await fingerprint(tapesDir, true);

  const unknown = await tapes(['scrub', 'no-such-session'], { cwd: dir });
  t.equal(unknown.code, 2, 'an unknown session is "not found"');
  t.match(unknown.stderr, /no-such-session/);
  t.notMatch(unknown.stderr, /\n\s+at /, 'no stack trace');

  const both = await tapes(['scrub', MAIN, '--all'], { cwd: dir });
  t.equal(both.code, 129, 'names and --all together are a usage error');
  const none = await tapes(['scrub'], { cwd: dir });
  t.equal(none.code, 129, 'nothing named is a usage error');
  t.match(none.stderr, /--all/);
  const id = await rev(dir, `${MAIN}~3`);
  const notSession = await tapes(['scrub', id], { cwd: dir });
  t.equal(notSession.code, 129, 'a record id is not a session');
  t.match(notSession.stderr, /is not a session/);
  t.same(await fingerprint(tapesDir, true), before, 'none of these changed anything');

  const config = join(tapesDir, 'config');
  const text = await fs.readFile(config, 'utf8');
  await fs.writeFile(config, text + '[secret-rule "broken"]\n\tregex = (unclosed\n');
  const bad = await tapes(['scrub', '--all'], { cwd: dir });
  t.equal(bad.code, 1);
  const line = (text + '[secret-rule "broken"]\n').split('\n').length;
  t.match(bad.stderr, new RegExp(`config:${line}: secret rule broken: invalid regex`), 'the error names the config line');
  await fs.writeFile(config, text);
  t.same(await fingerprint(tapesDir, true), before, 'an invalid rule changed nothing');
});
