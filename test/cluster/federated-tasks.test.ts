import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { federate } from '../../src/core/cluster/federation';
import { REMOTE_TASK_META } from '../../src/core/meta-keys';
import { makeCluster, startMember } from '../support/cluster';
import { makeAgent } from '../support/agents';
import { startServer, waitUntil } from '../support/aop';
import { isAlive } from '../support/process';

const ECHO_AGENT = join(__dirname, '..', 'support', 'echo-agent.js');

function answer(r: CallToolResult): string {
  return (r.structuredContent as { result: string }).result;
}

async function client(url: string): Promise<Client> {
  const c = new Client({ name: 't', version: '0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
}

/** A TCP proxy whose connections can be cut (a dropped network path). */
async function startProxy(targetPort: () => number): Promise<{ url: string; cut(block: boolean): void; refused: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let blocked = false;
  const server = createServer((inbound) => {
    if (blocked) {
      proxy.refused++;
      inbound.destroy();
      return;
    }
    const outbound = connect(targetPort(), '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const proxy = {
    url: `http://127.0.0.1:${port}/mcp`,
    refused: 0,
    /** Drops every connection; `block`: and refuses new ones until cut(false). */
    cut(block: boolean) {
      blocked = block;
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return proxy;
}

describe('Cluster client and federation: long calls as MCP tasks', () => {
  test('a federated task keeps one task id per hop and returns the leaf answer', async () => {
    const b = await startMember('TB', ['leaf'], { delayMs: 50 });
    const a = await startMember('TA', []);
    const toB = makeCluster({ name: 'b', servers: [b.url] }, { selfId: a.server.id });
    const stop = federate(a.server, toB);
    try {
      await toB.discover();
      const c = await client(a.url);
      const { tools } = await c.listTools();
      assert.equal(tools.find((t) => t.name === 'b__leaf')?.execution?.taskSupport, 'optional');
      let topId: string | undefined;
      let result: CallToolResult | undefined;
      for await (const m of c.experimental.tasks.callToolStream({ name: 'b__leaf', arguments: { task: 'deep' } }, CallToolResultSchema, { task: {} })) {
        if (m.type === 'taskCreated') topId = m.task.taskId;
        if (m.type === 'result') result = m.result as CallToolResult;
      }
      assert.equal(answer(result!), 'TB: deep');
      const hop = result!._meta?.[REMOTE_TASK_META] as { taskId: string } | undefined;
      assert.ok(hop, 'the hop ran as a task');
      assert.notEqual(hop.taskId, topId);
      assert.equal(b.server.tasks.get(hop.taskId)?.mcp !== undefined, true, 'B kept its own task');
      assert.equal(a.server.tasks.get(topId!)?.status, 'completed');
      await c.close();
    } finally {
      stop();
      await toB.close();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('cancel from the top flows down: the leaf task is cancelled and its process group is gone', { skip: process.platform === 'win32' }, async () => {
    const b = await startServer(
      [makeAgent({ name: 'family', provider: 'command', command: [process.execPath, ECHO_AGENT, 'family'], maxRetries: 0, source: { file: ECHO_AGENT, kind: 'aop' } })],
      { name: 'FB', id: 'FB' },
    );
    const a = await startMember('FA', []);
    const toB = makeCluster({ name: 'b', servers: [b.url] }, { selfId: a.server.id });
    const stop = federate(a.server, toB);
    const pids: number[] = [];
    try {
      await toB.discover();
      const c = await client(a.url);
      let out = '';
      let topId: string | undefined;
      const consumed = (async () => {
        for await (const m of c.experimental.tasks.callToolStream({ name: 'b__family', arguments: { task: 'x' } }, CallToolResultSchema, {
          task: {},
          onprogress: (p) => void (out += p.message ?? ''),
        })) {
          if (m.type === 'taskCreated') topId = m.task.taskId;
        }
      })();
      // the leaf's partial output travels up both hops as progress
      await waitUntil(() => /pids \d+ \d+/.test(out), 10_000, 'pids through two hops');
      pids.push(...out.match(/pids (\d+) (\d+)/)!.slice(1).map(Number));
      const leafTask = b.server.tasks.all().find((t) => t.mcp && t.status === 'processing');
      assert.ok(leafTask, 'B runs the call as its own task');
      assert.notEqual(leafTask.taskId, topId);
      const cancelled = await c.experimental.tasks.cancelTask(topId!);
      assert.equal(cancelled.status, 'cancelled');
      await waitUntil(() => pids.every((p) => !isAlive(p)), 8000, 'leaf process group gone');
      await waitUntil(() => b.server.tasks.get(leafTask.taskId)?.status === 'cancelled', 5000, 'leaf task cancelled');
      await consumed;
      await c.close();
    } finally {
      for (const p of pids) if (isAlive(p)) process.kill(p, 'SIGKILL');
      stop();
      await toB.close();
      await Promise.all([a.stop(), b.close()]);
    }
  });

  test('a dropped connection during a task call resumes by polling: the answer still arrives', async () => {
    let port = 0;
    const proxy = await startProxy(() => port);
    const b = await startMember('DB', ['slow'], { delayMs: 400, allowedHosts: [new URL(proxy.url).host] });
    port = b.port;
    const cluster = makeCluster({ name: 'd', servers: [proxy.url], call_timeout_ms: 20_000, task_threshold_ms: 10_000 });
    try {
      await cluster.discover();
      const call = cluster.call('slow', { task: 'survive' });
      await waitUntil(() => b.server.tasks.all().some((t) => t.mcp && t.status === 'processing' && b.server.tasks.waiting(t.taskId) > 0), 5000, 'client waiting on tasks/result');
      // the network path goes down (the transport's one quick re-send fails too), then comes back
      proxy.cut(true);
      await waitUntil(() => proxy.refused > 0, 5000, 'a request refused while the path is down');
      proxy.cut(false);
      const r = await call;
      assert.equal(answer(r), 'DB: survive');
      assert.ok(r._meta?.[REMOTE_TASK_META], 'went as a task (threshold below the call timeout)');
    } finally {
      await cluster.close();
      await proxy.close();
      await b.stop();
    }
  });

  test('a restarted hop answers the in-flight task as failed "server restarted" instead of losing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aop-hop-restart-'));
    const token = 'hop-token';
    const b = await startMember('RB', ['slow'], { delayMs: 5000, token, tasks: { dir } });
    const cluster = makeCluster({
      name: 'r',
      servers: [{ url: b.url, headers: { Authorization: `Bearer ${token}` } }],
      call_timeout_ms: 30_000,
      task_threshold_ms: 1000,
    });
    try {
      await cluster.discover();
      const call = cluster.call('slow', { task: 'x' });
      await waitUntil(() => b.server.tasks.all().some((t) => t.mcp && t.status === 'processing'), 5000, 'task running on B');
      await b.server.tasks.flush();
      await b.stop();
      await b.restart();
      const r = await call;
      assert.equal(r.isError, true);
      assert.match(JSON.stringify(r.structuredContent), /server restarted/);
    } finally {
      await cluster.close();
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
