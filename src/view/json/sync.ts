// The --json shape of `tapes push` (one document, docs/json.md). fetch, pull
// and clone print the model's result as it is: its fields are the shape.

/** push: the model's result, and whether it was a dry run. */
export function pushJson<R extends object>(result: R, dryRun: boolean): R & { dry_run: boolean } {
  return { ...result, dry_run: dryRun };
}
