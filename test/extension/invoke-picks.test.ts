import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { readinessOf } from '../../src/core/agents/readiness';
import { orderPicks, NOT_READY_GROUP, type PickEntry } from '../../src/extension/agent-picks';
import { workspaceChildren, workspaceRoot } from '../../src/extension/explorer/nodes';
import { makeAgent } from '../support/agents';
import { closedPort } from '../support/cluster';

const EXAMPLES = path.resolve(__dirname, '../../examples/agents');

test('readiness: a missing program, no editor model, a dead or keyless model server say why; the rest can run', async () => {
  const listening = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => listening.once('listening', r));
  const live = `http://127.0.0.1:${(listening.address() as { port: number }).port}/v1`;
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  try {
    const file = path.join(EXAMPLES, 'text-stats.agent.md');
    const agents = [
      makeAgent({ name: 'stats', provider: 'command', command: ['node', 'scripts/text-stats.js'], source: { file, kind: 'aop' } }),
      makeAgent({ name: 'gone', provider: 'command', command: ['no-such-program-aop'], source: { file, kind: 'aop' } }),
      makeAgent({ name: 'chat', provider: 'editor' }),
      makeAgent({ name: 'ollama', provider: 'openai', model: 'llama3.2', baseUrl: dead }),
      makeAgent({ name: 'local-llm', provider: 'openai', model: 'm', baseUrl: live }),
      makeAgent({ name: 'cloud', provider: 'openai', model: 'gpt-4o' }),
    ];
    const r = await readinessOf(agents, { editorModels: 0, env: { PATH: process.env.PATH } });
    assert.deepEqual(Object.fromEntries(r), {
      stats: { ready: true },
      gone: { ready: false, reason: 'program `no-such-program-aop` is not installed here' },
      chat: { ready: false, reason: 'no language model in this editor (sign in to a chat model provider)' },
      ollama: { ready: false, reason: `needs a model server at ${new URL(dead).origin} (nothing answers there)` },
      'local-llm': { ready: true },
      cloud: { ready: false, reason: '$OPENAI_API_KEY is not set' },
    });
    const withModel = await readinessOf([agents[2]], { editorModels: 1, env: {} });
    assert.deepEqual(withModel.get('chat'), { ready: true });
  } finally {
    listening.close();
  }
});

test('the Invoke quick pick lists what can run first (and pre-selects it), the others last with the reason', () => {
  const entry = (tool: string, ready: boolean, group = 'Workspace', cluster?: string): PickEntry => ({
    tool,
    cluster,
    group,
    icon: 'hubot',
    where: 'command',
    detail: `${tool} does things`,
    readiness: ready ? { ready } : { ready, reason: `${tool} needs Ollama` },
  });
  const rows = orderPicks([
    entry('code-reviewer', false),
    entry('planner', false),
    entry('text-stats', true),
    entry('remote-helper', true, 'Cluster team', 'team'),
    entry('remote-dead', false, 'Cluster team', 'team'),
  ]);
  const shown = rows.map((r) => ('separator' in r ? `-- ${r.separator}` : `${r.label} | ${r.description}`));
  assert.deepEqual(shown, [
    '-- Workspace',
    '$(hubot) text-stats | command',
    '-- Cluster team',
    '$(hubot) remote-helper | command',
    `-- ${NOT_READY_GROUP}`,
    '$(circle-slash) code-reviewer | code-reviewer needs Ollama',
    '$(circle-slash) planner | planner needs Ollama',
    '$(circle-slash) remote-dead | Cluster team · remote-dead needs Ollama',
  ]);
  // The quick pick pre-selects the first item: one that can run.
  const first = rows.find((r) => !('separator' in r));
  assert.equal(first && 'tool' in first ? first.tool : undefined, 'text-stats');
  assert.deepEqual(orderPicks([entry('a', false)]).map((r) => ('separator' in r ? r.separator : r.tool)), [NOT_READY_GROUP, 'a']);
});

test('the explorer marks a file with an error with the error icon; the Workspace row fits the sidebar', () => {
  const [problem] = workspaceChildren({ trusted: true, serverState: 'running', agents: [], problems: [{ file: '/w/bad.agent.md', line: 4, message: 'unknown key' }] });
  assert.deepEqual(problem.icon, { id: 'error', color: 'problemsErrorIcon.foreground' });
  const agents = [{ agent: makeAgent({ name: 'a' }) }, { agent: makeAgent({ name: 'b' }) }, { agent: makeAgent({ name: 'c' }) }];
  const root = workspaceRoot({ trusted: true, agents }, 'http://127.0.0.1:41234/mcp');
  assert.equal(root.description, '3 agents · :41234');
  assert.match(root.tooltip!, /Local AOP server: http:\/\/127\.0\.0\.1:41234\/mcp/);
  assert.equal(workspaceRoot({ trusted: true, agents: agents.slice(0, 1) }, undefined).description, '1 agent');
  assert.equal(workspaceRoot({ trusted: false, agents: [] }, undefined).description, 'not trusted');
});
