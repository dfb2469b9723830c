import { z } from 'zod';
import type { AgentDefinition } from '../agents/definition';
import { TOOL_NAME_PATTERN } from '../agents/definition';

/** Algorithm 1, GENERATEINPUTSCHEMA: the arguments every agent tool accepts (paper §4.3). */
export const agentToolInput = {
  task: z.string().min(1, 'task must not be empty').describe('The task for the agent to perform.'),
  img: z.string().optional().describe('Path or URL of a single image to pass to the agent.'),
  imgs: z.array(z.string()).optional().describe('Paths or URLs of several images.'),
  correct_answer: z
    .string()
    .optional()
    .describe('Expected answer, for evaluation runs; the agent does not see it.'),
};
export const agentToolInputSchema = z.object(agentToolInput);
export type AgentToolArgs = z.infer<typeof agentToolInputSchema>;

/** Algorithm 1, GENERATEOUTPUTSCHEMA: {result, success, error}. */
export const agentToolOutput = {
  result: z.string().describe("The agent's response (empty when it failed)."),
  success: z.boolean(),
  error: z.string().nullable().describe('Why it failed, or null.'),
};
export const agentToolOutputSchema = z.object(agentToolOutput);
export type AgentResult = z.infer<typeof agentToolOutputSchema>;

export class ToolNameError extends Error {
  constructor(name: string) {
    super(
      `invalid tool name "${name}": use 1-40 characters of letters, digits, "_" or "-" ` +
        '(chat shows tools as mcp_<server>_<tool>, cut at 64 characters)',
    );
    this.name = 'ToolNameError';
  }
}

export function assertToolName(name: string): void {
  if (!TOOL_NAME_PATTERN.test(name)) throw new ToolNameError(name);
}

/** The MCP tool T = ⟨n, d, I, O, f⟩ of an agent, without its executor f. */
export interface AgentToolDescriptor {
  name: string;
  title: string;
  description: string;
  annotations: { title: string; openWorldHint: true; readOnlyHint: false; destructiveHint: false };
}

export function describeAgentTool(agent: AgentDefinition): AgentToolDescriptor {
  assertToolName(agent.name);
  const title = agent.name.replace(/[-_]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
  return {
    name: agent.name,
    title,
    description: agent.description,
    annotations: { title, openWorldHint: true, readOnlyHint: false, destructiveHint: false },
  };
}

/**
 * The one way a tool's answer becomes an MCP CallToolResult: the value as structured content plus
 * the same JSON as text, and `isError: true` when the value reports `success: false` (MCP: a tool
 * that failed says so in its result, so clients and models that only read the flag see it too).
 * Agent tools answer {result, success, error}; the discovery tools answer the swarms envelopes
 * {success, …} with the text indented by 2, as the reference's FastMCP sends it.
 */
export function toCallToolResult(
  value: object,
  meta?: Record<string, unknown>,
  indent?: number,
): { content: [{ type: 'text'; text: string }]; structuredContent: Record<string, unknown>; isError: boolean; _meta?: Record<string, unknown> } {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, indent) }],
    structuredContent: value as Record<string, unknown>,
    isError: (value as { success?: unknown }).success === false,
    ...(meta ? { _meta: meta } : {}),
  };
}
