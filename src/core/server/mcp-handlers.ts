import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ProgressStream } from '../tasks/progress';
import { TASK_CAPABILITIES, ownerOf, registerTaskHandlers, startToolTask, type Notify } from '../tasks/mcp';
import { scopeRefusal, scopedMeta } from '../orchestration/scoped-tokens';
import { VERSION } from '../version';
import { checkHops, refusal } from './federation-meta';
import type { ServerContext } from './server-context';
import type { ToolCallContext } from './tool-registry';
import { toolsPage } from './tools-pages';

export interface McpHandlerOptions {
  /** Tools per tools/list page (0: every tool in one answer). */
  toolsPageSize: number;
  /** The server's bearer token: MCP tasks are owned by the session, or by the token holder. */
  token?: string;
}

const INSTRUCTIONS =
  'Each agent is a tool taking {task}. Use discover_agents / search_agents to find agents; results are {result, success, error}.';

/**
 * One SDK Server (one per session) whose handlers read the server's shared ToolRegistry:
 * tools/list in pages, tools/call with the federation hop check, scoped tokens of command agents,
 * progress notifications and task-augmented calls, and the MCP tasks/* methods.
 */
export function createMcpServer(server: ServerContext, options: McpHandlerOptions): Server {
  const mcp = new Server(
    { name: server.name, version: VERSION, title: `AOP server ${server.name}` },
    { capabilities: { tools: { listChanged: true }, tasks: TASK_CAPABILITIES }, instructions: INSTRUCTIONS },
  );
  // The list is rebuilt only on change; each page is serialised once per version, not per request.
  mcp.setRequestHandler(ListToolsRequestSchema, (request) => toolsPage(server.tools.list(), request.params?.cursor, options.toolsPageSize));
  mcp.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const entry = server.tools.get(request.params.name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    let meta = request.params._meta as Record<string, unknown> | undefined;
    const refused = checkHops(meta, server.id, server.maxHops);
    if (refused) return refusal(refused);
    // A `provider: command` child calling back with its invocation's token: its tools only, in its call chain.
    const scoped = server.orchestrator.tokens.fromHeader(extra.requestInfo?.headers?.authorization);
    if (scoped) {
      const denied = scopeRefusal(scoped, request.params.name, (n) => server.remote.get(n)?.cluster);
      if (denied) return refusal(denied);
      if (!scoped.root.take()) return refusal(`the tool-call budget of this request (${server.orchestrator.toolBudget}) is spent`);
      meta = scopedMeta(scoped, meta);
    }
    const progressToken = meta?.progressToken;
    // partial output, at most 10 notifications per second per call
    const stream =
      progressToken === undefined
        ? undefined
        : new ProgressStream((p) => void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...p } }).catch(() => {}));
    const ctx: ToolCallContext = { signal: extra.signal, meta, sessionId: extra.sessionId, ...stream?.hooks() };
    const args = request.params.arguments ?? {};
    if (request.params.task) {
      const owner = ownerOf(extra, options.token);
      return startToolTask(server.tasks, entry, args, ctx, owner, request.params.task.ttl, extra.sendNotification as Notify, () => stream?.close());
    }
    try {
      return await entry.handler(args, ctx);
    } finally {
      stream?.close();
    }
  });
  registerTaskHandlers(mcp, server.tasks, (e) => ownerOf(e, options.token));
  return mcp;
}
