export * from './archive.js';
export * from './config.js';
export * from './discover.js';
export * from './plumbing.js';
export * from './import.js';
export * from './export.js';
export * from './pricing.js';
export * from './sessions.js';
