// Reads a transcript file a piece at a time into its lines, as splitLines
// and parseLine (jsonl-lines.ts, transcript-format.ts) make them from the
// whole file, except that a line longer than `inPiecesAbove` is read in
// pieces and never held (huge-line.ts). Used for files that may hold such a
// line (larger than the bound); smaller files are read whole.
import { promises as fs } from 'node:fs';
import { HugeLineReader, projectLine } from './huge-line.js';
import type { ScanLimits } from './json-line-scanner.js';
import { parseLine, type ParsedLine } from './transcript-format.js';

export interface ReadLimits extends ScanLimits {
  /** Lines longer than this many bytes are read in pieces. */
  inPiecesAbove: number;
}

export interface TranscriptRead {
  lines: ParsedLine[];
  /** The file's first 256 bytes (how a Gemini CLI session document is told apart). */
  head: Buffer;
}

/** Bytes read at a time. Ordinary lines are kept as views of these buffers, as they were views of the whole file's. */
const READ_SIZE = 1024 * 1024;

export async function readTranscript(path: string, limits: ReadLimits): Promise<TranscriptRead> {
  const lines: ParsedLine[] = [];
  let head: Buffer | undefined;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let huge: HugeLineReader | undefined;
  let number = 1;
  let lineStart = 0;
  let filePos = 0;
  // Whether the buffer being read is kept by a line, or by the start of one still pending.
  let kept = false;
  let pendingHolds = false;
  const finish = (eol: '\n' | '') => {
    if (pendingHolds) kept = true;
    pendingHolds = false;
    if (huge) {
      lines.push(huge.end(eol));
      huge = undefined;
    } else {
      const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      lines.push(parseLine({ number, bytes, eol }));
    }
    pending = [];
    pendingBytes = 0;
    number++;
  };
  const fh = await fs.open(path, 'r');
  // A buffer that no line keeps a view of (all of it went to a line read in
  // pieces) is read into again: freed buffers would pile up as external
  // memory until a collection (some 60 MB in a 100 MB line).
  let spare: Buffer | undefined;
  try {
    for (;;) {
      const buf = spare ?? Buffer.allocUnsafeSlow(READ_SIZE);
      spare = undefined;
      kept = false;
      pendingHolds = false;
      const { bytesRead } = await fh.read(buf, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, bytesRead);
      head ??= Buffer.from(data.subarray(0, 256));
      let from = 0;
      while (from < data.length) {
        const nl = data.indexOf(0x0a, from);
        const piece = data.subarray(from, nl < 0 ? data.length : nl);
        if (huge) {
          huge.push(piece);
        } else if (piece.length > 0 || nl >= 0) {
          pendingHolds = true;
          pending.push(piece);
          pendingBytes += piece.length;
          if (pendingBytes > limits.inPiecesAbove) {
            huge = new HugeLineReader(path, number, lineStart, limits);
            for (const p of pending) huge.push(p);
            pending = [];
            pendingBytes = 0;
            pendingHolds = false;
          }
        }
        if (nl < 0) break;
        finish('\n');
        from = nl + 1;
        lineStart = filePos + from;
      }
      filePos += bytesRead;
      // Kept by a line, or by the start of one still pending (which may yet go to a line read in pieces, or not).
      if (!kept && !pendingHolds) spare = buf;
    }
  } finally {
    await fh.close();
  }
  // A last line without a newline (a file that ends with one has no empty last line).
  if (huge || pendingBytes > 0) finish('');
  for (const l of lines) if (l.huge?.projected) await projectLine(l, limits);
  return { lines, head: head ?? Buffer.alloc(0) };
}
