import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { AgentCatalog } from '../../src/core/agents/catalog';
import { bindCatalog } from '../../src/core/server/catalog-binding';
import { InstantChatModel } from '../../src/core/models/instant';
import { startServer, untilNotificationsFlow, waitUntil, type TestServer } from '../support/aop';

const agentFile = (name: string, description: string) =>
  `---\nname: ${name}\ndescription: ${description}\nprovider: openai\nmodel: m\n---\nYou are ${name}.\n`;

let dir: string;
let catalog: AgentCatalog;
let aop: TestServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aop-reload-'));
  await writeFile(join(dir, 'alpha.agent.md'), agentFile('alpha', 'First agent'));
  await writeFile(join(dir, 'broken.agent.md'), '---\nname: broken\ndescription: [unclosed\n---\nbody\n');
  catalog = new AgentCatalog({ roots: [dir], debounceMs: 30 });
  await catalog.load();
  const model = new InstantChatModel((task: string) => `echo ${task}`);
  aop = await startServer([], { models: () => model });
  bindCatalog(aop.server, catalog);
  catalog.watch();
});

after(async () => {
  catalog.dispose();
  await aop.close();
  await rm(dir, { recursive: true, force: true });
});

test('a bad agent file is reported and skipped; the good one is served', async () => {
  assert.deepEqual(aop.server.agents().map((a) => a.name), ['alpha']);
  const diags = [...catalog.diagnostics().values()].flat();
  assert.ok(diags.some((d) => d.file.endsWith('broken.agent.md') && d.severity === 'error' && d.line >= 2));
  const client = await aop.connect();
  const r = await client.callTool({ name: 'alpha', arguments: { task: 'hi' } });
  assert.deepEqual(r.structuredContent, { result: 'echo hi', success: true, error: null });
});

test('adding, changing and deleting files updates tools live with tools/list_changed', async () => {
  const client = await aop.connect();
  let notifications = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    notifications++;
  });
  // the GET stream opens after initialize: wait until notifications flow (a state, not a time)
  await untilNotificationsFlow(aop.server, () => notifications);
  const seen0 = notifications;
  await writeFile(join(dir, 'beta.agent.md'), agentFile('beta', 'Second agent'));
  await waitUntil(() => notifications > seen0, 10_000, 'list_changed after add');
  let tools = (await client.listTools()).tools;
  assert.ok(tools.some((t) => t.name === 'beta'));

  const seen = notifications;
  await writeFile(join(dir, 'beta.agent.md'), agentFile('beta', 'Changed description'));
  await waitUntil(() => notifications > seen, 10_000, 'list_changed after change');
  tools = (await client.listTools()).tools;
  assert.equal(tools.find((t) => t.name === 'beta')?.description, 'Changed description');

  const seen2 = notifications;
  await unlink(join(dir, 'beta.agent.md'));
  await waitUntil(() => notifications > seen2, 10_000, 'list_changed after delete');
  tools = (await client.listTools()).tools;
  assert.ok(!tools.some((t) => t.name === 'beta'));

  // fixing the broken file brings it in
  await writeFile(join(dir, 'broken.agent.md'), agentFile('broken', 'Fixed now'));
  await waitUntil(() => aop.server.agent('broken') !== undefined, 10_000, 'fixed agent served');
});
