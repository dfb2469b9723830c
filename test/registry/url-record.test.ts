import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRegistryUrl, serverKey } from '../../src/core/registry/url';
import { parseServerRecord, recordInfos, recordOf, RECORD_LIMITS } from '../../src/core/registry/record';
import { parseClusterConfig } from '../../src/core/cluster/config';
import { makeAgent } from '../support/agents';

test('registry URLs: endpoints, prefix, TLS; clear errors for everything else', () => {
  const t = parseRegistryUrl('etcd://10.0.0.1:2379,etcd-1.svc:2379/team/aop/');
  assert.deepEqual(t.endpoints, ['http://10.0.0.1:2379', 'http://etcd-1.svc:2379']);
  assert.equal(t.prefix, '/team/aop');
  assert.equal(t.tls, false);
  assert.equal(serverKey(t, 'aop-1'), '/team/aop/servers/aop-1');
  assert.deepEqual(parseRegistryUrl('etcds://[::1]:2379/x').endpoints, ['https://[::1]:2379']);
  const bad: Array<[string, RegExp]> = [
    ['http://h:1/x', /is not an etcd URL/],
    ['etcd:///x', /names no etcd host/],
    ['etcd://h/x', /"h" is not host:port/],
    ['etcd://h:99999/x', /out of range/],
    ['etcd://h:1', /has no key prefix/],
    ['etcd://h:1/a b', /must be 1-8 path segments/],
    ['etcd://u:p@h:1/x', /credentials in flags or environment/],
    [`etcd://${Array.from({ length: 17 }, (_, i) => `h${i}:1`).join(',')}/x`, /at most 16/],
  ];
  for (const [url, re] of bad) assert.throws(() => parseRegistryUrl(url), re, url);
});

test('records: what a server announces round-trips; a peer\'s bad record is refused with a reason', () => {
  const server = { id: 'aop-1', name: 'aop', startedAt: 5, agents: () => [makeAgent({ name: 'a1', tags: ['t'], capabilities: ['c'] })] };
  const rec = recordOf(server, 'http://10.0.0.5:8000/mcp', 2, '0.1.0');
  const back = parseServerRecord(JSON.stringify(rec));
  assert.ok('record' in back);
  assert.deepEqual(back.record, rec);
  const [info] = recordInfos(rec);
  assert.equal(info.tool.name, 'a1');
  assert.equal(info.isAgent, true);
  assert.deepEqual(info.tags, ['t']);
  assert.deepEqual((info.tool._meta as Record<string, unknown>)['aop/route'], ['aop-1']);
  assert.deepEqual((info.tool.inputSchema as { required?: string[] }).required, ['task']);

  const refuse = (value: unknown, re: RegExp) => {
    const r = parseServerRecord(typeof value === 'string' ? value : JSON.stringify(value));
    assert.ok('error' in r && re.test(r.error), `${JSON.stringify(r)} should match ${re}`);
  };
  refuse('nope', /not JSON/);
  refuse('x'.repeat(RECORD_LIMITS.bytes + 1), /exceeds/);
  refuse({ ...rec, url: 'javascript:alert(1)' }, /url/);
  refuse({ ...rec, agents: [{ name: 'bad name!' }] }, /agents\.0\.name/);
  refuse({ ...rec, agents: [{ name: 'a', tags: Array(100).fill('t') }] }, /agents\.0\.tags/);
  refuse({ ...rec, id: 'a/b' }, /id/);
});

test('cluster config: a registry alone, beside servers, or neither (clear error)', () => {
  assert.equal(parseClusterConfig({ name: 'team', registry: 'etcd://h:2379/aop' }).servers.length, 0);
  assert.equal(parseClusterConfig({ name: 'team', registry: 'etcd://h:2379/aop', servers: ['http://a:1/mcp'] }).servers.length, 1);
  assert.throws(() => parseClusterConfig({ name: 'team' }), /a cluster needs at least one server or a registry/);
  assert.throws(() => parseClusterConfig({ name: 'team', registry: 'etcd://h/aop' }), /registry: registry "etcd:\/\/h\/aop": "h" is not host:port/);
});
