import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Prints an agent's answer (or the whole result with --json); exit code 1 when it failed. */
export function printResult(result: CallToolResult, json: boolean): number {
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.isError ? 1 : 0;
  }
  const s = result.structuredContent as { result?: unknown; success?: unknown; error?: unknown } | undefined;
  if (s && typeof s.success === 'boolean') {
    if (s.success) process.stdout.write(String(s.result ?? '') + '\n');
    else process.stderr.write(`failed: ${String(s.error ?? 'unknown error')}\n`);
    return s.success ? 0 : 1;
  }
  for (const c of result.content ?? []) {
    if (c.type === 'text') (result.isError ? process.stderr : process.stdout).write(c.text + '\n');
    else process.stdout.write(JSON.stringify(c) + '\n');
  }
  return result.isError ? 1 : 0;
}
