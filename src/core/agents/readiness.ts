import { connect } from 'node:net';
import * as path from 'node:path';
import { openAiBaseUrl } from '../models/resolver';
import { findProgram } from './command-line';
import type { AgentDefinition } from './definition';

/** Whether an agent can run on this machine now, and if not, why (in the user's words). */
export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface ReadinessOptions {
  /** How many language models the editor offers (`provider: editor`). */
  editorModels: number;
  env?: NodeJS.ProcessEnv;
  /** The editor's default endpoint for `provider: openai` (`aop.openai.baseUrl`). */
  defaultBaseUrl?: string;
  /** Program lookup for `command` agents (tests). Default: the core's `findProgram`. */
  findProgram?: (program: string, cwd: string) => string | undefined;
  /** Whether something listens at an endpoint. Default: a TCP connect bounded by `probeTimeoutMs`. */
  reachable?: (url: URL) => Promise<boolean>;
  probeTimeoutMs?: number;
}

/**
 * Checks what an agent needs before it is offered to run: the program of a `command` agent, a
 * language model in the editor, the key and a listening server of an `openai` agent. Cheap: no
 * model is called; each endpoint is probed once per call of `readinessOf`.
 */
export async function readinessOf(agents: readonly AgentDefinition[], opts: ReadinessOptions): Promise<Map<string, Readiness>> {
  const env = opts.env ?? process.env;
  const timeout = opts.probeTimeoutMs ?? 500;
  const reachable = opts.reachable ?? ((url: URL) => tcpReachable(url, timeout));
  const probes = new Map<string, Promise<boolean>>();
  const probe = (url: URL) => {
    const key = `${url.hostname}:${portOf(url)}`;
    if (!probes.has(key)) probes.set(key, reachable(url).catch(() => false));
    return probes.get(key)!;
  };
  const entries = await Promise.all(agents.map(async (agent) => [agent.name, await readinessOfOne(agent, opts, env, probe)] as const));
  return new Map(entries);
}

async function readinessOfOne(
  agent: AgentDefinition,
  opts: ReadinessOptions,
  env: NodeJS.ProcessEnv,
  probe: (url: URL) => Promise<boolean>,
): Promise<Readiness> {
  switch (agent.provider) {
    case 'command': {
      const program = agent.command?.[0];
      if (!program) return { ready: false, reason: 'no `command` to run' };
      const cwd = path.dirname(agent.source.file);
      const find = opts.findProgram ?? ((p: string, dir: string) => findProgram(p, { cwd: dir, env }));
      return find(program, cwd) ? { ready: true } : { ready: false, reason: `program \`${program}\` is not installed here` };
    }
    case 'editor':
      return opts.editorModels > 0 ? { ready: true } : { ready: false, reason: 'no language model in this editor (sign in to a chat model provider)' };
    case 'openai': {
      const baseUrl = openAiBaseUrl(agent, opts.defaultBaseUrl, env);
      let url: URL;
      try {
        url = new URL(baseUrl);
      } catch {
        return { ready: false, reason: `\`${baseUrl}\` is not a URL` };
      }
      const keyEnv = agent.apiKeyEnv ?? 'OPENAI_API_KEY';
      if (!env[keyEnv] && (agent.apiKeyEnv || url.hostname === 'api.openai.com')) return { ready: false, reason: `$${keyEnv} is not set` };
      if (!(await probe(url))) return { ready: false, reason: `needs a model server at ${url.origin} (nothing answers there)` };
      return { ready: true };
    }
  }
}

function portOf(url: URL): number {
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
}

/** A TCP connection to the endpoint's host and port opens within `timeoutMs`. */
export function tcpReachable(url: URL, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = connect({ host, port: portOf(url) });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
