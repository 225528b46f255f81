import t from 'tap';
import { contentDigestOf, blockDigestOf, projectContent } from '../../src/record/index.js';

t.test('the digest ignores occurrence ids, signatures and cache markers', async (t) => {
  const a = [{ type: 'thinking', thinking: 'hmm', signature: 'sigA' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }];
  const b = [{ type: 'thinking', thinking: 'hmm', signature: 'sigB' }, { type: 'tool_use', id: 'toolu_2', name: 'Bash', input: { command: 'ls' }, cache_control: { type: 'ephemeral' } }];
  t.equal(contentDigestOf('assistant', a), contentDigestOf('assistant', b));
  t.match(contentDigestOf('assistant', a), /^[0-9a-f]{64}$/);
  const r1 = [{ type: 'tool_result', tool_use_id: 'x', content: [{ type: 'text', text: 'out', cache_control: {} }], is_error: false }];
  const r2 = [{ type: 'tool_result', tool_use_id: 'y', content: [{ type: 'text', text: 'out' }], is_error: false }];
  t.equal(contentDigestOf('user', r1), contentDigestOf('user', r2));
});

t.test('what was said changes the digest', async (t) => {
  const base = [{ type: 'tool_use', id: 'a', name: 'Bash', input: { command: 'ls' } }];
  t.not(contentDigestOf('assistant', base), contentDigestOf('assistant', [{ type: 'tool_use', id: 'a', name: 'Bash', input: { command: 'ls -l' } }]));
  t.not(contentDigestOf('assistant', base), contentDigestOf('user', base));
  t.not(contentDigestOf('user', [{ type: 'tool_result', content: 'x', is_error: false }]), contentDigestOf('user', [{ type: 'tool_result', content: 'x', is_error: true }]));
  t.not(contentDigestOf('user', [{ type: 'text', text: 'a' }]), contentDigestOf('user', [{ type: 'text', text: 'b' }]));
  t.equal(blockDigestOf('user', { type: 'text', text: 'a' }), contentDigestOf('user', [{ type: 'text', text: 'a' }]));
});

t.test('lone surrogates do not break the digest', async (t) => {
  t.same(projectContent([{ type: 'text', text: 'a\ud800b' }]), [{ type: 'text', text: 'a\ufffdb' }]);
  t.match(contentDigestOf('user', [{ type: 'text', text: 'a\ud800b' }]), /^[0-9a-f]{64}$/);
});
