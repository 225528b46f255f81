// A packed import's reading order (src/archive/import.ts, readingCandidate)
// and a Gemini CLI session document larger than the 4 MiB it reads whole
// (GEMINI_DOCUMENT_PEEK): such a document, its comment says, "is read where
// it was found", since the session id that names its ref is not looked for.
// Found between a Claude Code session and its resumption whose file is
// named by that session id (so both map to one ref), it must be read before
// the resumption, as an unpacked import reads them: the document gets the
// ref and the resumption is kept separately.
//
// This test fails on 5c93c4d: readingCandidate gives such a document the
// refs its file name names (its first four lines, pretty-printed, are not
// JSON, and it is too large to be read whole), not those of any ref, so the
// resumption is read before it, takes the ref, and the document is kept
// separately.
import t from 'tap';
import { promises as fs, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive, importTranscripts, type ImportSummary } from '../../src/archive/index.js';
import { newArchive, showRef } from '../import/import-helpers.js';
import { corpusDir } from '../helpers/cli.js';

const SESSION = join(corpusDir, 'claude-code', 'projects', '-Users-soph-Work-entire-devenv-cli', 'bc3bf53b-19fe-4209-b30a-a1acffaf6703.jsonl');
/** A real Gemini CLI session document (session fa4593e0-…), pretty-printed as the CLI writes it. */
const GEMINI_DOC = join(corpusDir, 'scale', 'gemini', '51_3fab7adf0b_0_full.jsonl');
const GEMINI_DOC_SESSION = 'fa4593e0-f7e1-4dd1-b656-da95fb4d60fa';

t.test('a Gemini CLI document over 4 MiB naming the ref a resumption\'s file name gives: read first, as found', async (t) => {
  const lines = readFileSync(SESSION, 'utf8').split(/(?<=\n)/);
  // The real document with a long first prompt (4.3 MB), written as the CLI writes documents.
  const doc = JSON.parse(readFileSync(GEMINI_DOC, 'utf8')) as { messages: Array<{ content: unknown }> };
  doc.messages[0]!.content = `${doc.messages[0]!.content as string} ${'the same words again and again '.repeat(140_000)}`;
  const big = JSON.stringify(doc, null, 2);
  t.ok(big.length > 4 * 1024 * 1024, `the document is larger than 4 MiB (${big.length} bytes)`);
  t.match(big.split('\n').slice(0, 2), ['{', /^ {2}"sessionId": /], 'its session id on its second line, which alone is not JSON');
  const a = 'aaaaaaaa-1111-4000-8000-000000000000.jsonl';
  const f = `${GEMINI_DOC_SESSION}.jsonl`;
  const outcome = async (packAbove: number) => {
    const cwd = await newArchive(t);
    await fs.appendFile(join(cwd, '.tapes', 'config'), `[import]\n\tpackAbove = ${packAbove}\n`);
    await fs.mkdir(join(cwd, 'in'));
    writeFileSync(join(cwd, 'in', a), lines.slice(0, 15).join(''));
    writeFileSync(join(cwd, 'in', 'b-gemini.jsonl'), big);
    writeFileSync(join(cwd, 'in', f), lines.join(''));
    const archive = await Archive.openAt(join(cwd, '.tapes'));
    const done: number[] = [];
    const summary: ImportSummary = await importTranscripts(archive, { kind: 'auto', paths: ['in'], cwd, env: {}, onProgress: (p) => done.push(p.bytesDone) });
    const bySize = new Map(summary.files.map((x) => [statSync(join(cwd, x.path)).size, x.path]));
    const read = done.map((bytes, i) => bySize.get(bytes - (i > 0 ? done[i - 1]! : 0)));
    return { summary, read, refs: await showRef(cwd) };
  };
  const loose = await outcome(0);
  const packed = await outcome(1);
  const files = [a, 'b-gemini.jsonl', f].map((p) => `in/${p}`);
  t.same(loose.read, files, 'unpacked: read as found');
  t.same(packed.read, files, 'packed: the document is read where it was found, before the resumption');
  t.same(packed.summary.files, loose.summary.files, 'the same statuses and sessions');
  t.equal(loose.summary.files[1]!.session, GEMINI_DOC_SESSION, 'unpacked: the document gets the ref');
  t.equal(packed.summary.files[1]!.session, GEMINI_DOC_SESSION, 'packed: so does it');
  t.equal(packed.refs, loose.refs, 'every ref at the same tip');
});
