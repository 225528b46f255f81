export * from './tapes-error.js';
