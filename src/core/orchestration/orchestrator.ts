import type { AgentDefinition } from '../agents/definition';
import { AGENT_DEFAULTS } from '../agents/definition';
import { linkedController } from '../models/abort';
import type { ChatModel, ChatRequest, ChatResponse } from '../models/types';
import type { InvocationTrace } from '../tracing/invocation';
import { toolLoopSpans } from '../tracing/tool-spans';
import { AgentCalls, type CallerScope } from './agent-calls';
import { ORCHESTRATION_DEFAULTS, chainRefusal, isDelegated, readCallChain, type CallChain } from './call-chain';
import type { OrchestrationHost } from './host';
import { RootRegistry, type RootRequest } from './roots';
import { ScopedTokens } from './scoped-tokens';
import { resolveToolset } from './toolset';
import { runToolLoop } from './tool-loop';

export interface OrchestratorOptions {
  /** Agents below the root call (default 5). */
  maxDepth?: number;
  /** Tool calls per root request (default 50). */
  toolBudget?: number;
  /** Tool calls one model turn runs at once (default 8). */
  toolConcurrency?: number;
}

/** Runs the tool loop of an agent's model turn (replaces the plain model call). */
export type ToolLoopRunner = (request: ChatRequest, model: ChatModel) => Promise<ChatResponse>;

/**
 * One invocation as orchestration sees it: where it sits in the call tree, and what it may do.
 * `exit()` when the invocation ends.
 */
export interface InvocationScope {
  /** The signal the invocation runs under: the caller's, cut at the root's deadline. */
  signal(base: AbortSignal): AbortSignal;
  /** Present for agents with `tools:` on a model that can call tools. */
  toolLoop(trace: InvocationTrace): ToolLoopRunner | undefined;
  /** `AOP_URL` / `AOP_TOKEN` for a `provider: command` agent with `tools:`. */
  commandEnv(trace: InvocationTrace): Record<string, string> | undefined;
  /** Words for a failure caused by the root running out of time (else undefined). */
  outOfTime(): string | undefined;
  exit(): void;
}

const PLAIN: InvocationScope = {
  signal: (base) => base,
  toolLoop: () => undefined,
  commandEnv: () => undefined,
  outOfTime: () => undefined,
  exit: () => {},
};

/**
 * Agents orchestrating agents: guards every invocation (depth, cycles, budget, deadline) and gives
 * agents with `tools:` their tool loop. Owns no agents; a host supplies them.
 */
export class Orchestrator {
  readonly roots = new RootRegistry();
  readonly tokens = new ScopedTokens();
  readonly calls: AgentCalls;
  readonly maxDepth: number;
  readonly toolBudget: number;
  private readonly toolConcurrency: number;

  constructor(
    readonly host: OrchestrationHost,
    options: OrchestratorOptions = {},
  ) {
    this.calls = new AgentCalls(host);
    this.maxDepth = options.maxDepth ?? ORCHESTRATION_DEFAULTS.maxDepth;
    this.toolBudget = options.toolBudget ?? ORCHESTRATION_DEFAULTS.toolBudget;
    this.toolConcurrency = options.toolConcurrency ?? ORCHESTRATION_DEFAULTS.toolConcurrency;
  }

  /** Checks the call chain of an incoming invocation; a refusal is a message for the caller. */
  enter(agent: AgentDefinition, meta: Record<string, unknown> | undefined): InvocationScope | { refused: string } {
    const chain = readCallChain(meta);
    const delegated = isDelegated(chain);
    if (!delegated && !agent.tools?.length) return PLAIN;
    if (delegated) {
      const refused = chainRefusal(agent, chain, this.maxDepth);
      if (refused) return { refused };
    }
    const timeoutMs = agent.timeout * 1000;
    const root = this.roots.join(chain.root, chain.budget ?? this.toolBudget, Math.min(timeoutMs, chain.timeLeftMs ?? timeoutMs));
    return this.scope(agent, chain, root);
  }

  /** The caller scope for a call the host runs outside any agent (the server's call_agents tool). */
  caller(meta: Record<string, unknown> | undefined, signal: AbortSignal, timeoutMs: number): { scope: CallerScope; done(): void } {
    const chain = readCallChain(meta);
    const root = this.roots.join(chain.root, chain.budget ?? this.toolBudget, Math.min(timeoutMs, chain.timeLeftMs ?? timeoutMs));
    return { scope: { chain: chain.agents, root, signal }, done: () => this.roots.leave(root) };
  }

  private scope(agent: AgentDefinition, chain: CallChain, root: RootRequest): InvocationScope {
    const path = [...chain.agents, agent.name];
    let exited = false;
    const revoke: (() => void)[] = [];
    return {
      // the caller's signal cut at the root's deadline, released at exit
      signal: (base) => {
        const deadline = linkedController(base, Math.max(1, root.timeLeftMs()), (c) => c.abort(new DOMException('the root request ran out of time', 'TimeoutError')));
        deadline.timer.unref();
        revoke.push(deadline.release);
        return deadline.controller.signal;
      },
      outOfTime: () => (root.timeLeftMs() <= 0 ? "out of time: the root request's wall time (its agent's timeout) ran out" : undefined),
      toolLoop: (trace) => {
        if (!agent.tools?.length || agent.provider === 'command') return undefined;
        return (request, model) => this.runLoop(agent, path, root, request, model, trace);
      },
      commandEnv: (trace) => {
        if (!agent.tools?.length || agent.provider !== 'command' || !this.host.url) return undefined;
        const token = this.tokens.issue({ agent, chain: path, root, span: trace.loopParent });
        revoke.push(() => this.tokens.revoke(token));
        return { AOP_URL: this.host.url, AOP_TOKEN: token, AOP_DEPTH: String(path.length - 1) };
      },
      exit: () => {
        if (exited) return;
        exited = true;
        for (const r of revoke) r();
        this.roots.leave(root);
      },
    };
  }

  private async runLoop(
    agent: AgentDefinition,
    chain: string[],
    root: RootRequest,
    request: ChatRequest,
    model: ChatModel,
    trace: InvocationTrace,
  ): Promise<ChatResponse> {
    const toolset = await resolveToolset(agent, this.host, this.calls, request.signal);
    try {
      const spans = toolLoopSpans(trace);
      return await runToolLoop({
        model,
        request,
        tools: toolset.functions,
        maxTurns: agent.maxTurns ?? AGENT_DEFAULTS.maxTurns,
        concurrency: this.toolConcurrency,
        observer: spans,
        execute: async (call, _turn, signal, handle) => {
          if (!root.take()) {
            return { text: `the tool-call budget of this request (${this.toolBudget}) is spent; answer with what you have`, isError: true };
          }
          let args: Record<string, unknown>;
          try {
            const parsed: unknown = JSON.parse(call.arguments || '{}');
            if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
            args = parsed as Record<string, unknown>;
          } catch {
            return { text: `the arguments of ${call.name} are not a JSON object: ${call.arguments.slice(0, 200)}`, isError: true };
          }
          return toolset.run(call.name, args, { chain, root, signal, span: handle?.span });
        },
      });
    } finally {
      await toolset.close();
    }
  }
}
