// Lines are decoded and parsed only when read (transcript-format.ts,
// TranscriptLine), and the format verdict stops reading once half of a
// file's lines are of the format. Its verdicts, reasons included, must be
// those of parsing every line first and counting them all, as it did before:
// checked on random files of every kind of line.
import t from 'tap';
import { formatVerdict, lineDecoded, parseLine, splitLines, type ParsedLine, type TranscriptFormat } from '../../src/import/index.js';
import { seededRandom } from '../helpers/random.js';

/** What parseLine gave before lines were parsed when read: every line decoded and parsed at once. */
function eagerLine(number: number, bytes: Buffer, eol: '\n' | ''): ParsedLine {
  const line = { number, bytes, eol };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ...line, error: 'not valid UTF-8' };
  }
  if (text.trim() === '') return { ...line, text, error: bytes.length === 0 ? 'empty line' : 'blank line' };
  try {
    return { ...line, text, value: JSON.parse(text) };
  } catch (err) {
    return { ...line, text, error: 'not JSON', detail: (err as Error).message };
  }
}

const claude = (i: number) => JSON.stringify({ type: 'user', sessionId: 's', uuid: `u${i}`, message: { role: 'user', content: 'hi' } });
const codex = (i: number) => JSON.stringify({ timestamp: '2026-01-01T00:00:00.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `t${i}` }] } });
const KINDS: Array<(i: number) => Buffer> = [
  (i) => Buffer.from(claude(i)),
  (i) => Buffer.from(codex(i)),
  (i) => Buffer.from(` \t${claude(i)}`),
  () => Buffer.from(''),
  () => Buffer.from('  \t\r'),
  () => Buffer.from('\u00a0\u2028\ufeff', 'utf8'),
  () => Buffer.from('\u001f'),
  () => Buffer.from('{"type": nope}'),
  () => Buffer.from('[1,2]'),
  () => Buffer.from([0x7b, 0x00, 0x7d]),
  () => Buffer.from([0x20, 0xc3, 0x28]),
  () => Buffer.from('"just a string"'),
];

t.test('the verdicts of lines parsed when read are those of lines all parsed first', async (t) => {
  const random = seededRandom(20260119);
  const formats: TranscriptFormat[] = ['claude-code', 'codex', 'gemini'];
  let decodedLines = 0;
  let allLines = 0;
  let ok = 0;
  for (let f = 0; f < 2000; f++) {
    const n = 1 + Math.floor(random() * 12);
    // Files mostly of one kind of line, with others mixed in.
    const main = Math.floor(random() * KINDS.length);
    const parts = Array.from({ length: n }, (_, i) => KINDS[random() < 0.6 ? main : Math.floor(random() * KINDS.length)]!(i));
    const bytes = Buffer.concat(parts.flatMap((p, i) => (i < n - 1 || random() < 0.5 ? [p, Buffer.from('\n')] : [p])));
    const raw = splitLines(bytes);
    for (const format of formats) {
      const lazy = raw.map(parseLine);
      const eager = raw.map((l) => eagerLine(l.number, l.bytes, l.eol));
      const got = formatVerdict(lazy, format);
      const want = formatVerdict(eager, format);
      if (got.ok !== want.ok || got.reason !== want.reason) {
        t.fail(`${format} of ${JSON.stringify(bytes.toString('latin1'))}: ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
        return;
      }
      if (got.ok) ok++;
      decodedLines += lazy.filter(lineDecoded).length;
      allLines += lazy.length;
      // Whatever the verdict read, each line reads as the eager one.
      lazy.forEach((l, i) => {
        const e = eager[i]!;
        if (l.error !== e.error || l.detail !== e.detail || l.text !== e.text || JSON.stringify(l.value) !== JSON.stringify(e.value)) t.fail(`line ${i + 1} reads differently`);
      });
    }
  }
  t.ok(ok > 500, `${ok} files of a format`);
  t.ok(decodedLines < allLines, `the verdicts decoded ${decodedLines} of ${allLines} lines`);
});
