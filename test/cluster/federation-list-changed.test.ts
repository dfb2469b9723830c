/**
 * tools/list_changed through federation: an agent added on a member server reaches a client of the
 * federating server as a new `<alias>__<tool>`, announced by tools/list_changed (and removed the
 * same way) — member → cluster connection → re-export → downstream client, all over real HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { federate } from '../../src/core/cluster/federation';
import { makeAgent } from '../support/agents';
import { untilNotified, untilNotificationsFlow, waitUntil } from '../support/aop';
import { makeCluster, startMember } from '../support/cluster';

test('an agent added on a member reaches a downstream client as team__<agent> with tools/list_changed, and leaves the same way', async () => {
  const member = await startMember('M', ['first']);
  const front = await startMember('F', ['local-one']);
  const cluster = makeCluster({ name: 'team', servers: [member.url] }, { selfId: front.server.id });
  const stop = federate(front.server, cluster);
  const client = new Client({ name: 'downstream', version: '0' });
  try {
    await cluster.discover();
    // No periodic refresh: only the member's tools/list_changed can tell the cluster. Its GET
    // stream opens after initialize, so first wait until a probe agent reaches the cluster.
    let n = 0;
    const probes = () => cluster.registry?.entries().some((e) => e.name.startsWith('probe-')) ?? false;
    await untilNotified(() => member.server.upsertAgent(makeAgent({ name: `probe-${n++}`, provider: 'openai' })), probes, 'the member reaching the cluster');
    for (let i = 0; i < n; i++) member.server.removeAgent(`probe-${i}`);
    await waitUntil(() => !probes(), 15_000, 'the probes gone from the cluster');
    await client.connect(new StreamableHTTPClientTransport(new URL(front.url)));
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    // the client's GET stream opens after initialize: wait until notifications reach it
    await untilNotificationsFlow(front.server, () => changed);
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'team__first'));

    const before = changed;
    member.server.upsertAgent(makeAgent({ name: 'second', provider: 'openai', maxRetries: 0 }));
    await waitUntil(() => changed > before, 15_000, 'tools/list_changed at the downstream client');
    let names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('team__second'), names.join(', '));
    const r = (await client.callTool({ name: 'team__second', arguments: { task: 'across' } })) as CallToolResult;
    assert.equal((r.structuredContent as { result: string }).result, 'M: across');

    const before2 = changed;
    member.server.removeAgent('second');
    await waitUntil(() => changed > before2, 15_000, 'tools/list_changed after the removal');
    names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!names.includes('team__second'), names.join(', '));
    assert.ok(names.includes('team__first'));
  } finally {
    await client.close().catch(() => undefined);
    stop();
    await cluster.close();
    await Promise.all([member.stop(), front.stop()]);
  }
});
