import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryInputProblem, registryNode } from '../../src/extension/explorer/registry-node';
import { parseRegistryUrl } from '../../src/core/registry/url';

test('the registry row shows live members, or the stale mark with why', () => {
  const live = registryNode('team', { url: 'etcd://e:2379/aop', stale: false, members: 4, rejected: 0 });
  assert.equal(live.label, 'Registry etcd://e:2379/aop');
  assert.equal(live.description, '4 live members');
  assert.equal(live.icon.id, 'database');
  assert.equal(live.contextValue, 'aop.registry');
  const stale = registryNode('team', { url: 'etcd://e:2379/aop', stale: true, staleSince: Date.now(), lastError: 'etcd unreachable: ECONNREFUSED', members: 4, rejected: 1 });
  assert.match(stale.description!, /^stale since .* · 4 members \(last seen\)$/);
  assert.match(stale.tooltip!, /etcd unreachable: ECONNREFUSED/);
  assert.match(stale.tooltip!, /1 record\(s\) refused/);
  assert.equal(stale.contextValue, 'aop.registry.stale');
});

test('Add Cluster validates the registry URL in the user\'s words', () => {
  assert.equal(registryInputProblem('etcd://127.0.0.1:2379/aop', parseRegistryUrl), undefined);
  assert.match(registryInputProblem('http://x:1/aop', parseRegistryUrl)!, /is not an etcd URL/);
  assert.match(registryInputProblem('etcd://h:2379', parseRegistryUrl)!, /has no key prefix/);
});
