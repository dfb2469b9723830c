import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run, serveCli as serve } from '../support/cli';

const TOKEN = 'cli-task-token';
const dir = mkdtempSync(join(tmpdir(), 'aop-task-cli-'));
let withToken: { child: ChildProcess; url: string };
let open: { child: ChildProcess; url: string };

before(async () => {
  [withToken, open] = await Promise.all([
    serve(['examples/agents', '--token', TOKEN, '--traces-dir', join(dir, 'a'), '--name', 'tasks-a']),
    serve(['examples/agents', '--traces-dir', join(dir, 'b'), '--name', 'tasks-b']),
  ]);
});
after(() => {
  withToken.child.kill('SIGTERM');
  open.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('aop call --detach prints a task id; aop task result/list/cancel follow it from new processes', async () => {
  const t = ['--token', TOKEN];
  const started = await run(['call', withToken.url, 'text-stats', '--task', 'Agents are tools. Tools are agents.', '--detach', ...t]);
  assert.equal(started.code, 0, started.stderr);
  const id = started.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.match(started.stderr, new RegExp(`aop task result ${withToken.url} ${id}`));
  const result = await run(['task', 'result', withToken.url, id, ...t]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Words: 6, sentences: 2/);
  const list = await run(['task', 'list', withToken.url, ...t, '--json']);
  const listed = (JSON.parse(list.stdout) as Array<{ taskId: string; status: string }>).find((x) => x.taskId === id);
  assert.equal(listed?.status, 'completed');
  assert.ok(readdirSync(join(dir, 'a', 'tasks', 'tasks-a')).includes(`${id}.json`), 'the result is kept in the trace directory');
  // a finished task cannot be cancelled: the server's words, no stack trace
  const cancel = await run(['task', 'cancel', withToken.url, id, ...t]);
  assert.equal(cancel.code, 1);
  assert.match(cancel.stderr, /^aop task cancel: Cannot cancel task .* already completed\n$/);
  const usage = await run(['task', 'fetch', withToken.url]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /one of get, result, cancel, list/);
});

test('without a token the task belongs to the session: --session follows it, a new session cannot see it', async () => {
  const started = await run(['call', open.url, 'text-stats', '--task', 'One. Two.', '--detach']);
  assert.equal(started.code, 0, started.stderr);
  const id = started.stdout.trim();
  const session = /--session (\S+)/.exec(started.stderr)?.[1];
  assert.ok(session, started.stderr);
  const stranger = await run(['task', 'get', open.url, id]);
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /Unknown task/);
  const result = await run(['task', 'result', open.url, id, '--session', session]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /sentences: 2/);
});
