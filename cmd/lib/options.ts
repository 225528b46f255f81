// Reading option values the table describes but yargs cannot check itself.
import { UsageError } from '../../src/errors/index.js';
import type { OptionSpec } from '../spec/index.js';

/** A repeatable, comma-separated option's items (`--kind user,tool --kind system`). */
export function listValues(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The items of a list option, each checked against the option's choices. */
export function listOption(option: OptionSpec, v: string | string[] | undefined): string[] {
  const items = listValues(v);
  const choices = option.choices;
  if (choices) {
    for (const item of items) if (!choices.includes(item)) throw new UsageError(`--${option.name} ${item}: not a ${option.name} (${choices.join(', ')})`);
  }
  return items;
}
