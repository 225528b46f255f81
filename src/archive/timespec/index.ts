export * from './time-zone.js';
export * from './timespec.js';
