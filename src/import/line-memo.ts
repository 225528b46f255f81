// The records an import has built, by what they were built from, so that a
// line seen again is not built again. A resumed Claude Code session starts
// with its parent's lines, byte for byte and at the same line numbers, so
// its first records are the parent's records: on the scale corpus 84,871 of
// 185,050 lines (46 %) give a record the same import had already built.
// Building one (normalising, the line's template, canonical JSON, hashing it
// and its blobs) was most of the importing thread's time; recognising it is
// one SHA-256 of the line.
//
// A record is a function of its parent, the line's bytes, number and end of
// line, for a format whose lines are read one by one with no state carried
// between them (Claude Code's: Codex and Gemini carry state). The key is the
// first 16 bytes of SHA-256 over those (the bytes by their own SHA-256): content is hostile, but a 128-bit
// collision costs some 2^64 tries. The table holds 16 + 32 bytes a line in
// typed arrays (about 12 MB for the scale corpus's lines), nothing for the
// garbage collector to trace, and slots are placed by a random seed per
// table (as IdSet's: hostile keys sharing the few bits a table looks at
// would pile into one run).
import { hash, randomBytes } from 'node:crypto';

const KEY_WORDS = 4;
const ID_BYTES = 32;
const ID_WORDS = ID_BYTES / 4;
const MIN_SLOTS = 1024;

export class LineMemo {
  private slots = MIN_SLOTS;
  private shift = 32 - Math.log2(MIN_SLOTS);
  private keys = new Uint32Array(MIN_SLOTS * KEY_WORDS);
  private ids = new Uint32Array(MIN_SLOTS * ID_WORDS);
  private used = new Uint8Array(MIN_SLOTS);
  private count = 0;
  private readonly seed = randomBytes(4).readUInt32LE(0);
  private readonly scratch = Buffer.allocUnsafeSlow(ID_BYTES);
  private readonly scratchWords = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, ID_WORDS);
  /** Lines answered from the table (tests count them). */
  hits = 0;

  /** The key of a line: its parent record (null for the first), line number, end of line and bytes. */
  static key(parent: string | null, number: number, eol: string, bytes: Uint8Array): Uint32Array {
    // SHA-256 of the line, then of that and the rest: two one-shot hashes
    // (crypto.hash) cost less than a Hash object fed both, a line at a time.
    const line = hash('sha256', bytes, 'base64');
    const digest = hash('sha256', `${parent ?? '-'} ${number} ${eol === '\n' ? 'n' : eol === '' ? '-' : JSON.stringify(eol)} ${line}`, 'buffer');
    const key = new Uint32Array(KEY_WORDS);
    for (let i = 0; i < KEY_WORDS; i++) key[i] = digest.readUInt32LE(i * 4);
    return key;
  }

  get size(): number {
    return this.count;
  }

  /** The record id built from the line of this key, if this import built one. */
  get(key: Uint32Array): string | undefined {
    const id = this.peek(key);
    if (id !== undefined) this.hits++;
    return id;
  }

  /** `id`, found by prefix, counted as a hit now that it is used. */
  counted(id: string): string {
    this.hits++;
    return id;
  }

  /** As get, not counted as a hit. */
  private peek(key: Uint32Array): string | undefined {
    const at = this.find(key);
    if (at < 0 || !this.used[at]) return undefined;
    this.scratchWords.set(this.ids.subarray(at * ID_WORDS, at * ID_WORDS + ID_WORDS));
    return this.scratch.toString('hex');
  }

  /**
   * The records this import built from a file's first lines, each after the
   * one before, as far as it built them: a resumed session's lines it has
   * seen, found before they are read (the format verdict need not parse
   * them: only lines of Claude Code's shape are kept here). Not counted as
   * hits; `keys` holds each line's key, the first unknown line's last.
   */
  prefix(lines: ReadonlyArray<{ number: number; eol: string; bytes: Uint8Array; huge?: unknown }>): { ids: string[]; keys: Uint32Array[] } {
    const ids: string[] = [];
    const keys: Uint32Array[] = [];
    if (this.count === 0) return { ids, keys };
    let parent: string | null = null;
    for (const line of lines) {
      // A line read in pieces has no bytes at hand to key it by: never kept here.
      if (line.huge) break;
      const key = LineMemo.key(parent, line.number, line.eol, line.bytes);
      keys.push(key);
      const id = this.peek(key);
      if (id === undefined) break;
      ids.push(id);
      parent = id;
    }
    return { ids, keys };
  }

  set(key: Uint32Array, id: string): void {
    if (id.length !== ID_BYTES * 2) return;
    if ((this.count + 1) * 5 > this.slots * 4) this.grow();
    const at = this.find(key);
    if (!this.used[at]) {
      this.used[at] = 1;
      this.count++;
      this.keys.set(key, at * KEY_WORDS);
    }
    this.scratch.write(id, 'hex');
    this.ids.set(this.scratchWords, at * ID_WORDS);
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: Uint32Array): number {
    const mask = this.slots - 1;
    let at = Math.imul(key[0]! ^ this.seed, 0x9e3779b1) >>> this.shift;
    for (;;) {
      if (!this.used[at]) return at;
      const k = at * KEY_WORDS;
      if (this.keys[k] === key[0] && this.keys[k + 1] === key[1] && this.keys[k + 2] === key[2] && this.keys[k + 3] === key[3]) return at;
      at = (at + 1) & mask;
    }
  }

  private grow(): void {
    const { keys, ids, used, slots } = this;
    this.slots = slots * 2;
    this.shift--;
    this.keys = new Uint32Array(this.slots * KEY_WORDS);
    this.ids = new Uint32Array(this.slots * ID_WORDS);
    this.used = new Uint8Array(this.slots);
    for (let i = 0; i < slots; i++) {
      if (!used[i]) continue;
      const key = keys.subarray(i * KEY_WORDS, i * KEY_WORDS + KEY_WORDS);
      const at = this.find(key);
      this.used[at] = 1;
      this.keys.set(key, at * KEY_WORDS);
      this.ids.set(ids.subarray(i * ID_WORDS, i * ID_WORDS + ID_WORDS), at * ID_WORDS);
    }
  }
}
