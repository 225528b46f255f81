// A Bloom filter of object ids: "certainly not added" or "perhaps added".
// A packed import asks, for every object it builds, whether the archive
// already holds it; the packs it has itself finished are most of the packs
// there are by the end, and a binary search in each of them for every new
// object was some 2 % of the importing thread on the scale corpus. Asked
// first, the filter of the ids the import added rules its own packs out for
// nearly every new id, at 1 MiB whatever the import's size (an IdSet of the
// same ids held 8 MB). A wrong "perhaps" costs only the search it saves; no
// answer is ever a wrong "no". Ids are SHA-256 of content that may be
// hostile: ids made to share bits only make "perhaps" more frequent.

/** 2^23 bits: 160,000 ids (the scale corpus) answer "perhaps" wrongly 0.5 % of the time, a million 1.4 %. */
const BITS_LOG2 = 23;
/** Bits set per id, each taken from its own six hex digits. */
const PROBES = 4;

export class IdFilter {
  private readonly bits = new Uint32Array((1 << BITS_LOG2) / 32);

  /** Marks `id` (a 64-hex id; anything shorter than 24 hex digits is ignored, and `mightHave` says "perhaps" for it). */
  add(id: string): void {
    if (id.length < PROBES * 6) return;
    for (let p = 0; p < PROBES; p++) {
      const bit = probe(id, p);
      if (bit < 0) return;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  /** False only when `id` was certainly never added. */
  mightHave(id: string): boolean {
    if (id.length < PROBES * 6) return true;
    for (let p = 0; p < PROBES; p++) {
      const bit = probe(id, p);
      if (bit < 0) return true;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** Probe `p`: the id's hex digits 6p to 6p+5 as a number, its low 23 bits; -1 for a digit that is not lowercase hex. */
function probe(id: string, p: number): number {
  let v = 0;
  for (let i = p * 6, end = i + 6; i < end; i++) {
    const c = id.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v & ((1 << BITS_LOG2) - 1);
}
