export * from './redact.js';
export * from './original.js';
export * from './transcript.js';
export * from './jsonl.js';
export * from './export.js';
export * from './shape.js';
