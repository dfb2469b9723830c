import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Task, TaskState } from '@a2a-js/sdk';
import { a2aResult, a2aToolName } from '../../src/core/a2a/peer-mapping';
import { checkCard } from '../../src/core/a2a/card-fetch';

const task = (state: string, said?: string, artifacts: string[] = []) =>
  Task.fromJSON({
    id: 't1',
    contextId: 'c1',
    status: { state, ...(said ? { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: said }] } } : {}) },
    artifacts: artifacts.map((text, i) => ({ artifactId: `a${i}`, parts: [{ text }] })),
  });

test('A2A task states map onto {result, success, error}', () => {
  assert.deepEqual(a2aResult(task('TASK_STATE_COMPLETED', undefined, ['one', 'two'])), { result: 'one\ntwo', success: true, error: null });
  assert.deepEqual(a2aResult(task('TASK_STATE_COMPLETED', 'only a status message')), { result: 'only a status message', success: true, error: null });
  assert.deepEqual(a2aResult(task('TASK_STATE_FAILED', 'boom')), { result: '', success: false, error: 'boom' });
  assert.match(a2aResult(task('TASK_STATE_REJECTED', 'not mine')).error!, /rejected the task: not mine/);
  assert.match(a2aResult(task('TASK_STATE_CANCELED')).error!, /canceled/);
  assert.match(a2aResult(task('TASK_STATE_INPUT_REQUIRED', 'which file?')).error!, /needs more input: which file\?/);
  assert.match(a2aResult(task('TASK_STATE_AUTH_REQUIRED')).error!, /needs authentication/);
  assert.equal(a2aResult(task('TASK_STATE_WORKING')).success, false);
  assert.equal(TaskState.TASK_STATE_COMPLETED, 3);
});

test('card names become tool names', () => {
  assert.equal(a2aToolName('Echo Peer'), 'Echo_Peer');
  assert.equal(a2aToolName('  ***  '), 'agent');
  assert.equal(a2aToolName('x'.repeat(80)).length, 40);
});

test('a card endpoint may be relative; bindings are matched case-insensitively; v1.0 preferred', () => {
  const { endpoint, card } = checkCard(
    {
      name: 'a',
      supportedInterfaces: [
        { url: 'http://h:1/old', protocolBinding: 'jsonrpc', protocolVersion: '0.3' },
        { url: '/rpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      ],
    },
    'http://h:1/.well-known/agent-card.json',
  );
  assert.equal(endpoint, 'http://h:1/rpc');
  assert.equal(card.supportedInterfaces.length, 1);
  assert.throws(() => checkCard({ name: 'a', supportedInterfaces: [{ url: 'http://h:2/rpc', protocolBinding: 'JSONRPC' }] }, 'http://h:1/c.json'), /another host/);
  assert.throws(() => checkCard({ name: 'a', supportedInterfaces: 'nope' }, 'http://h:1/c.json'), /no supportedInterfaces/);
  assert.throws(() => checkCard({ name: 'a', supportedInterfaces: [{ url: 'http://[::1', protocolBinding: 'JSONRPC' }] }, 'http://h:1/c.json'), /invalid endpoint URL/);
});
