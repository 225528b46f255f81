export * from './blocks.js';
export * from './measures.js';
export * from './event-summary.js';
