// tapes status: where HEAD is: the session (or a detached record), the
// record's position in its session (`12/340`), its time and what it was.
import type { Argv } from 'yargs';
import { json, openArchive, write, type GlobalArgs } from './context.js';

interface Args extends GlobalArgs {
  json?: boolean;
}

export const command = 'status';
export const describe = 'Show where HEAD is: session, record, position and time';

export function builder(y: Argv) {
  return y.option('json', { type: 'boolean', describe: 'Print the status as one JSON document' });
}

export async function handler(args: Args): Promise<void> {
  const { headStatus } = await import('../src/archive/checkout.js');
  const { Abbreviator } = await import('../src/archive/log/index.js');
  const { validTimeZone } = await import('../src/archive/timespec/index.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const { elapsedOf, summariseEvent } = await import('../src/archive/event/index.js');
  const T = await import('../src/view/timeline.js');
  const io = args.state.io;
  const archive = await openArchive(args);
  const s = await headStatus(archive);
  const store = await archive.objects();
  const summary = s.event ? await summariseEvent(store, s.event, 200) : null;
  const elapsed = s.event ? elapsedOf(s.event, s.start) : null;
  if (args.json) {
    return write(
      io.stdout,
      json({
        head: s.state,
        session: s.session ? shortRefName(s.session) : null,
        id: s.id,
        position: s.position,
        total: s.total,
        time: s.time,
        elapsed_ms: elapsed,
        label: summary?.label ?? null,
        summary: summary?.text ?? null,
        is_error: summary?.isError ?? null,
        tags: s.tags,
      }),
    );
  }
  const lines: string[] = [];
  if (s.state === 'none') {
    lines.push('No HEAD yet: nothing has been checked out.', 'Use "tapes checkout <session>" to pick a session.');
  } else if (s.state === 'unborn') {
    lines.push(`On session ${shortRefName(s.ref!)}, which has no records yet`);
  } else {
    const abbr = await Abbreviator.create(archive);
    const id = await abbr.abbrev(s.id!);
    lines.push(s.state === 'attached' ? `On session ${shortRefName(s.ref!)}` : `HEAD detached at ${id}`);
    const time = s.time ? `  ${T.localTime(s.time, true, validTimeZone(io.env.TZ))}  ${T.formatElapsed(elapsed)}` : '';
    lines.push(`Record ${s.position}/${s.total}  ${id}${time}`);
    if (summary) lines.push(`  ${summary.isError ? `${summary.label} ✗` : summary.label}: ${T.sanitize(summary.text)}`);
    if (s.state === 'detached') lines.push(s.session ? `In session ${shortRefName(s.session)}` : 'No session holds this record');
    if (s.tags.length) lines.push(`Tags: ${s.tags.join(', ')}`);
  }
  await write(io.stdout, lines.join('\n') + '\n');
}
