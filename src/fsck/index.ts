// fsck: integrity checks over an archive's objects and refs (see fsck.ts).
export * from './findings.js';
export * from './fsck.js';
