/**
 * The CLI's `--cluster FILE` (discover, call, serve) and `--search`, against real AOP servers on
 * ephemeral ports (test/support/cluster.ts startMember) and the built dist/cli.js.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CLI, ROOT, serveCli, type CliResult } from '../support/cli';
import { closedPort, startMember, type Member } from '../support/cluster';

/** `aop …` with extra environment variables (and no AOP_TOKEN from ours). */
function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, AOP_TOKEN: '', NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

let dir: string;
let s1: Member;
let s2: Member;
let locked: Member;
let deadUrl: string;

async function clusterFile(name: string, config: object): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(config));
  return file;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aop-cli-cluster-'));
  s1 = await startMember('s1', ['alpha', 'shared']);
  s2 = await startMember('s2', ['beta-writer', 'shared']);
  locked = await startMember('locked', ['secret-agent'], { token: 'team-secret' });
  deadUrl = `http://127.0.0.1:${await closedPort()}/mcp`;
});

after(async () => {
  await Promise.allSettled([s1.stop(), s2.stop(), locked.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('aop discover --cluster / --search', () => {
  test('--cluster FILE --json: every server with its health, the union of tools with their replicas', async () => {
    const file = await clusterFile('two', { name: 'team', servers: [{ url: s1.url, name: 'one' }, { url: s2.url, name: 'two' }] });
    const r = await run(['discover', '--cluster', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { cluster: string; servers: Array<{ name: string; status: string; agentCount: number }>; tools: Array<{ name: string; servers: string[] }> };
    assert.equal(out.cluster, 'team');
    assert.deepEqual(out.servers.map((s) => [s.name, s.status, s.agentCount]), [['one', 'up', 2], ['two', 'up', 2]]);
    assert.deepEqual(out.tools.map((t) => t.name).sort(), ['alpha', 'beta-writer', 'shared']);
    assert.equal(out.tools.find((t) => t.name === 'shared')!.servers.length, 2);
  });

  test('a dead server in the file: reported down with its error, exit code 1, the live one still listed', async () => {
    const file = await clusterFile('dead', { name: 'half', servers: [{ url: deadUrl, name: 'gone' }, { url: s1.url, name: 'one' }], timeout_ms: 2000 });
    const r = await run(['discover', '--cluster', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cluster half: 2 servers, 2 tools/);
    assert.match(r.stdout, new RegExp(`${deadUrl.replace(/[/.]/g, '\\$&')}\\s+down`));
    assert.match(r.stdout, /alpha/);
  });

  test('--search keeps only the matching agents (name, description, tags), also without a cluster file', async () => {
    const file = await clusterFile('search', { name: 'team', servers: [{ url: s1.url }, { url: s2.url }] });
    const hit = JSON.parse((await run(['discover', '--cluster', file, '--search', 'WRITER', '--json'])).stdout) as { tools: Array<{ name: string }> };
    assert.deepEqual(hit.tools.map((t) => t.name), ['beta-writer']);
    const none = await run(['discover', '--cluster', file, '--search', 'no-such-thing-at-all', '--json']);
    assert.equal(none.code, 0);
    assert.deepEqual(JSON.parse(none.stdout).tools, []);
    // ad-hoc cluster from URLs
    const urls = await run(['discover', s1.url, s2.url, '--search', 'alpha']);
    assert.equal(urls.code, 0, urls.stderr);
    assert.match(urls.stdout, /^alpha\s/m);
    assert.doesNotMatch(urls.stdout, /beta-writer/);
  });

  test('header placeholders in the file: ${env:NAME} sends the token; an unset variable is a clear error', async () => {
    const file = await clusterFile('auth', {
      name: 'secure',
      servers: [{ url: locked.url, headers: { Authorization: 'Bearer ${env:TEAM_TOKEN}' } }],
    });
    const ok = await run(['discover', '--cluster', file, '--json'], { TEAM_TOKEN: 'team-secret' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).tools.map((t: { name: string }) => t.name), ['secret-agent']);
    const wrong = await run(['discover', '--cluster', file, '--json'], { TEAM_TOKEN: 'wrong' });
    assert.equal(wrong.code, 1);
    assert.match(JSON.parse(wrong.stdout).servers[0].lastError, /401|unauthori[sz]ed|token/i);
    // unset: that server is down with the reason in its row; nothing is sent without the header
    const unset = await run(['discover', '--cluster', file]);
    assert.equal(unset.code, 1);
    assert.match(unset.stdout, /down .*header Authorization needs \$\{env:TEAM_TOKEN\}/);
    assert.doesNotMatch(unset.stderr + unset.stdout, /\n\s+at /, 'no stack trace');
  });

  test('a missing or broken cluster file: one clear line naming the file, no stack trace', async () => {
    const missing = await run(['discover', '--cluster', join(dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read cluster file .*nope\.json/);
    const broken = await clusterFile('broken', {});
    await writeFile(broken, '{ "name": "x", ');
    const bad = await run(['discover', '--cluster', broken]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /broken\.json is not valid JSON/);
    const invalid = await clusterFile('invalid', { name: 'has space', servers: [] });
    const inv = await run(['discover', '--cluster', invalid]);
    assert.equal(inv.code, 1);
    assert.match(inv.stderr, /invalid\.json/);
    for (const r of [missing, bad, inv]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('aop call --cluster', () => {
  test('routes the call to a replica and says which server answered; fails over from a dead one', async () => {
    const file = await clusterFile('call', { name: 'team', servers: [{ url: deadUrl, name: 'gone' }, { url: s2.url, name: 'two' }], routing: 'round-robin', timeout_ms: 2000 });
    const r = await run(['call', '--cluster', file, 'shared', '--task', 'hello cluster']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 's2: hello cluster');
    assert.match(r.stderr, /served by two/);
    const json = await run(['call', '--cluster', file, 'beta-writer', '--task', 'x', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout);
    assert.equal(result.structuredContent.result, 's2: x');
    assert.equal(result._meta['aop/served_by'].server, 'two');
  });

  test('an agent no server has: exit 1 with a clear error', async () => {
    const file = await clusterFile('call2', { name: 'team', servers: [{ url: s1.url }] });
    const r = await run(['call', '--cluster', file, 'nobody-has-me', '--task', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nobody-has-me/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('aop serve --cluster', () => {
  test('re-exports the cluster tools as <alias>__<tool>; a call crosses to the member', async () => {
    const file = await clusterFile('serve', { name: 'team', servers: [{ url: s1.url }, { url: s2.url }] });
    const { child, url } = await serveCli(['examples/agents', '--cluster', file]);
    const client = new Client({ name: 'cli-cluster-test', version: '0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      // discovery of the members runs in the background: wait for the re-exported tools (a state)
      let names: string[] = [];
      const deadline = Date.now() + 30_000;
      while (!names.includes('team__beta-writer')) {
        if (Date.now() > deadline) throw new Error(`no team__ tools: ${names.join(', ')}`);
        names = (await client.listTools()).tools.map((t) => t.name);
        if (!names.includes('team__beta-writer')) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(names.includes('text-stats'), 'the local agents stay');
      assert.deepEqual(names.filter((n) => n.startsWith('team__')).sort(), ['team__alpha', 'team__beta-writer', 'team__shared']);
      const r = await client.callTool({ name: 'team__alpha', arguments: { task: 'via serve' } });
      assert.deepEqual((r.structuredContent as { result: string }).result, 's1: via serve');
    } finally {
      await client.close().catch(() => undefined);
      child.kill('SIGTERM');
    }
  });
});
