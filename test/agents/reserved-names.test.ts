import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESERVED_TOOL_NAMES } from '../../src/core/agents/reserved-names';
import { AopServer } from '../../src/core/server/aop-server';
import { ensureCallAgentTool } from '../../src/core/cluster/federation';
import { createModelResolver } from '../../src/core/models/resolver';
import { childEnv } from '../../src/core/models/child-env';
import { sessionToEvict, roughBatchLength } from '../../src/core/server/limits';
import { federatedName } from '../../src/core/cluster/federation';
import { remoteNameProblem } from '../../src/core/cluster/remote-names';

describe('reserved names and small hardening helpers', () => {
  it('RESERVED_TOOL_NAMES is exactly what a server registers besides agents', async () => {
    const server = new AopServer({ port: 0, models: createModelResolver({ env: {} }) });
    ensureCallAgentTool(server);
    const builtIn = server.tools.names().filter((n) => server.tools.get(n)?.kind !== 'agent');
    assert.deepEqual([...builtIn].sort(), [...RESERVED_TOOL_NAMES].sort());
    await server.close();
  });

  it('childEnv passes the base names and listed names, never AOP_TOKEN, and extra on top', () => {
    const env = childEnv({ env: ['MINE', 'AOP_TOKEN'] }, { AOP_AGENT: 'a', AOP_SKIP: undefined }, { PATH: '/bin', MINE: '1', OTHER: '2', AOP_TOKEN: 't', LC_ALL: 'C' });
    assert.deepEqual(env, { PATH: '/bin', MINE: '1', LC_ALL: 'C', AOP_AGENT: 'a' });
  });

  it('sessionToEvict: busy sessions never, unproven sessions first, per address', () => {
    const s = (address: string, lastSeen: number, uses: number, busy = false) => ({ address, lastSeen, uses, busy: () => busy });
    const m = new Map([
      ['old-busy', s('a', 1, 9, true)],
      ['worker', s('a', 2, 9)],
      ['flood', s('a', 3, 1)],
      ['other', s('b', 0, 1)],
    ]);
    assert.equal(sessionToEvict(m, 'a', 100, 3), 'flood');
    assert.equal(sessionToEvict(m, 'c', 4, 100), 'other');
    assert.equal(sessionToEvict(m, 'c', 100, 100), null);
    assert.equal(sessionToEvict(new Map([['x', s('a', 1, 1, true)]]), 'a', 1, 1), undefined);
  });

  it('roughBatchLength counts messages of a batch without parsing, not escaped keys', () => {
    const batch = Buffer.from(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping', params: { x: '"jsonrpc"' } }, { jsonrpc: '2.0', id: 2, method: 'ping' }]));
    assert.equal(roughBatchLength(batch, 100), 2);
    assert.equal(roughBatchLength(Buffer.from('{"jsonrpc":"2.0"}'), 100), 0);
  });

  it('remote names: refused when deceptive, sanitised and hashed otherwise', () => {
    assert.equal(remoteNameProblem('ok_name'), undefined);
    assert.match(remoteNameProblem('a\u202eb')!, /bidirectional/);
    assert.match(remoteNameProblem('')!, /empty/);
    assert.equal(federatedName('r', 'plain', new Set()), 'r__plain');
    assert.match(federatedName('r', '../../etc', new Set()), /^r________etc_[0-9a-f]{6}$/);
    assert.notEqual(federatedName('r', 'a.b', new Set()), federatedName('r', 'a_b', new Set()));
  });
});
