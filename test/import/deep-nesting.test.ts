// A line nested deeper than any reader of a record can recurse (20,000
// levels overflowed the stack, and the import died with a stack trace) is
// kept whole, unparsed, and reported by file and line; one within the bound
// is a record like any other.
import t from 'tap';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { MAX_VALUE_DEPTH } from '../../src/record/index.js';
import { exportBytes, fsck, importJson, newArchive, recordAtLine } from './import-helpers.js';

const SESSION = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';

function line(uuid: string, parent: string | null, contentJson: string): string {
  const base = JSON.stringify({ type: 'user', sessionId: SESSION, uuid, parentUuid: parent, timestamp: '2026-01-01T00:00:00.000Z', message: { role: 'user', content: '@@' } });
  return base.replace('"@@"', contentJson);
}

const nested = (depth: number) => '['.repeat(depth) + '"x"' + ']'.repeat(depth);

t.test('a line nested 20,000 deep is kept whole and reported; one nested 900 deep is a record', async (t) => {
  const cwd = await newArchive(t);
  const text = [line('u1', null, '[{"type":"text","text":"hi"}]'), line('u2', 'u1', nested(20000)), line('u3', 'u2', nested(900))].join('\n') + '\n';
  await fs.writeFile(join(cwd, 'deep.jsonl'), text);
  const r = await importJson(cwd, ['deep.jsonl']);
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stderr, /RangeError|Maximum call stack|at .*\.js:/, 'no stack trace');
  t.same(r.summary.files[0]?.problems, [`deep.jsonl:2: nested deeper than ${MAX_VALUE_DEPTH} levels`]);
  const session = r.summary.files[0]!.session!;
  t.equal(r.summary.records_added, 3);
  t.equal(r.summary.problems, 1, 'only the deep line is a problem');
  const deep = await recordAtLine(cwd, session, 2);
  t.equal(deep.kind, 'unparsed');
  const ok = await recordAtLine(cwd, session, 3);
  t.equal(ok.kind, 'user', 'within the bound: parsed');
  t.equal((await fsck(cwd)).code, 0, 'fsck clean');
  t.ok((await exportBytes(cwd, session)).stdoutBytes.equals(Buffer.from(text)), 'the export gives the file back byte for byte');
});
