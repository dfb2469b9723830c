import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil } from '../support/aop';
import { editorTasks, runLocalTask } from '../../src/extension/local-task';
import { agentNode, taskNode, workspaceChildren } from '../../src/extension/explorer/nodes';

describe("The palette's Invoke as a task of the local server", () => {
  let model: FakeOpenAi;
  let dir: string;
  before(async () => {
    model = await startFakeOpenAi({ text: 'palette answer' });
    dir = mkdtempSync(join(tmpdir(), 'aop-local-task-'));
  });
  after(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs, is cancellable, and its result can be reopened after a reload (a new server on the same directory)', async () => {
    const agents = [makeAgent({ name: 'writer', maxRetries: 0 })];
    const first = await startServer(agents, { openAiUrl: model.url, tasks: { dir } });
    const entry = first.server.tools.get('writer')!;
    const done = await runLocalTask(first.server, entry, { task: 'hi' }, new AbortController().signal);
    assert.equal((done.result.structuredContent as { result: string }).result, 'palette answer');

    model.setScript({ hang: true });
    const before = model.chatRequests.length;
    const controller = new AbortController();
    const running = runLocalTask(first.server, entry, { task: 'long' }, controller.signal);
    await model.waitFor(() => model.chatRequests.length > before, 5000);
    // the explorer shows it under its agent
    const live = first.server.tasks.running().filter((t) => t.agentName === 'writer');
    assert.equal(live.length, 1);
    const node = workspaceChildren({ trusted: true, serverState: 'running', agents: [{ agent: agents[0], running: live.length }], problems: [] })[0];
    assert.equal(node.collapsible, 'expanded');
    assert.equal(taskNode('writer', live[0]).data?.task, live[0].taskId);
    assert.equal(agentNode(agents[0], undefined).collapsible, 'none');
    controller.abort();
    const cancelled = await running;
    assert.equal(cancelled.result.isError, true);
    await waitUntil(() => model.chatRequests[before].aborted === true, 5000, 'model call aborted');
    await first.server.tasks.flush();
    await first.close();

    const second = await startServer(agents, { openAiUrl: model.url, tasks: { dir } });
    try {
      const kept = editorTasks(second.server);
      assert.deepEqual(kept.map((t) => t.taskId).sort(), [done.taskId, cancelled.taskId].sort());
      const reopened = second.server.tasks.get(done.taskId)?.mcp?.result;
      assert.equal((reopened?.structuredContent as { result: string }).result, 'palette answer');
      // an MCP client cannot see the editor's tasks
      const client = await second.connect();
      const { tasks } = await client.experimental.tasks.listTasks();
      assert.deepEqual(tasks, []);
    } finally {
      await second.close();
    }
  });
});
