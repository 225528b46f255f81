// Archives for the rerun tests: the corpus's 17 recorded Claude Code turns
// captured into a session (through the recorder the proxy uses, without the
// network), transcripts imported, and a search of every file of an archive
// (objects decompressed) for a string that must not be there.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Archive } from '../../src/archive/index.js';
import { SessionRecorder } from '../../src/capture/index.js';
import { loadWireTurns, type WireTurn } from '../capture/wire-helpers.js';
import { tapes, tempDir, type RunResult } from '../helpers/cli.js';
import { bash, text } from '../helpers/model-upstream.js';

export const WIRE_SESSION = 'ac9b5a71-50d4-47c2-b771-4d5c3e96d899';

export interface Captured {
  dir: string;
  /** The main chain's record ids, oldest first. */
  chain: string[];
  /** The main conversation's turns (the subagent's left out), in order, each with its response record. */
  turns: Array<WireTurn & { record: string }>;
  /** Every turn, the subagent's too, with its response record and the record before it (in its own chain). */
  all: Array<WireTurn & { record: string; before: string }>;
}

/** Runs tapes in `dir` and fails loudly when it fails. */
export async function must(args: string[], dir: string, env: Record<string, string> = {}): Promise<RunResult> {
  const r = await tapes(args, { cwd: dir, env });
  if (r.code !== 0) throw new Error(`tapes ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** The wire corpus recorded as the proxy records it: one session and one subagent chain. */
export async function capturedArchive(): Promise<Captured> {
  const dir = tempDir('tapes-rerun-');
  await Archive.init({ cwd: dir, env: {} });
  let clock = Date.parse('2026-07-27T21:32:31.000Z');
  const archive = await Archive.openAt(join(dir, '.tapes'), { now: () => new Date((clock += 1000)) });
  const recorder = new SessionRecorder(await archive.objectWriter(), archive.refs);
  const responses = new Map<string, string>();
  for (const turn of loadWireTurns()) {
    const time = new Date((clock += 1000));
    const r = await recorder.record({
      api: 'anthropic-messages',
      method: turn.method,
      target: turn.path,
      rawHeaders: turn.headers.flat(),
      body: turn.body,
      time,
      response: { status: turn.status, rawHeaders: turn.responseHeaders.flat(), body: turn.response, time, headersMs: 1, ttfbMs: 2, totalMs: 3, end: 'complete' },
    });
    responses.set(turn.name, r!.tip);
  }
  const list = (await must(['rev-list', '--reverse', WIRE_SESSION], dir)).stdout.trim().split('\n');
  const turns = loadWireTurns()
    .filter((t) => !t.agentId && JSON.parse(t.body.toString('utf8')).messages.length > 0)
    .map((t) => ({ ...t, record: responses.get(t.name)! }))
    .filter((t) => list.includes(t.record));
  const agent = (await must(['show-ref'], dir)).stdout.split('\n').find((l) => l.includes(' refs/agents/'))!.split(' ')[1]!;
  const agentList = (await must(['rev-list', '--reverse', agent], dir)).stdout.trim().split('\n');
  const all = loadWireTurns().map((t) => {
    const record = responses.get(t.name)!;
    const chain = list.includes(record) ? list : agentList;
    return { ...t, record, before: chain[chain.indexOf(record) - 1]! };
  });
  return { dir, chain: list, turns, all };
}

/** A fresh archive with `files` imported. */
export async function importedArchive(files: string[]): Promise<string> {
  const dir = tempDir('tapes-rerun-');
  await must(['init', '-q'], dir);
  await must(['import', ...files], dir);
  return dir;
}

/** A Claude Code transcript of `lines` (objects), written under `dir`; returns its path. */
export function claudeTranscript(dir: string, session: string, lines: Array<Record<string, unknown>>): string {
  const folder = join(dir, 'projects', '-tmp-work');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${session}.jsonl`);
  let parent: string | null = null;
  const text = lines.map((l, i) => {
    const uuid = `${session.slice(0, 8)}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const line = { parentUuid: parent, isSidechain: false, sessionId: session, cwd: '/tmp/work', version: '2.1.300', timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, i)).toISOString(), uuid, ...l };
    parent = uuid;
    return JSON.stringify(line);
  });
  writeFileSync(file, text.join('\n') + '\n');
  return file;
}

/** Where `needle` occurs in the archive: every object (decompressed), and every other file (refs, reflogs, index, config). */
export async function occurrences(dir: string, needle: string): Promise<{ searched: number; hits: string[] }> {
  const root = join(dir, '.tapes');
  const archive = await Archive.openAt(root);
  const store = await archive.objects();
  const bytes = Buffer.from(needle);
  const hits: string[] = [];
  let searched = 0;
  for await (const id of store.ids()) {
    searched++;
    if (Buffer.from((await store.read(id)).body).includes(bytes)) hits.push(`object ${id}`);
  }
  const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));
  for (const f of files(root)) {
    if (f.includes(`${join(root, 'objects')}/`)) continue;
    searched++;
    if (readFileSync(f).includes(bytes)) hits.push(f);
  }
  return { searched, hits };
}

/** Every ref of the archive with its id, as show-ref prints them (to compare before and after). */
export async function refsOf(dir: string): Promise<string> {
  const r = await tapes(['show-ref', '--head'], { cwd: dir });
  return r.stdout;
}

/** A transcript whose original called Bash `touch <file>` (recorded result: nothing), then answered. */
export function touchTranscript(dir: string, file: string, session: string): string {
  return claudeTranscript(dir, session, [
    { type: 'attachment', attachment: { type: 'prompt_snapshot', systemPrompt: 'You are the test agent.' } },
    { type: 'api-request-shape', system: [{ type: 'text', text: 'You are the test agent, with tools.' }], tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] },
    { type: 'user', message: { role: 'user', content: 'Make the marker file.' } },
    { type: 'assistant', requestId: 'req_1', message: { id: 'msg_1', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [bash('toolu_orig', `touch ${file}`)], usage: { input_tokens: 50, output_tokens: 12 } } },
    { type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_orig', content: '(no output)' }] } },
    { type: 'assistant', requestId: 'req_2', message: { id: 'msg_2', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [text('Made it.')], usage: { input_tokens: 80, output_tokens: 5 } } },
  ]);
}
