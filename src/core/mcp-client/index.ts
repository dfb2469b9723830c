/**
 * The one MCP client of the code base: the Node-native Streamable HTTP transport with the old
 * HTTP+SSE transport as fallback, and the connect helpers. Used by the cluster
 * (ServerConnection), federation, `aop call` / `aop task`, agent files' `mcp_servers` and the
 * conformance client.
 */
export {
  connectMcp,
  connectWithFallback,
  defaultTransportFactory,
  newClient,
  type ConnectOptions,
  type TransportChoice,
  type TransportFactory,
  type TransportKind,
} from './connect';
export { McpHttpError, describeError, socketCode } from './errors';
export { LegacySseClientTransport, type LegacySseClientTransportOptions } from './legacy-sse';
export { destroyPooledAgents, pooledAgent } from './pool';
export { CLIENT_USER_AGENT, DEFAULT_MAX_RESPONSE_BYTES, NodeHttpClientTransport, type NodeHttpClientTransportOptions } from './streamable-http';
export { SseDataQueue, SseReader, type SseEvent } from './sse';
