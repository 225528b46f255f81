// The keys of `tapes replay`, as a pure reducer: (state, key, session) → next
// state. Decoding the bytes a terminal sends into key names is here too, so
// that everything the viewer does with a key can be tested without a terminal.

/** What the reducer needs to know about the session. */
export interface ReplaySession {
  /** Record ids, oldest first. */
  ids: string[];
  /** Per record, the text that `/` searches (any case). */
  texts: string[];
}

export interface ReplayState {
  /** The record shown, 0-based. */
  index: number;
  /** normal: keys are commands; search (`/`) and jump (`:`): keys edit `input`. */
  mode: 'normal' | 'search' | 'jump';
  input: string;
  /** The last search, for `n`/`N` and for highlighting. */
  query: string;
  /** Show tool output in full instead of cut at a screenful. */
  full: boolean;
  /** First line of the record pane that is shown. */
  scroll: number;
  /** When set, the record pane scrolls to the first line holding this text (set by a search). */
  seek?: string;
  /** One line for the status bar: "no match", "search wrapped" … */
  message?: string;
  quit: boolean;
}

export function initialState(index = 0): ReplayState {
  return { index, mode: 'normal', input: '', query: '', full: false, scroll: 0, quit: false };
}

export type Key =
  | 'left'
  | 'right'
  | 'up'
  | 'down'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'enter'
  | 'escape'
  | 'backspace'
  | 'tab'
  | 'ctrl-c'
  | 'ctrl-d'
  | 'ctrl-u'
  | 'ctrl-l'
  | { char: string };

/** How many lines a page key scrolls the record pane; the screen passes its pane height. */
export interface KeyContext {
  page: number;
}

const SEQUENCES: Array<[string, Key]> = [
  ['\x1b[A', 'up'],
  ['\x1b[B', 'down'],
  ['\x1b[C', 'right'],
  ['\x1b[D', 'left'],
  ['\x1bOA', 'up'],
  ['\x1bOB', 'down'],
  ['\x1bOC', 'right'],
  ['\x1bOD', 'left'],
  ['\x1b[H', 'home'],
  ['\x1b[F', 'end'],
  ['\x1bOH', 'home'],
  ['\x1bOF', 'end'],
  ['\x1b[1~', 'home'],
  ['\x1b[4~', 'end'],
  ['\x1b[7~', 'home'],
  ['\x1b[8~', 'end'],
  ['\x1b[5~', 'pageup'],
  ['\x1b[6~', 'pagedown'],
];

/**
 * The keys in a chunk of terminal input. Escape sequences that are not known
 * are dropped whole (CSI up to its final byte), so they never type text.
 */
export function decodeKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < chunk.length) {
    const rest = chunk.slice(i);
    const seq = SEQUENCES.find(([s]) => rest.startsWith(s));
    if (seq) {
      keys.push(seq[1]);
      i += seq[0].length;
      continue;
    }
    const c = chunk[i]!;
    if (c === '\x1b') {
      const csi = /^\x1b\[[0-9;?]*[ -/]*[@-~]/.exec(rest) ?? /^\x1bO./.exec(rest);
      if (csi) {
        i += csi[0].length;
        continue;
      }
      keys.push('escape');
      i++;
      continue;
    }
    i++;
    if (c === '\r' || c === '\n') keys.push('enter');
    else if (c === '\x7f' || c === '\b') keys.push('backspace');
    else if (c === '\t') keys.push('tab');
    else if (c === '\x03') keys.push('ctrl-c');
    else if (c === '\x04') keys.push('ctrl-d');
    else if (c === '\x15') keys.push('ctrl-u');
    else if (c === '\x0c') keys.push('ctrl-l');
    else if (c >= ' ') {
      // A character outside the BMP arrives as two UTF-16 units.
      const cp = chunk.codePointAt(i - 1)!;
      const ch = String.fromCodePoint(cp);
      i += ch.length - 1;
      keys.push({ char: ch });
    }
  }
  return keys;
}

const char = (k: Key): string | undefined => (typeof k === 'object' ? k.char : undefined);

/** The next state after one key. */
export function reduce(state: ReplayState, key: Key, session: ReplaySession, ctx: KeyContext = { page: 20 }): ReplayState {
  if (key === 'ctrl-c') return { ...state, quit: true };
  const s: ReplayState = { ...state, message: undefined };
  if (state.mode !== 'normal') return prompt(s, key, session);
  const last = Math.max(0, session.ids.length - 1);
  const go = (index: number): ReplayState =>
    ({ ...s, index: Math.min(last, Math.max(0, index)), scroll: 0, seek: index === state.index ? state.seek : undefined });
  switch (key) {
    case 'right':
    case 'down':
      return state.index >= last ? { ...s, message: 'last record' } : go(state.index + 1);
    case 'left':
    case 'up':
      return state.index <= 0 ? { ...s, message: 'first record' } : go(state.index - 1);
    case 'home':
      return go(0);
    case 'end':
      return go(last);
    case 'pagedown':
    case 'ctrl-d':
      return { ...s, scroll: state.scroll + (key === 'ctrl-d' ? Math.max(1, ctx.page >> 1) : ctx.page), seek: undefined };
    case 'pageup':
    case 'ctrl-u':
      return { ...s, scroll: Math.max(0, state.scroll - (key === 'ctrl-u' ? Math.max(1, ctx.page >> 1) : ctx.page)), seek: undefined };
    case 'escape':
    case 'ctrl-l':
      return s;
  }
  switch (char(key)) {
    case 'j':
    case 'l':
      return state.index >= last ? { ...s, message: 'last record' } : go(state.index + 1);
    case 'k':
    case 'h':
      return state.index <= 0 ? { ...s, message: 'first record' } : go(state.index - 1);
    case 'g':
      return go(0);
    case 'G':
      return go(last);
    case ' ':
      return { ...s, scroll: state.scroll + ctx.page, seek: undefined };
    case 'b':
      return { ...s, scroll: Math.max(0, state.scroll - ctx.page), seek: undefined };
    case 'f':
      return { ...s, full: !state.full };
    case '/':
      return { ...s, mode: 'search', input: '' };
    case ':':
      return { ...s, mode: 'jump', input: '' };
    case 'n':
      return searchFrom(s, session, state.query, 1);
    case 'N':
      return searchFrom(s, session, state.query, -1);
    case 'q':
      return { ...s, quit: true };
  }
  return s;
}

function prompt(s: ReplayState, key: Key, session: ReplaySession): ReplayState {
  if (key === 'escape') return { ...s, mode: 'normal', input: '' };
  if (key === 'backspace') return s.input === '' ? { ...s, mode: 'normal' } : { ...s, input: [...s.input].slice(0, -1).join('') };
  if (key === 'ctrl-u') return { ...s, input: '' };
  if (key === 'enter') {
    const input = s.input;
    const back: ReplayState = { ...s, mode: 'normal', input: '' };
    if (s.mode === 'search') return input === '' ? searchFrom(back, session, s.query, 1) : searchFrom({ ...back, query: input }, session, input, 1);
    return jump(back, session, input.trim());
  }
  const c = char(key);
  return c === undefined ? s : { ...s, input: s.input + c };
}

/** Case-insensitive search from the record after (or before) the current one, wrapping around. */
function searchFrom(s: ReplayState, session: ReplaySession, query: string, dir: 1 | -1): ReplayState {
  if (query === '') return { ...s, message: 'no previous search' };
  const needle = query.toLowerCase();
  const n = session.ids.length;
  for (let step = 1; step <= n; step++) {
    const i = (((s.index + dir * step) % n) + n) % n;
    if (!(session.texts[i] ?? '').toLowerCase().includes(needle)) continue;
    const wrapped = dir === 1 ? i <= s.index : i >= s.index;
    const message = i === s.index ? `only match for "${query}"` : wrapped ? `search wrapped (${dir === 1 ? 'top' : 'bottom'})` : undefined;
    return { ...s, index: i, scroll: 0, seek: query, message };
  }
  return { ...s, message: `no match for "${query}"` };
}

/** `:` with an id prefix (any length, any case), or `#<n>` for the n-th record. */
function jump(s: ReplayState, session: ReplaySession, input: string): ReplayState {
  if (input === '') return s;
  const number = /^#(\d+)$/.exec(input);
  if (number) {
    const n = Number(number[1]);
    if (n < 1 || n > session.ids.length) return { ...s, message: `no record #${n} (the session has ${session.ids.length})` };
    return { ...s, index: n - 1, scroll: 0, seek: undefined };
  }
  const prefix = input.toLowerCase();
  if (!/^[0-9a-f]+$/.test(prefix)) return { ...s, message: `not an id prefix: ${input}` };
  const hits: number[] = [];
  session.ids.forEach((id, i) => {
    if (id.startsWith(prefix)) hits.push(i);
  });
  if (hits.length === 0) return { ...s, message: `no record ${prefix} in this session` };
  if (hits.length > 1) {
    const shown = hits.slice(0, 3).map((i) => session.ids[i]!.slice(0, prefix.length + 2));
    return { ...s, message: `${prefix} is ambiguous: ${shown.join(', ')}${hits.length > 3 ? ` and ${hits.length - 3} more` : ''}` };
  }
  return { ...s, index: hits[0]!, scroll: 0, seek: undefined };
}
