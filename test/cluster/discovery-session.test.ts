/**
 * Discovery speaks MCP through McpSession (plain code, hand-checked results; no SDK Client, no
 * zod) and a tool call brings an SDK Client into the same session. Against real servers: our
 * AopServer and a bare @modelcontextprotocol/sdk server, both on 127.0.0.1 ephemeral ports.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { AopCluster } from '../../src/core/cluster/cluster';
import { parseClusterConfig, urlCluster } from '../../src/core/cluster/config';
import { MAX_TOOL_PAGES } from '../../src/core/cluster/server-connection';
import { LATEST_PROTOCOL_VERSION } from '../../src/core/mcp-protocol';
import { startBareSdkServer, type BareSdkServer } from '../support/sdk-server';
import { startMember } from '../support/cluster';
import { runCli } from '../support/cli';

const tool = (name: string) => ({ name, description: `${name} tool`, inputSchema: { type: 'object' as const } });

/** A one-shot cluster of `url` (as the CLI makes it) and its discovery. */
async function discoverOnce(url: string, headers: Record<string, string> = {}, serverStreams = false) {
  const cluster = new AopCluster(urlCluster('t', [url], headers), { serverStreams });
  const registry = await cluster.discover();
  return { cluster, registry, health: cluster.health()[0] };
}

test('the cluster of command-line URLs is what the cluster schema makes of them (without zod)', () => {
  const urls = ['http://127.0.0.1:8000/mcp', 'https://mcp.example.com/mcp'];
  const headers = { Authorization: 'Bearer x', 'X-Team': 'a' };
  assert.deepEqual(urlCluster('cli', urls, headers), parseClusterConfig({ name: 'cli', servers: urls.map((url) => ({ url, headers })) }));
  assert.deepEqual(urlCluster('cli', urls, {}), parseClusterConfig({ name: 'cli', servers: urls.map((url) => ({ url, headers: {} })) }));
});

describe('discovery of a bare SDK server', () => {
  const servers: BareSdkServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (...args: Parameters<typeof startBareSdkServer>) => {
    const s = await startBareSdkServer(...args);
    servers.push(s);
    return s;
  };

  test('one session: initialize at our newest version, initialized, every tools/list page, DELETE on close', async () => {
    const pages: Record<string, { tools: unknown[]; nextCursor?: string }> = {
      '': { tools: [tool('a'), tool('b')], nextCursor: 'p2' },
      p2: { tools: [tool('c')], nextCursor: 'p3' },
      p3: { tools: [tool('d')] },
    };
    const s = await start({ listTools: (cursor) => pages[cursor ?? ''] });
    const { cluster, registry, health } = await discoverOnce(s.url, { Authorization: 'Bearer t0k' });
    assert.equal(health.status, 'up', health.lastError);
    assert.deepEqual(registry.entries().map((e) => e.name).sort(), ['a', 'b', 'c', 'd']);
    assert.equal(s.initializes, 1);
    assert.equal(s.initialized, 1);
    assert.deepEqual(s.versions, [LATEST_PROTOCOL_VERSION]);
    assert.ok(s.authorizations.length >= 4 && s.authorizations.every((a) => a === 'Bearer t0k'), String(s.authorizations));
    assert.equal(s.open, 1);
    await cluster.close();
    assert.equal(s.open, 0, 'the session is deleted on close');
  });

  test('a call after discovery goes on in the same session (SDK Client), with progress', async () => {
    const s = await start({
      listTools: () => ({ tools: [tool('echo')] }),
      callTool: async (name, args, extra) => {
        const token = extra._meta?.progressToken;
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
        return { content: [{ type: 'text', text: `${name}: ${String(args.task)}` }] };
      },
    });
    const { cluster } = await discoverOnce(s.url);
    try {
      const progress: number[] = [];
      const r = await cluster.call('echo', { task: 'hi' }, { onprogress: (p) => progress.push(p.progress) });
      assert.deepEqual(r.content, [{ type: 'text', text: 'echo: hi' }]);
      assert.deepEqual(progress, [1]);
      await cluster.refresh();
      assert.equal(s.initializes, 1, 'discovery, the call and a second discovery share one session');
    } finally {
      await cluster.close();
    }
  });

  test('a ping from the server during tools/list is answered', async () => {
    let pinged = false;
    const s = await start({
      listTools: async (_cursor, extra) => {
        await extra.sendRequest({ method: 'ping' }, EmptyResultSchema);
        pinged = true;
        return { tools: [tool('x')] };
      },
    });
    const { cluster, registry, health } = await discoverOnce(s.url);
    await cluster.close();
    assert.equal(health.status, 'up', health.lastError);
    assert.ok(pinged);
    assert.equal(registry.size, 1);
  });

  test('malformed tools/list answers mark the server down with where they broke, in words', async () => {
    const answers: Array<[unknown, RegExp]> = [
      [{ tools: 'all' }, /malformed tools\/list result: result\.tools must be a list/],
      [{ tools: [tool('a'), { name: 'b' }] }, /malformed tools\/list result: tools\[1\]\.inputSchema must be a JSON Schema object/],
      [{ tools: [tool('a')], nextCursor: 7 }, /malformed tools\/list result: result\.nextCursor must be a string/],
      [{ tools: [{ ...tool('a'), description: { evil: true } }] }, /tools\[0\]\.description must be a string/],
    ];
    for (const [answer, why] of answers) {
      const s = await start({ listTools: () => answer });
      const { cluster, registry, health } = await discoverOnce(s.url);
      await cluster.close();
      assert.equal(health.status, 'down');
      assert.match(health.lastError ?? '', why);
      assert.doesNotMatch(health.lastError ?? '', /\n\s+at /, 'no stack trace');
      assert.equal(registry.size, 0);
    }
  });

  test('a JSON-RPC error answer is the server’s words', async () => {
    const s = await start({
      listTools: () => {
        throw Object.assign(new Error('listing is off today'), { code: -32603 });
      },
    });
    const { cluster, health } = await discoverOnce(s.url);
    await cluster.close();
    assert.equal(health.status, 'down');
    assert.match(health.lastError ?? '', /MCP error -32603: listing is off today/);
  });

  test(`cursors that never end are followed ${MAX_TOOL_PAGES} pages, then cut with a warning`, { timeout: 60_000 }, async () => {
    let asked = 0;
    const s = await start({
      listTools: (cursor) => {
        asked++;
        return cursor ? { tools: [], nextCursor: `${Number(cursor) + 1}` } : { tools: [tool('first')], nextCursor: '1' };
      },
    });
    const cluster = new AopCluster({ ...urlCluster('t', [s.url], {}), timeout_ms: 60_000 }, { serverStreams: false });
    try {
      const registry = await cluster.discover();
      const health = cluster.health()[0];
      assert.equal(health.status, 'up', health.lastError);
      assert.equal(asked, MAX_TOOL_PAGES);
      assert.equal(registry.size, 1);
      assert.match((health.warnings ?? []).join('\n'), new RegExp(`more pages after ${MAX_TOOL_PAGES}`));
    } finally {
      await cluster.close();
    }
  });

  test('aop discover of a server with a malformed answer: the reason in the table, no stack trace', async () => {
    const s = await start({ listTools: () => ({ tools: [{ name: 'a', inputSchema: { type: 'object' } }, { name: 'b', inputSchema: [] }] }) });
    const r = await runCli(['discover', s.url]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /down .*malformed tools\/list result: tools\[1\]\.inputSchema must be a JSON Schema object/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });
});

describe('discovery of an AOP server', () => {
  test('with its token: agents and their metadata; a call in the same session; without the token: refused in words', async () => {
    const member = await startMember('m', ['alpha', 'beta'], { token: 'sekret' });
    try {
      const { cluster, registry, health } = await discoverOnce(member.url, { Authorization: 'Bearer sekret' }, true);
      try {
        assert.equal(health.status, 'up', health.lastError);
        assert.equal(health.isAop, true);
        assert.deepEqual(registry.entries().filter((e) => e.isAgent).map((e) => e.name).sort(), ['alpha', 'beta']);
        const r = await cluster.call('alpha', { task: 'go' });
        assert.match(JSON.stringify(r.content), /m: go/);
      } finally {
        await cluster.close();
      }
      const refused = await discoverOnce(member.url);
      await refused.cluster.close();
      assert.equal(refused.health.status, 'down');
      assert.match(refused.health.lastError ?? '', /401/);
    } finally {
      await member.stop();
    }
  });
});
