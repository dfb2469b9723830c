/** The editor model's tool-loop history, as vscode.lm messages (fake `vscode`: the shapes only). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installFakeVscode } from '../support/fake-vscode';

installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { editorHistory } = require('../../src/extension/editor-model') as typeof import('../../src/extension/editor-model');

test('the results of one turn\'s tool calls go back in one User message, in call order', () => {
  const messages = editorHistory([
    { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'planner', arguments: '{"task":"plan"}' }, { id: 'b', name: 'text-stats', arguments: 'not json' }] },
    { role: 'tool', toolCallId: 'a', name: 'planner', content: 'the plan' },
    { role: 'tool', toolCallId: 'b', name: 'text-stats', content: '3 words' },
    { role: 'assistant', content: 'one more', toolCalls: [{ id: 'c', name: 'planner', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'c', name: 'planner', content: 'done' },
  ]) as unknown as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  assert.deepEqual(messages.map((m) => m.role), ['assistant', 'user', 'assistant', 'user']);
  assert.deepEqual(messages[0].content.map((p) => [p.callId, p.name, p.input]), [['a', 'planner', { task: 'plan' }], ['b', 'text-stats', {}]]);
  assert.deepEqual(messages[1].content.map((p) => p.callId), ['a', 'b'], 'both results in one message');
  assert.equal(((messages[1].content[1].content as unknown[])[0] as { value: string }).value, '3 words');
  assert.deepEqual(messages[2].content.map((p) => p.value ?? p.callId), ['one more', 'c']);
  assert.deepEqual(messages[3].content.map((p) => p.callId), ['c']);
});
