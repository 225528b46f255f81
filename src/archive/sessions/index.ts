export * from './usage.js';
export * from './title.js';
export * from './summary.js';
export * from './cost.js';
export * from './cache.js';
export * from './filter.js';
export * from './names.js';
