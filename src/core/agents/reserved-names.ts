/**
 * Tool names every AOP server registers itself (discovery, queue, `call_agent`). An agent with one
 * of these names cannot be served (issue #15: it stopped `aop serve` at start-up); the parser
 * reports it and only that agent is skipped. test/agents/reserved-names.test.ts checks this list
 * against the tools a real server registers.
 */
export const RESERVED_TOOL_NAMES: ReadonlySet<string> = new Set([
  'discover_agents',
  'get_agent_details',
  'get_agents_info',
  'list_agents',
  'search_agents',
  'get_server_info',
  'get_queue_stats',
  'get_task_status',
  'cancel_task',
  'call_agent',
  'call_agents',
]);

export function isReservedToolName(name: string): boolean {
  return RESERVED_TOOL_NAMES.has(name);
}
