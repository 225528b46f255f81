// What fsck remembers about each object once its file has been read and let
// go: its state, type, sizes and outgoing links, in flat number arrays indexed
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

export class ObjectGraph {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  readonly state: number[] = [];
  readonly type: number[] = [];
  readonly flags: number[] = [];
  /** Body bytes (what a "c" entry's size counts). */
  readonly bodySize: number[] = [];
  /** For a chunk list, the content bytes it stands for (what an "l" entry's size counts). */
  readonly listSize: number[] = [];
  readonly linkStart: number[] = [];
  readonly linkCount: number[] = [];
  readonly linkTo: number[] = [];
  readonly linkKind: number[] = [];
  readonly linkSize: number[] = [];
  /** Why a Magic blob failed to parse as a chunk list (few, so a map). */
  readonly listProblems = new Map<number, string>();

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
      this.state.push(NodeState.Absent);
      this.type.push(NodeType.Unknown);
      this.flags.push(0);
      this.bodySize.push(0);
      this.listSize.push(0);
      this.linkStart.push(0);
      this.linkCount.push(0);
    }
    return n;
  }

  lookup(id: string): number | undefined {
    return this.index.get(id);
  }

  /** Records the links of `from`; must be called once per node, after it is read. */
  setLinks(from: number, links: Array<{ to: string; kind: LinkKind; size: number }>): void {
    this.linkStart[from] = this.linkTo.length;
    this.linkCount[from] = links.length;
    for (const l of links) {
      const to = this.node(l.to);
      this.linkTo.push(to);
      this.linkKind.push(l.kind);
      this.linkSize.push(l.size);
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
