export * from './object-store.js';
export * from './loose-store.js';
export * from './content.js';
export * from './hashing-store.js';
export * from './write-queue.js';
export * from './pack-format.js';
export * from './pack-reader.js';
export * from './pack-writer.js';
