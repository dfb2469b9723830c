import * as crypto from 'node:crypto';
import { splitCommandLine } from './command-line';
import { AGENT_DEFAULTS, type AgentDefinition, type AgentFrontMatter, type ProviderKind } from './definition';
import { withoutUndefined, type ParseAgentOptions, type ParseContext } from './parse-context';
import { isReservedToolName } from './reserved-names';

/** Node's one-shot digest (20.12+): no Hash object per call, ~2× cheaper for thousands of agents. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** Stable agent id: a short sha256 of the root folder and the file path. */
export function agentId(file: string, root?: string): string {
  const data = `${root ?? ''}\0${file}`;
  return (oneShotHash ? oneShotHash('sha256', data) : crypto.createHash('sha256').update(data).digest('hex')).slice(0, 16);
}

/**
 * The definition of a valid front matter: the provider (named, or implied by `command` /
 * `base_url`), defaults filled in; keys that make no sense together are reported.
 */
export function buildAgent(ctx: ParseContext, fm: AgentFrontMatter, prompt: string, opts: ParseAgentOptions): AgentDefinition {
  const provider: ProviderKind =
    fm.provider ??
    (fm.command !== undefined ? 'command' : fm.base_url !== undefined ? 'openai' : (opts.defaultProvider ?? 'editor'));

  let command: string[] | undefined;
  if (typeof fm.command === 'string') {
    try {
      command = splitCommandLine(fm.command);
      if (command.length === 0) throw new Error('no program');
    } catch (e) {
      ctx.report('error', 'invalid-value', `\`command\` cannot be split into arguments: ${(e as Error).message}`, ctx.pathRange(['command']));
    }
  } else command = fm.command;

  if (provider === 'command' && fm.command === undefined) {
    ctx.report(
      'error',
      'missing-key',
      'provider `command` needs `command`: the program and its arguments, e.g. `command: [claude, -p]` (task on stdin, answer on stdout)',
      ctx.pathRange(['provider']),
    );
  }
  if (provider === 'openai' && fm.model === undefined) {
    ctx.report('error', 'missing-key', 'provider `openai` needs `model`, e.g. `model: gpt-4o`', ctx.pathRange(['provider']));
  }
  if (isReservedToolName(fm.name)) {
    ctx.report(
      'error',
      'reserved-name',
      `name \`${fm.name}\` is taken by a built-in tool of every AOP server; this agent is not served — choose another name`,
      ctx.pathRange(['name']),
    );
  }
  for (const name of fm.env ?? []) {
    if (name.toUpperCase() === 'AOP_TOKEN') {
      ctx.report('warning', 'invalid-value', '`AOP_TOKEN` is never passed to a command: the server token stays with the server', ctx.pathRange(['env']));
    }
  }
  const unused: [keyof AgentFrontMatter, ProviderKind][] = [
    ['command', 'command'],
    ['env', 'command'],
    ['base_url', 'openai'],
    ['api_key_env', 'openai'],
  ];
  for (const [key, owner] of unused) {
    if (fm[key] !== undefined && provider !== owner) {
      ctx.report('warning', 'unused-key', `\`${key}\` is ignored: it is only used by provider \`${owner}\`, this agent uses \`${provider}\``, ctx.keyRange(key));
    }
  }

  const root = opts.root;
  return withoutUndefined({
    id: agentId(ctx.file, root),
    name: fm.name,
    description: fm.description,
    model: fm.model,
    provider,
    baseUrl: fm.base_url,
    apiKeyEnv: fm.api_key_env,
    command,
    env: fm.env,
    temperature: fm.temperature,
    maxTokens: fm.max_tokens,
    maxLoops: fm.max_loops ?? AGENT_DEFAULTS.maxLoops,
    timeout: fm.timeout ?? AGENT_DEFAULTS.timeout,
    maxRetries: fm.max_retries ?? AGENT_DEFAULTS.maxRetries,
    maxConcurrency: fm.max_concurrency ?? AGENT_DEFAULTS.maxConcurrency,
    queueLimit: fm.queue_limit ?? AGENT_DEFAULTS.queueLimit,
    tags: fm.tags ?? [],
    capabilities: fm.capabilities ?? [],
    role: fm.role ?? AGENT_DEFAULTS.role,
    tools: fm.tools && fm.tools.length > 0 ? [...new Set(fm.tools)] : undefined,
    mcpServers: fm.mcp_servers,
    maxTurns: fm.max_turns,
    allowRecursion: fm.allow_recursion,
    systemPrompt: prompt,
    source: withoutUndefined({ file: ctx.file, kind: ctx.kind, root }),
  });
}
