export * from './jsonl-lines.js';
export * from './claude-transcript.js';
export * from './codex-rollout.js';
export * from './gemini-session.js';
export * from './gemini-document.js';
export * from './transcript-format.js';
export * from './import-file.js';
export * from './line-memo.js';
