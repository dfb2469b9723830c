// tools/list in pages: a client that follows nextCursor sees every tool once, in order; without a
// page size every tool comes in one answer; a bad cursor is an InvalidParams error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { startServer } from '../support/aop';
import { makeAgent } from '../support/agents';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig } from '../../src/core/cluster/config';

const agents = Array.from({ length: 25 }, (_, i) => makeAgent({ name: `agent-${String(i).padStart(2, '0')}` }));

test('with a page size, tools/list pages through every tool exactly once', async () => {
  const s = await startServer(agents, { toolsPageSize: 10 });
  const whole = await startServer(agents);
  try {
    const client = await s.connect();
    const seen: Tool[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      sizes.push(page.tools.length);
      seen.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await (await whole.connect()).listTools()).tools;
    assert.ok(all.length > 25, 'agents plus the discovery tools');
    assert.equal(all.length, s.server.tools.size);
    assert.deepEqual(seen.map((t) => t.name), all.map((t) => t.name));
    assert.ok(sizes.length >= 3 && sizes.slice(0, -1).every((n) => n === 10), `pages of 10: ${sizes}`);
    // The cluster client follows cursors too: it sees every agent of the paged server.
    const cluster = new AopCluster(parseClusterConfig({ name: 'p', servers: [s.url] }));
    try {
      const registry = await cluster.discover();
      for (const a of agents) assert.ok(registry.get(a.name), `${a.name} discovered through pages`);
    } finally {
      await cluster.close();
    }
  } finally {
    await s.close();
    await whole.close();
  }
});

test('without a page size every tool comes in one answer; a bad cursor is InvalidParams', async () => {
  const s = await startServer(agents);
  try {
    const client = await s.connect();
    const first = await client.listTools();
    assert.equal(first.nextCursor, undefined);
    assert.equal(first.tools.length, s.server.tools.size);
    await assert.rejects(
      () => client.listTools({ cursor: 'not-a-cursor' }),
      (err: unknown) => err instanceof McpError && err.code === ErrorCode.InvalidParams && /invalid cursor/.test(err.message),
    );
  } finally {
    await s.close();
  }
});
