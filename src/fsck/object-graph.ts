// What fsck remembers about each object once its file has been read and let
// go: its state, type, sizes and outgoing links, in flat typed arrays indexed
// by a small integer per id. Bodies are never kept, so memory grows with the
// number of objects and links, not with the archive's bytes.

export const enum NodeState {
  /** Named by a link or a ref, but no file has that name. */
  Absent = 0,
  /** Listed in objects/, not read yet. */
  Listed = 1,
  Ok = 2,
  /** The file exists but its content could not be trusted (already reported). */
  Unreadable = 3,
}

export const enum NodeType {
  Unknown = 0,
  Blob = 1,
  Record = 2,
}

export const enum NodeFlag {
  /** A blob whose body starts with the chunk-list magic. */
  Magic = 1,
  /** …and which does not parse as a chunk list. */
  ListBad = 2,
  /** Named by a "c" entry of some chunk list. */
  UsedAsChunk = 4,
  /** Named as content: by a record's $blob, an "l" entry, a ref or a reflog. */
  UsedAsContent = 8,
  /** A ref, HEAD or reflog entry names it. */
  Root = 16,
  Reachable = 32,
  /** Some other object links to it. */
  Referenced = 64,
}

export const enum LinkKind {
  Parent = 0,
  Blob = 1,
  Chunk = 2,
  List = 3,
}

type NumberArray = Uint8Array | Int32Array | Float64Array;

function grown<T extends NumberArray>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class ObjectGraph {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  state: Uint8Array;
  type: Uint8Array;
  flags: Uint8Array;
  /** Body bytes (what a "c" entry's size counts). */
  bodySize: Float64Array;
  /** For a chunk list, the content bytes it stands for (what an "l" entry's size counts). */
  listSize: Float64Array;
  linkStart: Int32Array;
  linkCount: Int32Array;
  linkTo = new Int32Array(1024);
  linkKind = new Uint8Array(1024);
  linkSize = new Float64Array(1024);
  private links = 0;
  /** Why a Magic blob failed to parse as a chunk list (few, so a map). */
  readonly listProblems = new Map<number, string>();

  /** `expected`: how many objects there are likely to be, to size the arrays once. */
  constructor(expected = 1024) {
    const n = Math.max(expected, 16);
    this.state = new Uint8Array(n);
    this.type = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.bodySize = new Float64Array(n);
    this.listSize = new Float64Array(n);
    this.linkStart = new Int32Array(n);
    this.linkCount = new Int32Array(n);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The node for `id`, created (Absent) when first named. */
  node(id: string): number {
    let n = this.index.get(id);
    if (n === undefined) {
      n = this.ids.length;
      this.index.set(id, n);
      this.ids.push(id);
      if (n >= this.state.length) {
        this.state = grown(this.state, n + 1);
        this.type = grown(this.type, n + 1);
        this.flags = grown(this.flags, n + 1);
        this.bodySize = grown(this.bodySize, n + 1);
        this.listSize = grown(this.listSize, n + 1);
        this.linkStart = grown(this.linkStart, n + 1);
        this.linkCount = grown(this.linkCount, n + 1);
      }
    }
    return n;
  }

  lookup(id: string): number | undefined {
    return this.index.get(id);
  }

  /** Records the links of `from`; called once per node, after it is read. */
  setLinks(from: number, links: Array<{ to: string; kind: LinkKind; size: number }>): void {
    const need = this.links + links.length;
    if (need > this.linkTo.length) {
      this.linkTo = grown(this.linkTo, need);
      this.linkKind = grown(this.linkKind, need);
      this.linkSize = grown(this.linkSize, need);
    }
    this.linkStart[from] = this.links;
    this.linkCount[from] = links.length;
    for (const l of links) {
      const to = this.node(l.to);
      this.linkTo[this.links] = to;
      this.linkKind[this.links] = l.kind;
      this.linkSize[this.links] = l.size;
      this.links++;
      this.flags[to]! |= l.kind === LinkKind.Chunk ? NodeFlag.UsedAsChunk : NodeFlag.UsedAsContent;
    }
  }

  has(n: number, flag: NodeFlag): boolean {
    return (this.flags[n]! & flag) !== 0;
  }

  /**
   * Whether a node's links count. A blob that merely starts with the magic
   * and is only ever used as a "c" chunk is data that happens to look like a
   * list (content readers never parse a "c" chunk), so its "entries" are not
   * links and its failure to parse is not a finding.
   */
  isActiveList(n: number): boolean {
    return this.has(n, NodeFlag.Magic) && !(this.has(n, NodeFlag.UsedAsChunk) && !this.has(n, NodeFlag.UsedAsContent));
  }

  linksActive(n: number): boolean {
    return this.state[n] === NodeState.Ok && (this.type[n] === NodeType.Record || this.isActiveList(n));
  }
}
