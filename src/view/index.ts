export * from './event-summary.js';
export * from './color.js';
