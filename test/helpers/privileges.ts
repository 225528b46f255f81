// Mode 000 means nothing to root, which the test machines may run as. To see
// how a command meets a file or directory it cannot read, the command runs
// with the effective ids of nobody, once what it must still write has been
// handed to nobody.
import { execFileSync } from 'node:child_process';

const NOBODY = 65534;

/** Runs `fn` without root's power to read anything; `owned` (recursively) is given to nobody first when running as root. */
export async function withoutPrivileges<T>(owned: string, fn: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0) return fn();
  execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, owned]);
  process.setegid!(NOBODY);
  process.seteuid!(NOBODY);
  try {
    return await fn();
  } finally {
    process.seteuid!(0);
    process.setegid!(0);
  }
}
