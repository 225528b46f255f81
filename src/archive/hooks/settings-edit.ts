// The edits `tapes hooks` makes to an agent's own configuration, as text:
// adding its hook to the JSON settings of Claude Code and Gemini CLI (one
// group per event, after every other hook), and its `notify` program to
// Codex's config.toml; and taking exactly those out again. Everything else in
// the file keeps its bytes.
import { InvalidInputError } from '../../errors/index.js';
import { appendTo, depthOf, layoutOf, member, parseJsonText, removeFrom, render, type Node } from './json-text.js';

/** A hook command tapes installed: it runs `hooks run <agent>` (whatever the path of the program). */
export function isOurCommand(command: unknown, agent: string): boolean {
  return typeof command === 'string' && new RegExp(`(^|[\\s"'])hooks["']?,?\\s*["']?run["']?,?\\s*["']?${agent}\\b`).test(command);
}

/** Is this hook group (an element of an event's list) the one tapes added? */
function isOurGroup(group: Node, agent: string): boolean {
  if (group.type !== 'object') return false;
  const hooks = member(group, 'hooks')?.value;
  if (!hooks || hooks.type !== 'array' || hooks.elements.length !== 1) return false;
  const h = hooks.elements[0]!;
  const cmd = member(h, 'command')?.value;
  return cmd?.type === 'scalar' && isOurCommand(cmd.value, agent);
}

export interface JsonEdit {
  text: string;
  /** Events that got the hook (those that already had it are left alone). */
  added: string[];
  /** Members this edit created (`hooks`, `hooks.<event>`), which removal takes out again once empty. */
  created: string[];
}

/**
 * Adds `group` to the list of each event under the settings' `hooks` object,
 * creating `hooks` and the event's list when missing. An event whose list
 * already has our group is skipped (installing twice changes nothing).
 */
export function addJsonHooks(original: string, file: string, events: readonly string[], group: unknown, agent: string): JsonEdit {
  let text = original.trim() === '' ? '{}\n' : original;
  const added: string[] = [];
  const created: string[] = original.trim() === '' ? ['(file)'] : [];
  for (const event of events) {
    const root = parseJsonText(text, file);
    if (root.type !== 'object') throw new InvalidInputError(`${file} is not a JSON object; nothing was changed`, { path: file });
    const layout = layoutOf(text, root);
    const hooks = member(root, 'hooks');
    if (!hooks) {
      const depth = depthOf(text, root, layout);
      text = appendTo(text, root, `"hooks": ${render({ [event]: [group] }, layout, depth)}`, layout, depth);
      created.push('hooks', `hooks.${event}`);
      added.push(event);
      continue;
    }
    if (hooks.value.type !== 'object') throw new InvalidInputError(`${file}: "hooks" is not an object; nothing was changed`, { path: file });
    const list = member(hooks.value, event);
    const depth = depthOf(text, hooks.value, layout);
    if (!list) {
      text = appendTo(text, hooks.value, `${JSON.stringify(event)}: ${render([group], layout, depth)}`, layout, depth);
      created.push(`hooks.${event}`);
      added.push(event);
      continue;
    }
    if (list.value.type !== 'array') throw new InvalidInputError(`${file}: "hooks.${event}" is not a list; nothing was changed`, { path: file });
    if (list.value.elements.some((g) => isOurGroup(g, agent))) continue;
    const inner = depthOf(text, list.value, layout);
    text = appendTo(text, list.value, render(group, layout, inner), layout, inner);
    added.push(event);
  }
  return { text, added, created };
}

/** The events whose list holds our group. */
export function jsonHookEvents(text: string, file: string, agent: string): string[] {
  const root = parseJsonText(text, file);
  const hooks = member(root, 'hooks')?.value;
  if (!hooks || hooks.type !== 'object') return [];
  return hooks.members.filter((m) => m.value.type === 'array' && m.value.elements.some((g) => isOurGroup(g, agent))).map((m) => m.key);
}

/**
 * Takes our groups out of every event's list; then the members listed in
 * `created` (what the install made) when they are left empty.
 */
export function removeJsonHooks(original: string, file: string, agent: string, created: readonly string[]): { text: string; removed: string[] } {
  let text = original;
  const removed: string[] = [];
  for (;;) {
    const root = parseJsonText(text, file);
    const hooks = member(root, 'hooks')?.value;
    if (!hooks || hooks.type !== 'object') break;
    const hit = hooks.members.find((m) => m.value.type === 'array' && m.value.elements.some((g) => isOurGroup(g, agent)));
    if (!hit || hit.value.type !== 'array') break;
    const index = hit.value.elements.findIndex((g) => isOurGroup(g, agent));
    text = removeFrom(text, hit.value, index);
    if (!removed.includes(hit.key)) removed.push(hit.key);
  }
  for (const path of [...created].reverse()) {
    const root = parseJsonText(text, file);
    const hooks = member(root, 'hooks');
    if (path === 'hooks') {
      if (hooks && hooks.value.type === 'object' && hooks.value.members.length === 0) text = removeFrom(text, root, root.type === 'object' ? root.members.indexOf(hooks) : 0);
    } else if (path.startsWith('hooks.') && hooks && hooks.value.type === 'object') {
      const event = path.slice(6);
      const list = member(hooks.value, event);
      if (list && list.value.type === 'array' && list.value.elements.length === 0) text = removeFrom(text, hooks.value, hooks.value.members.indexOf(list));
    }
  }
  return { text, removed };
}

// ---- Codex: config.toml's top-level `notify`

const NOTIFY = /^[ \t]*notify[ \t]*=/;
const TABLE = /^[ \t]*\[/;

/** The lines of the TOML before its first table header: where top-level keys are. */
function topLines(text: string): { lines: string[]; top: number } {
  const lines = text.split('\n');
  const top = lines.findIndex((l) => TABLE.test(l));
  return { lines, top: top < 0 ? lines.length : top };
}

/** The top-level notify line, when there is one. */
export function notifyLine(text: string): { index: number; line: string } | undefined {
  const { lines, top } = topLines(text);
  for (let i = 0; i < top; i++) if (NOTIFY.test(lines[i]!)) return { index: i, line: lines[i]! };
  return undefined;
}

/**
 * Adds `notify = [...]` as a top-level key, before the first table (TOML
 * reads a key after a table header as the table's). Refused when the file
 * already names another notify program: Codex runs only one.
 */
export function addNotify(original: string, file: string, program: readonly string[]): { text: string; changed: boolean } {
  const have = notifyLine(original);
  if (have) {
    if (isOurCommand(have.line, 'codex')) return { text: original, changed: false };
    throw new InvalidInputError(
      `${file}:${have.index + 1} already sets notify (${have.line.trim()}); Codex runs one notify program, so tapes does not replace it; nothing was changed`,
      { path: file, line: have.index + 1 },
      'Have that program also run "tapes hooks run codex <its JSON argument>", or remove the line and install again.',
    );
  }
  const line = `notify = [${program.map((p) => JSON.stringify(p)).join(', ')}]`;
  const { lines, top } = topLines(original);
  if (top < lines.length) {
    lines.splice(top, 0, line);
    return { text: lines.join('\n'), changed: true };
  }
  const sep = original === '' || original.endsWith('\n') ? '' : '\n';
  return { text: original + sep + line + '\n', changed: true };
}

/** Takes our notify line out (the line and its newline). */
export function removeNotify(original: string): { text: string; changed: boolean } {
  const have = notifyLine(original);
  if (!have || !isOurCommand(have.line, 'codex')) return { text: original, changed: false };
  const lines = original.split('\n');
  lines.splice(have.index, 1);
  return { text: lines.join('\n'), changed: true };
}
