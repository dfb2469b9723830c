import { z } from 'zod';
import type { DiscoveryToolName } from './wire-types';

/** FastMCP parses JSON strings given for non-string parameters; do the same for arrays. */
function jsonArray<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => {
    if (typeof v === 'string') {
      try {
        const parsed: unknown = JSON.parse(v);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        // not JSON: let the array check report it
      }
    }
    return v;
  }, z.array(item));
}

const optionalName = z.string().nullish();

export const discoveryToolInputs = {
  discover_agents: z.object({
    agent_name: optionalName.describe('An agent to describe; omit to describe all agents.'),
  }),
  get_agent_details: z.object({
    agent_name: z.string().describe('Name of the agent.'),
  }),
  get_agents_info: z.object({
    agent_names: jsonArray(z.string()).describe('Names of the agents.'),
  }),
  list_agents: z.object({}),
  search_agents: z.object({
    query: z.string().describe('Text to look for (case-insensitive substring).'),
    search_fields: jsonArray(z.string())
      .nullish()
      .describe('Fields to search: name, description, tags, capabilities. Default: all four.'),
  }),
  get_server_info: z.object({}),
  get_queue_stats: z.object({
    agent_name: optionalName.describe('An agent; omit for all agents.'),
  }),
  get_task_status: z.object({
    task_id: z.string().describe('Id of the task.'),
    agent_name: optionalName.describe('Agent owning the task (required by the reference; optional here).'),
  }),
  cancel_task: z.object({
    task_id: z.string().describe('Id of the task to cancel.'),
    agent_name: optionalName.describe('Agent owning the task (required by the reference; optional here).'),
  }),
} as const satisfies Record<DiscoveryToolName, z.ZodObject>;
