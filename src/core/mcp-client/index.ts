/**
 * The one MCP client of the code base: the Node-native Streamable HTTP transport with the old
 * HTTP+SSE transport as fallback, and the connect helpers. Used by the cluster
 * (ServerConnection), federation, `aop call` / `aop task`, agent files' `mcp_servers` and the
 * conformance client.
 */
export { connectMcp, connectWithFallback, defaultTransportFactory, newClient, newSession, type TransportChoice, type TransportFactory } from './connect';
export { McpSession } from './mcp-session';
export { checkCallToolResult, checkListToolsResult } from './result-checks';
export { describeError, socketCode } from './errors';
export { destroyPooledAgents } from './pool';
export { CLIENT_USER_AGENT, NodeHttpClientTransport } from './streamable-http';
export { SseDataQueue, SseReader, type SseEvent } from './sse';
