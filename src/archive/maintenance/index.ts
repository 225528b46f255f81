// Maintenance: gc (packing and pruning), its automatic trigger, its lock,
// and the roots it keeps. Its --prune age is read by timespec/ (parseExpiry).
export * from './gc.js';
export * from './auto-gc.js';
export { gcRoots } from './roots.js';
