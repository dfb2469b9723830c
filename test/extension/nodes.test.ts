import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentNode, remoteAgentNode, serverNode, stateLabel, workspaceChildren } from '../../src/extension/explorer/nodes';
import { agentTemplate, validateAgentName } from '../../src/extension/agent-template';
import { parseAgentFile } from '../../src/core/agents/parse';
import { AgentRegistry } from '../../src/core/cluster/registry';
import { makeAgent } from '../support/agents';

test('agent nodes show state, last latency, model and description', () => {
  const a = makeAgent({ name: 'writer', description: 'Writes', model: 'gpt-4o', provider: 'editor', tags: ['text'] });
  const idle = agentNode(a, { state: 'ACTIVE', inFlight: 0, lastLatencyMs: 1234 });
  assert.equal(idle.label, 'writer');
  assert.equal(idle.description, 'idle · 1.23 s');
  assert.match(idle.tooltip!, /Writes/);
  assert.match(idle.tooltip!, /editor: gpt-4o/);
  assert.equal(idle.contextValue, 'aop.agent');
  assert.equal(agentNode(a, { state: 'BUSY', inFlight: 2 }).description, 'busy (2)');
  // running calls show under the agent: expanded, under an id VS Code has not seen collapsed
  const running = agentNode(a, { state: 'BUSY', inFlight: 1 }, 1);
  assert.equal(running.collapsible, 'expanded');
  assert.notEqual(running.id, idle.id);
  assert.equal(agentNode(a, { state: 'ACTIVE', inFlight: 0 }, 0).id, idle.id);
  const err = agentNode(a, { state: 'ERROR', inFlight: 0, lastError: 'boom' });
  assert.equal(err.icon.id, 'error');
  assert.match(err.tooltip!, /Last error: boom/);
  assert.equal(stateLabel(undefined).text, 'idle');
});

test('workspace children: untrusted and failed states explain themselves; problems link to the line', () => {
  assert.match(workspaceChildren({ trusted: false, serverState: 'untrusted', agents: [], problems: [] })[0].label, /not trusted/);
  assert.match(workspaceChildren({ trusted: true, serverState: 'failed', serverError: 'EADDRINUSE', agents: [], problems: [] })[0].label, /EADDRINUSE/);
  const kids = workspaceChildren({
    trusted: true,
    serverState: 'running',
    agents: [{ agent: makeAgent({ name: 'a' }) }],
    problems: [{ file: '/w/bad.agent.md', line: 3, message: 'unknown key' }],
  });
  assert.deepEqual(kids.map((k) => k.kind), ['agent', 'problem']);
  assert.equal(kids[1].data?.line, 3);
  assert.equal(kids[1].label, 'bad.agent.md');
});

test('server nodes carry health, latency and breaker; remote agents their replicas', () => {
  const up = serverNode('team', { id: 'h:1', url: 'http://h:1/mcp', name: 'h:1', status: 'up', latencyP50Ms: 3.4, breaker: 'closed', agentCount: 2, inFlight: 0, isAop: true });
  assert.equal(up.description, 'up · 3.40 ms · 2 tools');
  assert.equal(up.contextValue, 'aop.server.up');
  const down = serverNode('team', { id: 'h:2', url: 'http://h:2/mcp', name: 'h:2', status: 'down', breaker: 'open', agentCount: 0, inFlight: 0, isAop: false, lastError: 'connection refused' });
  assert.equal(down.icon.id, 'error');
  assert.match(down.tooltip!, /connection refused/);
  assert.equal(down.collapsible, 'none');
  const a2a = serverNode('team', { id: 'peer', url: 'http://p/.well-known/agent-card.json', name: 'peer', status: 'up', breaker: 'closed', agentCount: 1, inFlight: 0, isAop: false, protocol: 'a2a' });
  assert.match(a2a.tooltip!, /\(A2A agent\)/);
  const reg = AgentRegistry.build([
    { serverId: 'h:1', infos: [{ tool: { name: 'x', inputSchema: { type: 'object' } }, isAgent: true, description: 'X', tags: [], capabilities: [] }] },
    { serverId: 'h:2', infos: [{ tool: { name: 'x', inputSchema: { type: 'object' } }, isAgent: true, description: 'X', tags: [], capabilities: [] }] },
  ]);
  const node = remoteAgentNode('team', 'h:1', reg.get('x')!);
  assert.equal(node.description, '2 replicas');
  assert.equal(node.data?.cluster, 'team');
});

test('Create Agent scaffolds files the parser accepts, for every provider', () => {
  for (const provider of ['editor', 'openai', 'command'] as const) {
    const text = agentTemplate({ name: 'helper', description: 'Helps', provider });
    const { agent, diagnostics } = parseAgentFile(text, '/w/helper.agent.md');
    assert.ok(agent, `${provider}: ${JSON.stringify(diagnostics)}`);
    assert.equal(agent.provider, provider);
  }
  assert.equal(validateAgentName('ok-name', []), undefined);
  assert.match(validateAgentName('bad name', [])!, /letters/);
  assert.match(validateAgentName('taken', ['taken'])!, /already exists/);
});
