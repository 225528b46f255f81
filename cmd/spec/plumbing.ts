// The tables of the plumbing commands: stable output for scripts.
import { MAX_COUNT, json, quiet, type CommandSpec } from './types.js';

export const hashObject: CommandSpec = {
  name: 'hash-object',
  describe: 'Compute the id of a blob or record, and with -w store it',
  group: 'plumbing',
  positionals: [{ name: 'file', variadic: true, describe: 'Files to hash', complete: 'file' }],
  options: [
    { name: 'type', alias: 't', type: 'string', arg: '<type>', choices: ['blob', 'record'], default: 'blob', describe: 'Object type' },
    { name: 'w', type: 'boolean', describe: 'Write the object into the archive' },
    { name: 'stdin', type: 'boolean', describe: 'Read the object from standard input' },
    json('Print one JSON object per input (NDJSON)'),
  ],
};

export const catObject: CommandSpec = {
  name: 'cat-object',
  describe: 'Print the content, type or size of an object',
  group: 'plumbing',
  positionals: [{ name: 'object', required: true, describe: 'Object id, prefix or revision', complete: 'rev' }],
  options: [
    { name: 't', type: 'boolean', describe: 'Print the object type' },
    { name: 's', type: 'boolean', describe: 'Print the size of the object body in bytes' },
    { name: 'p', type: 'boolean', describe: 'Pretty-print: records as indented JSON, blobs as their content' },
    { name: 'e', type: 'boolean', describe: 'Print nothing; exit 0 if the object exists and verifies' },
    { name: 'raw', type: 'boolean', describe: 'Print the body as stored (a chunked blob: its chunk list)' },
    json('Print a JSON description of the object'),
  ],
  conflicts: [
    ['t', ['s', 'p', 'e', 'raw', 'json']],
    ['s', ['p', 'e', 'raw', 'json']],
    ['p', ['e', 'raw', 'json']],
    ['e', ['raw', 'json']],
    ['raw', 'json'],
  ],
};

export const revParse: CommandSpec = {
  name: 'rev-parse',
  describe: 'Print the object ids (or ref names) that revisions resolve to',
  group: 'plumbing',
  positionals: [{ name: 'rev', variadic: true, describe: 'Revisions to resolve', complete: 'rev' }],
  options: [
    { name: 'short', type: 'number', arg: '<n>', optionalValue: '12', describe: 'Abbreviate ids to <n> hex digits (at least 4; default 12)' },
    { name: 'symbolic-full-name', type: 'boolean', describe: 'Print the full ref name a revision names' },
    { name: 'tapes-dir', type: 'boolean', describe: 'Print the path of the archive directory' },
    { name: 'verify', type: 'boolean', describe: 'Exactly one revision, which must name an object' },
    quiet('With --verify: no error message, only the exit status'),
    json('Print one JSON object per line (NDJSON)'),
  ],
};

export const updateRef: CommandSpec = {
  name: 'update-ref',
  describe: 'Point a ref at an object (compare-and-swap with <old>), or delete it with -d',
  group: 'plumbing',
  positionals: [
    { name: 'ref', required: true, describe: 'Full ref name (refs/sessions/<name>, refs/tags/<name>, HEAD)', complete: 'ref' },
    { name: 'new', describe: 'Revision the ref should point at', complete: 'rev' },
    { name: 'old', describe: 'Value the ref must hold now; 64 zeros or "" if it must not exist', complete: 'rev' },
  ],
  options: [
    { name: 'd', type: 'boolean', describe: 'Delete the ref (then <new> is the expected old value)' },
    { name: 'm', type: 'string', arg: '<reason>', describe: 'Reason recorded in the reflog' },
    { name: 'deref', type: 'boolean', default: true, describe: 'Follow a symbolic HEAD (--no-deref moves HEAD itself)' },
    json('Print the move as JSON'),
  ],
};

export const showRef: CommandSpec = {
  name: 'show-ref',
  describe: 'List refs with the ids they point at',
  group: 'plumbing',
  positionals: [{ name: 'pattern', variadic: true, describe: 'Show refs whose name ends with these parts', complete: 'ref' }],
  options: [
    { name: 'head', type: 'boolean', describe: 'Also show HEAD' },
    { name: 'sessions', type: 'boolean', describe: 'Only refs/sessions/' },
    { name: 'tags', type: 'boolean', describe: 'Only refs/tags/' },
    { name: 'hash', alias: 's', type: 'boolean', describe: 'Print only the ids' },
    { name: 'verify', type: 'boolean', describe: 'Patterns are exact full ref names' },
    quiet('Print nothing; only the exit status'),
    json('Print one JSON object per ref (NDJSON)'),
  ],
};

/** The fields --format may name. */
export const REF_FORMAT_FIELDS = ['objectname', 'objectname:short', 'objecttype', 'refname', 'refname:short'] as const;

export const forEachRef: CommandSpec = {
  name: 'for-each-ref',
  describe: 'List refs, each printed with a format',
  group: 'plumbing',
  positionals: [{ name: 'pattern', variadic: true, describe: 'Ref name prefixes or globs (refs/sessions, refs/tags/v*)', complete: 'ref' }],
  options: [
    { name: 'format', type: 'string', arg: '<format>', describe: `Output format; fields: ${REF_FORMAT_FIELDS.map((f) => `%(${f})`).join(' ')}` },
    { name: 'sort', type: 'string', arg: '<key>', choices: ['refname', '-refname', 'objectname', '-objectname'], describe: 'Sort key' },
    { name: 'count', type: 'number', arg: '<n>', describe: 'Stop after <n> refs' },
    json('Print one JSON object per ref (NDJSON)'),
  ],
};

export const revList: CommandSpec = {
  name: 'rev-list',
  describe: 'List the records of a chain, newest first',
  group: 'plumbing',
  positionals: [{ name: 'rev', required: true, variadic: true, describe: 'Where to start walking', complete: 'rev' }],
  options: [
    MAX_COUNT('Stop after <n> records'),
    { name: 'reverse', type: 'boolean', describe: 'Oldest first' },
    { name: 'count', type: 'boolean', describe: 'Print only the number of records' },
    { name: 'parents', type: 'boolean', describe: 'Print each record with its parent' },
    json('Print one JSON object {id, parent} per record (NDJSON)'),
  ],
};
