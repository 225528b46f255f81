// push refuses to send secrets: it scans only the records the remote lacks,
// names the session, record and rule, and sends nothing; the allow-list in
// .tapes/config and --allow-secrets let a push through; an invalid custom
// rule is an error naming the config line.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { valueDigest } from '../../src/record/index.js';
import { PARALLEL_SCAN_FROM } from '../../src/archive/secret-scan.js';
import { SMALL, SMALL_SESSION, archive, corpusLines, fingerprint, must, objectCount, refOf, run, transcript } from './helpers.js';

const AWS = 'AKIAZ7QW3ERT5YUI8OPL';
const GH = 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

/**
 * The lines of SMALL these tests build on: its first 12 of 78 (a user
 * prompt at line 5 to copy). What a push scans is the records the remote
 * lacks, the ones a test adds with a secret: the rest of the transcript
 * only made every import and first push longer.
 */
const KEPT = 12;

/** A copy of transcript line 4 (a user prompt) with a new uuid, parented on `parent`, its prompt set to `text`. */
function promptLine(template: string, uuid: string, parent: string, text: string): string {
  const o = JSON.parse(template) as Record<string, unknown> & { message: { content: string } };
  return JSON.stringify({ ...o, uuid, parentUuid: parent, message: { ...o.message, content: text } });
}

t.test('push refuses new records holding secrets and sends nothing', async (t) => {
  const a = await archive();
  const b = await archive();
  const src = tempDir();
  const lines = corpusLines(SMALL).slice(0, KEPT);
  const template = lines[4]!;
  const lastUuid = (JSON.parse(lines[lines.length - 1]!) as { uuid: string }).uuid;
  await transcript(src, SMALL, KEPT);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', b], a);
  await must(['push'], a);
  const sent = (await must(['show-ref'], b)).stdout;

  // A prompt with an AWS key at its end.
  const u1 = '00000000-0000-4000-8000-000000000001';
  await transcript(src, SMALL, KEPT, [promptLine(template, u1, lastUuid, `deploy with key ${AWS}`)]);
  await must(['import', src], a);
  const refused = await run(['push'], a);
  t.equal(refused.code, 1, 'refused');
  // The record holds the prompt twice: as the event's content and in the source line kept for export.
  t.match(refused.stderr, /refusing to push: 2 secrets in records the remote lacks:\n/);
  t.match(refused.stderr, /\$\.content\[0\]\.text: aws-access-key/);
  t.match(refused.stderr, /\$\.source\.text\[0\]: aws-access-key/);
  const tip = (await must(['rev-parse', SMALL_SESSION], a)).stdout.trim();
  t.match(refused.stderr, `${SMALL_SESSION} record ${tip} `, 'names the session and the record');
  t.match(refused.stderr, /: aws-access-key \(digest [0-9a-f]{16}\)/, 'names the rule');
  t.notMatch(refused.stderr, AWS, 'the secret itself is not printed');
  t.notMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  t.equal((await must(['show-ref'], b)).stdout, sent, 'the remote is unchanged');
  const dry = await run(['push', '--dry-run'], a);
  t.equal(dry.code, 1, 'a dry run reports the refusal too');

  // Allowed by rule + digest in .tapes/config.
  const config = join(a, '.tapes', 'config');
  const base = await fs.readFile(config, 'utf8');
  await fs.writeFile(config, base + `[secrets]\n\tallow = aws-access-key:${valueDigest(AWS).slice(0, 16)}\n`);
  await must(['push'], a);
  t.equal((await must(['rev-parse', SMALL_SESSION], b)).stdout.trim(), tip, 'the allowed value went through');

  // A GitHub token inside a long tool output (stored as a blob).
  const u2 = '00000000-0000-4000-8000-000000000002';
  const long = 'log line\n'.repeat(300) + `token=${GH}\n` + 'more\n'.repeat(50);
  await transcript(src, SMALL, KEPT, [promptLine(template, u1, lastUuid, `deploy with key ${AWS}`), promptLine(template, u2, u1, long)]);
  await must(['import', src], a);
  const blobbed = await run(['push'], a);
  t.equal(blobbed.code, 1);
  t.match(blobbed.stderr, /\(blob [0-9a-f]{64}\): github-token/, 'the blob is named');
  t.notMatch(blobbed.stderr, /aws-access-key/, 'records the remote has are not scanned again');
  await must(['push', '--allow-secrets'], a);
  const tip2 = (await must(['rev-parse', SMALL_SESSION], a)).stdout.trim();
  t.equal((await must(['rev-parse', SMALL_SESSION], b)).stdout.trim(), tip2, '--allow-secrets sends it');

  // A clean record after the secret one: only it is scanned.
  const u3 = '00000000-0000-4000-8000-000000000003';
  await transcript(src, SMALL, KEPT, [
    promptLine(template, u1, lastUuid, `deploy with key ${AWS}`),
    promptLine(template, u2, u1, long),
    promptLine(template, u3, u2, 'thanks, all good'),
  ]);
  await must(['import', src], a);
  await must(['push'], a);

  // A custom rule with an invalid regex names the config line.
  await fs.writeFile(config, base + '[secret-rule "acme"]\n\tregex = ACME-[0-9\n');
  const bad = await run(['push'], a);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /config:\d+: secret rule acme: invalid regex "ACME-\[0-9"/);
  t.notMatch(bad.stderr, /\n\s+at /);
});

t.test('a custom rule from .tapes/config refuses its own format', async (t) => {
  const a = await archive();
  const b = await archive();
  const src = tempDir();
  const lines = corpusLines(SMALL).slice(0, KEPT);
  const lastUuid = (JSON.parse(lines[lines.length - 1]!) as { uuid: string }).uuid;
  await transcript(src, SMALL, KEPT, [promptLine(lines[4]!, '00000000-0000-4000-8000-00000000000a', lastUuid, 'ticket ACME-123456 with creds')]);
  await must(['import', src], a);
  await must(['remote', 'add', 'origin', b], a);
  await fs.appendFile(join(a, '.tapes', 'config'), '[secret-rule "acme"]\n\tregex = ACME-[0-9]{6}\n');
  const r = await run(['push'], a);
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`${SMALL_SESSION} record [0-9a-f]{64} \\$\\.content\\[0\\]\\.text: custom-acme`));
  t.equal((await run(['show-ref'], b)).stdout, '', 'nothing was sent');
  // Once on the remote (sent with --allow-secrets), pushing the same records under another name scans nothing.
  await must(['push', '--allow-secrets'], a);
  await must(['push', 'origin', `${SMALL_SESSION}:refs/sessions/copy`], a);
});

t.test('a secret in a record many sessions share: named for each, and nothing reaches the remote', async (t) => {
  // Sessions that share their first records (one holding an AWS key), as
  // resumed sessions do: few (walked here) and many (walked on threads).
  // The transcript's first 12 lines (KEPT), not its 78, under each: the
  // sessions share them all, and the scan finds the key the same way.
  for (const n of [2, PARALLEL_SCAN_FROM + 1]) {
    const a = await archive();
    const b = await archive();
    const src = tempDir();
    const lines = corpusLines(SMALL).slice(0, KEPT);
    const lastUuid = (JSON.parse(lines[lines.length - 1]!) as { uuid: string }).uuid;
    const shared = '00000000-0000-4000-8000-000000000001';
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const own = promptLine(lines[4]!, `00000000-0000-4000-8000-2000000000${String(i).padStart(2, '0')}`, shared, `thanks ${i}`);
      await transcript(src, SMALL, KEPT, [promptLine(lines[4]!, shared, lastUuid, `deploy with key ${AWS}`), own]);
      const name = `shared-${String(i).padStart(2, '0')}`;
      await fs.rename(join(src, SMALL), join(src, `${name}.jsonl`));
      names.push(`refs/sessions/${name}`);
    }
    await must(['import', src], a);
    await must(['remote', 'add', 'origin', b], a);
    const record = (await must(['rev-parse', `${names[0]}~1`], a)).stdout.trim();
    const before = await fingerprint(join(b, '.tapes'));
    const refused = await run(['push'], a);
    t.equal(refused.code, 1, `${n} sessions: refused`);
    t.match(refused.stderr, `refusing to push: ${2 * n} secrets in records the remote lacks:\n`, 'two paths of the shared record, in every session');
    const listed = refused.stderr.split('\n').filter((l) => l.startsWith('  refs/'));
    const expected = names.flatMap((ref) => [`  ${ref} record ${record} $.content[0].text: aws-access-key`, `  ${ref} record ${record} $.source.text[0]: aws-access-key`]);
    t.same(
      listed.map((l) => l.replace(/ \(digest [0-9a-f]{16}\)$/, '')),
      expected.slice(0, 20),
      'the record, under each session holding it, in ref order',
    );
    if (2 * n > 20) t.match(refused.stderr, `  … and ${2 * n - 20} more`);
    t.same(await fingerprint(join(b, '.tapes')), before, 'the remote is untouched: no object, pack, ref or log written');
    // Let through, every object arrives.
    await must(['push', '--allow-secrets'], a);
    t.equal(await objectCount(b), await objectCount(a), 'with --allow-secrets: every object sent');
    t.equal((await run(['fsck'], b)).code, 0, 'fsck of the remote is clean');
    for (const ref of names) t.equal(await refOf(b, ref), await refOf(a, ref), `${ref} on the remote`);
  }
});
