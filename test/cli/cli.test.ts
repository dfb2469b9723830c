import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLI, ROOT, runCli as run, serveCli as serve } from '../support/cli';



let server: { child: ChildProcess; url: string };
before(async () => {
  server = await serve(['examples/agents']);
});
after(() => {
  server.child.kill('SIGTERM');
});

test('aop serve examples/agents + aop call returns the command agent answer', async () => {
  const r = await run(['call', server.url, 'text-stats', '--task', 'Agents are tools. Tools are agents.']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Words: 6, sentences: 2/);
  assert.match(r.stdout, /agents \(2\)/);
});

test('aop call --json prints the whole result; a failing agent exits 1 with the error', async () => {
  const ok = await run(['call', server.url, 'text-stats', '--task', 'one two', '--json']);
  assert.equal(ok.code, 0);
  assert.equal(JSON.parse(ok.stdout).structuredContent.success, true);
  const bad = await run(['call', server.url, 'planner', '--task', 'plan']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /provider "editor" needs VS Code/);
});

test('aop discover lists the agents of a server', async () => {
  const r = await run(['discover', server.url]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /text-stats/);
  assert.match(r.stdout, /code-reviewer/);
});

test('aop validate: exit 0 on the examples, exit 1 with file:line:col on a broken file', async () => {
  const good = await run(['validate', 'examples/agents']);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /5 agents valid, 0 errors/);
  const dir = await mkdtemp(join(tmpdir(), 'aop-validate-'));
  try {
    await writeFile(join(dir, 'bad.agent.md'), '---\nname: bad name!\ndescription: x\ntemprature: 0.2\n---\nbody\n');
    const bad = await run(['validate', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /bad\.agent\.md:2:7 error .*invalid-name/);
    assert.match(bad.stdout, /bad\.agent\.md:4:1 error .*did you mean `temperature`/i);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--help on each command, and usage errors exit 2', async () => {
  for (const cmd of ['serve', 'call', 'discover', 'validate']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: aop ${cmd}`));
  }
  const r = await run(['call']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs a server URL/);
  assert.equal((await run(['frobnicate'])).code, 2);
});

test('aop serve --stdio speaks MCP on stdin/stdout', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', '--stdio', 'examples/agents'], { cwd: ROOT });
  try {
    const lines: string[] = [];
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    const send = (m: object) => child.stdin.write(JSON.stringify(m) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'text-stats', arguments: { task: 'a b c.' } } });
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.includes('"id":2')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const reply = JSON.parse(lines.find((l) => l.includes('"id":2'))!);
    assert.equal(reply.result.structuredContent.success, true);
    assert.match(reply.result.structuredContent.result, /Words: 3/);
  } finally {
    child.kill();
  }
});
