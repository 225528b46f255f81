// Splits transcript bytes into lines exactly: each line keeps every byte
// except its terminating LF, and says whether it had one, so that joining the
// lines back gives the original file byte for byte (CR, a missing final
// newline and blank lines included).

export interface RawLine {
  /** 1-based line number in the file. */
  number: number;
  bytes: Buffer;
  /** "\n" when the line ended with LF, "" for a last line without one. */
  eol: '\n' | '';
}

export function splitLines(data: Buffer): RawLine[] {
  const out: RawLine[] = [];
  let start = 0;
  let n = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    n++;
    if (nl < 0) {
      out.push({ number: n, bytes: data.subarray(start), eol: '' });
      break;
    }
    out.push({ number: n, bytes: data.subarray(start, nl), eol: '\n' });
    start = nl + 1;
  }
  return out;
}
