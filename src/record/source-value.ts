// The original line of an imported record, rebuilt from its source template,
// for readers that need a field the normalised view does not carry (a tool's
// structured result, progress data, a snapshot).
import { readContent, type ObjectStore } from '../odb/index.js';
import { renderTemplate, type TemplatePart } from './line-template.js';

export interface RecordSource {
  format: string;
  line: number;
  eol: '\n' | '';
  text: TemplatePart[];
}

export function sourceOf(value: Record<string, unknown>): RecordSource | undefined {
  const s = value.source as Partial<RecordSource> | undefined;
  if (!s || !Array.isArray(s.text) || (s.eol !== '\n' && s.eol !== '')) return undefined;
  return s as RecordSource;
}

/** The exact bytes of the original line (without its newline). */
export async function sourceBytes(store: ObjectStore, source: RecordSource): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await renderTemplate(source.text, (id) => readContent(store, id), (b) => {
    parts.push(b);
  });
  return Buffer.concat(parts);
}

/** The original line parsed as JSON, or undefined when it is not JSON (an unparsed line). */
export async function sourceObject(store: ObjectStore, source: RecordSource): Promise<unknown> {
  try {
    return JSON.parse((await sourceBytes(store, source)).toString('utf8'));
  } catch {
    return undefined;
  }
}
