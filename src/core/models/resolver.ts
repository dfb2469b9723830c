import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { AgentDefinition } from '../agents/definition';
import { CommandChatModel } from './command';
import { OpenAiChatModel, type FetchLike } from './openai';
import type { ChatModel, ModelResolver } from './types';
import { ModelError } from './types';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

export interface ModelResolverOptions {
  /** Where API keys and base URLs are read from. Default: `process.env` (read at each resolve). */
  env?: NodeJS.ProcessEnv;
  /** Base URL for `provider: openai` agents without `base_url` (before the env variables). */
  defaultBaseUrl?: string;
  /** Model for `provider: editor` (vscode.lm); only the extension can supply it. Not cached here. */
  editor?: (agent: AgentDefinition) => ChatModel;
  /** Fixed models that win over the provider: a map keyed by agent id or name, or a function. */
  overrides?: Map<string, ChatModel> | ((agent: AgentDefinition) => ChatModel | undefined);
  /** `fetch` for the OpenAI backend (tests, proxies). */
  fetch?: FetchLike;
  /** Time between SIGTERM and SIGKILL for aborted command agents. Default 2000 ms. */
  killGraceMs?: number;
}

/** The endpoint of a `provider: openai` agent: its `base_url`, the editor's default, the environment, OpenAI. */
export function openAiBaseUrl(agent: Pick<AgentDefinition, 'baseUrl'>, defaultBaseUrl: string | undefined, env: NodeJS.ProcessEnv): string {
  return agent.baseUrl ?? defaultBaseUrl ?? env.AOP_OPENAI_BASE_URL ?? env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL;
}

/**
 * Picks the backend of each agent: overrides → provider (`openai`, `command`, `editor`).
 * Model instances are cached per agent id and settings, so an edited agent file gets a new one.
 */
export function createModelResolver(opts: ModelResolverOptions = {}): ModelResolver {
  const cache = new Map<string, { key: string; model: ChatModel }>();

  const cached = (agent: AgentDefinition, key: string, create: () => ChatModel): ChatModel => {
    const hit = cache.get(agent.id);
    if (hit && hit.key === key) return hit.model;
    const model = create();
    cache.set(agent.id, { key, model });
    return model;
  };

  return (agent: AgentDefinition): ChatModel => {
    const override = overrideFor(opts.overrides, agent);
    if (override) return override;
    const env = opts.env ?? process.env;

    switch (agent.provider) {
      case 'openai': {
        const baseUrl = openAiBaseUrl(agent, opts.defaultBaseUrl, env);
        const keyEnv = agent.apiKeyEnv ?? 'OPENAI_API_KEY';
        const apiKey = env[keyEnv] || undefined;
        if (!apiKey && agent.apiKeyEnv) {
          throw new ModelError(
            `environment variable ${keyEnv} is not set (api_key_env of agent "${agent.name}")`,
            false,
          );
        }
        if (!apiKey && isOpenAiCloud(baseUrl)) {
          throw new ModelError(
            `environment variable ${keyEnv} is not set; ${baseUrl} needs an API key (or set base_url to a local server such as Ollama)`,
            false,
          );
        }
        const key = JSON.stringify(['openai', baseUrl, agent.model, keyEnv, apiKey ? fingerprint(apiKey) : '']);
        return cached(agent, key, () => {
          return new OpenAiChatModel({
            baseUrl,
            apiKey,
            apiKeyEnv: keyEnv,
            model: agent.model,
            fetch: opts.fetch,
            cwd: agentDir(agent),
          });
        });
      }
      case 'command': {
        if (!agent.command || agent.command.length === 0) {
          throw new ModelError(`agent "${agent.name}" uses provider "command" but has no command`, false);
        }
        const cwd = agentDir(agent);
        const key = JSON.stringify(['command', agent.command, cwd, agent.model, agent.name]);
        return cached(agent, key, () => {
          return new CommandChatModel({
            argv: agent.command!,
            cwd,
            env: opts.env,
            agentName: agent.name,
            model: agent.model,
            killGraceMs: opts.killGraceMs,
          });
        });
      }
      case 'editor': {
        if (!opts.editor) {
          throw new ModelError(
            'provider "editor" needs VS Code; run inside the extension or set provider: openai/command',
            false,
          );
        }
        return opts.editor(agent);
      }
      default: {
        const provider: never = agent.provider;
        throw new ModelError(`unknown provider "${String(provider)}"`, false);
      }
    }
  };
}

function overrideFor(overrides: ModelResolverOptions['overrides'], agent: AgentDefinition): ChatModel | undefined {
  if (!overrides) return undefined;
  if (typeof overrides === 'function') return overrides(agent);
  return overrides.get(agent.id) ?? overrides.get(agent.name);
}

function agentDir(agent: AgentDefinition): string | undefined {
  return agent.source?.file ? path.dirname(agent.source.file) : undefined;
}

function isOpenAiCloud(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/** Cache key part that changes with the key without keeping the key itself around. */
function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
