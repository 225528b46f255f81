export * from './record.js';
export * from './chain.js';
export * from './revision.js';
