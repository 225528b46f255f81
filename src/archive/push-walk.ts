// Push's walk of the chains it is about to send: every record from each tip
// back to the first record the remote's refs point at, and every blob those
// records name, each read (decompressed and verified against its id) once,
// however many chains hold it; with a secret detector, each scanned once too.
// What the walk read is handed to the transfer (remote/transport.ts,
// WalkedObjects), which then sends without reading the objects again.
//
// Chains share records: a resumed or forked session repeats its parent's
// records (on the scale corpus 185,098 records on 522 chains, 100,179
// distinct), so each record and blob is claimed by the first walk to reach
// it (ClaimSet: a Set here, a table in shared memory between threads,
// secret-scan.ts) and a walk that reaches one claimed before stops there:
// the claimer reports the record, its parent and its findings, and the
// chains are put back together from those reports (WalkStitcher). Findings
// are still reported for every chain that holds them, as one walk of each
// chain from its tip would report them.
import { LooseObjectStore, streamContent, type ObjectStore } from '../odb/index.js';
import { decodeChunkList, startsWithChunkMagic } from '../object/index.js';
import { InvalidInputError } from '../errors/index.js';
import { parseRecordBody, storedValueParts, type SecretDetector } from '../record/index.js';
import type { WalkedObjects } from '../remote/index.js';
import type { ChainSecret } from './secrets.js';

/**
 * What an object is claimed as: a chain's record (a tip may turn out to be
 * something else: a tag may name a blob), or a blob a record names. The two
 * are claimed apart, so that a tip found to be a blob is still read as the
 * blob a record names.
 */
export type ClaimKind = 'record' | 'blob';

/** Who reads an object: the first to claim it. */
export interface ClaimSet {
  /** True the first time `id` is claimed as `kind` (by anyone sharing the set), false after. */
  claim(id: string, kind: ClaimKind): boolean;
}

/** Claims within one thread. */
export class LocalClaims implements ClaimSet {
  private readonly ids = { record: new Set<string>(), blob: new Set<string>() };
  claim(id: string, kind: ClaimKind): boolean {
    const ids = this.ids[kind];
    if (ids.has(id)) return false;
    ids.add(id);
    return true;
  }
}

/** Hex digit values by character code (ids are checked lowercase hex before they get here). */
const HEX_VALUE = new Int32Array(128);
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

const EMPTY = 0;
const WRITING = 1;
const FULL = 2;
const WORDS = 8;

/**
 * Claims shared by threads: an open-addressing table of 32-byte ids in a
 * SharedArrayBuffer, one state word per slot moved by compare-and-swap
 * (empty → being written → full), so that two threads claiming one id
 * never both win. Ids are SHA-256 digests: their first word is a good hash.
 * A table filled beyond three quarters grants every further claim: two
 * threads may then read the same object, which costs time, not findings.
 */
export class SharedClaims implements ClaimSet {
  private readonly state: Int32Array;
  private readonly ids: Int32Array;
  private readonly mask: number;
  private readonly limit: number;
  private readonly count: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - 4) / (4 * (WORDS + 1));
    if (!Number.isInteger(slots) || slots <= 0 || (slots & (slots - 1)) !== 0) throw new Error('SharedClaims: not a claim table');
    this.count = new Int32Array(buffer, 0, 1);
    this.state = new Int32Array(buffer, 4, slots);
    this.ids = new Int32Array(buffer, 4 + 4 * slots, slots * WORDS);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * 0.75);
  }

  /** A table for about `expected` ids (at least twice as many slots, a power of two). */
  static create(expected: number): SharedClaims {
    let slots = 1024;
    while (slots < 2 * expected) slots *= 2;
    return new SharedClaims(new SharedArrayBuffer(4 + 4 * slots * (WORDS + 1)));
  }

  private readonly w = new Int32Array(WORDS);

  claim(id: string, kind: ClaimKind): boolean {
    const w = this.w;
    for (let k = 0, at = 0; k < WORDS; k++) {
      let v = 0;
      for (let j = 0; j < 8; j++, at++) v = (v << 4) | HEX_VALUE[id.charCodeAt(at) & 127]!;
      w[k] = v;
    }
    // A blob's claim is the id with its last word flipped: apart from its claim as a record.
    if (kind === 'blob') w[WORDS - 1] = ~w[WORDS - 1]!;
    for (let slot = w[0]! & this.mask, probes = 0; probes <= this.mask; slot = (slot + 1) & this.mask, probes++) {
      let s = Atomics.compareExchange(this.state, slot, EMPTY, WRITING);
      if (s === EMPTY) {
        if (Atomics.add(this.count, 0, 1) >= this.limit) {
          // Full enough: give the slot back and let everyone read.
          Atomics.store(this.state, slot, EMPTY);
          return true;
        }
        this.ids.set(w, slot * WORDS);
        Atomics.store(this.state, slot, FULL);
        return true;
      }
      while (s === WRITING) s = Atomics.load(this.state, slot);
      if (s !== FULL) {
        // Given back as EMPTY by a claimer that found the table full: everyone reads.
        return true;
      }
      let same = true;
      for (let k = 0; k < WORDS && same; k++) same = Atomics.load(this.ids, slot * WORDS + k) === w[k];
      if (same) return false;
    }
    return true;
  }
}

/** One finding of a record's own strings (the secret's value is left behind). */
export interface FoundPart {
  rule: string;
  path: string;
  digest: string;
}

/** A record as a walk read it. */
export interface WalkedRecord {
  id: string;
  parent: string | null;
  /** The blobs it names, in document order. */
  blobs: string[];
  /**
   * Scanned, with something to report or a blob read elsewhere: its findings
   * in document order, each blob's as {blob, path} (filled in from the
   * blob's findings, wherever it was read). Absent: nothing found.
   */
  parts?: Array<FoundPart[] | { blob: string; path: string }>;
}

/** A blob as a walk read it (and each chunk and list under it): for a chunk list, its entries. */
export interface WalkedBlob {
  id: string;
  chunks?: string[];
}

/**
 * A record as a walk sends it back: its parent is the next record of the
 * walk, or for the last one the walk's `end` (what is sent from a thread is
 * copied, so less is quicker), and an empty list of blobs is left out.
 */
export interface SentRecord {
  id: string;
  blobs?: string[];
  parts?: WalkedRecord['parts'];
}

/** What one walk of one chain read. */
export interface ChainWalk {
  /** Set when the tip is not a record (a tag may name a blob): its type. Nothing else was read. */
  notRecord?: { id: string; type: string };
  /** The records read, from the tip back, each the parent of the one before. */
  records: SentRecord[];
  /** The last record's parent (null: the root). */
  end: string | null;
  /** Every blob, chunk and list read, verified. */
  blobs: WalkedBlob[];
  /** The findings of each blob scanned (a record's blob, not a chunk under it) that holds any. */
  blobFindings: Array<{ id: string; found: Array<{ rule: string; digest: string }> }>;
  /** Objects read (records, blobs, chunks): what tests count. */
  reads: number;
}

export interface WalkContext {
  store: ObjectStore;
  /** Scan for secrets (push without --allow-secrets). */
  detector?: SecretDetector;
  /** Records the remote's refs point at: a walk stops there. */
  known: ReadonlySet<string>;
  claims: ClaimSet;
  /** Findings of the blobs this thread scanned, by id. */
  blobFindings: Map<string, Array<{ rule: string; digest: string }>>;
  /**
   * Objects the remote holds, for a walk that does not scan: a record the
   * remote has ends the walk, a blob it has is not read (the transfer sends
   * neither). A scan does not stop there (docs/secrets.md).
   */
  remoteHas?: (id: string) => boolean;
}

/** Without a scan, what the remote holds (looked up as the transfer looks it up); with one, nothing stops the walk early. */
export function remoteHas(detector: SecretDetector | undefined, remoteObjects: string | undefined): ((id: string) => boolean) | undefined {
  if (detector || remoteObjects === undefined) return undefined;
  const remote = LooseObjectStore.openLookup(remoteObjects);
  return (id) => remote.hasQuick(id);
}

/** A store that notes, for every blob read through it, the entries of a chunk list. */
function noting(store: ObjectStore, into: WalkedBlob[], counter: { reads: number }): ObjectStore {
  return {
    has: (id) => store.has(id),
    write: (type, body) => store.write(type, body),
    ids: () => store.ids(),
    findByPrefix: (p) => store.findByPrefix(p),
    read: async (id) => {
      const obj = await store.read(id);
      counter.reads++;
      if (obj.type !== 'blob') return obj;
      if (!startsWithChunkMagic(obj.body)) {
        into.push({ id });
        return obj;
      }
      try {
        into.push({ id, chunks: decodeChunkList(obj.body).entries.map((e) => e.id) });
      } catch {
        // Content that only begins like a list: left out, for the transfer to read and judge itself.
      }
      return obj;
    },
  };
}

/**
 * Walks one chain from `tip` to the first record in `known` (or the root),
 * or to the first record claimed before (by this walk's thread or another),
 * reading each record and the blobs it names that no one claimed before.
 */
export async function walkChain(ctx: WalkContext, tip: string): Promise<ChainWalk> {
  const out: ChainWalk = { records: [], end: null, blobs: [], blobFindings: [], reads: 0 };
  const counter = { reads: 0 };
  const blobStore = noting(ctx.store, out.blobs, counter);
  let id: string | null = tip;
  while (id !== null && !ctx.known.has(id) && !ctx.remoteHas?.(id) && ctx.claims.claim(id, 'record')) {
    const obj = await ctx.store.read(id);
    counter.reads++;
    if (obj.type !== 'record' && id === tip) {
      out.notRecord = { id, type: obj.type };
      break;
    }
    if (obj.type !== 'record') throw new InvalidInputError(`object ${id} is a ${obj.type}, not a record`, { id, type: obj.type });
    const rec = parseRecordBody(obj.body, id);
    const walked: SentRecord = rec.blobs.length > 0 ? { id, blobs: rec.blobs } : { id };
    for (const b of rec.blobs) {
      if (ctx.remoteHas?.(b) || !ctx.claims.claim(b, 'blob')) continue;
      if (ctx.detector) {
        const pieces: Uint8Array[] = [];
        await streamContent(blobStore, b, (p) => {
          pieces.push(p);
        });
        // Decoded as scanStoredValue decodes a blob (invalid bytes as U+FFFD, the same way).
        const text = (pieces.length === 1 ? Buffer.from(pieces[0]!) : Buffer.concat(pieces)).toString('utf8');
        const found = ctx.detector.scan(text).map((f) => ({ rule: f.rule, digest: f.digest }));
        ctx.blobFindings.set(b, found);
        if (found.length) out.blobFindings.push({ id: b, found });
      } else {
        await streamContent(blobStore, b, () => undefined);
      }
    }
    if (ctx.detector) {
      let report = false;
      const parts: NonNullable<WalkedRecord['parts']> = [];
      for (const p of storedValueParts(ctx.detector, rec.value)) {
        if (Array.isArray(p)) {
          report = true;
          parts.push(p.map((f) => ({ rule: f.rule, path: f.path, digest: f.digest })));
        } else {
          const found = ctx.blobFindings.get(p.blob);
          // Read by another thread (its findings come with its walk), or holding something.
          if (found === undefined || found.length > 0) report = true;
          parts.push({ blob: p.blob, path: p.path });
        }
      }
      if (report) walked.parts = parts;
    }
    out.records.push(walked);
    out.end = rec.parent;
    id = rec.parent;
  }
  out.reads = counter.reads;
  return out;
}

/** The walks of many chains put together: each chain's findings, and everything read, for the transfer. */
export interface StitchedWalk {
  /** Per tip, in order: the secrets its records hold beyond `known` (undefined when nothing was scanned). */
  findings?: ChainSecret[][];
  walked: WalkedObjects;
  /** Tips read that are not records, with their type. */
  notRecords: Map<string, string>;
  reads: number;
}

/**
 * Puts walks together: every record any walk read, by id, and every blob's
 * findings (added as each walk comes in, while others still run); then
 * each chain is followed from its tip through those records to `known` (or
 * the root), collecting its records' findings in the order one walk of that
 * chain would have met them, one per (record, rule, path).
 */
export class WalkStitcher {
  private readonly records = new Map<string, WalkedRecord>();
  private readonly blobs = new Map<string, string[] | null>();
  private readonly blobFound = new Map<string, Array<{ rule: string; digest: string }>>();
  private readonly notRecords = new Map<string, string>();
  private reads = 0;

  add(w: ChainWalk): void {
    this.reads += w.reads;
    if (w.notRecord) this.notRecords.set(w.notRecord.id, w.notRecord.type);
    const rs = w.records;
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k]!;
      this.records.set(r.id, { id: r.id, parent: k + 1 < rs.length ? rs[k + 1]!.id : w.end, blobs: r.blobs ?? [], ...(r.parts ? { parts: r.parts } : {}) });
    }
    for (const b of w.blobs) this.blobs.set(b.id, b.chunks ?? null);
    for (const b of w.blobFindings) this.blobFound.set(b.id, b.found);
  }

  finish(tips: readonly string[], known: ReadonlySet<string>, scanned: boolean): StitchedWalk {
    const { records, blobs, blobFound, notRecords, reads } = this;
    const walked: WalkedObjects = { records, blobs };
    if (!scanned) return { walked, notRecords, reads };
    const findings: ChainSecret[][] = [];
    for (const tip of tips) {
      const out: ChainSecret[] = [];
      let id: string | null = tip;
      while (id !== null && !known.has(id)) {
        const r = records.get(id);
        if (!r) {
          const type = notRecords.get(id);
          if (type === undefined) throw new Error(`push's walk: record ${id} was not read by any walk`);
          // A tip that is not a record holds no chain; a parent that is not one is damage.
          if (id === tip) break;
          throw new InvalidInputError(`object ${id} is a ${type}, not a record`, { id, type });
        }
        if (r.parts) {
          const seen = new Set<string>();
          const add = (f: { rule: string; path: string; digest: string; blob?: string }) => {
            const k = `${f.rule}\0${f.path}`;
            if (seen.has(k)) return;
            seen.add(k);
            out.push({ record: r.id, rule: f.rule, path: f.path, digest: f.digest, ...(f.blob ? { blob: f.blob } : {}) });
          };
          for (const p of r.parts) {
            if (Array.isArray(p)) for (const f of p) add(f);
            else for (const f of blobFound.get(p.blob) ?? []) add({ ...f, path: p.path, blob: p.blob });
          }
        }
        id = r.parent;
      }
      findings.push(out);
    }
    return { findings, walked, notRecords, reads };
  }
}

/** The walks of `tips` put together (WalkStitcher). */
export function stitchWalks(walks: readonly ChainWalk[], tips: readonly string[], known: ReadonlySet<string>, scanned: boolean): StitchedWalk {
  const stitcher = new WalkStitcher();
  for (const w of walks) stitcher.add(w);
  return stitcher.finish(tips, known, scanned);
}
