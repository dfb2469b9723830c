import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AgentDefinition } from '../agents/definition';
import { agentToolInputSchema, agentToolOutputSchema, describeAgentTool } from '../execution/tool-schema';
import { AGENT_META, ROUTE_META } from '../meta-keys';
import { TASK_EXECUTION } from '../tasks/mcp';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return rest as Tool['inputSchema'];
}

/** Computed once: every agent tool shares these schemas (Algorithm 1). */
export const INPUT_SCHEMA = jsonSchema(agentToolInputSchema, 'input');
export const OUTPUT_SCHEMA = jsonSchema(agentToolOutputSchema, 'output');

/** Algorithm 1: the MCP tool of an agent. */
export function agentTool(agent: AgentDefinition, serverId?: string): Tool {
  const d = describeAgentTool(agent);
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    inputSchema: INPUT_SCHEMA,
    outputSchema: OUTPUT_SCHEMA as Tool['outputSchema'],
    annotations: d.annotations,
    // long calls can run as MCP tasks (tools/call with params.task)
    execution: TASK_EXECUTION,
    _meta: {
      // The servers a tool passes through; federation uses it to never import its own tools.
      ...(serverId ? { [ROUTE_META]: [serverId] } : {}),
      [AGENT_META]: {
        model: agent.model ?? null,
        provider: agent.provider,
        tags: agent.tags,
        capabilities: agent.capabilities,
        role: agent.role,
      },
    },
  };
}
