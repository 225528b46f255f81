// tapes mcp: the archive served to agents over the Model Context Protocol on
// stdio, read-only (cmd/lib/mcp-server.ts). Runs until the client closes its
// end of the pipe.
import type { CommandArgs } from './lib/run-context.js';

export async function handler(args: CommandArgs): Promise<void> {
  const { serveMcp } = await import('./lib/mcp-server.js');
  await serveMcp(args.ctx);
}
