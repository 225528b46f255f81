// The --json shape of `tapes stats`: one document, the chains shown and
// their total (tapes-stats(1), OUTPUT; docs/json.md).

export function statsJson<C, T>(chains: C[], total: T): { sessions: C[]; total: T } {
  return { sessions: chains, total };
}
