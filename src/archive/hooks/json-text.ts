// Editing a JSON settings file as text, so that every byte we do not mean to
// change stays as it was: key order, indentation, spacing, escapes, a final
// newline or its absence. The file is parsed into a tree of spans (where each
// member and element starts and ends); an edit inserts or removes one span,
// laid out the way the file lays out its own members.
import { InvalidInputError } from '../../errors/index.js';

export type Node =
  | { type: 'object'; start: number; end: number; members: Member[] }
  | { type: 'array'; start: number; end: number; elements: Node[] }
  | { type: 'scalar'; start: number; end: number; value: unknown };

export interface Member {
  key: string;
  /** Where the key's opening quote is. */
  start: number;
  value: Node;
}

class Parser {
  i = 0;
  constructor(private readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && ' \t\r\n'.includes(this.text[this.i]!)) this.i++;
  }

  string(): string {
    const start = this.i;
    for (let j = this.i + 1; j < this.text.length; j++) {
      if (this.text[j] === '\\') j++;
      else if (this.text[j] === '"') {
        this.i = j + 1;
        return JSON.parse(this.text.slice(start, this.i)) as string;
      }
    }
    throw new SyntaxError('unterminated string');
  }

  value(): Node {
    this.ws();
    const start = this.i;
    const c = this.text[this.i];
    if (c === '{') {
      this.i++;
      const members: Member[] = [];
      this.ws();
      if (this.text[this.i] === '}') return { type: 'object', start, end: ++this.i, members };
      for (;;) {
        this.ws();
        const keyStart = this.i;
        const key = this.string();
        this.ws();
        this.i++; // ':'
        const value = this.value();
        members.push({ key, start: keyStart, value });
        this.ws();
        if (this.text[this.i++] === '}') return { type: 'object', start, end: this.i, members };
      }
    }
    if (c === '[') {
      this.i++;
      const elements: Node[] = [];
      this.ws();
      if (this.text[this.i] === ']') return { type: 'array', start, end: ++this.i, elements };
      for (;;) {
        elements.push(this.value());
        this.ws();
        if (this.text[this.i++] === ']') return { type: 'array', start, end: this.i, elements };
      }
    }
    if (c === '"') {
      const value = this.string();
      return { type: 'scalar', start, end: this.i, value };
    }
    while (this.i < this.text.length && !' \t\r\n,]}'.includes(this.text[this.i]!)) this.i++;
    return { type: 'scalar', start, end: this.i, value: JSON.parse(this.text.slice(start, this.i)) };
  }
}

/** The tree of a JSON text; an error naming the file and what is wrong when it is not valid JSON. */
export function parseJsonText(text: string, file: string): Node {
  try {
    JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new InvalidInputError(`${file} is not valid JSON (${(err as Error).message}); nothing was changed`, { path: file }, 'Fix the file (or move it away) and run the command again.');
  }
  const p = new Parser(text);
  if (text.charCodeAt(0) === 0xfeff) p.i = 1;
  return p.value();
}

export function member(o: Node, key: string): Member | undefined {
  return o.type === 'object' ? o.members.find((m) => m.key === key) : undefined;
}

/** How the file indents: the unit (two spaces, a tab …) and whether it lays members out one per line at all. */
export interface Layout {
  unit: string;
  pretty: boolean;
  eol: string;
}

export function layoutOf(text: string, root: Node): Layout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // An empty object says nothing of its layout: two spaces, as the agents write their settings.
  if (root.type !== 'object' || root.members.length === 0) return { unit: '  ', pretty: true, eol };
  const first = root.members[0]!;
  const before = text.slice(root.start + 1, first.start);
  const m = /\n([ \t]*)$/.exec(before);
  return m ? { unit: m[1] || '  ', pretty: true, eol } : { unit: '', pretty: false, eol };
}

/** A value laid out as the file would, its first line at the cursor and the rest at `depth` units. */
export function render(value: unknown, layout: Layout, depth: number): string {
  if (!layout.pretty) return JSON.stringify(value);
  const inner = JSON.stringify(value, null, layout.unit);
  return inner.split('\n').join(layout.eol + layout.unit.repeat(depth));
}

/** The depth (in units) of a node's members or elements: one more than the node's own line's. */
export function depthOf(text: string, node: Node, layout: Layout): number {
  if (!layout.pretty) return 0;
  const lineStart = text.lastIndexOf('\n', node.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  return Math.round(indent.length / Math.max(1, layout.unit.length)) + 1;
}

/** Text with `piece` (an element or `"key": value` already rendered) appended to a container. */
export function appendTo(text: string, container: Node, piece: string, layout: Layout, depth: number): string {
  const items = container.type === 'object' ? container.members : container.type === 'array' ? container.elements : [];
  const ind = layout.pretty ? layout.eol + layout.unit.repeat(depth) : '';
  if (items.length > 0) {
    const last = items[items.length - 1]!;
    const end = 'value' in last && !('type' in last) ? last.value.end : (last as Node).end;
    return text.slice(0, end) + ',' + ind + piece + text.slice(end);
  }
  const close = layout.pretty ? layout.eol + layout.unit.repeat(depth - 1) : '';
  return text.slice(0, container.start + 1) + ind + piece + close + text.slice(container.end - 1);
}

/** Text without item `index` of a container (with the separator that went with it). */
export function removeFrom(text: string, container: Node, index: number): string {
  const spans = container.type === 'object' ? container.members.map((m) => [m.start, m.value.end] as const) : container.type === 'array' ? container.elements.map((e) => [e.start, e.end] as const) : [];
  const [start, end] = spans[index]!;
  if (spans.length === 1) return text.slice(0, container.start + 1) + text.slice(container.end - 1);
  if (index > 0) return text.slice(0, spans[index - 1]![1]) + text.slice(end);
  return text.slice(0, start) + text.slice(spans[1]![0]);
}
