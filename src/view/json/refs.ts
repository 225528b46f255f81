// The --json shapes tag and remote build (docs/json.md); a tag listed or
// made is printed as the model describes it.

/** tag -d: one tag deleted, and the id it held. */
export function deletedTagJson(d: { name: string; id: string }) {
  return { name: d.name, id: d.id };
}

/** remote: one remote. */
export function remoteJson(r: { name: string; url: string }) {
  return { name: r.name, url: r.url };
}
