// An A2A agent (built with the official SDK's server) as a tool of a coordinator: the coordinator's
// model calls `peers__Echo_Peer` from its `tools: [peers/*]`, the call goes out as A2A, and the
// answer comes back into the model's next turn; one trace holds the tool call and the A2A hop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startA2aPeer, type A2aPeer } from '../support/a2a-peer';
import { startFakeOpenAi, toolResults, type FakeOpenAi } from '../support/fake-openai';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil, type TestServer } from '../support/aop';
import { makeCluster } from '../support/cluster';
import { createModelResolver } from '../../src/core/models/resolver';
import type { AopCluster } from '../../src/core/cluster/cluster';

let peer: A2aPeer;
let model: FakeOpenAi;
let cluster: AopCluster;
let aop: TestServer;

before(async () => {
  peer = await startA2aPeer();
  model = await startFakeOpenAi((r) =>
    toolResults(r).length === 0
      ? { toolCalls: [{ name: 'peers__Echo_Peer', arguments: { task: 'from the coordinator' } }] }
      : { text: `the peer said: ${toolResults(r)[0].content}` },
  );
  cluster = makeCluster({ name: 'peers', servers: [{ url: peer.cardUrl, protocol: 'a2a' }], call_timeout_ms: 10_000 });
  aop = await startServer([makeAgent({ name: 'coord', tools: ['peers/*'], maxRetries: 0 })], {
    models: createModelResolver({ env: {}, defaultBaseUrl: model.url }),
  });
  aop.server.clusters.set('peers', cluster);
});
after(async () => {
  await aop.close();
  await cluster.close();
  await model.close();
  await peer.close();
});

test("a coordinator's tools: reach an A2A agent of a cluster, traced as one tree", async () => {
  const r = (await (await aop.connect()).callTool({ name: 'coord', arguments: { task: 'ask the peer' } })) as CallToolResult;
  const s = r.structuredContent as { result: string; success: boolean; error: string | null };
  assert.equal(s.success, true, s.error ?? '');
  assert.equal(s.result, 'the peer said: peer: from the coordinator');
  // The model was offered the A2A agent under its cluster name, with the card's description.
  const offered = (model.requests[0].body?.tools ?? []) as Array<{ function: { name: string; description?: string } }>;
  assert.ok(offered.some((t) => t.function.name === 'peers__Echo_Peer'), JSON.stringify(offered.map((t) => t.function.name)));
  // The message reached the peer over A2A with the trace context.
  const seen = peer.messages.at(-1)!;
  assert.match(String(seen.metadata?.traceparent ?? ''), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  const traceId = (r._meta as Record<string, string>)['aop/trace_id'];
  assert.equal(String(seen.metadata?.traceparent).split('-')[1], traceId, 'the A2A hop carries this trace');
  await waitUntil(() => (aop.server.tracing.store.get(traceId)?.spans.some((x) => x.name === 'aop.tool peers__Echo_Peer') ?? false), 5000, 'tool span');
  const spans = aop.server.tracing.store.get(traceId)!.spans;
  const tool = spans.find((x) => x.name === 'aop.tool peers__Echo_Peer')!;
  assert.match(String(tool.attributes['aop.tool.result']), /peer: from the coordinator/);
  const hop = spans.find((x) => x.parentSpanId === tool.spanId);
  assert.ok(hop, 'the remote call is a child of the tool call');
  assert.equal(hop.attributes['aop.protocol'], 'a2a');
});
