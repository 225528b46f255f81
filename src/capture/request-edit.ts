// Editing a request body as text: one member's value replaced, items added
// to or replaced in its conversation list, and every other byte kept as it
// was. `tapes rerun` sends a recorded request byte for byte when nothing is
// changed, and changes only what it is asked to (the model, the system
// prompt, the last prompt) when something is, so the request it shows and
// sends differs from the recorded one exactly there. The spans come from
// the same scanner the request templates are cut with (request-template.ts).
import { InvalidInputError } from '../errors/index.js';
import { arrayElements, topLevelMembers, type MemberSpan } from './request-template.js';

function members(body: string): MemberSpan[] {
  const m = topLevelMembers(body);
  if (!m) throw new InvalidInputError('the request body is not a JSON object, so it cannot be changed', {});
  return m;
}

/** The value of a top-level member, parsed, or undefined when absent. */
export function memberValue(body: string, key: string): unknown {
  const m = members(body).find((x) => x.key === key);
  return m ? (JSON.parse(body.slice(m.start, m.end)) as unknown) : undefined;
}

/** The body with member `key` set to `value` (its value replaced in place, or the member added last). */
export function setMember(body: string, key: string, value: unknown): string {
  const all = members(body);
  const json = JSON.stringify(value);
  const m = all.find((x) => x.key === key);
  if (m) return body.slice(0, m.start) + json + body.slice(m.end);
  const close = body.lastIndexOf('}');
  const member = `${JSON.stringify(key)}:${json}`;
  if (all.length === 0) return body.slice(0, close) + member + body.slice(close);
  const last = all[all.length - 1]!;
  return body.slice(0, last.end) + ',' + member + body.slice(last.end);
}

/** Spans of the items of the list member `key`; undefined when it is not a list. */
export function listSpans(body: string, key: string): Array<[number, number]> | undefined {
  const m = members(body).find((x) => x.key === key);
  return m ? arrayElements(body, m.start, m.end) : undefined;
}

function list(body: string, key: string): { spans: Array<[number, number]>; start: number; end: number } {
  const m = members(body).find((x) => x.key === key);
  const spans = m ? arrayElements(body, m.start, m.end) : undefined;
  if (!m || !spans) throw new InvalidInputError(`the request body has no "${key}" list`, { key });
  return { spans, start: m.start, end: m.end };
}

/** The items of the list member `key`, parsed. */
export function listItems(body: string, key: string): unknown[] {
  return list(body, key).spans.map(([s, e]) => JSON.parse(body.slice(s, e)) as unknown);
}

/** The body with `items` added at the end of the list member `key`. */
export function appendItems(body: string, key: string, items: unknown[]): string {
  if (items.length === 0) return body;
  const { spans, end } = list(body, key);
  const json = items.map((i) => JSON.stringify(i)).join(',');
  if (spans.length === 0) {
    const close = body.lastIndexOf(']', end - 1);
    return body.slice(0, close) + json + body.slice(close);
  }
  const last = spans[spans.length - 1]![1];
  return body.slice(0, last) + ',' + json + body.slice(last);
}

/** The body with item `index` of the list member `key` replaced by `item`. */
export function replaceItem(body: string, key: string, index: number, item: unknown): string {
  const span = list(body, key).spans[index];
  if (!span) throw new InvalidInputError(`the request body's "${key}" list has no item ${index}`, { key, index });
  return body.slice(0, span[0]) + JSON.stringify(item) + body.slice(span[1]);
}

/** The body with `item` put before item `index` of the list member `key` (at the end when there is none). */
export function insertItem(body: string, key: string, index: number, item: unknown): string {
  const { spans } = list(body, key);
  const span = spans[index];
  if (!span) return appendItems(body, key, [item]);
  return body.slice(0, span[0]) + JSON.stringify(item) + ',' + body.slice(span[0]);
}
