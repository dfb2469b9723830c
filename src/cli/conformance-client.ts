#!/usr/bin/env node
/**
 * The client side of the MCP conformance suite (`conformance client --command …`): our cluster
 * client (AopCluster → ServerConnection → NodeHttpClientTransport) against the suite's test
 * servers. Usage: conformance-client <server-url>; the scenario name is in MCP_CONFORMANCE_SCENARIO.
 *
 * Generic behaviour, the same for every scenario: discover the server's tools (initialize +
 * tools/list), then call each tool once with arguments made from its input schema, through the
 * cluster's routing/breaker/failover path. Exit code 0 when every call got an answer.
 */
import { AopCluster, parseClusterConfig, headlessApprover, MemoryCredentialStore } from '../core';

/** The Client ID Metadata Document URL the suite's `auth/basic-cimd` scenario expects. */
const CONFORMANCE_CIMD_URL = 'https://conformance-test.local/client-metadata.json';

/** Pre-registered client credentials the suite hands over in MCP_CONFORMANCE_CONTEXT (auth/pre-registration). */
export function conformanceOAuth(contextJson: string | undefined): { client_id?: string; client_secret?: string; client_metadata_url: string } {
  let ctx: { client_id?: unknown; client_secret?: unknown } = {};
  try {
    ctx = contextJson ? JSON.parse(contextJson) : {};
  } catch {
    ctx = {};
  }
  return {
    client_metadata_url: CONFORMANCE_CIMD_URL,
    ...(typeof ctx.client_id === 'string' ? { client_id: ctx.client_id } : {}),
    ...(typeof ctx.client_secret === 'string' ? { client_secret: ctx.client_secret } : {}),
  };
}

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; enum?: unknown[]; default?: unknown };

/** A value that satisfies a (simple) JSON Schema: the default, the first enum member, or one of the type. */
export function sampleValue(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 4) return null;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'number':
      return 2;
    case 'integer':
      return 3;
    case 'boolean':
      return true;
    case 'string':
      return 'conformance';
    case 'array':
      return [];
    case 'object':
      return sampleArguments(schema, depth + 1);
    default:
      return null;
  }
}

export function sampleArguments(schema: Schema | undefined, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of schema?.required ?? []) out[name] = sampleValue(schema?.properties?.[name], depth);
  return out;
}

export async function runConformanceClient(url: string, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<number> {
  // MCP authorization: the suite's test authorization server approves at once, so a headless
  // approver stands in for the person; sign-ins live in memory for this run.
  const oauth = conformanceOAuth(process.env.MCP_CONFORMANCE_CONTEXT);
  const cluster = new AopCluster(
    parseClusterConfig({ name: 'conformance', servers: [{ url, oauth }], timeout_ms: 10_000, call_timeout_ms: 20_000 }, 'conformance'),
    { auth: { store: new MemoryCredentialStore(), approver: headlessApprover() } },
  );
  try {
    const registry = await cluster.refresh();
    const health = cluster.health()[0];
    if (health.status === 'down') {
      log(`discovery failed: ${health.lastError}`);
      return 1;
    }
    // Let the notification stream (GET, opened after initialize) settle before calling, as a
    // long-lived client would be: some test servers answer a pending call on any GET stream.
    await new Promise((r) => setTimeout(r, 300));
    log(`discovered ${registry.size} tool(s): ${registry.entries().map((e) => e.tool.name).join(', ') || '(none)'}`);
    let failed = 0;
    for (const entry of registry.entries()) {
      const args = sampleArguments(entry.tool.inputSchema as Schema);
      try {
        const result = await cluster.call(entry.tool.name, args);
        const text = (result.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join(' ');
        log(`${entry.tool.name}(${JSON.stringify(args)}) → ${result.isError ? 'isError: ' : ''}${text}`);
      } catch (err) {
        failed++;
        log(`${entry.tool.name}(${JSON.stringify(args)}) failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failed ? 1 : 0;
  } finally {
    await cluster.close();
  }
}

if (require.main === module) {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: conformance-client <server-url>\n');
    process.exit(2);
  }
  runConformanceClient(url).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`conformance-client: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
