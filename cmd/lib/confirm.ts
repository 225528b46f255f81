// A yes/no question on the terminal: asked on standard error, answered by
// one line of standard input. Only "y" or "yes" is yes.
import { createInterface } from 'node:readline';
import type { Io } from '../context.js';

export function confirm(io: Io, question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(line));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
    io.stderr.write(question);
  });
}
