// A record read without its line template. An event record's `source.text`
// (docs/format.md 6.1.6) is most of its body: 58 % of the bytes of the
// scale corpus's records, a JSON line inside a JSON string. Readers that
// fold whole chains (the session summaries, the search index) use none of
// it, yet held the string it decodes to for every record of a chain until
// the chain was folded; leaving it out made the import's second thread
// collect less (docs/import-speed.md, "Sixth pass"). Parsing the head costs
// about what parsing the whole record does: matching the template's grammar
// costs what decoding it would.
//
// The head is read by taking the template out of the text before parsing:
// a canonical record ends `,"source":{"eol":…,"format":…,"line":…,"text":[…]},"time":…}`
// (its keys sorted). The cut is made only where the result is exactly what
// parsing the whole text gives for every member but the template; any text
// of another shape is parsed whole, as readRecord parses it.
import type { JsonValue } from '../hash/index.js';
import { isObj } from './content-blocks.js';
import { checkRecordValue, parseRecordJson } from './record.js';

/** What a record's head holds: every member as parsing gives it (`source` last), `source` without its `text`. */
export interface RecordHead {
  value: { [key: string]: JsonValue };
  parent: string | null;
  /** False when the template was left out of `value.source` (it then has no `text`). */
  template: boolean;
}

const SOURCE_AT = ',"source":{"eol":';
const TEXT_AT = ',"text":[';
/** The last member of a canonical record: its time, null or an ISO string (no escapes, no quotes). */
const TIME_TAIL = /^,"time":(?:null|"[^"\\\u0000-\u001f]*")\}$/;
/** A JSON string, exactly JSON's grammar (no raw control character, only JSON's escapes), unrolled so that each character matches one way only. */
const JSON_STRING = String.raw`"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"`;
/** A blob reference as the canonical writer writes a template's (its keys sorted). */
const BLOB_PART = String.raw`\{"\$blob":"[0-9a-f]{64}"(?:,"raw":true)?\}`;
/** A template's parts and its closing `]}`; each part starts with a character the others do not, so matching is linear. */
const TEMPLATE_PARTS = new RegExp(`(?:(?:${JSON_STRING}|${BLOB_PART})(?:,(?:${JSON_STRING}|${BLOB_PART}))*)?\\]\\}`, 'y');

/**
 * Where the template can be cut out of `text`: [start of `,"source":`,
 * start of `,"text":[`, start of `,"time":`], or undefined when `text` is
 * not shaped so that the cut is exact.
 *
 * Why the cut is exact when this answers: `,"time":…}` closes the top-level
 * object, so what comes before `,"source":` ends a member at depth 1 (the
 * head below parses only then); what lies between is `,"source":{P,"text":[E]}`
 * where P is parsed on its own as an object's members and E matches the
 * template grammar above, so it is one member, `source`, and the whole text
 * is JSON exactly when the head and P are. A later `source` member wins
 * over any earlier one, as JSON.parse lets the last of two equal keys win.
 */
function templateCut(text: string): [number, number, number] | undefined {
  // The first occurrence: String.prototype.indexOf searches fast where lastIndexOf
  // walks back a character at a time over the template (10 ms against 24 ms for
  // 20,000 records). One nested in content or meta leaves a head that does not
  // parse (the cut would leave an object open), and the text is parsed whole.
  const source = text.indexOf(SOURCE_AT);
  if (source < 0) return undefined;
  const time = text.lastIndexOf(',"time":');
  if (time < source || !TIME_TAIL.test(text.slice(time))) return undefined;
  const parts = text.indexOf(TEXT_AT, source);
  if (parts < 0 || parts > time) return undefined;
  TEMPLATE_PARTS.lastIndex = parts + TEXT_AT.length;
  if (!TEMPLATE_PARTS.test(text) || TEMPLATE_PARTS.lastIndex !== time) return undefined;
  return [source, parts, time];
}

/**
 * Parses and validates record JSON as parseRecordJson does, leaving the
 * line template out of `source` where that is exact (templateCut). A text
 * that is not JSON, or not a record, fails with parseRecordJson's error.
 */
export function parseRecordHead(text: string, what = 'record'): RecordHead {
  const cut = templateCut(text);
  if (cut !== undefined) {
    const [source, parts, time] = cut;
    let head: unknown;
    let src: unknown;
    try {
      head = JSON.parse(text.slice(0, source) + text.slice(time));
      src = JSON.parse(`${text.slice(source + ',"source":'.length, parts)}}`);
    } catch {
      head = undefined;
    }
    if (isObj(head) && isObj(src)) {
      // As the whole text parses: the template's member last, so a `text` in P gives way to it.
      delete src.text;
      head.source = src;
      // The same checks as a whole record gets; the template's blob references matched the grammar.
      const { value, parent } = checkRecordValue(head, what);
      return { value, parent, template: false };
    }
  }
  const { value, parent } = parseRecordJson(text, what);
  return { value, parent, template: true };
}
