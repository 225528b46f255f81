export * from './search-index.js';
export * from './search.js';
export * from './background-index.js';
export * from './failures.js';
export * from './derived-update.js';
