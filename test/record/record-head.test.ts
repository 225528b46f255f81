// Reading a record without its line template (record-head.ts): for every
// record of real transcripts the head is the whole parse less `source.text`;
// for any other text (not canonical, hostile, not JSON) the answer is still
// exactly what parsing the whole text gives, or the same error; readers
// that need the original line (a Codex token count, an unparsed line) read
// it again and get what a whole read gives.
import t, { type Test } from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { chainRefs, readChainEvents, summariseEvents, summariseSession } from '../../src/archive/sessions/index.js';
import { canonicalJson } from '../../src/hash/index.js';
import { eventSource, parseRecordHead, parseRecordJson, readEvent, readEventHead } from '../../src/record/index.js';
import { corpusDir, tapes, tempDir } from '../helpers/cli.js';

type Obj = { [key: string]: unknown };

/** The whole parse with the template taken out, as the head gives it. */
function withoutTemplate(v: Obj): Obj {
  const out = { ...v };
  if (out.source !== null && typeof out.source === 'object' && !Array.isArray(out.source)) {
    const { text: _text, ...rest } = out.source as Obj;
    out.source = rest;
  }
  return out;
}

/** What `f` gives, or the message it fails with. */
function attempt<T>(f: () => T): { value?: T; error?: string } {
  try {
    return { value: f() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** What parseRecordHead gives for `text`, compared with the whole parse: equal values and parents, or the same error. */
function sameAsWhole(t: Test, text: string, name: string): ReturnType<typeof parseRecordHead> | undefined {
  const { value: whole, error: wholeError } = attempt(() => parseRecordJson(text));
  const { value: head, error: headError } = attempt(() => parseRecordHead(text));
  t.equal(headError, wholeError, `${name}: the same error, or none`);
  if (whole && head) {
    t.same(head.template ? head.value : withoutTemplate(head.value), head.template ? whole.value : withoutTemplate(whole.value), `${name}: the same members`);
    t.equal(head.parent, whole.parent, `${name}: the same parent`);
  }
  return head;
}

const id = (c: string) => c.repeat(64);
/** A canonical event record whose template is `parts`. */
const record = (parts: unknown[], extra: Obj = {}) =>
  canonicalJson({
    parent: id('a'),
    kind: 'user',
    role: 'user',
    time: '2026-01-02T03:04:05.678Z',
    content: [{ type: 'text', text: 'hello' }],
    meta: { harness: 'claude-code', cwd: '/w' },
    source: { format: 'claude-code', line: 3, eol: '\n', text: parts },
    ...extra,
  });

t.test('crafted texts: the head is the whole parse less the template, or the text is parsed whole', async (t) => {
  const plain = record(['{"type":"user","message":"x \\"quoted\\" \\\\ \\u00e9 \\n"}', { $blob: id('b') }, '", more', { $blob: id('c'), raw: true }, '}']);
  t.equal(sameAsWhole(t, plain, 'canonical')?.template, false, 'a canonical record is read without its template');
  t.equal(sameAsWhole(t, record([]), 'an empty template')?.template, false, 'an empty template is cut too');
  t.equal(sameAsWhole(t, record(['x'], { time: null }), 'no time')?.template, false, 'a null time');

  // [what, text, whether it is cut (true), parsed whole (false), or not a record (an error)]
  const cases: Array<[string, string, boolean | 'error']> = [
    ['a space inside the source', plain.replace('"source":{"eol"', '"source": {"eol"'), false],
    ['a raw control character in the template', plain.replace('more', 'mo\u0001re'), 'error'],
    ['a bad escape in the template', plain.replace('more', 'mo\\qre'), 'error'],
    ['an unterminated template string', record(['abc']).replace('"abc"]', '"abc]'), 'error'],
    ['a member after the source', plain.replace(/\]\},"time":/, ']},"meta":{"harness":"forged"},"time":'), false],
    ['a list member after the source, shaped like template parts', plain.replace(/\]\},"time":/, ']},"content":["forged"],"time":'), false],
    ['the source twice, the first one whole', plain.replace('"role":"user"', '"role":"user","source":{"eol":"","format":"x","line":1,"text":["y"]}'), false],
    ['a "text" member in the source before its template', plain.replace('"line":3', '"line":3,"text":"forged"'), true],
    ['a time with an escape', plain.replace('"2026-01-02T03:04:05.678Z"', '"2026\\u002d01"'), false],
    ['a time that is not the last member', plain.replace(/,"time":("[^"]*")\}$/, ',"time":$1,"zz":1}'), false],
    ['the cut markers nested in meta, no source', canonicalJson({ parent: null, kind: 'user', meta: { x: { a: 1, source: { eol: '\n', text: ['a'] }, time: null } } }), false],
    ['the cut markers nested in meta, a source after', plain.replace('"cwd":"/w"', '"cwd":"/w","n":{"a":1,"source":{"eol":"","text":["a"]},"time":null}'), false],
    ['the cut markers in a content string (escaped there)', record(['x'], { content: [{ type: 'text', text: ',"source":{"eol":"","text":["a"]},"time":null}' }] }), true],
    ['a blob reference in upper case', plain.replace(id('b'), id('B')), 'error'],
    ['a blob reference with another member', plain.replace(`{"$blob":"${id('c')}","raw":true}`, `{"$blob":"${id('c')}","raw":false}`), false],
    ['a template that is not a list', plain.replace(/"text":\[.*\]\},"time"/, '"text":"x"},"time"'), false],
    ['a parent that is not an id', plain.replace(`"parent":"${id('a')}"`, '"parent":"nope"'), 'error'],
    ['no parent', plain.replace(`"parent":"${id('a')}",`, ''), 'error'],
    ['a bad blob reference in content', plain.replace('"text":"hello"', '"text":{"$blob":"nope"}'), 'error'],
    ['not JSON at all', '{"content":', 'error'],
    ['a capture record (no source)', canonicalJson({ parent: null, kind: 'user', role: 'user', time: null, content: [], meta: {}, capture: { api: 'anthropic-messages' } }), false],
    ['JSON that is not an object', '[1,2]', 'error'],
  ];
  for (const [name, text, cut] of cases) {
    t.not(text, plain, `${name}: the text differs from the canonical one`);
    const head = sameAsWhole(t, text, name);
    if (cut === 'error') t.equal(head, undefined, `${name}: not a record`);
    else t.equal(head?.template, !cut, `${name}: ${cut ? 'cut' : 'parsed whole'}`);
  }
});

t.test('a long template and one that fails late are read in one pass', async (t) => {
  // A string part of a mebibyte, escapes throughout: matched without running out of stack.
  const long = record(['\\"'.repeat(1) + 'a\\"b'.repeat(200_000)]);
  t.equal(sameAsWhole(t, long, 'a long template')?.template, false, 'cut');
  // Many parts and then a bad one at the very end: the whole text is parsed, and fails as it does.
  const parts = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? { $blob: id('d') } : 'x\\\\y'));
  const late = record(parts).replace(/"\]\},"time"/, '\u0002"]},"time"');
  sameAsWhole(t, late, 'a bad character at the end of a long template');
});

t.test('real transcripts: every record read without its template, and what readers need read again', async (t) => {
  const dir = tempDir('tapes-record-head-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const codex = join(corpusDir, 'codex', 'sessions');
  // A real Codex rollout with token counts (test/fixtures/agents/README.md).
  const codexCounted = join(corpusDir, '..', 'agents', 'codex-0.169.0-rollout-01a2464b-59eb-7e90-8265-4a6445d2602d.jsonl');
  const claude = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
  const gemini = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');
  // A transcript with a line that is not JSON: its record keeps the line in its template only.
  const broken = join(dir, 'broken.jsonl');
  writeFileSync(
    broken,
    '{"type":"user","sessionId":"5b6d0b5e-0000-4000-8000-000000000001","uuid":"u1","parentUuid":null,"timestamp":"2026-01-01T00:00:00Z","message":{"role":"user","content":"first"}}\n' +
      'not json at all: zanzibarquill\n' +
      '{"type":"user","sessionId":"5b6d0b5e-0000-4000-8000-000000000001","uuid":"u2","parentUuid":"u1","timestamp":"2026-01-01T00:00:01Z","message":{"role":"user","content":"second"}}\n',
  );
  const root = join(dir, 'a');
  t.equal((await tapes(['init', '-q', root], { cwd: dir })).code, 0);
  const imported = await tapes(['import', '--no-progress', claude, codex, codexCounted, gemini, broken], { cwd: root });
  t.equal(imported.code, 0, imported.stderr);

  const archive = await Archive.openAt(join(root, '.tapes'));
  const store = await archive.objects();
  const refs = await chainRefs(archive);
  t.ok(refs.length >= 4, 'every transcript is a chain');
  let records = 0;
  let cut = 0;
  let codexCounts = 0;
  for (const r of refs) {
    const heads = await readChainEvents(store, r.id);
    const whole = [];
    for (const h of heads) {
      const text = Buffer.from((await store.read(h.id)).body).toString('utf8');
      const head = sameAsWhole(t, text, `record ${h.id}`);
      records++;
      if (head && !head.template) cut++;
      const ev = await readEvent(store, h.id);
      whole.push(ev);
      t.same(await eventSource(store, h), ev.source, `record ${h.id}: its whole source read again`);
      t.same({ ...h, source: undefined }, { ...ev, source: undefined }, `record ${h.id}: the same event`);
      if (ev.meta.harness === 'codex' && ev.meta.event_type === 'token_count') codexCounts++;
    }
    // The summary from heads (reading again the lines it needs) equals the one from whole records.
    t.same(await summariseSession(store, r.name, r.id), await summariseEvents(store, r.name, r.id, whole), `${r.name}: the same summary`);
  }
  t.equal(cut, records, `all ${records} records are read without their template`);
  t.ok(codexCounts > 0, 'Codex token counts are among them (their totals come from the line)');
  const one = await readEventHead(store, refs[0]!.id);
  t.equal(one.source?.text, undefined, 'a head has no template');

  // The unparsed line is indexed from its template, read again.
  const found = await tapes(['search', '--json', 'zanzibarquill'], { cwd: root });
  t.equal(found.code, 0, found.stderr);
  t.match(found.stdout, /zanzibarquill/, 'the unparsed line is found by a word of it');
});
