import { z } from 'zod';

/** Tool names the chat model sees must stay short: `mcp_<prefix>_<tool>` is cut at 64 chars. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,40}$/;

export const PROVIDERS = ['editor', 'openai', 'command'] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

/** The name of an environment variable (`api_key_env`, `env` entries). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One `tools:` entry: `name`, `prefix/name` or `prefix/*`. */
export const TOOL_ENTRY_PATTERN = /^[a-zA-Z0-9_.-]{1,64}(\/([a-zA-Z0-9_.-]{1,64}|\*))?$/;
const TOOL_ENTRY_MESSAGE = 'must be <agent>, <cluster>/<agent>, <cluster>/*, <server>/<tool> or <server>/*';

/** An MCP server an agent file declares (the shape VS Code and Claude use). */
export const mcpServerSchema = z.union([
  z.strictObject({
    type: z.enum(['http', 'streamable-http', 'sse']).optional(),
    url: z.url(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({
    type: z.literal('stdio').optional(),
    command: z.string().min(1),
    args: z.array(z.string()).max(256).optional(),
    env: z.record(z.string(), z.string()).optional(),
  }),
]);
export type McpServerSpec = z.infer<typeof mcpServerSchema>;

export const ROLES = ['worker', 'coordinator', 'reviewer', 'planner', 'specialist'] as const;

export const toolNameSchema = z
  .string()
  .regex(
    TOOL_NAME_PATTERN,
    'must be 1-40 characters of letters, digits, "_" or "-" (chat tools are named mcp_<server>_<tool> and cut at 64 characters)',
  );

/**
 * Front matter of an `*.agent.md` file (paper §4.2.1: A = ⟨id, n, d, M, φ, θ⟩).
 * Strict: unknown keys are errors so typos never pass silently.
 */
export const agentFrontMatterSchema = z.strictObject({
  name: toolNameSchema.describe('Tool name n, unique in the server.'),
  description: z.string().min(1).max(1024).describe('What the agent does (d); shown to calling models.'),
  model: z.string().min(1).optional().describe('Model M, resolved by the provider.'),
  provider: z.enum(PROVIDERS).optional().describe('editor (vscode.lm) | openai | command.'),
  base_url: z.url().optional().describe('OpenAI-compatible endpoint (provider: openai).'),
  api_key_env: z
    .string()
    .regex(ENV_NAME_PATTERN)
    .optional()
    .describe('Name of the environment variable holding the API key (provider: openai).'),
  command: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('Program and arguments (provider: command): task on stdin, answer on stdout.'),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  max_loops: z.number().int().min(1).max(100).optional(),
  timeout: z.number().positive().max(86_400).optional().describe('Seconds per attempt.'),
  max_retries: z.number().int().min(0).max(20).optional().describe('Retries after the first attempt.'),
  max_concurrency: z.number().int().min(1).max(1024).optional(),
  queue_limit: z.number().int().min(0).max(100_000).optional(),
  tags: z.array(z.string().min(1)).optional(),
  capabilities: z.array(z.string().min(1)).optional(),
  role: z.string().min(1).optional(),
  env: z
    .array(z.string().regex(ENV_NAME_PATTERN, 'must be the name of an environment variable'))
    .max(256)
    .optional()
    .describe('Environment variables passed through to the command (provider: command); others are not.'),
  tools: z
    .array(z.string().regex(TOOL_ENTRY_PATTERN, TOOL_ENTRY_MESSAGE))
    .max(128)
    .optional()
    .describe('Tools the agent may call: <agent>, <cluster>/<agent>, <cluster>/*, <server>/<tool>, <server>/*, search_agents, call_agent, call_agents.'),
  mcp_servers: z
    .record(z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'server alias: 1-32 letters, digits, "_" or "-"'), mcpServerSchema)
    .optional()
    .describe('MCP servers for `<server>/<tool>` entries: alias → {url, headers} or {command, args, env}.'),
  max_turns: z.number().int().min(1).max(100).optional().describe('Model turns per invocation when the agent has tools (default 10).'),
  allow_recursion: z.boolean().optional().describe('Allow calls whose chain already holds this agent (A → B → A).'),
});
export type AgentFrontMatter = z.infer<typeof agentFrontMatterSchema>;

export type AgentSourceKind = 'aop' | 'vscode' | 'claude';

/** A parsed, validated agent with defaults applied. */
export interface AgentDefinition {
  /** Stable id: hash of the root folder and the file path. */
  id: string;
  name: string;
  description: string;
  model?: string;
  provider: ProviderKind;
  baseUrl?: string;
  apiKeyEnv?: string;
  command?: string[];
  /** Variable names passed through to a command agent (front matter `env:`). */
  env?: string[];
  temperature?: number;
  maxTokens?: number;
  maxLoops: number;
  /** Seconds per attempt. */
  timeout: number;
  /** Retries after the first attempt (total attempts = maxRetries + 1). */
  maxRetries: number;
  maxConcurrency: number;
  queueLimit: number;
  tags: string[];
  capabilities: string[];
  role: string;
  /** `tools:` entries the agent may call (empty: a plain model call). */
  tools?: string[];
  /** `mcp_servers:` declared in the file, by alias. */
  mcpServers?: Record<string, McpServerSpec>;
  /** Model turns per invocation when the agent has tools. */
  maxTurns?: number;
  /** Calls whose chain already holds this agent are allowed. */
  allowRecursion?: boolean;
  /** The body of the file: system prompt φ. */
  systemPrompt: string;
  source: { file: string; kind: AgentSourceKind; root?: string };
}

export const AGENT_DEFAULTS = {
  maxLoops: 1,
  timeout: 60,
  maxRetries: 2,
  maxConcurrency: 4,
  queueLimit: 1000,
  role: 'worker',
  maxTurns: 10,
} as const;

export type Severity = 'error' | 'warning' | 'info';

/** A finding in an agent file; lines and columns are 1-based, end exclusive. */
export interface AgentDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  message: string;
  /** Stable code, e.g. `yaml-syntax`, `unknown-key`, `invalid-type`, `invalid-name`. */
  code: string;
  /** The text that would fix the finding in place of its range (a did-you-mean key or value). */
  fix?: string;
}

export function formatDiagnostic(d: AgentDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.severity} ${d.message} [${d.code}]`;
}
