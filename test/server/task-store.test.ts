import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TaskStore, toMcpTask } from '../../src/core/tasks/store';

const owner = { session: 's1' };
const ok = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], structuredContent: { result: text, success: true, error: null } });

test('bounded by count: finished tasks leave oldest first, running ones stay; a full store of running tasks refuses', () => {
  const store = new TaskStore({ maxTasks: 3 });
  const first = store.create('a', owner, undefined);
  const done = [1, 2, 3].map(() => {
    const r = store.create('a', owner, undefined);
    store.settle(r, ok('x'));
    return r;
  });
  assert.ok(store.get(first.taskId), 'the running task is kept');
  assert.equal(store.get(done[0].taskId), undefined, 'the oldest finished one left');
  assert.equal(store.all().length, 3);
  store.create('a', owner, undefined);
  store.create('a', owner, undefined);
  assert.throws(() => store.create('a', owner, undefined), /too many tasks running \(3, the limit is 3\)/);
});

test('bounded by bytes: a result over a quarter of the budget is replaced by an error saying so', () => {
  const store = new TaskStore({ maxResultBytes: 4000 });
  const r = store.create('a', owner, undefined);
  store.settle(r, ok('y'.repeat(2000)));
  assert.equal(toMcpTask(r).status, 'completed');
  assert.match(JSON.stringify(r.mcp?.result), /too large to keep \(\d+ bytes; the limit is 1000\)/);
});

test('ttl: clamped to the maximum (also null), at least 1 s; expired tasks are gone; running ones never expire', () => {
  const store = new TaskStore({ maxTtlMs: 10_000, defaultTtlMs: 5000, minKeepAfterEndMs: 1000 });
  assert.equal(store.create('a', owner, 10 ** 9).mcp?.ttl, 10_000);
  assert.equal(store.create('a', owner, null).mcp?.ttl, 10_000);
  assert.equal(store.create('a', owner, undefined).mcp?.ttl, 5000);
  assert.equal(store.create('a', owner, -5).mcp?.ttl, 1000);
  const running = store.create('a', owner, 1000);
  running.createdAt -= 60_000;
  assert.ok(store.get(running.taskId), 'a running task outlives its ttl');
  const finished = store.create('a', owner, 1000);
  store.settle(finished, ok('z'));
  assert.ok(store.get(finished.taskId), 'kept right after the end');
  finished.createdAt -= 60_000;
  finished.completedAt! -= 60_000;
  assert.equal(store.get(finished.taskId), undefined, 'expired');
});

test('tasks/result waiters per task are bounded; visibility is by session or principal', async () => {
  const store = new TaskStore();
  const r = store.create('a', { session: 's1', principal: 'p' }, undefined);
  const waits = Array.from({ length: 64 }, () => store.waitForResult(r));
  await assert.rejects(store.waitForResult(r), /too many requests are waiting/);
  assert.equal(store.waiting(r.taskId), 64);
  store.settle(r, ok('done'));
  await Promise.all(waits);
  assert.ok(store.getFor(r.taskId, { session: 's1' }));
  assert.ok(store.getFor(r.taskId, { session: 'other', principal: 'p' }));
  assert.equal(store.getFor(r.taskId, { session: 'other' }), undefined);
  assert.equal(store.getFor(r.taskId, { session: 'other', principal: 'q' }), undefined);
  assert.equal(store.getFor(42, { session: 's1' }), undefined);
});
