/*
 * What MCP itself fixes, for the plain code that speaks it without loading the SDK (a cold
 * `aop discover`, the server's direct paths): the SDK's own constants, held equal to them by
 * test/mcp-client/result-checks.test.ts.
 */

/** The MCP protocol versions spoken here, newest first (the SDK's SUPPORTED_PROTOCOL_VERSIONS). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];
export const LATEST_PROTOCOL_VERSION = SUPPORTED_PROTOCOL_VERSIONS[0];
/** The `_meta` key of a message related to an MCP task (the SDK's RELATED_TASK_META_KEY). */
export const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';
