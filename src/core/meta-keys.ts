/**
 * Every `_meta` key AOP writes or reads on MCP messages, written once. Keys with the `aop/` prefix
 * are ours; `traceparent` / `tracestate` are W3C trace context carried the way MCP tools usually
 * carry it. Values read from peers are untrusted: the modules that read them bound them.
 */

// ---- tools (tools/list) ----------------------------------------------------------------------

/** The servers a tool passes through; federation uses it to never import its own tools. */
export const ROUTE_META = 'aop/route';
/** An agent tool's model, provider, tags, capabilities and role. */
export const AGENT_META = 'aop/agent';
/** A re-exported (federated) tool: its name on the remote side and the servers that offer it. */
export const REMOTE_META = 'aop/remote';
/** A tool of an A2A peer: card URL, endpoint, version, streaming. */
export const A2A_META = 'aop/a2a';

// ---- tools/call requests ---------------------------------------------------------------------

/** Federation (paper §5.5): how many servers the call crossed, and which. */
export const HOPS_META = 'aop/hops';
export const CHAIN_META = 'aop/chain';
/** Agents calling agents: the agents the call passed through (depth and cycle guards). */
export const AGENT_CHAIN_META = 'aop/agent_chain';
/** The root request's id, and what is left of its tool-call budget and wall time. */
export const ROOT_META = 'aop/root';
export const BUDGET_META = 'aop/tool_budget';
export const TIME_LEFT_META = 'aop/time_left_ms';
/** W3C trace context of the caller's span. */
export const TRACEPARENT_KEY = 'traceparent';
export const TRACESTATE_KEY = 'tracestate';

// ---- tools/call results ----------------------------------------------------------------------

/** The id of the call in the server's task store (`get_task_status`, A2A task metadata). */
export const TASK_ID_META = 'aop/task_id';
/** The server's trace id (always present on agent calls). */
export const TRACE_ID_KEY = 'aop/trace_id';
/** The spans the server recorded for a traced call (when the caller sent a traceparent). */
export const SPANS_KEY = 'aop/spans';
/** Which cluster member answered (protocol, server, URL, attempts). */
export const SERVED_BY_META = 'aop/served_by';
/** The protocol a remote call went over when it was not MCP (`a2a`). */
export const PROTOCOL_META = 'aop/protocol';
/** A call that ran as a task on the next server: that hop's own task id. */
export const REMOTE_TASK_META = 'aop/remote_task';
/** The A2A task id of a call to an A2A peer. */
export const A2A_TASK_META = 'a2a/task_id';

// ---- notifications/progress ------------------------------------------------------------------

/** The step a call is at (attempt, tool-loop turn, tool). */
export const STEP_META = 'aop/step';
