import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AgentDefinition } from '../agents/definition';
import { TOOL_NAME_PATTERN } from '../agents/definition';
import type { RemoteAgentInfo } from '../cluster/remote-agents';
import { INPUT_SCHEMA, OUTPUT_SCHEMA } from '../server/agent-tool';
import { AGENT_META, ROUTE_META } from '../meta-keys';
import { plainServerRecord } from './record-check';
import { RECORD_LIMITS } from './record-limits';

export { RECORD_LIMITS } from './record-limits';

const short = z.string().max(RECORD_LIMITS.short);
const list = z.array(z.string().min(1).max(RECORD_LIMITS.short)).max(RECORD_LIMITS.list);

const agentRecordSchema = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN, 'agent name: 1-40 letters, digits, "_" or "-"'),
  description: z.string().max(RECORD_LIMITS.text).default(''),
  tags: list.default([]),
  capabilities: list.default([]),
  /** Hash of the agent's definition: changes when the agent does. */
  version: short.optional(),
  role: short.optional(),
  model: short.nullable().optional(),
});

/** Value of `<prefix>/servers/<id>`: where a server is and what it serves. */
export const serverRecordSchema = z.object({
  id: short.regex(/^[a-zA-Z0-9._@:-]{1,128}$/, 'id: letters, digits, ".", "_", "@", ":" or "-"'),
  url: z
    .url()
    .max(2048)
    .refine((u) => /^https?:\/\//i.test(u), 'url must be http(s)'),
  name: short,
  agents: z.array(agentRecordSchema).max(RECORD_LIMITS.agents),
  /** Epoch milliseconds. */
  startedAt: z.number().int().nonnegative(),
  /** Invocations in flight when the record was written (a hint, not kept current). */
  load: z.number().int().nonnegative().max(1e9).default(0),
  version: short.optional(),
});

export type ServerRecord = z.output<typeof serverRecordSchema>;

/** Parses a record read from etcd; returns a one-line reason instead of throwing. */
export function parseServerRecord(raw: Buffer | string): { record: ServerRecord } | { error: string } {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > RECORD_LIMITS.bytes) return { error: `record of ${size} bytes exceeds ${RECORD_LIMITS.bytes}` };
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { error: 'record is not JSON' };
  }
  // the common case without zod (record-check.ts); anything unusual goes to the schema below
  const plain = plainServerRecord(json);
  if (plain) return { record: plain };
  const parsed = serverRecordSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { error: `record invalid at ${i.path.join('.') || '(root)'}: ${i.message}` };
  }
  return { record: parsed.data };
}

/** The record an AOP server announces for its agents. */
export function recordOf(server: { id: string; name: string; agents(): AgentDefinition[]; startedAt: number }, url: string, load: number, version: string): ServerRecord {
  return {
    id: server.id,
    url,
    name: server.name.slice(0, RECORD_LIMITS.short),
    agents: server
      .agents()
      .slice(0, RECORD_LIMITS.agents)
      .map((a) => ({
        name: a.name,
        description: a.description.slice(0, RECORD_LIMITS.text),
        tags: a.tags.slice(0, RECORD_LIMITS.list),
        capabilities: a.capabilities.slice(0, RECORD_LIMITS.list),
        version: agentVersion(a),
        ...(a.role ? { role: a.role.slice(0, RECORD_LIMITS.short) } : {}),
        model: a.model?.slice(0, RECORD_LIMITS.short) ?? null,
      })),
    startedAt: server.startedAt,
    load,
    version,
  };
}

function agentVersion(a: AgentDefinition): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([a.name, a.description, a.model, a.provider, a.tags, a.capabilities, a.role, a.systemPrompt]));
  return h.digest('hex').slice(0, 12);
}

/**
 * The agents of a record as the cluster's registry wants them — no round trip to the server.
 * The tools are AOP agent tools (one shared input schema), routed through `serverId`.
 */
export function recordInfos(record: ServerRecord): RemoteAgentInfo[] {
  return record.agents.map((a): RemoteAgentInfo => {
    const tool: Tool = {
      name: a.name,
      description: a.description,
      inputSchema: INPUT_SCHEMA,
      outputSchema: OUTPUT_SCHEMA as Tool['outputSchema'],
      _meta: {
        [ROUTE_META]: [record.id],
        [AGENT_META]: { model: a.model ?? null, tags: a.tags, capabilities: a.capabilities, role: a.role },
      },
    };
    return { tool, isAgent: true, description: a.description, tags: a.tags, capabilities: a.capabilities, role: a.role, model: a.model ?? undefined };
  });
}
