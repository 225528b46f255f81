// A set of object ids held as 32 binary bytes each, for the sets that grow
// with an import (the ids a write queue has taken, those of a pack being
// written). A Set of 64-character strings costs some 110 bytes an id (the
// string, its header, the Set's table); here an id costs its 32 bytes in a
// table kept between 40 % and 80 % full, and no object for the garbage
// collector to trace. Anything that is not a lowercase 64-hex id (no caller
// passes one, but a set must not answer wrongly for it) is kept in a plain
// Set beside the table.
import { randomBytes } from 'node:crypto';
import { isObjectId } from './object-id.js';

const ID_BYTES = 32;
const WORDS = ID_BYTES / 4;
const MIN_SLOTS = 1024;

/**
 * The id last turned into bytes, shared by every set: an import asks
 * several sets about each id in turn (the write queue's, the pack's being
 * written and its writer's), and the check and hex decoding were a tenth
 * of its set work. Each operation loads the id and uses it at once
 * (nothing awaits in between), so one scratch serves all.
 */
const scratch = Buffer.allocUnsafeSlow(ID_BYTES);
const scratchWords = new Uint32Array(scratch.buffer, scratch.byteOffset, WORDS);
let loadedId = '';
let loadedValid = false;

export class IdSet {
  private slots: number;
  /** The ids, WORDS u32 words each, in slot order. */
  private keys: Uint32Array;
  /** 1 where a slot holds an id. */
  private used: Uint8Array;
  private count = 0;
  private readonly others = new Set<string>();
  /**
   * A slot's home is the top bits of (first word XOR seed) times an odd
   * constant, the seed random per set: ids come from hashing content that
   * may be hostile, and ids made to share the few low bits a table of this
   * size looks at (cheap to find: some 2^18 tries each) would otherwise pile
   * into one run and make every operation walk it.
   */
  private readonly seed = randomBytes(4).readUInt32LE(0);
  private shift = 32 - Math.log2(MIN_SLOTS);

  constructor() {
    this.slots = MIN_SLOTS;
    this.keys = new Uint32Array(this.slots * WORDS);
    this.used = new Uint8Array(this.slots);
  }

  get size(): number {
    return this.count + this.others.size;
  }

  /** Bytes held by the table (what the set costs, whatever it holds). */
  get tableBytes(): number {
    return this.keys.byteLength + this.used.byteLength;
  }

  has(id: string): boolean {
    if (!this.load(id)) return this.others.has(id);
    return this.find() >= 0;
  }

  add(id: string): this {
    if (!this.load(id)) {
      this.others.add(id);
      return this;
    }
    if (this.find() >= 0) return this;
    if ((this.count + 1) * 5 > this.slots * 4) this.grow();
    this.insert(scratchWords, 0);
    return this;
  }

  delete(id: string): boolean {
    if (!this.load(id)) return this.others.delete(id);
    let hole = this.find();
    if (hole < 0) return false;
    // Linear probing without tombstones: later ids of the run move back into the hole when their home allows it.
    const mask = this.slots - 1;
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      if (!this.used[j]) break;
      const home = this.home(this.keys, j * WORDS);
      // The id at j may fill the hole unless its home lies cyclically in (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      this.keys.copyWithin(hole * WORDS, j * WORDS, j * WORDS + WORDS);
      hole = j;
    }
    this.used[hole] = 0;
    this.count--;
    if (this.count * 10 < this.slots * 2 && this.slots > MIN_SLOTS) this.resize(this.slots / 2);
    return true;
  }

  clear(): void {
    this.others.clear();
    this.count = 0;
    if (this.slots === MIN_SLOTS) {
      this.keys.fill(0);
      this.used.fill(0);
      return;
    }
    this.slots = MIN_SLOTS;
    this.shift = 32 - Math.log2(MIN_SLOTS);
    this.keys = new Uint32Array(this.slots * WORDS);
    this.used = new Uint8Array(this.slots);
  }

  /** Puts the id's bytes in scratch; false for a string that is not a lowercase 64-hex id. */
  private load(id: string): boolean {
    if (id === loadedId) return loadedValid;
    loadedId = id;
    loadedValid = isObjectId(id);
    if (loadedValid) scratch.write(id, 0, ID_BYTES, 'hex');
    return loadedValid;
  }

  /** The slot holding the scratch id, or -1. */
  private find(): number {
    const k = scratchWords;
    const mask = this.slots - 1;
    for (let i = this.home(k, 0); ; i = (i + 1) & mask) {
      if (!this.used[i]) return -1;
      const at = i * WORDS;
      let w = 0;
      while (w < WORDS && this.keys[at + w] === k[w]) w++;
      if (w === WORDS) return i;
    }
  }

  private insert(words: Uint32Array, from: number): void {
    const mask = this.slots - 1;
    let i = this.home(words, from);
    while (this.used[i]) i = (i + 1) & mask;
    this.keys.set(words.subarray(from, from + WORDS), i * WORDS);
    this.used[i] = 1;
    this.count++;
  }

  private home(words: Uint32Array, at: number): number {
    return Math.imul(words[at]! ^ this.seed, 0x9e3779b1) >>> this.shift;
  }

  /** The longest run of occupied slots: what a lookup may have to walk (tests read it). */
  get longestRun(): number {
    let longest = 0;
    let run = 0;
    // Twice round, for a run that wraps past the last slot.
    for (let i = 0; i < this.slots * 2; i++) {
      run = this.used[i % this.slots] ? run + 1 : 0;
      if (run > longest) longest = run;
    }
    return Math.min(longest, this.slots);
  }

  private grow(): void {
    this.resize(this.slots * 2);
  }

  private resize(slots: number): void {
    const oldKeys = this.keys;
    const oldUsed = this.used;
    this.slots = slots;
    this.shift = 32 - Math.log2(slots);
    this.keys = new Uint32Array(slots * WORDS);
    this.used = new Uint8Array(slots);
    this.count = 0;
    for (let i = 0; i < oldUsed.length; i++) if (oldUsed[i]) this.insert(oldKeys, i * WORDS);
  }
}
