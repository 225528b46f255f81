import t from 'tap';
import { isBookkeeping } from '../../src/record/index.js';

t.test('progress and snapshot lines are bookkeeping; the conversation is not', async (t) => {
  t.equal(isBookkeeping({ kind: 'progress', meta: { source_type: 'progress', data_type: 'hook_progress' } }), true);
  t.equal(isBookkeeping({ kind: 'other', meta: { source_type: 'file-history-snapshot' } }), true);
  t.equal(isBookkeeping({ kind: 'other', meta: { source_type: 'queue-operation' } }), true);
  t.equal(isBookkeeping({ kind: 'other', meta: { source_type: 'some-new-type' } }), false, 'an unknown line type stays visible');
  for (const kind of ['user', 'assistant', 'tool_result', 'system', 'summary', 'unparsed']) {
    t.equal(isBookkeeping({ kind, meta: { source_type: kind } }), false, kind);
  }
});
