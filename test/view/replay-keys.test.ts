// The replay viewer's keys: decoding terminal bytes, and the reducer that
// moves, searches, jumps and toggles, without a terminal.
import t from 'tap';
import { decodeKeys, initialState, reduce, type Key, type ReplaySession, type ReplayState } from '../../src/view/replay-keys.js';

const ids = ['30cbe23aa1', '23249e1bb2', '5f20f81cc3', '8a1c0d2dd4', '5f2aaaaee5', 'c41b9e0ff6'];
const session: ReplaySession = {
  ids,
  texts: ['user: fix the Kafka topic bug', 'assistant: looking', 'tool: Read src/kafka/producer.ts', 'tool: Bash kafka-topics --list', 'tool_result: topic created', 'assistant: KAFKA resolved'],
};

function press(keys: Array<Key | string>, from: ReplayState = initialState()): ReplayState {
  let s = from;
  for (const k of keys) {
    const list = typeof k === 'string' ? decodeKeys(k) : [k];
    for (const key of list) s = reduce(s, key, session, { page: 10 });
  }
  return s;
}

t.test('decodeKeys reads arrows, Home/End in their several encodings, control keys and text', async (t) => {
  t.same(decodeKeys('\x1b[C\x1b[D\x1b[A\x1b[B'), ['right', 'left', 'up', 'down']);
  t.same(decodeKeys('\x1bOC\x1bOD'), ['right', 'left'], 'application cursor mode');
  t.same(decodeKeys('\x1b[H\x1b[F\x1b[1~\x1b[4~\x1bOH\x1bOF'), ['home', 'end', 'home', 'end', 'home', 'end']);
  t.same(decodeKeys('\x1b[5~\x1b[6~'), ['pageup', 'pagedown']);
  t.same(decodeKeys('\r\n\x7f\b\x03\x04\x15\x1b'), ['enter', 'enter', 'backspace', 'backspace', 'ctrl-c', 'ctrl-d', 'ctrl-u', 'escape']);
  t.same(decodeKeys('jG/é😀'), [{ char: 'j' }, { char: 'G' }, { char: '/' }, { char: 'é' }, { char: '😀' }]);
  t.same(decodeKeys('\x1b[1;5C\x1b[200~x'), [{ char: 'x' }], 'unknown sequences are dropped whole, not typed');
});

t.test('j/k, arrows, g/G, Home/End move and stay within the session', async (t) => {
  t.equal(press(['j', 'j']).index, 2);
  t.equal(press(['j', 'j', 'k']).index, 1);
  t.equal(press(['\x1b[C', '\x1b[C', '\x1b[D']).index, 1, '→ and ←');
  t.equal(press(['\x1b[B', '\x1b[B']).index, 2, '↓');
  t.equal(press(['G']).index, 5);
  t.equal(press(['G', 'g']).index, 0);
  t.equal(press(['\x1b[F']).index, 5, 'End');
  t.equal(press(['\x1b[F', '\x1b[H']).index, 0, 'Home');
  const top = press(['k']);
  t.equal(top.index, 0);
  t.equal(top.message, 'first record');
  const bottom = press(['G', 'j']);
  t.equal(bottom.index, 5);
  t.equal(bottom.message, 'last record');
  t.equal(press(['G', 'j', 'k']).message, undefined, 'a message lasts one key');
});

t.test('moving resets the record scroll; space, b and page keys scroll', async (t) => {
  t.equal(press([' ']).scroll, 10);
  t.equal(press([' ', ' ', 'b']).scroll, 10);
  t.equal(press(['b']).scroll, 0, 'never above the top');
  t.equal(press(['\x1b[6~', '\x04']).scroll, 15, 'PgDn a page, Ctrl-D half');
  t.equal(press([' ', 'j']).scroll, 0);
});

t.test('/ searches forward (any case), n and N repeat, wrapping around', async (t) => {
  const typing = press(['/', 'k', 'a']);
  t.equal(typing.mode, 'search');
  t.equal(typing.input, 'ka');
  t.equal(typing.index, 0, 'typing does not move');
  const s = press(['/kafka\r']);
  t.equal(s.mode, 'normal');
  t.equal(s.index, 2, 'the first match after the current record');
  t.equal(s.query, 'kafka');
  t.equal(s.seek, 'kafka', 'the record pane seeks the match');
  t.equal(press(['n'], s).index, 3);
  t.equal(press(['n', 'n'], s).index, 5, 'case does not matter');
  const wrapped = press(['n', 'n', 'n'], s);
  t.equal(wrapped.index, 0);
  t.match(wrapped.message, /wrapped/);
  t.equal(press(['N'], s).index, 0);
  t.equal(press(['N', 'N'], s).index, 5, 'N wraps backward');
  const none = press(['j', '/nothing here\r']);
  t.equal(none.index, 1, 'no match: stays');
  t.equal(none.message, 'no match for "nothing here"');
  t.equal(press(['n']).message, 'no previous search');
  t.equal(press(['/\r'], s).index, 3, '/ Enter repeats the last search');
  const only = press(['/producer\r', 'n']);
  t.equal(only.index, 2);
  t.match(only.message, /only match/);
});

t.test('the prompt: Backspace, Ctrl-U, Escape; q is text there', async (t) => {
  t.equal(press(['/', 'a', 'b', '\x7f']).input, 'a');
  t.equal(press(['/', '\x7f']).mode, 'normal', 'Backspace on an empty prompt leaves it');
  t.equal(press(['/', 'a', 'b', '\x15']).input, '');
  const esc = press(['j', '/', 'kafka', '\x1b']);
  t.equal(esc.mode, 'normal');
  t.equal(esc.index, 1, 'Escape does not search');
  t.equal(esc.query, '');
  const q = press(['/', 'q']);
  t.notOk(q.quit);
  t.equal(q.input, 'q');
});

t.test(': jumps to an id prefix (any case), or #n; ambiguous and unknown prefixes stay', async (t) => {
  t.equal(press([':8a1c\r']).index, 3);
  t.equal(press([':C41B9\r']).index, 5);
  t.equal(press([':#2\r']).index, 1);
  const amb = press(['j', ':5f2\r']);
  t.equal(amb.index, 1);
  t.match(amb.message, /^5f2 is ambiguous: 5f20f, 5f2aa/);
  const unknown = press([':ffff\r']);
  t.equal(unknown.index, 0);
  t.equal(unknown.message, 'no record ffff in this session');
  t.match(press([':#99\r']).message, /no record #99 \(the session has 6\)/);
  t.match(press([':zz\r']).message, /not an id prefix/);
  t.equal(press([':\r']).mode, 'normal', 'empty input does nothing');
});

t.test('f toggles full output; q and Ctrl-C quit, Ctrl-C even in a prompt', async (t) => {
  t.equal(press(['f']).full, true);
  t.equal(press(['f', 'f']).full, false);
  t.equal(press(['q']).quit, true);
  t.equal(press(['\x03']).quit, true);
  t.equal(press(['/', 'ab', '\x03']).quit, true);
});

t.test('an empty session does not move anywhere', async (t) => {
  const empty: ReplaySession = { ids: [], texts: [] };
  let s = initialState();
  for (const k of decodeKeys('jkGg/x\rn')) s = reduce(s, k, empty);
  t.equal(s.index, 0);
});
