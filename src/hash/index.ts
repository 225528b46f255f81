export * from './object-id.js';
export * from './canonical-json.js';
export * from './id-set.js';
export * from './id-filter.js';
