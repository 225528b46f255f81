export * from './tapes-error.js';
export * from './system-error.js';
