// The match projection and alignment (docs/capture.md, "Matching").
import t from 'tap';
import { alignRequest, matchDigest, matchProjection } from '../../src/capture/index.js';

t.test('a re-sent assistant message matches the record of its response', async (t) => {
  const response = [
    { type: 'thinking', thinking: 'hmm', signature: 'SIG' },
    { type: 'text', text: 'Editing.' },
    { type: 'tool_use', id: 'toolu_1', name: 'Edit', input: { file_path: 'a', old_string: 'x', new_string: 'y' } },
  ];
  // As Claude Code re-sends it: thinking emptied, input defaults filled in, a cache marker.
  const resent = [
    { type: 'thinking', thinking: '', signature: 'SIG' },
    { type: 'text', text: 'Editing.', cache_control: { type: 'ephemeral' } },
    { type: 'tool_use', id: 'toolu_1', name: 'Edit', input: { replace_all: false, file_path: 'a', old_string: 'x', new_string: 'y' } },
  ];
  t.equal(matchDigest('assistant', resent), matchDigest('assistant', response));
  t.equal(matchDigest('assistant', [resent[1]!, resent[2]!]), matchDigest('assistant', response), 'thinking dropped altogether');
  t.not(matchDigest('assistant', [{ ...resent[2]!, id: 'toolu_2' }]), matchDigest('assistant', [response[2]!]), 'another call is another message');
  t.not(matchDigest('user', [response[1]!]), matchDigest('assistant', [response[1]!]), 'the role counts');
});

t.test('system reminders and string/list tool results', async (t) => {
  const a = [{ type: 'text', text: '<system-reminder>\nctx A\n</system-reminder>\nfix the test' }];
  const b = [{ type: 'text', text: 'fix the test' }, { type: 'text', text: '<system-reminder>other</system-reminder>' }];
  t.equal(matchDigest('user', a), matchDigest('user', b));
  const r1 = [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', is_error: false }];
  const r2 = [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'ok' }], cache_control: { type: 'ephemeral' } }];
  t.equal(matchDigest('user', r1), matchDigest('user', r2));
  t.not(matchDigest('user', r1), matchDigest('user', [{ ...r1[0]!, is_error: true }]), 'an error result differs');
  // A message made only of reminders is matched by its whole content.
  t.not(matchDigest('user', [{ type: 'text', text: '<system-reminder>A</system-reminder>' }]), matchDigest('user', [{ type: 'text', text: '<system-reminder>B</system-reminder>' }]));
  t.same(matchProjection([{ type: 'redacted_thinking', data: 'x' }]), []);
});

t.test('alignment: in order, forward only', async (t) => {
  t.same(alignRequest(['u1', 'a1', 'u2', 'a2'], ['u1', 'a1', 'u2', 'a2', 'u3']), { matched: 4, last: 3 });
  t.same(alignRequest(['t', 'ta', 'u1', 'a1'], ['u1', 'a1', 'u2']), { matched: 2, last: 3 }, 'a side query before the conversation');
  t.same(alignRequest(['u1', 'a1', 'x', 'xa', 'u2', 'a2'], ['u1', 'a1', 'u2', 'a2', 'u3']), { matched: 4, last: 5 }, 'a side query in between');
  t.same(alignRequest(['c', 'a1'], ['c', 'a1', 'c']), { matched: 2, last: 1 }, 'a repeated message is new, not the old one again');
  t.same(alignRequest(['u1', 'a1', 'u2', 'a2'], ['u1', 'a1', 'u2b']), { matched: 2, last: 1 }, 'an edited message starts a branch');
  t.same(alignRequest([], ['u1']), { matched: 0, last: -1 });
});
