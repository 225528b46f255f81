// Server-sent events (WHATWG HTML §9.2.6): a decoded stream split into events.
// Lines end at CRLF, LF or CR; a blank line ends an event; `data` lines join
// with LF; lines starting with ":" are comments. A last event that the stream
// cut off before its blank line is returned too, marked `cut`.

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
  /** The stream ended inside this event (no blank line after it). */
  cut?: boolean;
}

export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let open = false;
  const dispatch = (cut: boolean) => {
    if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}), ...(cut ? { cut } : {}) });
    event = '';
    data = [];
    open = false;
  };
  const text0 = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = text0.split(/\r\n|\r|\n/);
  // A text that ends with a line break leaves an empty last element: not a line.
  const complete = /[\r\n]$/.test(text0);
  if (complete || lines[lines.length - 1] === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const last = i === lines.length - 1 && !complete;
    if (line === '') {
      dispatch(false);
      continue;
    }
    if (line.startsWith(':')) continue;
    if (last) {
      // A line cut in the middle: its field may be incomplete, so it is not used.
      break;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    open = true;
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
  }
  if (open) dispatch(true);
  return out;
}
