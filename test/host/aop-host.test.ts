import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AopHost, type HostState } from '../../src/core/host/aop-host';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { startFakeOpenAi, userTask, type FakeOpenAi } from '../support/fake-openai';
import { waitUntil } from '../support/aop';

// Real hosts on 127.0.0.1 ephemeral ports, agents from files, answers from the scripted
// OpenAI-compatible model over HTTP (the only stand-in), clients from the official MCP SDK.

let dir: string;
let model: FakeOpenAi;
/** Tasks whose answer waits until released (to watch an agent busy). */
const held = new Map<string, () => void>();

function agentFile(name: string, extra = ''): string {
  return `---\nname: ${name}\ndescription: ${name} answers\nprovider: openai\nmodel: m\nmax_retries: 0\n${extra}---\nYou are ${name}.\n`;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aop-host-'));
  writeFileSync(join(dir, 'alpha.agent.md'), agentFile('alpha'));
  model = await startFakeOpenAi(async (r) => {
    const task = userTask(r);
    if (task.startsWith('hold ')) await new Promise<void>((resolve) => held.set(task, resolve));
    return { text: `answer to ${task}` };
  });
});

after(async () => {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
});

function newHost(over: Partial<ConstructorParameters<typeof AopHost>[0]> = {}) {
  return new AopHost({ roots: [dir], server: { port: 0 }, models: { env: {}, defaultBaseUrl: model.url }, ...over });
}

async function sdkClient(url: string): Promise<Client> {
  const client = new Client({ name: 'host-test', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

test('start() serves the agent files over MCP; invoke() runs an agent as tools/call does; states are events', async () => {
  const host = newHost();
  const states: HostState[] = [];
  host.on('state', (s) => states.push(s));
  const server = await host.start();
  assert.deepEqual(states, ['starting', 'running']);
  assert.equal(await host.start(), server, 'start() twice is one start');
  const client = await sdkClient(host.url!);
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'alpha'));
    const viaMcp = await client.callTool({ name: 'alpha', arguments: { task: 'one' } });
    assert.equal((viaMcp.structuredContent as { result: string }).result, 'answer to one');
    const direct = await host.invoke('alpha', { task: 'two' });
    assert.deepEqual(direct.structuredContent, { result: 'answer to two', success: true, error: null });
    // Both were traced by the one store the host owns.
    const agents = host.traceStore.query({}).map((t) => t.agent);
    assert.deepEqual(agents, ['alpha', 'alpha']);
  } finally {
    await client.close();
    await host.close();
  }
  assert.deepEqual(states, ['starting', 'running', 'stopped']);
});

test('busy events: an agent goes to one call in flight and back to none, no polling', async () => {
  const host = newHost({ listen: 'none' });
  await host.start();
  const seen: Array<[string, number]> = [];
  host.on('busy', (agent, n) => seen.push([agent, n]));
  try {
    const call = host.invoke('alpha', { task: 'hold busy' });
    await waitUntil(() => held.has('hold busy'), 10_000, 'the model to get the task');
    assert.deepEqual(seen, [['alpha', 1]]);
    assert.equal(host.inFlight(), 1);
    assert.equal(host.runtime('alpha')?.state, 'BUSY');
    held.get('hold busy')!();
    const r = await call;
    assert.ok(!r.isError);
    assert.deepEqual(seen, [['alpha', 1], ['alpha', 0]]);
    assert.equal(host.inFlight(), 0);
  } finally {
    await host.close();
  }
});

test('a new agent file and a broken one arrive as agents and diagnostics events', async () => {
  const sub = mkdtempSync(join(tmpdir(), 'aop-host-watch-'));
  writeFileSync(join(sub, 'first.agent.md'), agentFile('first'));
  const host = newHost({ roots: [sub], listen: 'none' });
  await host.start();
  try {
    const agents = once(host, 'agents');
    writeFileSync(join(sub, 'second.agent.md'), agentFile('second'));
    await agents;
    await waitUntil(() => host.agent('second') !== undefined, 10_000, 'second served');
    const diag = once(host, 'diagnostics');
    writeFileSync(join(sub, 'broken.agent.md'), '---\nname: broken\nprovder: openai\n---\nx\n');
    const [file, diagnostics] = (await diag) as [string, { line: number; message: string }[]];
    assert.match(file, /broken\.agent\.md$/);
    assert.ok(diagnostics.some((d) => d.line === 3), JSON.stringify(diagnostics));
    assert.ok(host.diagnostics().some((d) => d.file === file));
  } finally {
    await host.close();
    rmSync(sub, { recursive: true, force: true });
  }
});

test('invoke() reaches a remote agent through a cluster: one trace, the remote spans stitched under aop.remote', async () => {
  const remote = newHost({ server: { port: 0, name: 'remote' } });
  await remote.start();
  const local = newHost({
    roots: [],
    server: { port: 0, name: 'local' },
    clusters: [{ config: parseClusterConfig({ name: 'team', servers: [remote.url!] }) }],
  });
  try {
    await local.start();
    assert.equal(local.clusters().length, 1);
    // Federated as team__alpha, reachable as team/alpha, {cluster, agent} and team__alpha.
    assert.ok(local.server!.tools.has('team__alpha'));
    const finished = once(local, 'trace');
    const r = await local.invoke('team/alpha', { task: 'far' });
    assert.deepEqual(r.structuredContent, { result: 'answer to far', success: true, error: null });
    const [trace] = (await finished) as [{ traceId: string }];
    const spans = local.traceStore.get(trace.traceId)!.spans;
    const remoteSpan = spans.find((s) => s.name.startsWith('aop.remote'));
    assert.ok(remoteSpan, spans.map((s) => s.name).join(', '));
    const stitched = spans.filter((s) => s.parentSpanId === remoteSpan.spanId);
    assert.ok(stitched.length >= 1, 'the remote server\'s spans hang under the remote call');
    assert.ok(stitched.every((s) => s.traceId === trace.traceId));

    const byRef = await local.invoke({ cluster: 'team', agent: 'alpha' }, { task: 'again' });
    assert.equal((byRef.structuredContent as { result: string }).result, 'answer to again');
    const missing = await local.invoke('nobody', { task: 'x' });
    assert.equal(missing.isError, true);
    assert.match(String((missing.structuredContent as { error: string }).error), /no agent named "nobody"/);
    const noCluster = await local.invoke({ cluster: 'nope', agent: 'alpha' }, { task: 'x' });
    assert.match(String((noCluster.structuredContent as { error: string }).error), /cluster nope is not configured/);
  } finally {
    await local.close();
    await remote.close();
  }
});

test('reload(): new roots restart the server with the new agents; the clusters stay', async () => {
  const other = mkdtempSync(join(tmpdir(), 'aop-host-other-'));
  writeFileSync(join(other, 'beta.agent.md'), agentFile('beta'));
  const remote = newHost();
  await remote.start();
  const host = newHost({ clusters: [{ config: parseClusterConfig({ name: 'team', servers: [remote.url!] }) }] });
  try {
    await host.start();
    const [cluster] = host.clusters();
    assert.ok(host.agent('alpha'));
    await host.reload({ roots: [other], server: { port: 0 }, models: { env: {}, defaultBaseUrl: model.url } });
    assert.equal(host.agent('alpha'), undefined);
    assert.ok(host.agent('beta'));
    assert.equal(host.clusters()[0], cluster, 'the same cluster object: not rebuilt');
    assert.ok(host.server!.tools.has('team__alpha'), 're-federated into the new server');
    // Same settings: nothing restarts.
    const server = host.server;
    await host.reload({ roots: [other], server: { port: 0 }, models: { env: {}, defaultBaseUrl: model.url } });
    assert.equal(host.server, server);
  } finally {
    await host.close();
    await remote.close();
    rmSync(other, { recursive: true, force: true });
  }
});

test('a port in use: start() fails with the reason in the failed state, and a later start can succeed', async () => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as { port: number }).port;
  const host = newHost({ server: { port } });
  try {
    await assert.rejects(host.start(), /EADDRINUSE/);
    assert.equal(host.state, 'failed');
    assert.match(host.error ?? '', /EADDRINUSE/);
    assert.equal(host.server, undefined);
    blocker.close();
    await once(blocker, 'close');
    await host.reload({ roots: [dir], server: { port: 0 }, models: { env: {}, defaultBaseUrl: model.url } });
    await host.start();
    assert.equal(host.state, 'running');
  } finally {
    blocker.close();
    await host.close();
  }
});
