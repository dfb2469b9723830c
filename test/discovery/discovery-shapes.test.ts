import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { AGENT_DEFAULTS, type AgentDefinition } from '../../src/core/agents/definition';
import { toCallToolResult } from '../../src/core/execution/tool-schema';
import {
  agentDetailsResult,
  agentDiscoveryInfo,
  agentsInfoResult,
  discoverAgentsResult,
  listAgentsResult,
  searchAgentsResult,
  shortSystemPrompt,
} from '../../src/core/discovery/agent-results';
import { discoveryToolInputs } from '../../src/core/discovery/inputs';
import { formatLocalTimestamp, queueStatsResult, serverInfoResult } from '../../src/core/discovery/server-results';
import { cancelTaskResult, taskStatusResult, type TaskLookup } from '../../src/core/discovery/task-results';
import type { AgentRuntimeInfo, TaskRecord } from '../../src/core/discovery/wire-types';

function agent(over: Partial<AgentDefinition> & { name: string }): AgentDefinition {
  return {
    id: `id-${over.name}`,
    description: `${over.name} agent`,
    provider: 'editor',
    maxLoops: AGENT_DEFAULTS.maxLoops,
    timeout: AGENT_DEFAULTS.timeout,
    maxRetries: AGENT_DEFAULTS.maxRetries,
    maxConcurrency: AGENT_DEFAULTS.maxConcurrency,
    queueLimit: AGENT_DEFAULTS.queueLimit,
    tags: [],
    capabilities: [],
    role: AGENT_DEFAULTS.role,
    systemPrompt: '',
    source: { file: `/agents/${over.name}.agent.md`, kind: 'aop' },
    ...over,
  };
}

const researcher = agent({
  name: 'researcher',
  description: 'Finds and summarises Papers',
  model: 'gpt-4o-mini',
  temperature: 0.2,
  maxTokens: 2000,
  maxLoops: 2,
  tags: ['Research', 'web'],
  capabilities: ['search', 'summarization'],
  role: 'specialist',
  systemPrompt: 'x'.repeat(250),
});
const coder = agent({
  name: 'coder',
  description: 'Writes TypeScript',
  tags: ['code'],
  capabilities: ['Refactoring'],
  systemPrompt: 'You write code.',
});
const reviewer = agent({ name: 'reviewer', description: 'Reviews pull requests', role: 'reviewer' });
const agents = [researcher, coder, reviewer];

const DISCOVERY_KEYS = [
  'tool_name',
  'agent_name',
  'description',
  'short_system_prompt',
  'tags',
  'capabilities',
  'role',
  'model_name',
  'max_loops',
  'temperature',
  'max_tokens',
];
const AGENT_INFO_KEYS = [
  'tool_name',
  'agent_name',
  'agent_description',
  'model_name',
  'max_loops',
  'tool_description',
  'timeout',
  'max_retries',
  'verbose',
  'traceback_enabled',
];
const QUEUE_KEYS = [
  'total_tasks',
  'completed_tasks',
  'failed_tasks',
  'pending_tasks',
  'processing_tasks',
  'average_processing_time',
  'queue_size',
  'queue_status',
];

describe('discovery info', () => {
  it('has the reference keys in order and the reference fallbacks', () => {
    const info = agentDiscoveryInfo(coder);
    assert.deepEqual(Object.keys(info), DISCOVERY_KEYS);
    assert.deepEqual(info, {
      tool_name: 'coder',
      agent_name: 'coder',
      description: 'Writes TypeScript',
      short_system_prompt: 'You write code.',
      tags: ['code'],
      capabilities: ['Refactoring'],
      role: 'worker',
      model_name: 'Unknown',
      max_loops: 1,
      temperature: 0.5,
      max_tokens: 4096,
    });
    const r = agentDiscoveryInfo(researcher);
    assert.equal(r.model_name, 'gpt-4o-mini');
    assert.equal(r.temperature, 0.2);
    assert.equal(r.max_tokens, 2000);
    assert.equal(r.max_loops, 2);
    assert.equal(r.role, 'specialist');
  });

  it('cuts the system prompt at 200 code points and adds "..." only when cut', () => {
    assert.equal(shortSystemPrompt('x'.repeat(200)), 'x'.repeat(200));
    assert.equal(shortSystemPrompt('x'.repeat(201)), 'x'.repeat(200) + '...');
    assert.equal(agentDiscoveryInfo(researcher).short_system_prompt.length, 203);
    const emoji = '😀'.repeat(201);
    assert.equal(shortSystemPrompt(emoji), '😀'.repeat(200) + '...');
    assert.equal(shortSystemPrompt(''), '');
  });
});

describe('discover_agents', () => {
  it('lists all agents when no name (or an empty name) is given', () => {
    for (const name of [undefined, null, '']) {
      const res = discoverAgentsResult(agents, name);
      assert.deepEqual(Object.keys(res), ['success', 'agents']);
      assert.equal(res.success, true);
      assert.deepEqual(
        res.agents.map((a) => a.agent_name),
        ['researcher', 'coder', 'reviewer'],
      );
    }
  });
  it('returns one agent or the not-found envelope', () => {
    const one = discoverAgentsResult(agents, 'coder');
    assert.deepEqual(one, { success: true, agents: [agentDiscoveryInfo(coder)] });
    assert.deepEqual(discoverAgentsResult(agents, 'nope'), {
      success: false,
      error: "Agent 'nope' not found",
      agents: [],
    });
  });
});

describe('get_agent_details / get_agents_info / list_agents', () => {
  it('get_agent_details', () => {
    const res = agentDetailsResult(agents, 'researcher');
    assert.deepEqual(Object.keys(res), ['success', 'agent_info', 'discovery_info']);
    assert.ok(res.success);
    assert.deepEqual(Object.keys(res.agent_info), AGENT_INFO_KEYS);
    assert.equal(res.agent_info.timeout, 60);
    assert.equal(res.agent_info.max_retries, 2);
    assert.equal(res.agent_info.traceback_enabled, true);
    assert.deepEqual(agentDetailsResult(agents, 'ghost'), {
      success: false,
      error: "Agent 'ghost' not found",
      agent_info: null,
    });
  });

  it('get_agents_info', () => {
    assert.deepEqual(agentsInfoResult(agents, []), {
      success: false,
      error: 'No agent names provided',
      agents_info: [],
    });
    const res = agentsInfoResult(agents, ['coder', 'ghost', 'coder']);
    assert.ok(res.success);
    assert.deepEqual(Object.keys(res), ['success', 'agents_info', 'not_found', 'total_found', 'total_requested']);
    assert.deepEqual(Object.keys(res.agents_info[0]!), ['agent_name', 'agent_info', 'discovery_info']);
    assert.deepEqual(res.not_found, ['ghost']);
    assert.equal(res.total_found, 2);
    assert.equal(res.total_requested, 3);
  });

  it('list_agents', () => {
    assert.deepEqual(listAgentsResult(agents), {
      success: true,
      agent_names: ['researcher', 'coder', 'reviewer'],
      total_count: 3,
    });
    assert.deepEqual(listAgentsResult([]), { success: true, agent_names: [], total_count: 0 });
  });
});

describe('search_agents', () => {
  const names = (r: ReturnType<typeof searchAgentsResult>) => (r.success ? r.matching_agents.map((a) => a.agent_name) : null);

  it('rejects an empty query', () => {
    assert.deepEqual(searchAgentsResult(agents, ''), {
      success: false,
      error: 'No search query provided',
      matching_agents: [],
    });
  });
  it('matches case-insensitive substrings over the default fields', () => {
    const res = searchAgentsResult(agents, 'PAPER');
    assert.deepEqual(Object.keys(res), ['success', 'matching_agents', 'total_matches', 'query', 'search_fields']);
    assert.deepEqual(names(res), ['researcher']);
    assert.ok(res.success);
    assert.deepEqual(res.search_fields, ['name', 'description', 'tags', 'capabilities']);
    assert.equal(res.query, 'PAPER');
    assert.equal(res.total_matches, 1);
    assert.deepEqual(names(searchAgentsResult(agents, 'refactor')), ['coder']); // capability
    assert.deepEqual(names(searchAgentsResult(agents, 'research')), ['researcher']); // name + tag
    assert.deepEqual(names(searchAgentsResult(agents, 'review')), ['reviewer']);
  });
  it('honours search_fields: only listed fields, [] matches nothing, unknown fields ignored', () => {
    assert.deepEqual(names(searchAgentsResult(agents, 'code', ['tags'])), ['coder']);
    assert.deepEqual(names(searchAgentsResult(agents, 'typescript', ['name'])), []);
    assert.deepEqual(names(searchAgentsResult(agents, 'coder', [])), []);
    const res = searchAgentsResult(agents, 'coder', ['bogus', 'name']);
    assert.deepEqual(names(res), ['coder']);
    assert.ok(res.success);
    assert.deepEqual(res.search_fields, ['bogus', 'name']);
  });
  it('does not trim or tokenise the query', () => {
    assert.deepEqual(names(searchAgentsResult(agents, 'pull request')), ['reviewer']);
    assert.deepEqual(names(searchAgentsResult(agents, ' coder')), []);
  });
});

describe('get_server_info', () => {
  const runtime = new Map<string, AgentRuntimeInfo>([
    ['coder', { state: 'BUSY', inFlight: 1, queued: 2, completed: 5, failed: 1, avgLatencyMs: 1500 }],
    ['reviewer', { state: 'ACTIVE', inFlight: 0, queued: 0, completed: 0, failed: 0, paused: true }],
  ]);
  const started = Date.UTC(2025, 0, 2, 3, 4, 5);

  it('has the reference key set', () => {
    const res = serverInfoResult(
      {
        name: 'AOP Cluster',
        description: 'test',
        host: 'localhost',
        port: 8000,
        transport: 'streamable-http',
        startedAt: started,
        now: started + 12_500,
      },
      agents,
      runtime,
    );
    assert.deepEqual(Object.keys(res), ['success', 'server_info']);
    assert.ok(res.success);
    const s = res.server_info;
    assert.deepEqual(Object.keys(s), [
      'server_name',
      'description',
      'total_tools',
      'total_agents',
      'tools',
      'agent_names',
      'created_at',
      'created_at_iso',
      'uptime_seconds',
      'verbose',
      'traceback_enabled',
      'log_level',
      'transport',
      'host',
      'port',
      'queue_enabled',
      'persistence_enabled',
      'network_monitoring_enabled',
      'persistence',
      'network',
      'tool_details',
      'queue_config',
      'queue_stats',
    ]);
    assert.equal(s.total_tools, 3);
    assert.deepEqual(s.tools, s.agent_names);
    assert.equal(s.created_at, started / 1000);
    assert.equal(s.created_at_iso, formatLocalTimestamp(started));
    assert.match(s.created_at_iso, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(s.uptime_seconds, 12.5);
    assert.deepEqual(Object.keys(s.persistence), [
      'persistence_enabled',
      'shutdown_requested',
      'restart_count',
      'max_restart_attempts',
      'restart_delay',
      'remaining_restarts',
    ]);
    assert.deepEqual(Object.keys(s.network), [
      'network_monitoring_enabled',
      'network_connected',
      'network_retry_count',
      'max_network_retries',
      'network_retry_delay',
      'network_timeout',
      'last_network_error',
      'remaining_network_retries',
      'host',
      'port',
    ]);
    assert.deepEqual(Object.keys(s.tool_details), ['researcher', 'coder', 'reviewer']);
    assert.deepEqual(Object.keys(s.tool_details.coder!), AGENT_INFO_KEYS);
    assert.deepEqual(Object.keys(s.queue_config!), [
      'max_workers_per_agent',
      'max_queue_size_per_agent',
      'processing_timeout',
      'retry_delay',
    ]);
    assert.deepEqual(s.queue_stats!.coder, {
      status: 'running',
      total_tasks: 9,
      completed_tasks: 5,
      failed_tasks: 1,
      pending_tasks: 2,
      processing_tasks: 1,
      average_processing_time: 1.5,
      queue_size: 2,
    });
    assert.equal(s.queue_stats!.reviewer!.status, 'paused');
    assert.equal(s.queue_stats!.researcher!.total_tasks, 0);
  });

  it('omits queue blocks when the queue is disabled and adds version when given', () => {
    const res = serverInfoResult(
      { name: 'x', host: 'h', port: 1, transport: 'stdio', startedAt: new Date(0), now: 0, queueEnabled: false, version: '0.1.0' },
      [],
    );
    assert.ok(res.success);
    assert.equal('queue_config' in res.server_info, false);
    assert.equal('queue_stats' in res.server_info, false);
    assert.equal(res.server_info.version, '0.1.0');
  });
});

describe('get_queue_stats', () => {
  const runtime = new Map<string, AgentRuntimeInfo>([
    ['coder', { state: 'ACTIVE', inFlight: 1, queued: 0, completed: 3, failed: 0, cancelled: 1, avgLatencyMs: 250 }],
  ]);
  it('single agent', () => {
    const res = queueStatsResult(agents, runtime, 'coder');
    assert.deepEqual(Object.keys(res), ['success', 'agent_name', 'stats']);
    assert.ok(res.success && 'agent_name' in res);
    assert.deepEqual(Object.keys(res.stats), QUEUE_KEYS);
    assert.equal(res.stats.total_tasks, 5);
    assert.equal(res.stats.average_processing_time, 0.25);
    assert.equal(res.stats.queue_status, 'running');
  });
  it('all agents', () => {
    for (const name of [undefined, '']) {
      const res = queueStatsResult(agents, runtime, name);
      assert.deepEqual(Object.keys(res), ['success', 'stats', 'total_agents']);
      assert.ok(res.success && 'total_agents' in res);
      assert.equal(res.total_agents, 3);
      assert.deepEqual(Object.keys(res.stats.reviewer!), QUEUE_KEYS);
    }
  });
  it('errors', () => {
    assert.deepEqual(queueStatsResult(agents, runtime, 'ghost'), {
      success: false,
      error: "Agent 'ghost' not found or has no queue",
      stats: {},
    });
    assert.deepEqual(queueStatsResult(agents, runtime, 'coder', { queueEnabled: false }), {
      success: false,
      error: 'Queue system is not enabled',
      stats: {},
    });
  });
});

describe('get_task_status / cancel_task', () => {
  const tasks = new Map<string, TaskRecord>([
    ['t1', { task_id: 't1', agent_name: 'coder', status: 'completed', created_at: 1700000000.5, result: 'done', retry_count: 0, max_retries: 2 }],
    ['t2', { task_id: 't2', agent_name: 'coder', status: 'pending', created_at: 1700000001 }],
  ]);
  const lookup: TaskLookup = { agentNames: agents.map((a) => a.name), getTask: (id) => tasks.get(id) };

  it('returns the task dict', () => {
    const res = taskStatusResult(lookup, { task_id: 't1' });
    assert.deepEqual(res, {
      success: true,
      task: {
        task_id: 't1',
        status: 'completed',
        created_at: 1700000000.5,
        result: 'done',
        error: null,
        retry_count: 0,
        max_retries: 2,
        priority: 0,
      },
    });
    assert.ok(taskStatusResult(lookup, { task_id: 't1', agent_name: 'coder' }).success);
  });
  it('errors', () => {
    assert.deepEqual(taskStatusResult(lookup, { task_id: 'zz' }), {
      success: false,
      error: "Task 'zz' not found",
      task: null,
    });
    assert.deepEqual(taskStatusResult(lookup, { task_id: 't1', agent_name: 'ghost' }), {
      success: false,
      error: "Agent 'ghost' not found or has no queue",
      task: null,
    });
    assert.deepEqual(taskStatusResult(lookup, { task_id: 't1', agent_name: 'reviewer' }), {
      success: false,
      error: "Task 't1' not found",
      task: null,
    });
    assert.equal(
      taskStatusResult({ ...lookup, queueEnabled: false }, { task_id: 't1' }).success,
      false,
    );
  });
  it('cancel envelope', () => {
    assert.deepEqual(cancelTaskResult('t2', true), { success: true, message: "Task 't2' cancelled" });
    assert.deepEqual(cancelTaskResult('t1', false), {
      success: false,
      message: "Task 't1' not found or already processed",
    });
  });
});

describe('tool results', () => {
  it('wraps a dict as structured content plus indented JSON text', () => {
    const value = listAgentsResult([coder]);
    const wrapped = toCallToolResult(value, undefined, 2);
    assert.equal(wrapped.isError, false);
    assert.equal(wrapped.structuredContent, value);
    assert.deepEqual(JSON.parse(wrapped.content[0]!.text), value);
    assert.ok(wrapped.content[0]!.text.includes('\n  "success": true'));
  });
  it('a failed envelope or agent result is an MCP tool error (isError: true)', () => {
    const notFound = toCallToolResult(discoverAgentsResult([coder], 'ghost'), undefined, 2);
    assert.equal(notFound.isError, true);
    assert.match(notFound.content[0]!.text, /Agent 'ghost' not found/);
    const failed = toCallToolResult({ result: '', success: false, error: 'boom' }, { 'aop/task_id': 't1' });
    assert.equal(failed.isError, true);
    assert.equal(failed.content[0]!.text, '{"result":"","success":false,"error":"boom"}');
    assert.deepEqual(failed._meta, { 'aop/task_id': 't1' });
    assert.equal(toCallToolResult({ result: 'ok', success: true, error: null })._meta, undefined);
  });
});

describe('input schemas', () => {
  it('covers the nine tools', () => {
    assert.deepEqual(Object.keys(discoveryToolInputs).sort(), [
      'cancel_task',
      'discover_agents',
      'get_agent_details',
      'get_agents_info',
      'get_queue_stats',
      'get_server_info',
      'get_task_status',
      'list_agents',
      'search_agents',
    ]);
  });
  it('required and optional arguments', () => {
    assert.ok(discoveryToolInputs.discover_agents.safeParse({}).success);
    assert.ok(discoveryToolInputs.discover_agents.safeParse({ agent_name: null }).success);
    assert.equal(discoveryToolInputs.get_agent_details.safeParse({}).success, false);
    assert.equal(discoveryToolInputs.search_agents.safeParse({}).success, false);
    assert.ok(discoveryToolInputs.search_agents.safeParse({ query: 'x' }).success);
    assert.equal(discoveryToolInputs.get_task_status.safeParse({}).success, false);
    assert.ok(discoveryToolInputs.cancel_task.safeParse({ task_id: 't', agent_name: 'coder' }).success);
    assert.ok(discoveryToolInputs.list_agents.safeParse({}).success);
  });
  it('accepts JSON-encoded arrays like FastMCP', () => {
    const parsed = discoveryToolInputs.get_agents_info.parse({ agent_names: '["a","b"]' });
    assert.deepEqual(parsed.agent_names, ['a', 'b']);
    assert.equal(discoveryToolInputs.get_agents_info.safeParse({ agent_names: 'a' }).success, false);
    const s = discoveryToolInputs.search_agents.parse({ query: 'q', search_fields: '["tags"]' });
    assert.deepEqual(s.search_fields, ['tags']);
  });
  it('converts to JSON Schema (as the MCP SDK does, io: input)', () => {
    for (const [name, schema] of Object.entries(discoveryToolInputs)) {
      const json = z.toJSONSchema(schema, { io: 'input' }) as { type: string; required?: string[] };
      assert.equal(json.type, 'object', name);
    }
    const search = z.toJSONSchema(discoveryToolInputs.search_agents, { io: 'input' }) as { required?: string[] };
    assert.deepEqual(search.required, ['query']);
    const status = z.toJSONSchema(discoveryToolInputs.get_task_status, { io: 'input' }) as { required?: string[] };
    assert.deepEqual(status.required, ['task_id']);
  });
});
