// What push, fetch, pull and clone need from the other side, whatever carries
// it: another archive on a path (file transport) or a git server over HTTP(S)
// (git-http transport, objects mirrored as git commits under refs/tapes/…).
// A remote is untrusted input: every object that arrives is verified against
// its id before it is stored, and nothing moves a local ref until every object
// that ref reaches is stored and verified.
import type { ObjectStore } from '../odb/index.js';

/** A ref on the remote, by its tapes name (refs/sessions/…, refs/agents/…, refs/tags/…). */
export interface RemoteRef {
  name: string;
  id: string;
  /**
   * Set when the ref's file cannot be taken as a ref (a symbolic link, not a
   * regular file, longer than any ref): why. Such a ref is refused by name
   * and the rest of the transfer goes on; `id` is then empty.
   */
  refused?: string;
}

export interface RefUpdate {
  name: string;
  /** What the pusher saw on the remote (null: absent); the update is compare-and-swap on it. */
  old: string | null;
  /** null deletes the ref. */
  new: string | null;
  force: boolean;
}

export interface RefUpdateOutcome {
  name: string;
  ok: boolean;
  /** Why it was refused (another writer moved it: "fetch first"; not a fast-forward: …). */
  reason?: string;
}

export interface TransferProgress {
  objects: number;
  bytes: number;
}

/**
 * Objects the pusher has already read and verified against their ids (push's
 * walk, archive/push-walk.ts), with the links a transfer follows: a transport
 * may take these instead of reading the objects again to find what to send.
 * Anything not in here is read as usual.
 */
export interface WalkedObjects {
  records: ReadonlyMap<string, { readonly parent: string | null; readonly blobs: readonly string[] }>;
  /** Blobs (chunks and chunk lists too): for a chunk list, its entries; null for any other blob. */
  blobs: ReadonlyMap<string, readonly string[] | null>;
}

/** What a pusher may hand a transport beyond the refs to move. */
export interface PushExtras {
  /** What the pusher has read and verified (a transport may use it instead of reading again). */
  walked?: WalkedObjects;
  /**
   * Called as each ref has moved on the remote, before push returns (the
   * file transport calls it; another may not, and the pusher then does its
   * part after). Must not throw: the remote ref has moved whatever it does.
   */
  moved?: (outcome: RefUpdateOutcome) => Promise<void>;
}

export interface Transport {
  /** The remote's refs (sessions, agents, tags). */
  listRefs(): Promise<RemoteRef[]>;
  /**
   * Sends every object reachable from `tips` that the remote lacks, walking
   * from each tip and stopping at objects the remote already has (`haves`:
   * ids known to be on the remote, e.g. its current ref values), then moves
   * the remote refs by compare-and-swap.
   */
  push(
    local: ObjectStore,
    tips: string[],
    haves: string[],
    updates: RefUpdate[],
    progress?: (p: TransferProgress) => void,
    extras?: PushExtras,
  ): Promise<RefUpdateOutcome[]>;
  /** True when push makes use of `extras.walked` (the file transport): a pusher not scanning may walk for it. */
  readonly takesWalked?: boolean;
  /**
   * Brings every object reachable from `wants` that `local` lacks, verifying
   * each id on arrival, into `local`; returns the ids it stored.
   */
  fetch(local: ObjectStore, wants: string[], progress?: (p: TransferProgress) => void): Promise<{ objects: number; bytes: number }>;
  close(): Promise<void>;
}
