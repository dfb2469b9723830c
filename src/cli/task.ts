import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema, McpError, type CallToolResult, type Task } from '@modelcontextprotocol/sdk/types.js';
import { connectMcp, NodeHttpClientTransport } from '../core';
import { printResult } from './print-result';
import { isHttpUrl } from './cluster-options';
import { describeConnectError } from './connection-errors';
import { UsageError, optList, optNumber, optString, parseHeaders, type CliCommand } from './usage';
import { TASK_SPEC } from './command-specs';

const ACTIONS = ['get', 'result', 'cancel', 'list'] as const;
type Action = (typeof ACTIONS)[number];

/** Headers for a server: -H flags plus the bearer token (--token or $AOP_TOKEN). */
function headersFrom(values: Record<string, unknown>): Record<string, string> {
  const headers = parseHeaders(optList(values, 'header'));
  const token = optString(values, 'token') ?? process.env.AOP_TOKEN;
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

/** A client on a new session, or on the session a detached call was made in (`--session`). */
async function open(url: string, values: Record<string, unknown>): Promise<Client> {
  const headers = headersFrom(values);
  const session = optString(values, 'session');
  if (!isHttpUrl(url)) throw new UsageError(`"${url}" is not a server URL; expected e.g. http://127.0.0.1:8000/mcp`);
  // with a session id the client skips initialize, goes on in that session and leaves it open
  return connectMcp(url, { headers, timeoutMs: 15_000, ...(session ? { sessionId: session, keepSession: true } : {}) }).catch((err: unknown) => {
    throw new Error(describeConnectError(url, err));
  });
}

function describe(t: Task): string {
  const msg = t.statusMessage ? `  ${t.statusMessage}` : '';
  return `${t.taskId}  ${t.status.padEnd(9)}  created ${t.createdAt}${msg}`;
}

/** `aop call … --detach`: starts the call as an MCP task and prints its id. */
export async function startDetached(
  url: string,
  tool: string,
  args: Record<string, unknown>,
  headers: Record<string, string>,
  ttlSeconds: number | undefined,
): Promise<number> {
  // no DELETE on close: the session (and a task bound to it) stays for `aop task … --session`
  const client = await connectMcp(url, { headers, timeoutMs: 15_000, keepSession: true }).catch((err: unknown) => {
    throw new Error(describeConnectError(url, err));
  });
  try {
    if (!client.getServerCapabilities()?.tasks?.requests?.tools?.call) {
      process.stderr.write(`aop call: ${url} does not run calls as tasks (no capabilities.tasks); call without --detach\n`);
      return 1;
    }
    const created = await client.request(
      { method: 'tools/call', params: { name: tool, arguments: args, task: ttlSeconds === undefined ? {} : { ttl: Math.round(ttlSeconds * 1000) } } },
      CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    process.stdout.write(`${id}\n`);
    const session = (client.transport as NodeHttpClientTransport | undefined)?.sessionId;
    const sessionHint = headers.Authorization || !session ? '' : ` --session ${session}`;
    process.stderr.write(
      `task ${id} is ${created.task.status} (kept ${Math.round((created.task.ttl ?? 0) / 1000)} s); ` +
        `follow it with: aop task result ${url} ${id}${sessionHint}\n`,
    );
    return 0;
  } finally {
    await client.close().catch(() => {});
  }
}

export const taskCommand: CliCommand = {
  ...TASK_SPEC,
  async run(values, positionals): Promise<number> {
    const [action, url, id] = positionals;
    if (!ACTIONS.includes(action as Action)) throw new UsageError(`first argument must be one of ${ACTIONS.join(', ')}`);
    if (!url) throw new UsageError('needs the server URL');
    if (action !== 'list' && !id) throw new UsageError(`"aop task ${action}" needs a task id`);
    const json = values.json === true;
    const client = await open(url, values);
    try {
      const tasks = client.experimental.tasks;
      switch (action as Action) {
        case 'get': {
          const t = await tasks.getTask(id);
          process.stdout.write(json ? JSON.stringify(t, null, 2) + '\n' : describe(t) + '\n');
          return 0;
        }
        case 'cancel': {
          const t = await tasks.cancelTask(id);
          process.stdout.write(json ? JSON.stringify(t, null, 2) + '\n' : describe(t) + '\n');
          return 0;
        }
        case 'result': {
          const ms = (optNumber(values, 'timeout') ?? 3600) * 1000;
          const r = (await tasks.getTaskResult(id, CallToolResultSchema, { timeout: ms, maxTotalTimeout: ms })) as CallToolResult;
          return printResult(r, json);
        }
        case 'list': {
          const all: Task[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 1000; page++) {
            const r = await tasks.listTasks(cursor);
            all.push(...r.tasks);
            cursor = r.nextCursor;
            if (!cursor) break;
          }
          if (json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
          else if (all.length === 0) process.stderr.write('no tasks for this caller\n');
          else for (const t of all) process.stdout.write(describe(t) + '\n');
          return 0;
        }
      }
    } catch (err) {
      if (err instanceof McpError) {
        process.stderr.write(`aop task ${action}: ${err.message.replace(/^(MCP error -?\d+: )+/, '')}\n`);
        return 1;
      }
      throw err;
    } finally {
      await client.close().catch(() => {});
    }
    return 1;
  },
};
