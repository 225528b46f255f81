// The proxy's copy of one body for recording, in bounded memory: held whole
// up to `memoryLimit`, stored in the archive as it passes beyond that (and
// then recorded raw, never parsed), and not kept past `recordLimit`. A store
// that fails (a full disk) never holds up forwarding: the copy is dropped
// and the failure reported when the turn is recorded.
import { ContentStreamWriter, type ObjectStore, type StoredContent } from '../odb/index.js';

export interface CapturedBody {
  /** The body, when it was held in memory (empty when stored as it passed). */
  bytes: Buffer;
  /** The body's content in the archive, when it was stored as it passed. */
  stored?: StoredContent;
  /** Bytes that passed, kept or not. */
  size: number;
  /** More passed than `recordLimit`; only that much was kept. */
  truncated: boolean;
}

export class BodyCapture {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private size = 0;
  private truncated = false;
  private writer: ContentStreamWriter | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly memoryLimit: number,
    private readonly recordLimit: number,
  ) {}

  /** Takes the next piece; a promise means "wait for it before sending more". */
  take(piece: Buffer): Promise<void> | undefined {
    this.size += piece.length;
    if (this.failure) return undefined;
    if (this.size > this.recordLimit) {
      this.truncated = true;
      return undefined;
    }
    if (!this.writer && this.heldBytes + piece.length <= this.memoryLimit) {
      this.held.push(piece);
      this.heldBytes += piece.length;
      return undefined;
    }
    if (!this.writer) {
      this.writer = new ContentStreamWriter(this.store);
      const earlier = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const p of earlier) void this.guard(this.writer.push(p));
    }
    return this.guard(this.writer.push(piece));
  }

  /** The body as recorded; throws when storing it failed. */
  async finish(): Promise<CapturedBody> {
    if (this.failure) throw this.failure;
    if (!this.writer) return { bytes: this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held), size: this.size, truncated: this.truncated };
    const stored = await this.writer.end();
    return { bytes: Buffer.alloc(0), stored, size: this.size, truncated: this.truncated };
  }

  private guard(p: Promise<void>): Promise<void> {
    return p.catch((err: Error) => {
      this.failure ??= err;
    });
  }
}
