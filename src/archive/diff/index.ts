export * from './types.js';
export * from './diff.js';
