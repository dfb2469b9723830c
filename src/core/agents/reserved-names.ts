/**
 * Tool names every AOP server registers itself (discovery, queue, `call_agent`). An agent with one
 * of these names cannot be served (issue #15: it stopped `aop serve` at start-up); the parser
 * reports it and only that agent is skipped. test/agents/reserved-names.test.ts checks this list
 * against the tools a real server registers.
 */
/** Names of the swarms-compatible discovery tools, as the reference registers them. */
export const DISCOVERY_TOOL_NAMES = [
  'discover_agents',
  'get_agent_details',
  'get_agents_info',
  'list_agents',
  'search_agents',
  'get_server_info',
] as const;
/** Names of the swarms-compatible queue tools. */
export const QUEUE_TOOL_NAMES = ['get_queue_stats', 'get_task_status', 'cancel_task'] as const;

export const RESERVED_TOOL_NAMES: ReadonlySet<string> = new Set([...DISCOVERY_TOOL_NAMES, ...QUEUE_TOOL_NAMES, 'call_agent', 'call_agents']);

export function isReservedToolName(name: string): boolean {
  return RESERVED_TOOL_NAMES.has(name);
}
