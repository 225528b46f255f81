export * from './record.js';
export * from './chain.js';
export * from './revision.js';
export * from './value-codec.js';
export * from './line-template.js';
export * from './source-value.js';
export * from './event-record.js';
export * from './event-view.js';
