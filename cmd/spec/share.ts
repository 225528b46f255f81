// The tables of the commands that talk to other archives.
import { PROGRESS, json, quiet, type CommandSpec } from './types.js';

const REMOTE_NAME = { name: 'name', required: true, describe: 'The name of a remote', complete: 'remote' } as const;

export const remote: CommandSpec = {
  name: 'remote',
  describe: 'Add, remove, rename and list remotes (other archives to push to and fetch from)',
  group: 'share',
  positionals: [],
  options: [
    { name: 'verbose', alias: 'v', type: 'boolean', describe: "Show each remote's URL" },
    json('List the remotes, one JSON object per line'),
  ],
  subcommands: [
    { name: 'add', describe: 'Add a remote', positionals: [{ name: 'name', required: true, describe: 'A name for the remote' }, { name: 'url', required: true, describe: 'A path, file://, http:// or https:// URL', complete: 'dir' }] },
    { name: 'remove', aliases: ['rm'], describe: 'Remove a remote and its remote-tracking refs', positionals: [REMOTE_NAME] },
    { name: 'rename', describe: 'Rename a remote and move its remote-tracking refs', positionals: [{ ...REMOTE_NAME, name: 'old' }, { name: 'new', required: true, describe: 'The new name' }] },
    { name: 'get-url', describe: 'Print the URL of a remote', positionals: [REMOTE_NAME] },
    { name: 'set-url', describe: 'Change the URL of a remote', positionals: [REMOTE_NAME, { name: 'url', required: true, describe: 'The new URL', complete: 'dir' }] },
    { name: 'list', describe: 'List the remotes', positionals: [] },
  ],
};

export const push: CommandSpec = {
  name: 'push',
  describe: 'Send sessions and tags to a remote (fast-forward only unless --force)',
  group: 'share',
  positionals: [
    { name: 'remote', describe: 'A configured remote, a path or a URL (default: origin)', complete: 'remote' },
    { name: 'refs', variadic: true, describe: 'Sessions, tags or <src>:<dst> refspecs (default: all)', complete: 'session' },
  ],
  options: [
    { name: 'force', alias: 'f', type: 'boolean', describe: 'Move remote refs even when that drops records' },
    { name: 'dry-run', alias: 'n', type: 'boolean', describe: 'Report what would be sent; send nothing' },
    { name: 'delete', alias: 'd', type: 'boolean', describe: 'Delete the named refs on the remote' },
    { name: 'allow-secrets', type: 'boolean', describe: 'Send records the secret detector flags (refused by default)' },
    json('Print the result as one JSON document'),
    PROGRESS,
  ],
};

/** fetch and pull take the same arguments. */
const FETCH_ARGS = {
  group: 'share',
  positionals: [{ name: 'remote', describe: 'A configured remote (default: origin)', complete: 'remote' }],
  options: [
    { name: 'prune', alias: 'p', type: 'boolean', describe: 'Delete remote-tracking refs the remote no longer has' },
    json('Print the result as one JSON document'),
    PROGRESS,
  ],
} as const satisfies Omit<CommandSpec, 'name' | 'describe'>;

export const fetch: CommandSpec = {
  name: 'fetch',
  describe: "Bring a remote's sessions into refs/remotes/<remote>/, verifying every object",
  ...FETCH_ARGS,
};

export const pull: CommandSpec = {
  name: 'pull',
  describe: 'Fetch, then fast-forward local sessions and create new ones (diverged ones are kept)',
  ...FETCH_ARGS,
};

export const clone: CommandSpec = {
  name: 'clone',
  describe: 'Make a new archive from a remote, with every session checked out',
  group: 'share',
  positionals: [
    { name: 'url', required: true, describe: 'A path, file://, http:// or https:// URL', complete: 'dir' },
    { name: 'dir', describe: 'Directory to create (default: from the URL)', complete: 'dir' },
  ],
  options: [json('Print the result as one JSON document'), quiet('Print nothing on success'), PROGRESS],
};
