import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectMcp, SERVED_BY_META } from '../core';
import { ProgressLine } from './progress';
import { printResult } from './print-result';
import { clusterFrom, isHttpUrl } from './cluster-options';
import { UsageError, optList, optNumber, optString, parseHeaders } from './usage';
import type { CliCommand } from './usage';
import { startDetached } from './task';
import { describeConnectError, unknownToolMessage } from './connection-errors';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CALL_SPEC } from './command-specs';

export const callCommand: CliCommand = {
  ...CALL_SPEC,
  async run(values: Record<string, unknown>, positionals: string[]): Promise<number> {
    const clusterFile = optString(values, 'cluster');
    const [url, tool] = clusterFile ? [undefined, positionals[0]] : positionals;
    if (clusterFile ? !tool : !url || !tool) {
      throw new UsageError(clusterFile ? 'needs a tool name' : 'needs a server URL and a tool name (or --cluster FILE and a tool name)');
    }
    if (optString(values, 'task') === undefined && optString(values, 'args') === undefined) {
      throw new UsageError('needs --task "…" (what the agent should do), or --args JSON for a tool that is not an agent');
    }
    const args = toolArguments(values);
    const headers = parseHeaders(optList(values, 'header'));
    const token = optString(values, 'token') ?? process.env.AOP_TOKEN;
    if (token) headers.Authorization = `Bearer ${token}`;
    const timeoutMs = (optNumber(values, 'timeout') ?? 600) * 1000;
    if (values.detach === true && clusterFile) throw new UsageError('--detach needs a server URL, not --cluster');
    if (clusterFile) return callThroughCluster(clusterFile, tool!, args, headers, timeoutMs, values.json === true);
    if (!isHttpUrl(url!)) throw new UsageError(`"${url}" is not a server URL; expected e.g. http://127.0.0.1:8000/mcp`);
    if (values.detach === true) return startDetached(url!, tool!, args, headers, optNumber(values, 'ttl'));
    const client = await connectMcp(url!, { headers, timeoutMs: 15_000 }).catch((err: unknown) => {
      throw new Error(describeConnectError(url!, err));
    });
    const progress = new ProgressLine(`calling ${tool}`);
    try {
      let result: CallToolResult;
      try {
        result = (await client.callTool({ name: tool!, arguments: args }, undefined, {
          timeout: timeoutMs,
          resetTimeoutOnProgress: false,
          maxTotalTimeout: timeoutMs,
          onprogress: (p) => progress.update(p.progress),
        })) as CallToolResult;
      } catch (err) {
        progress.done();
        throw new Error(await explainCallError(client, url!, tool!, err));
      }
      progress.done();
      return printResult(result, values.json === true);
    } finally {
      progress.done();
      await client.close().catch(() => {});
    }
  },
};

async function callThroughCluster(
  file: string,
  tool: string,
  args: Record<string, unknown>,
  headers: Record<string, string>,
  timeoutMs: number,
  json: boolean,
): Promise<number> {
  const cluster = await clusterFrom(file, [], headers);
  const progress = new ProgressLine(`calling ${tool}`);
  try {
    const result = await cluster.call(tool, args, { timeoutMs, onprogress: (p) => progress.update(p.progress) });
    progress.done();
    const served = result._meta?.[SERVED_BY_META] as { server: string; attempts: number } | undefined;
    if (served && !json) {
      process.stderr.write(`served by ${served.server}${served.attempts > 1 ? ` after ${served.attempts - 1} failover(s)` : ''}\n`);
    }
    return printResult(result, json);
  } finally {
    progress.done();
    await cluster.close();
  }
}

/** A failed tools/call in the user's words: an unknown tool gets "did you mean" and the list command. */
async function explainCallError(client: Client, url: string, tool: string, err: unknown): Promise<string> {
  if (err instanceof McpError && (err.code === ErrorCode.InvalidParams || err.code === ErrorCode.MethodNotFound)) {
    const names = await client
      .listTools()
      .then((r) => r.tools.map((t) => t.name))
      .catch(() => undefined);
    if (names && !names.includes(tool)) return unknownToolMessage(tool, url, names, `aop discover ${url}`);
  }
  if (err instanceof McpError) return `${tool} on ${url} failed: ${err.message.replace(/^MCP error -?\d+: /, '')}`;
  return describeConnectError(url, err);
}

export function toolArguments(values: Record<string, unknown>): Record<string, unknown> {
  const raw = optString(values, 'args');
  let args: Record<string, unknown> = {};
  if (raw !== undefined) {
    try {
      args = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new UsageError('--args must be a JSON object');
    }
  }
  const task = optString(values, 'task');
  if (task !== undefined) args.task = task;
  return args;
}
