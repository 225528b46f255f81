// The --json shape of `tapes help`: one object per command (NDJSON,
// docs/json.md), in the order `tapes help` lists them.

export function commandJson(c: { name: string; describe: string; group: string }) {
  return { command: c.name, describe: c.describe, group: c.group };
}
