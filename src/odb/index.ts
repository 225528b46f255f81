export * from './object-store.js';
export * from './loose-store.js';
export * from './content.js';
export * from './hashing-store.js';
export * from './write-queue.js';
