// Maintenance: gc (packing and pruning), its automatic trigger, its lock,
// the roots it keeps, and the age its prune takes.
export * from './gc.js';
export * from './auto-gc.js';
export { gcRoots } from './roots.js';
export { parsePruneAge, type PruneCutoff } from './prune-age.js';
