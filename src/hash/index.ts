export * from './object-id.js';
export * from './canonical-json.js';
