/**
 * The etcd registry against a real etcd (scripts/etcd-setup.sh installs Debian's etcd-server):
 * servers announce themselves under a lease, clusters read the prefix once and then watch it.
 * Skips with the reason printed where etcd is not installed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdSkipReason, startEtcd, type EtcdCluster } from '../support/etcd';
import { startMember, makeCluster, type Member } from '../support/cluster';
import { makeAgent } from '../support/agents';
import { waitUntil } from '../support/aop';
import { CLI, ROOT, runCli } from '../support/cli';
import { announceServer, type ServerAnnouncement } from '../../src/core/registry/announce-server';
import { parseRegistryUrl } from '../../src/core/registry/url';
import type { AopCluster } from '../../src/core/cluster/cluster';

const skip = etcdSkipReason();
if (skip) console.log(`# etcd registry tests skipped: ${skip}`);

const toolsOf = (c: AopCluster) => (c.registry?.entries() ?? []).map((e) => `${e.name}@${e.replicas.map((r) => r.serverId).sort().join('+')}`).sort();

async function announced(member: Member, url: string, ttlSeconds = 10): Promise<ServerAnnouncement> {
  return announceServer(member.server, { target: parseRegistryUrl(url), advertiseUrl: member.url, ttlSeconds });
}

/** Starts `aop serve` with agents answering through a `command` (no model) and a registry. */
function serveProcess(dir: string, args: string[]): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0', '--no-watch', '--traces-dir', join(dir, '.traces'), ...args], {
      cwd: ROOT,
      env: { ...process.env, AOP_TOKEN: '' },
    });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`aop serve did not start: ${err}`)), 20_000);
    child.stderr!.on('data', (c) => {
      err += c;
      const m = /serving \d+ agents at (http:\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], log: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aop serve exited with ${code}: ${err}`));
    });
  });
}

function agentDir(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'aop-reg-agents-'));
  for (const n of names) {
    writeFileSync(
      join(dir, `${n}.agent.md`),
      `---\nname: ${n}\ndescription: Agent ${n} answers with its task\nprovider: command\ncommand: ["${process.execPath}", "-e", "process.stdin.pipe(process.stdout)"]\ntags: [registry]\n---\nEcho.\n`,
    );
  }
  return dir;
}

describe('etcd registry', { skip, timeout: 120_000 }, () => {
  let etcd: EtcdCluster;
  let kv: Etcd3;
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let n = 0;
  const prefix = () => `/t${process.pid}x${n++}`;

  before(async () => {
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoints() });
  });
  after(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    kv?.close();
    await etcd?.stop();
  });

  it('a server registers its record under a lease; a registry cluster routes to it with no discovery round trip', async () => {
    const url = etcd.url(prefix());
    const m = await startMember('reg-a', ['alpha', 'beta']);
    cleanups.push(() => m.stop());
    const ann = await announced(m, url);
    cleanups.push(() => ann.close());
    assert.equal(ann.announcer.isRegistered, true);

    const raw = await kv.get(ann.announcer.key).string();
    const record = JSON.parse(raw!);
    assert.equal(record.url, m.url);
    assert.equal(record.id, 'reg-a');
    assert.deepEqual(record.agents.map((a: { name: string }) => a.name).sort(), ['alpha', 'beta']);
    assert.equal(typeof record.startedAt, 'number');
    const kvs = await kv.getAll().prefix(ann.announcer.key).exec();
    assert.notEqual(kvs.kvs[0].lease, '0', 'the record is under a lease');

    const cluster = makeCluster({ servers: undefined as never, registry: url });
    cleanups.push(() => cluster.close());
    let calls = 0;
    m.server.tools.on('changed', () => calls++);
    await cluster.discover();
    assert.deepEqual(toolsOf(cluster), ['alpha@reg-a', 'beta@reg-a']);
    assert.equal(cluster.health()[0].agentCount, 2);
    // Discovery came from the record: no MCP session was opened to the server.
    assert.equal((m.server as unknown as { sessions: Map<string, unknown> }).sessions.size, 0);
    const r = await cluster.call('alpha', { task: 'hello' });
    assert.equal((r.structuredContent as { result: string }).result, 'reg-a: hello');
    assert.equal(cluster.registryStatus()?.stale, false);
  });

  it('watch: a server that joins is routable, one that shuts down leaves at once (lease revoked)', async () => {
    const url = etcd.url(prefix());
    const cluster = makeCluster({ servers: undefined as never, registry: url });
    cleanups.push(() => cluster.close());
    await cluster.discover();
    assert.deepEqual(toolsOf(cluster), []);

    const m1 = await startMember('w1', ['gamma']);
    const m2 = await startMember('w2', ['gamma', 'delta']);
    cleanups.push(() => m1.stop(), () => m2.stop());
    const a1 = await announced(m1, url);
    const a2 = await announced(m2, url);
    await waitUntil(() => toolsOf(cluster).join() === 'delta@w2,gamma@w1+w2', 10_000, 'both servers joined');
    const r = await cluster.call('delta', { task: 'x' });
    assert.equal((r.structuredContent as { result: string }).result, 'w2: x');

    await a2.close();
    await waitUntil(() => toolsOf(cluster).join() === 'gamma@w1', 10_000, 'w2 left after revoking its lease');
    assert.equal(await kv.get(a2.announcer.key).string(), null);
    await a1.close();
    await waitUntil(() => toolsOf(cluster).length === 0, 10_000, 'w1 left');
  });

  it('agent changes propagate: the record is rewritten and the cluster routes to the new agent', async () => {
    const url = etcd.url(prefix());
    const m = await startMember('chg', ['one']);
    cleanups.push(() => m.stop());
    const ann = await announced(m, url);
    cleanups.push(() => ann.close());
    const cluster = makeCluster({ servers: undefined as never, registry: url });
    cleanups.push(() => cluster.close());
    await cluster.discover();
    assert.deepEqual(toolsOf(cluster), ['one@chg']);

    m.server.upsertAgent(makeAgent({ name: 'two', description: 'The second agent', tags: ['fresh'] }));
    await waitUntil(() => toolsOf(cluster).includes('two@chg'), 10_000, 'the new agent reached the cluster');
    assert.deepEqual(cluster.registry!.get('two')!.tags, ['fresh']);
    const r = await cluster.call('two', { task: 'y' });
    assert.equal((r.structuredContent as { result: string }).result, 'chg: y');
    m.server.removeAgent('one');
    await waitUntil(() => toolsOf(cluster).join() === 'two@chg', 10_000, 'the removed agent left the cluster');
  });

  it('records a peer wrote badly are ignored, the rest of the view stands', async () => {
    const p = prefix();
    const url = etcd.url(p);
    const m = await startMember('good', ['fine']);
    cleanups.push(() => m.stop());
    const ann = await announced(m, url);
    cleanups.push(() => ann.close());
    await kv.put(`${p}/servers/garbage`).value('{not json');
    await kv.put(`${p}/servers/huge`).value(JSON.stringify({ id: 'huge', url: 'http://127.0.0.1:1/mcp', name: 'x', startedAt: 1, agents: Array.from({ length: 2000 }, (_, i) => ({ name: `a${i}` })) }));
    await kv.put(`${p}/servers/badurl`).value(JSON.stringify({ id: 'badurl', url: 'file:///etc/passwd', name: 'x', startedAt: 1, agents: [] }));
    const cluster = makeCluster({ servers: undefined as never, registry: url });
    cleanups.push(() => cluster.close());
    await cluster.discover();
    assert.deepEqual(toolsOf(cluster), ['fine@good']);
    assert.equal(cluster.registryStatus()?.rejected, 3);
    assert.equal(cluster.servers.length, 1);
  });

  it('a server killed with -9 leaves when its lease expires', async () => {
    const url = etcd.url(prefix());
    const dir = agentDir(['echo-k']);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cluster = makeCluster({ servers: undefined as never, registry: url });
    cleanups.push(() => cluster.close());
    await cluster.discover();
    const srv = await serveProcess(dir, ['--registry', url, '--registry-ttl', '2']);
    cleanups.push(() => srv.child.kill('SIGKILL'));
    await waitUntil(() => toolsOf(cluster).some((t) => t.startsWith('echo-k@')), 10_000, 'the process registered');
    const r = await cluster.call('echo-k', { task: 'ping' });
    assert.match((r.structuredContent as { result: string }).result, /ping/);
    const killedAt = Date.now();
    srv.child.kill('SIGKILL');
    await waitUntil(() => toolsOf(cluster).length === 0, 15_000, 'the killed server left at lease expiry');
    // Not before the lease ran out: nobody revoked it.
    assert.ok(Date.now() - killedAt >= 1000, `left after ${Date.now() - killedAt} ms, before the 2 s lease could expire`);
  });

  it('a bad registry URL is a clear error at start-up', async () => {
    const serve = (...args: string[]) => runCli(['serve', '--port', '0', ...args]);
    const [bad, noPrefix, secret, ttl, wide] = await Promise.all([
      serve('--registry', 'http://127.0.0.1:2379/aop'),
      serve('--registry', 'etcd://127.0.0.1:2379'),
      serve('--registry', 'etcd://root:hunter2@127.0.0.1:2379/aop'),
      serve('--registry', 'etcd://127.0.0.1:2379/aop', '--registry-ttl', '0'),
      serve('--host', '0.0.0.0', '--token', 't', '--registry', 'etcd://127.0.0.1:2379/aop'),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--registry: registry "http:\/\/127\.0\.0\.1:2379\/aop" is not an etcd URL: expected etcd:\/\/host:port/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(noPrefix.code, 2);
    assert.match(noPrefix.stderr, /has no key prefix/);
    assert.equal(secret.code, 2);
    assert.match(secret.stderr, /put etcd credentials in flags or environment variables/);
    assert.doesNotMatch(secret.stderr, /hunter2/, 'credentials in the URL are not echoed');
    assert.equal(ttl.code, 2);
    assert.match(ttl.stderr, /--registry-ttl must be a whole number of seconds from 1 to 3600/);
    assert.equal(wide.code, 2);
    assert.match(wide.stderr, /needs --advertise/);

    const dir = mkdtempSync(join(tmpdir(), 'aop-reg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ name: 'team', registry: 'etcd://nohost/aop' }));
    writeFileSync(join(dir, 'd.json'), JSON.stringify({ name: 'team' }));
    const [disc, none] = await Promise.all([runCli(['discover', '--cluster', join(dir, 'c.json')]), runCli(['discover', '--cluster', join(dir, 'd.json')])]);
    assert.equal(disc.code, 1);
    assert.match(disc.stderr, /registry: registry "etcd:\/\/nohost\/aop": "nohost" is not host:port/);
    assert.match(none.stderr, /a cluster needs at least one server or a registry/);
  });
});

describe('etcd registry: faults', { skip, timeout: 120_000 }, () => {
  it('etcd fully down: servers keep serving, clusters keep the last view marked stale; when etcd is back servers register again', async () => {
    const etcd = await startEtcd();
    const cleanups: Array<() => Promise<unknown> | unknown> = [];
    try {
      const url = etcd.url('/down');
      const m = await startMember('dn', ['steady']);
      cleanups.push(() => m.stop());
      const ann = await announceServer(m.server, { target: parseRegistryUrl(url), advertiseUrl: m.url, ttlSeconds: 1 });
      cleanups.push(() => ann.close());
      const cluster = makeCluster({ servers: undefined as never, registry: url });
      cleanups.push(() => cluster.close());
      await cluster.discover();
      assert.deepEqual(toolsOf(cluster), ['steady@dn']);
      let lost = 0;
      let registered = 0;
      ann.announcer.on('lost', () => lost++);
      ann.announcer.on('registered', () => registered++);

      await etcd.kill(0);
      await waitUntil(() => cluster.registryStatus()?.stale === true, 15_000, 'the cluster marked its view stale');
      assert.deepEqual(toolsOf(cluster), ['steady@dn'], 'the last membership is kept');
      const r = await cluster.call('steady', { task: 'still there' });
      assert.equal((r.structuredContent as { result: string }).result, 'dn: still there');
      const dir = mkdtempSync(join(tmpdir(), 'aop-reg-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ name: 'team', registry: url }));
      const disc = await runCli(['discover', '--cluster', join(dir, 'c.json')]);
      assert.match(disc.stdout, /STALE since .*etcd unreachable/, disc.stdout + disc.stderr);
      assert.equal(disc.code, 1);
      // Down past the lease TTL: the registration is lost.
      await waitUntil(() => lost > 0, 15_000, 'the server noticed its lease was lost');
      assert.equal(ann.announcer.isRegistered, false);

      await etcd.restart(0);
      await waitUntil(() => registered > 0 && ann.announcer.isRegistered, 20_000, 'the server registered again');
      await waitUntil(() => cluster.registryStatus()?.stale === false, 20_000, 'the cluster view is fresh again');
      await waitUntil(() => toolsOf(cluster).join() === 'steady@dn', 10_000, 'the member is in the fresh view');
      const again = await cluster.call('steady', { task: 'back' });
      assert.equal((again.structuredContent as { result: string }).result, 'dn: back');
    } finally {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
      await etcd.stop();
    }
  });

  it('an etcd member killed during load: no call fails, the view stays current, a server joining afterwards is seen', async () => {
    const etcd = await startEtcd({ members: 3 });
    const cleanups: Array<() => Promise<unknown> | unknown> = [];
    try {
      const url = etcd.url('/load');
      const members: Member[] = [];
      for (const name of ['l0', 'l1']) {
        const m = await startMember(name, ['work']);
        members.push(m);
        cleanups.push(() => m.stop());
        const a = await announceServer(m.server, { target: parseRegistryUrl(url), advertiseUrl: m.url, ttlSeconds: 3 });
        cleanups.push(() => a.close());
      }
      const cluster = makeCluster({ servers: undefined as never, registry: url });
      cleanups.push(() => cluster.close());
      await cluster.discover();
      assert.deepEqual(toolsOf(cluster), ['work@l0+l1']);

      const CALLS = 2000;
      let next = 0;
      let ok = 0;
      const failures: string[] = [];
      let killed = false;
      const caller = async () => {
        for (let i = next++; i < CALLS; i = next++) {
          if (i === CALLS / 4 && !killed) {
            killed = true;
            void etcd.kill(0);
          }
          try {
            const r = await cluster.call('work', { task: `t${i}` });
            const res = (r.structuredContent as { result: string }).result;
            if (res.endsWith(`: t${i}`)) ok++;
            else failures.push(`#${i}: ${res}`);
          } catch (err) {
            failures.push(`#${i}: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, caller));
      assert.deepEqual(failures, []);
      assert.equal(ok, CALLS);

      const late = await startMember('l2', ['work']);
      cleanups.push(() => late.stop());
      const a = await announceServer(late.server, { target: parseRegistryUrl(url), advertiseUrl: late.url, ttlSeconds: 3 });
      cleanups.push(() => a.close());
      await waitUntil(() => toolsOf(cluster).join() === 'work@l0+l1+l2', 20_000, 'the late server joined with a member of etcd down');
      assert.equal(cluster.registryStatus()?.stale, false);
    } finally {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
      await etcd.stop();
    }
  });
});
