import { z } from 'zod';
import { AGENT_DEFAULTS, agentFrontMatterSchema, PROVIDERS, ROLES, type AgentFrontMatter, type ProviderKind } from './definition';

/** Documentation of one front-matter key, shared by the language server (hover, completion) and the CLI. */
export interface AgentKeyDoc {
  key: keyof AgentFrontMatter;
  /** One sentence: what the key means. */
  summary: string;
  /** More Markdown, optional. */
  detail?: string;
  required?: boolean;
  /** Default when the key is absent, as written in the file. */
  default?: string;
  /** Suggested values (an enum, or common values for a free-text key such as `role`). */
  values?: readonly string[];
  /** Providers that read the key; absent when every provider does. */
  providers?: readonly ProviderKind[];
  /** The YAML value as a snippet (LSP/TextMate snippet syntax), inserted after `key: `. */
  snippet: string;
  /** A complete example line. */
  example: string;
}

/** Every key of `agentFrontMatterSchema`, in the order a file usually lists them. */
export const AGENT_KEY_DOCS: { readonly [K in keyof AgentFrontMatter]-?: AgentKeyDoc & { key: K } } = {
  name: {
    key: 'name',
    summary: 'Tool name n: the name callers (chat, MCP clients, other agents) use to call the agent. Unique in the server.',
    detail: 'Keep it short: chat shows tools as `mcp_<server>_<tool>` cut at 64 characters.',
    required: true,
    snippet: '${1:my-agent}',
    example: 'name: code-reviewer',
  },
  description: {
    key: 'description',
    summary: 'What the agent does (d). Calling models read it to decide when to use the agent, so say what it takes and what it returns.',
    required: true,
    snippet: '${1:What the agent does, what it needs in the task and what it answers.}',
    example: 'description: Reviews a diff and lists concrete defects with fixes.',
  },
  model: {
    key: 'model',
    summary: 'Model M, resolved by the provider: a vscode.lm model id or family (`editor`), a model name of the endpoint (`openai`), or passed to the program as AOP_MODEL (`command`).',
    detail: 'Required for `provider: openai`.',
    snippet: '${1:gpt-4o}',
    example: 'model: gpt-4o',
  },
  provider: {
    key: 'provider',
    summary: 'Who runs the agent: `editor` (a model of the editor through vscode.lm), `openai` (any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, LM Studio…) or `command` (a program: task on stdin, answer on stdout).',
    detail: 'Without `provider`: `command` when `command` is set, `openai` when `base_url` is set, else `editor` in VS Code.',
    values: PROVIDERS,
    snippet: '${1|' + PROVIDERS.join(',') + '|}',
    example: 'provider: openai',
  },
  base_url: {
    key: 'base_url',
    summary: 'Base URL of the OpenAI-compatible endpoint (the part before `/chat/completions`).',
    default: 'https://api.openai.com/v1 (or AOP_OPENAI_BASE_URL / OPENAI_BASE_URL)',
    providers: ['openai'],
    snippet: '${1:http://127.0.0.1:11434/v1}',
    example: 'base_url: http://127.0.0.1:11434/v1',
  },
  api_key_env: {
    key: 'api_key_env',
    summary: 'Name of the environment variable holding the API key. The key itself never goes in an agent file.',
    default: 'OPENAI_API_KEY',
    providers: ['openai'],
    snippet: '${1:OPENAI_API_KEY}',
    example: 'api_key_env: OLLAMA_API_KEY',
  },
  command: {
    key: 'command',
    summary: 'Program and arguments that run the agent: the task arrives on stdin, the answer is read from stdout. Any CLI agent or script.',
    detail: 'A list (`[claude, -p]`) or one command line (`claude -p`). Runs in the folder of the agent file, without a shell; the system prompt is in AOP_SYSTEM_PROMPT.',
    providers: ['command'],
    snippet: '[${1:claude}, ${2:-p}]',
    example: 'command: [claude, -p]',
  },
  temperature: {
    key: 'temperature',
    summary: 'Sampling temperature θ: 0 for focused, repeatable answers, higher for more varied ones.',
    snippet: '${1:0.2}',
    example: 'temperature: 0.2',
  },
  max_tokens: {
    key: 'max_tokens',
    summary: 'Upper bound on the tokens of one answer.',
    snippet: '${1:2048}',
    example: 'max_tokens: 2048',
  },
  max_loops: {
    key: 'max_loops',
    summary: 'How many reasoning rounds the agent may take for one task.',
    default: String(AGENT_DEFAULTS.maxLoops),
    snippet: '${1:1}',
    example: 'max_loops: 1',
  },
  timeout: {
    key: 'timeout',
    summary: 'Seconds one attempt may take before it is cancelled (and retried while retries are left).',
    default: String(AGENT_DEFAULTS.timeout),
    snippet: '${1:30}',
    example: 'timeout: 30',
  },
  max_retries: {
    key: 'max_retries',
    summary: 'Retries after a failed first attempt, with exponential backoff and jitter (total attempts = max_retries + 1).',
    default: String(AGENT_DEFAULTS.maxRetries),
    snippet: '${1:2}',
    example: 'max_retries: 2',
  },
  max_concurrency: {
    key: 'max_concurrency',
    summary: 'Calls of this agent that run at once; more wait in its queue (fault isolation per agent).',
    default: String(AGENT_DEFAULTS.maxConcurrency),
    snippet: '${1:4}',
    example: 'max_concurrency: 4',
  },
  queue_limit: {
    key: 'queue_limit',
    summary: 'Calls that may wait when all slots are busy; past it a call fails at once with a clear error.',
    default: String(AGENT_DEFAULTS.queueLimit),
    snippet: '${1:1000}',
    example: 'queue_limit: 1000',
  },
  tags: {
    key: 'tags',
    summary: 'Labels for discovery: `search_agents` and the Agent Explorer match them.',
    snippet: '[${1:review}]',
    example: 'tags: [review, code]',
  },
  capabilities: {
    key: 'capabilities',
    summary: 'What the agent can do, for discovery and routing by other agents.',
    snippet: '[${1:code-review}]',
    example: 'capabilities: [code-review]',
  },
  role: {
    key: 'role',
    summary: 'The part the agent plays in a team, reported by discovery. Any word; the usual ones are listed.',
    default: AGENT_DEFAULTS.role,
    values: ROLES,
    snippet: '${1|' + ROLES.join(',') + '|}',
    example: 'role: reviewer',
  },
  tools: {
    key: 'tools',
    summary:
      'What the agent may call while it works: `<agent>` (an agent of this workspace/server), `<cluster>/<agent>` or `<cluster>/*` (agents of a configured cluster), `<server>/<tool>` or `<server>/*` (tools of a server under `mcp_servers`), and `search_agents`, `call_agent`, `call_agents` (find and call agents at run time).',
    detail:
      'The model sees them as functions named `<agent>`, `<cluster>__<agent>`, `<server>__<tool>`. `provider: command` agents get `AOP_URL` and `AOP_TOKEN` instead, scoped to these entries.',
    snippet: '[${1:text-stats}]',
    example: 'tools: [planner, text-stats, prod/*, call_agents]',
  },
  mcp_servers: {
    key: 'mcp_servers',
    summary: 'MCP servers the agent uses through `<server>/<tool>` entries of `tools`: alias → `{url, headers}` or `{command, args, env}` (the shape VS Code and Claude use).',
    detail: 'Header values may use `${env:NAME}`; secrets never go in the file.',
    snippet: '\n  ${1:everything}:\n    command: ${2:npx}\n    args: [${3:-y, @modelcontextprotocol/server-everything}]',
    example: 'mcp_servers: { docs: { url: "http://127.0.0.1:9000/mcp" } }',
  },
  max_turns: {
    key: 'max_turns',
    summary: 'Model turns per invocation when the agent has tools: each turn may call tools; the loop ends with an answer without tool calls or after this many turns.',
    default: String(AGENT_DEFAULTS.maxTurns),
    snippet: '${1:10}',
    example: 'max_turns: 6',
  },
  allow_recursion: {
    key: 'allow_recursion',
    summary: 'Allow a call whose chain already holds this agent (A → B → A). Off by default: such calls are refused.',
    default: 'false',
    values: ['true', 'false'],
    snippet: '${1|true,false|}',
    example: 'allow_recursion: true',
  },
};

/** What each provider value means. */
export const PROVIDER_DOCS: Record<ProviderKind, string> = {
  editor: 'A model of the editor (vscode.lm): Copilot or any installed model provider. Default in VS Code.',
  openai: 'An OpenAI-compatible endpoint (`base_url`): OpenAI, Ollama, vLLM, LM Studio… API key from `api_key_env`.',
  command: 'A program (`command`): the task on stdin, the answer on stdout. Any CLI agent or script.',
};

/** Keys in documentation order. */
export const AGENT_KEYS = Object.keys(AGENT_KEY_DOCS) as (keyof AgentFrontMatter)[];

export function keyDoc(key: string): AgentKeyDoc | undefined {
  return Object.hasOwn(AGENT_KEY_DOCS, key) ? AGENT_KEY_DOCS[key as keyof AgentFrontMatter] : undefined;
}

interface JsonSchemaNode {
  type?: string;
  anyOf?: JsonSchemaNode[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchemaNode;
}

let jsonProperties: Record<string, JsonSchemaNode> | undefined;

/** The type and bounds of a key, read from the zod schema so the docs never drift from validation. */
export function keyTypeLabel(key: keyof AgentFrontMatter): string {
  jsonProperties ??= (z.toJSONSchema(agentFrontMatterSchema) as { properties: Record<string, JsonSchemaNode> }).properties;
  const node = jsonProperties[key];
  return node ? typeLabel(node) : 'value';
}

function typeLabel(node: JsonSchemaNode): string {
  if (node.anyOf) return node.anyOf.map(typeLabel).join(' or ');
  if (node.enum) return node.enum.map((v) => String(v)).join(' | ');
  const bounds = (lo: number | undefined, hi: number | undefined, exclusiveLo?: number) => {
    if (exclusiveLo !== undefined && hi !== undefined) return ` > ${exclusiveLo} and ≤ ${hi}`;
    if (lo !== undefined && hi !== undefined) return ` ${lo}–${hi}`;
    if (lo !== undefined) return ` ≥ ${lo}`;
    return '';
  };
  switch (node.type) {
    case 'integer':
      return `whole number${bounds(node.minimum, node.maximum, node.exclusiveMinimum)}`;
    case 'number':
      return `number${bounds(node.minimum, node.maximum, node.exclusiveMinimum)}`;
    case 'array':
      return `list of ${node.items ? typeLabel(node.items) : 'values'}`;
    case 'string':
      if (node.format === 'uri') return 'URL';
      if (node.pattern) return `text matching ${node.pattern}`;
      return node.maxLength !== undefined ? `text, ${node.minLength ?? 0}–${node.maxLength} characters` : 'text';
    default:
      return node.type ?? 'value';
  }
}

/** The documentation of a key as Markdown (hover, completion, `aop` help). */
export function formatKeyDoc(key: keyof AgentFrontMatter): string {
  const doc = AGENT_KEY_DOCS[key];
  const facts = [`**${doc.key}**${doc.required ? ' (required)' : ''}: ${keyTypeLabel(key)}`];
  if (doc.default !== undefined) facts.push(`Default: \`${doc.default}\``);
  if (doc.providers) facts.push(`Used by provider ${doc.providers.map((p) => `\`${p}\``).join(', ')}`);
  const parts = [facts.join(' · '), doc.summary];
  if (doc.detail) parts.push(doc.detail);
  if (doc.values && doc.key !== 'provider') parts.push(`Values: ${doc.values.map((v) => `\`${v}\``).join(', ')}`);
  parts.push('```yaml\n' + doc.example + '\n```');
  return parts.join('\n\n');
}
