export * from './object-id.js';
export * from './canonical-json.js';
export * from './id-set.js';
