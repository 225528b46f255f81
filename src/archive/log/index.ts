export * from './chain.js';
export * from './tree.js';
export * from './filter.js';
export * from './target.js';
export * from './abbreviator.js';
export * from './chain-index.js';
export * from './timeline-cache.js';
export * from './prune-index.js';
