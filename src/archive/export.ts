// `tapes export --format original`: the source bytes of an imported session,
// rebuilt from its records and their blobs (sha256 equal to the original).
import { InvalidInputError } from '../errors/index.js';
import { readContent } from '../odb/index.js';
import { renderTemplate, sourceOf, walkChain, type RecordSource } from '../record/index.js';
import type { Archive } from './archive.js';


export async function exportOriginal(archive: Archive, rev: string, sink: (bytes: Uint8Array) => Promise<void>): Promise<number> {
  const store = await archive.objects();
  const { id } = await archive.resolve(rev);
  const sources: Array<{ id: string; source: RecordSource }> = [];
  for await (const rec of walkChain(store, id)) {
    const source = sourceOf(rec.value);
    if (!source) {
      throw new InvalidInputError(`record ${rec.id} has no original source to export (it was not imported from a file)`, { id: rec.id });
    }
    sources.push({ id: rec.id, source });
  }
  sources.reverse();
  let bytes = 0;
  const get = (blob: string) => readContent(store, blob);
  const out = async (b: Uint8Array) => {
    bytes += b.length;
    await sink(b);
  };
  for (const { source } of sources) {
    await renderTemplate(source.text, get, out);
    if (source.eol) await out(Buffer.from(source.eol));
  }
  return bytes;
}
