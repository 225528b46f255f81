export * from './object-frame.js';
export * from './compress.js';
export * from './zstd-frame.js';
export * from './chunker.js';
export * from './chunk-list.js';
