import { AGENT_DEFAULTS, type AgentDefinition } from '../../src/core/agents/definition';

/** An agent definition for tests, with the file-format defaults. */
export function makeAgent(over: Partial<AgentDefinition> & { name: string }): AgentDefinition {
  return {
    id: `test-${over.name}`,
    description: `Test agent ${over.name}`,
    provider: 'openai',
    model: 'fake-model',
    maxLoops: AGENT_DEFAULTS.maxLoops,
    timeout: AGENT_DEFAULTS.timeout,
    maxRetries: AGENT_DEFAULTS.maxRetries,
    maxConcurrency: AGENT_DEFAULTS.maxConcurrency,
    queueLimit: AGENT_DEFAULTS.queueLimit,
    tags: [],
    capabilities: [],
    role: AGENT_DEFAULTS.role,
    systemPrompt: `You are ${over.name}.`,
    source: { file: `/virtual/${over.name}.agent.md`, kind: 'aop' },
    ...over,
  };
}
