import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolRequestParams,
  type CallToolResult,
  type CreateTaskResult,
  type MessageExtraInfo,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { ProgressStream } from '../tasks/progress';
import { TASK_CAPABILITIES, ownerOf, registerTaskHandlers, startToolTask, type Notify } from '../tasks/mcp';
import { scopeRefusal, scopedMeta } from '../orchestration/scoped-tokens';
import { VERSION } from '../version';
import { checkHops, refusal } from './federation-meta';
import type { ServerContext } from './server-context';
import type { ToolCallContext } from './tool-registry';
import { toolsPage } from './tools-pages';
import type { DirectRequestHandler } from './streamable-http/node-http-transport';
import { isObject, surelyInitialize } from './streamable-http/request-checks';
import { LATEST_PROTOCOL_VERSION, RELATED_TASK_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '../mcp-protocol';

export interface McpHandlerOptions {
  /** Tools per tools/list page (0: every tool in one answer). */
  toolsPageSize: number;
  /** The server's bearer token: MCP tasks are owned by the session, or by the token holder. */
  token?: string;
}

const INSTRUCTIONS =
  'Each agent is a tool taking {task}. Use discover_agents / search_agents to find agents; results are {result, success, error}.';
const CAPABILITIES = { tools: { listChanged: true }, tasks: TASK_CAPABILITIES };

function serverInfo(server: ServerContext): { name: string; version: string; title: string } {
  return { name: server.name, version: VERSION, title: `AOP server ${server.name}` };
}

/**
 * One SDK Server (one per session) whose handlers read the server's shared ToolRegistry:
 * tools/list in pages, tools/call with the federation hop check, scoped tokens of command agents,
 * progress notifications and task-augmented calls, and the MCP tasks/* methods.
 */
export function createMcpServer(server: ServerContext, options: McpHandlerOptions): Server {
  const mcp = new Server(serverInfo(server), { capabilities: CAPABILITIES, instructions: INSTRUCTIONS });
  // The list is rebuilt only on change; each page is serialised once per version, not per request.
  mcp.setRequestHandler(ListToolsRequestSchema, (request) => toolsPage(server.tools.list(), request.params?.cursor, options.toolsPageSize));
  mcp.setRequestHandler(CallToolRequestSchema, (request, extra) => callTool(server, options, request.params, extra));
  registerTaskHandlers(mcp, server.tasks, (e) => ownerOf(e, options.token));
  return mcp;
}

/** What a tools/call handler reads from its request besides the params (the SDK's `extra`, or the direct path's). */
export interface CallExtra {
  signal: AbortSignal;
  sessionId?: string;
  authInfo?: AuthInfo;
  requestInfo?: MessageExtraInfo['requestInfo'];
  sendNotification: (notification: ServerNotification) => Promise<void>;
  /** The controller behind `signal`, when it belongs to this call alone (the direct path). */
  controller?: AbortController;
}

/**
 * tools/call: the federation hop check, scoped tokens of command agents, progress notifications
 * and task-augmented calls, then the tool's handler.
 */
async function callTool(server: ServerContext, options: McpHandlerOptions, params: CallToolRequestParams, extra: CallExtra): Promise<CallToolResult | CreateTaskResult> {
  const entry = server.tools.get(params.name);
  if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
  let meta = params._meta as Record<string, unknown> | undefined;
  const refused = checkHops(meta, server.id, server.maxHops);
  if (refused) return refusal(refused);
  // A `provider: command` child calling back with its invocation's token: its tools only, in its call chain.
  const scoped = server.orchestrator.tokens.fromHeader(extra.requestInfo?.headers?.authorization);
  if (scoped) {
    const denied = scopeRefusal(scoped, params.name, (n) => server.remote.get(n)?.cluster);
    if (denied) return refusal(denied);
    if (!scoped.root.take()) return refusal(`the tool-call budget of this request (${server.orchestrator.toolBudget}) is spent`);
    meta = scopedMeta(scoped, meta);
  }
  const progressToken = meta?.progressToken;
  // partial output, at most 10 notifications per second per call
  const stream =
    progressToken === undefined
      ? undefined
      : new ProgressStream((p) => void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: progressToken as string | number, ...p } }).catch(() => {}));
  const ctx: ToolCallContext = { signal: extra.signal, controller: extra.controller, meta, sessionId: extra.sessionId, ...stream?.hooks() };
  const args = params.arguments ?? {};
  if (params.task) {
    const owner = ownerOf(extra, options.token);
    return startToolTask(server.tasks, entry, args, ctx, owner, params.task.ttl, extra.sendNotification as Notify, () => stream?.close());
  }
  try {
    const result = await entry.handler(args, ctx);
    return entry.kind === 'remote' ? checkedRemoteResult(result, params.name) : result;
  } finally {
    stream?.close();
  }
}

/**
 * A re-exported tool's result came from a peer (untrusted): the cluster checks only its top-level
 * shape, so its content blocks are held to the MCP schema here (the SDK Server used to do it for
 * every call) — a malformed one becomes a tool error in words, never a broken answer to our caller.
 */
function checkedRemoteResult(result: CallToolResult, tool: string): CallToolResult {
  const parsed = CallToolResultSchema.safeParse(result);
  if (parsed.success) return result;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.').slice(0, 80)}` : '';
  return refusal(`the server behind ${tool.slice(0, 64)} sent a malformed tool result${where}: ${(issue?.message ?? 'invalid').slice(0, 200)}`);
}

/**
 * The requests a session's transport answers itself, without the SDK `Protocol` and `Server`:
 * the hot path and everything a client needs to reach it, so a session that only lists and calls
 * tools never loads the SDK (the session's `Server` is made on its first other request).
 * - `initialize` whose params surely pass the SDK's schema: the answer the SDK `Server` gives
 *   (version negotiation, capabilities, server info, instructions; a test holds the two equal).
 * - `ping`: `{}`. `tools/list`: the same page as the SDK handler (a non-string cursor goes to it).
 * - a plain `tools/call` (no task, not related to a task): the SDK `Protocol` would run three zod
 *   parses of the envelope (two failing, building issue objects), the `Server` a second parse of
 *   the request and one of our result. The same `callTool` runs; its answer or error becomes the
 *   same JSON-RPC response. Malformed params get an InvalidParams error in words (the SDK's message
 *   is its schema's issue list).
 * Anything else returns undefined and goes to the SDK.
 */
export function directRequests(server: ServerContext, options: McpHandlerOptions): DirectRequestHandler {
  return (request, extra) => {
    const params = request.params;
    switch (request.method) {
      case 'tools/call':
        break;
      case 'initialize': {
        if (!surelyInitialize(request)) return undefined;
        const requested = params!.protocolVersion as string;
        const protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
        return Promise.resolve({ protocolVersion, capabilities: CAPABILITIES, serverInfo: serverInfo(server), instructions: INSTRUCTIONS });
      }
      case 'ping':
        return Promise.resolve({});
      case 'tools/list': {
        const cursor = params?.cursor;
        if (cursor !== undefined && typeof cursor !== 'string') return undefined;
        try {
          return Promise.resolve(toolsPage(server.tools.list(), cursor, options.toolsPageSize));
        } catch (err) {
          return Promise.reject(err);
        }
      }
      default:
        return undefined;
    }
    if (params?.task !== undefined) return undefined;
    const meta = params?._meta as Record<string, unknown> | undefined;
    if (meta !== undefined && meta[RELATED_TASK_META_KEY] !== undefined) return undefined;
    // the SDK would answer these with its schema's issue list as the message
    if (typeof params?.name !== 'string') return Promise.reject(new McpError(ErrorCode.InvalidParams, 'tools/call needs params.name: the name of the tool to call (a string)'));
    const args = params.arguments;
    if (args !== undefined && !isObject(args)) {
      return Promise.reject(new McpError(ErrorCode.InvalidParams, `the arguments of ${params.name.slice(0, 64)} must be an object of named values, e.g. {"task": "…"}`));
    }
    return callTool(server, options, params as CallToolRequestParams, extra);
  };
}
