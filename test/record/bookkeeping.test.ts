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

t.test("Claude Code 2.1's and Codex 0.169's bookkeeping line types are bookkeeping", async (t) => {
  for (const type of ['attachment', 'api-request-shape', 'api-request-blob', 'api-request', 'tools-used', 'cost-state', 'last-prompt', 'atis-latch', 'world_state', 'token_usage_record']) {
    t.equal(isBookkeeping({ kind: 'other', meta: { source_type: type } }), true, type);
  }
  // Codex event_msg lines (item_completed, thread_settings_applied …) are read as progress.
  t.equal(isBookkeeping({ kind: 'progress', meta: { source_type: 'event_msg', event_type: 'thread_settings_applied' } }), true);
  t.equal(isBookkeeping({ kind: 'system', meta: { source_type: 'turn_context' } }), false, 'the turn context stays');
});
