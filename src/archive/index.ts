// The model: the operations the commands call. Each concern has its folder
// (sessions/, log/, diff/, export/, search/, timespec/, event/) or file
// behind this one facade; what it returns is data, which src/view renders.
export * from './archive.js';
export * from './config.js';
export * from './discover.js';
export * from './plumbing.js';
export * from './import.js';
export * from './export/index.js';
export * from './pricing.js';
export * from './sessions/index.js';
export * from './timespec/index.js';
export * from './log/index.js';
export * from './search/index.js';
export { cleanPrompt, elapsedOf, labelOf, oneLine, recordTokens, summariseEvent, type EventSummary, type RecordTokens } from './event/index.js';
export * from './checkout.js';
export * from './tag.js';
export * from './diff/index.js';
export * from './resume.js';
export * from './capture.js';
export * from './maintenance/index.js';
export * from './rerun/index.js';
export * from './views.js';
export * from './request-context.js';
