// tapes status: where HEAD is: the session (or a detached record), the
// record's position in its session (`12/340`), its time and what it was;
// and which archive, when it is the user's archive that discovery fell back to.
import type { CommandArgs } from './lib/run-context.js';
import { statusJson } from '../src/view/json/head.js';

interface Args extends CommandArgs {
  json?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { headStatus } = await import('../src/archive/checkout.js');
  const { Abbreviator } = await import('../src/archive/log/index.js');
  const { shortRefName } = await import('../src/refs/index.js');
  const { elapsedOf, summariseEvent } = await import('../src/archive/event/index.js');
  const T = await import('../src/view/timeline.js');
  const ctx = args.ctx;
  const archive = await ctx.archive();
  const s = await headStatus(archive);
  const store = await archive.objects();
  const summary = s.event ? await summariseEvent(store, s.event, 200) : null;
  const elapsed = s.event ? elapsedOf(s.event, s.start) : null;
  const where = { path: archive.dir, source: archive.origin?.source ?? null };
  if (args.json) return ctx.json({ ...statusJson(s, elapsed, summary), archive: where });
  const lines: string[] = [];
  if (s.state === 'none') {
    lines.push('No HEAD yet: nothing has been checked out.', 'Use "tapes checkout <session>" to pick a session.');
  } else if (s.state === 'unborn') {
    lines.push(`On session ${shortRefName(s.ref!)}, which has no records yet`);
  } else {
    const abbr = await Abbreviator.create(archive);
    const id = await abbr.abbrev(s.id!);
    lines.push(s.state === 'attached' ? `On session ${shortRefName(s.ref!)}` : `HEAD detached at ${id}`);
    const time = s.time ? `  ${T.localTime(s.time, true, await ctx.timeZone())}  ${T.formatElapsed(elapsed)}` : '';
    lines.push(`Record ${s.position}/${s.total}  ${id}${time}`);
    if (summary) lines.push(`  ${summary.isError ? `${summary.label} ✗` : summary.label}: ${T.sanitize(summary.text)}`);
    if (s.state === 'detached') lines.push(s.session ? `In session ${shortRefName(s.session)}` : 'No session holds this record');
    if (s.tags.length) lines.push(`Tags: ${s.tags.join(', ')}`);
  }
  // An archive found by falling back to the user's own is named: the user may have expected a project's.
  if (where.source === 'user') lines.push(`Archive: ${archive.dir} (the user's archive)`);
  await ctx.write(lines.join('\n') + '\n');
}
