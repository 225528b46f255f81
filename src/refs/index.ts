export * from './ref-name.js';
export * from './lock-file.js';
export * from './reflog.js';
export * from './ref-files.js';
export * from './ref-store.js';
