// tapes show: one record in full, for reading — a header of what it was, then
// each content block rendered (text wrapped, thinking dimmed, commands as
// command lines, edits as diffs, long outputs cut with --full to see all).
// A session name shows the session's summary and its first record. --raw,
// --source and --json give the stored, original and resolved forms.
import type { CommandArgs } from './lib/run-context.js';
import { jsonLine, write } from './lib/io.js';
import { blobJson, contextJson, shownRecordJson, wireJson } from '../src/view/json/show.js';

interface Args extends CommandArgs {
  rev?: string[];
  full?: boolean;
  raw?: boolean;
  source?: boolean;
  wire?: boolean;
  context?: boolean;
  json?: boolean;
  pager?: boolean;
}

export async function handler(args: Args): Promise<void> {
  const { InvalidInputError, UsageError } = await import('../src/errors/index.js');
  const { readEvent, sourceBytes } = await import('../src/record/index.js');
  const { AGENTS_PREFIX, SESSIONS_PREFIX, shortRefName } = await import('../src/refs/index.js');
  const { readContent } = await import('../src/odb/index.js');
  const { summariseSession } = await import('../src/archive/sessions/summary.js');
  const { sessionCost } = await import('../src/archive/sessions/cost.js');
  const { Abbreviator, sessionsContaining } = await import('../src/archive/log/index.js');
  const { renderRecord, eventJson } = await import('../src/view/record-render.js');
  const T = await import('../src/view/timeline.js');
  const { formatDuration, formatCostPrecise } = await import('../src/view/sessions-table.js');
  const ctx = args.ctx;
  const timeZone = await ctx.timeZone();
  const archive = await ctx.archive();
  const store = await archive.objects();

  const revs = [...(args.rev ?? []), ...args._];
  if (revs.length === 0) throw new UsageError('Name a record or session to show.');
  // Resolve everything first, so a bad revision prints nothing.
  const targets = await Promise.all(revs.map((r) => archive.resolve(r)));
  const chalk = await ctx.chalk();
  const width = ctx.width;
  const exact = args.raw || args.source || args.json || args.wire || args.context;
  if (args.context) {
    // Every context first, so a record without one prints nothing.
    const { requestContext } = await import('../src/archive/request-context.js');
    const found = [];
    for (const t of targets) {
      const obj = await store.read(t.id);
      if (obj.type !== 'record') throw new InvalidInputError(`${t.rev} is a blob: only records have a model turn`, { id: t.id });
      found.push(await requestContext(archive, t.id, t.ref));
    }
    for (const [n, c] of found.entries()) {
      if (args.json) {
        await ctx.write(jsonLine(contextJson(c)));
        continue;
      }
      const from = c.source.kind === 'capture' ? `the request of turn ${c.source.turn}${c.source.ref ? ` of ${shortRefName(c.source.ref)}` : ''}` : `record${c.source.records.length === 1 ? '' : 's'} ${c.source.records.join(', ')}`;
      const out = [
        ...(n > 0 ? [''] : []),
        `# request context of ${c.record}, from ${from}`,
        `Model:  ${c.model ?? '(not recorded)'}`,
        `Tools:  ${c.tools === null ? '(not recorded)' : `${c.tools.length}${c.tools.length ? `: ${c.tools.map((x) => x.name).join(', ')}` : ''}`}`,
        `System prompt:${c.system === null ? ' (not recorded)' : ''}`,
        ...(c.system === null ? [] : [c.system]),
      ];
      await ctx.write(out.join('\n') + '\n');
    }
    return;
  }
  if (args.wire) {
    // The exchanges first, all of them, so a record without one prints nothing.
    const { wireExchange } = await import('../src/archive/views.js');
    const exchanges = [];
    for (const t of targets) {
      const obj = await store.read(t.id);
      if (obj.type !== 'record') throw new InvalidInputError(`${t.rev} is a blob: only records have a model turn`, { id: t.id });
      exchanges.push(await wireExchange(archive, t.id, t.ref));
    }
    for (const [n, w] of exchanges.entries()) {
      if (args.json) {
        await ctx.write(jsonLine(wireJson(w)));
        continue;
      }
      const head = (dir: string, lines: string[]) => lines.map((l) => `${dir} ${l}`).join('\n') + '\n';
      const out: Array<string | Buffer> = [];
      if (n > 0) out.push('\n');
      out.push(`# turn ${w.turn}${w.ref ? ` of ${shortRefName(w.ref)}` : ''} (${w.api}); asked for ${w.record}\n`);
      out.push(head('>', [`${w.request.method} ${w.request.path}`, ...w.request.headers.map(([k, v]) => `${k}: ${v}`)]), '\n', w.request.body, '\n\n');
      const coding = w.response.content_encoding ? ` (body decoded from ${w.response.content_encoding}, ${w.response.raw_bytes} bytes as sent)` : '';
      out.push(head('<', [`${w.response.status}${coding}`, ...w.response.headers.map(([k, v]) => `${k}: ${v}`)]), '\n', w.response.body);
      if (w.response.body.length && w.response.body[w.response.body.length - 1] !== 0x0a) out.push('\n');
      for (const part of out) await ctx.write(part);
    }
    return;
  }
  const paged = ctx.pager(args.pager !== false && !exact);
  const abbr = await Abbreviator.create(archive);
  const several = targets.length > 1;
  try {
    for (const [n, target] of targets.entries()) {
      const obj = await store.read(target.id);
      if (obj.type === 'blob') {
        if (args.source) throw new InvalidInputError(`${target.rev} is a blob: only records have a source line`, { id: target.id });
        const bytes = await readContent(store, target.id);
        if (args.json) {
          await write(paged.out, jsonLine(blobJson(target.id, bytes)));
        } else {
          await write(paged.out, bytes);
          if (several) await write(paged.out, '\n');
        }
        continue;
      }
      const session = target.ref && (target.ref.startsWith(SESSIONS_PREFIX) || target.ref.startsWith(AGENTS_PREFIX)) ? target.ref : null;
      let ev = await readEvent(store, target.id);
      let summary: Awaited<ReturnType<typeof summariseSession>> | null = null;
      if (session) {
        // A session: its summary, then its first record.
        summary = await summariseSession(store, session, target.id);
        while (ev.parent !== null) ev = await readEvent(store, ev.parent);
      }
      const holders = session ? [session] : await sessionsContaining(archive, ev);
      const names = holders.map(shortRefName);

      if (args.raw) {
        await write(paged.out, (await store.read(ev.id)).body);
        if (several) await write(paged.out, '\n');
        continue;
      }
      if (args.source) {
        if (!ev.source) throw new InvalidInputError(`record ${ev.id} has no source line (it was not imported from a file)`, { id: ev.id });
        await write(paged.out, await sourceBytes(store, ev.source));
        if (several) await write(paged.out, '\n');
        continue;
      }
      if (args.json) {
        await write(paged.out, jsonLine(shownRecordJson(await eventJson(store, ev, names[0] ?? null), summary)));
        continue;
      }
      const lines: string[] = [];
      if (n > 0) lines.push('');
      if (summary) {
        const agents = (await archive.refs.list(`${AGENTS_PREFIX}${summary.name}/`)).map((r) => r.name.split('/').pop()!);
        const cost = sessionCost(summary);
        const { captureViewOf } = await import('../src/archive/views.js');
        const view = await captureViewOf(archive, session!);
        const rows: Array<[string, string | null]> = [
          ['Records', String(summary.records)],
          ['Start', summary.start ? T.localTime(summary.start, true, timeZone) : null],
          ['Duration', summary.duration_ms !== null ? formatDuration(summary.duration_ms) : null],
          ['Models', summary.models.join(', ') || null],
          ['Harness', [summary.harness, summary.harness_version].filter(Boolean).join(' ') || null],
          ['Project', summary.cwd],
          ['Branch', summary.git_branch],
          ['Title', summary.title],
          ['Tokens', T.formatTokens(summary.tokens)],
          ['Cost', cost === null ? null : `${formatCostPrecise(cost)} (estimated)`],
          ['Tools', `${summary.tool_calls} call${summary.tool_calls === 1 ? '' : 's'}, ${summary.tool_errors} failed`],
          ['Agents', agents.length ? agents.join(', ') : null],
          ['Capture', view ? `${view.ref.slice('refs/'.length)}, ${view.turns} model turn${view.turns === 1 ? '' : 's'} (tapes diff --views ${summary.name})` : null],
        ];
        const shown = rows.filter((r): r is [string, string] => r[1] !== null);
        const pad = Math.max(...shown.map(([k]) => k.length)) + 2;
        lines.push(chalk.yellow.bold(`session ${summary.name}`));
        for (const [k, v] of shown) lines.push(chalk.bold(`${k}:`.padEnd(pad)) + T.sanitize(v));
        lines.push('');
      }
      const abbrev = await abbr.abbrev(ev.id);
      lines.push(
        ...(await renderRecord(store, ev, { sessions: names }, { chalk, width, timeZone, full: args.full, fullHint: `tapes show --full ${abbrev} shows everything` })),
      );
      await write(paged.out, lines.join('\n') + '\n');
    }
  } finally {
    await paged.done();
  }
}
