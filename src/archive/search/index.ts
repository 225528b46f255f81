export * from './search-index.js';
export * from './search.js';
