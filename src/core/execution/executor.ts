import {
  BulkheadPolicy,
  BulkheadRejectedError,
  ExponentialBackoff,
  RetryPolicy,
  TaskCancelledError,
  bulkhead,
  halfJitterGenerator,
  handleWhen,
  isTaskCancelledError,
  retry,
} from 'cockatiel';
import type { AgentDefinition } from '../agents/definition';
import { linkedController } from '../models/abort';
import type { ChatModel, ChatRequest, ChatResponse, ModelResolver } from '../models/types';
import { ModelError } from '../models/types';
import { AgentRuntime } from './lifecycle';
import type { AgentResult, AgentToolArgs } from './tool-schema';
import { agentToolInputSchema } from './tool-schema';

/**
 * Hooks into one invocation (Algorithm 2). Tracing and metrics subscribe here; the executor
 * itself knows nothing about spans.
 */
export interface InvocationObserver {
  /** Waiting for a bulkhead slot. */
  queued?(): void;
  /** Got a slot; `queueMs` spent waiting. */
  admitted?(queueMs: number): void;
  attemptStarted?(attempt: number): void;
  attemptFinished?(attempt: number, error?: unknown): void;
  backoff?(attempt: number, delayMs: number): void;
  modelCalled?(model: string, response: ChatResponse, firstTokenMs?: number): void;
  finished?(result: AgentResult): void;
}

export interface InvokeOptions {
  /** Aborted when the caller cancels; stops the model call at once. */
  signal?: AbortSignal;
  /** Streaming text while the model writes (MCP progress notifications). */
  onText?: (delta: string, totalChars: number) => void;
  observer?: InvocationObserver;
  /** Runs each model call as a tool loop (agents with `tools:`); see core/orchestration. */
  toolLoop?: (request: ChatRequest, model: ChatModel) => Promise<ChatResponse>;
  /** Extra environment for `provider: command` (AOP_URL and a scoped AOP_TOKEN). */
  env?: Record<string, string>;
}

export interface ExecutorOptions {
  models: ModelResolver;
  /** First backoff delay in ms (doubles each retry, half jitter). Default 250. */
  initialBackoffMs?: number;
  /** Longest backoff delay in ms. Default 10,000. */
  maxBackoffMs?: number;
}

/** Called when an agent's in-flight count changes (the host turns it into `busy` events). */
export type InFlightListener = (agent: string, inFlight: number) => void;

export class CancelledError extends Error {
  constructor(message = 'the call was cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Algorithm 2: validate → attempt with timeout → retry with backoff + jitter → {result, success, error}. */
export class AgentExecutor {
  private readonly bulkheads = new Map<string, { policy: BulkheadPolicy; key: string }>();
  private readonly runtimes = new Map<string, AgentRuntime>();
  /** Retry policies, one per retry count (cockatiel policies are reusable across executions). */
  private readonly retryPolicies = new Map<number, RetryPolicy>();
  /** Which call a failed attempt's error belongs to, so the shared policy's onRetry reaches its observer. */
  private readonly failedAttempts = new WeakMap<object, InvocationObserver>();

  /** One listener, set by the host; no event objects on the hot path. */
  onInFlight?: InFlightListener;

  constructor(private readonly options: ExecutorOptions) {}

  /** Live counters and lifecycle state of an agent (created on first use). */
  runtime(name: string): AgentRuntime {
    let rt = this.runtimes.get(name);
    if (!rt) {
      rt = new AgentRuntime(name);
      this.runtimes.set(name, rt);
    }
    return rt;
  }

  /** Registers an agent: INIT → REGISTERED → ACTIVE (paper §6.1). */
  register(agent: AgentDefinition): void {
    const rt = this.runtime(agent.name);
    if (rt.state === 'TERMINATED') rt.state = 'INIT';
    rt.apply('register');
    rt.apply('activate');
  }

  /** The agent was removed: TERMINATED; in-flight calls finish, new ones are refused by the server. */
  terminate(name: string): void {
    this.runtime(name).apply('terminate');
    this.bulkheads.delete(name);
  }

  queueStats(name: string): { running: number; queued: number; capacity: number; queueLimit: number } {
    const b = this.bulkheads.get(name)?.policy;
    const rt = this.runtime(name);
    return {
      running: rt.inFlight,
      queued: rt.queued,
      capacity: b ? b.executionSlots + rt.inFlight : 0,
      queueLimit: b ? b.queueSlots + rt.queued : 0,
    };
  }

  /**
   * The retry policy for `maxRetries`, created once (the bench profile showed building
   * retry + backoff + timeout policies per call at ~4 % of CPU). Per-call state stays per call:
   * cockatiel stops retrying when the execution's signal aborts, `NoRetry` marks errors the
   * call itself refuses to retry, and backoff events reach the call's observer through the error.
   */
  private retryPolicy(maxRetries: number): RetryPolicy {
    let policy = this.retryPolicies.get(maxRetries);
    if (!policy) {
      policy = retry(
        handleWhen((e) => !(e instanceof NoRetry)),
        {
          maxAttempts: maxRetries,
          backoff: new ExponentialBackoff({
            initialDelay: this.options.initialBackoffMs ?? 250,
            maxDelay: this.options.maxBackoffMs ?? 10_000,
            generator: halfJitterGenerator,
          }),
        },
      );
      policy.onRetry((e) => {
        const owner = 'error' in e && typeof e.error === 'object' && e.error ? this.failedAttempts.get(e.error) : undefined;
        owner?.backoff?.(e.attempt, e.delay);
      });
      this.retryPolicies.set(maxRetries, policy);
    }
    return policy;
  }

  private bulkheadFor(agent: AgentDefinition): BulkheadPolicy {
    const key = `${agent.maxConcurrency}/${agent.queueLimit}`;
    const existing = this.bulkheads.get(agent.name);
    if (existing && existing.key === key) return existing.policy;
    const policy = bulkhead(agent.maxConcurrency, agent.queueLimit);
    this.bulkheads.set(agent.name, { policy, key });
    return policy;
  }

  async invoke(agent: AgentDefinition, rawArgs: unknown, opts: InvokeOptions = {}): Promise<AgentResult> {
    const observer = opts.observer ?? {};
    const result = await this.run(agent, rawArgs, opts, observer);
    observer.finished?.(result);
    return result;
  }

  private async run(
    agent: AgentDefinition,
    rawArgs: unknown,
    opts: InvokeOptions,
    observer: InvocationObserver,
  ): Promise<AgentResult> {
    let args = plainTask(rawArgs);
    if (!args) {
      const parsed = agentToolInputSchema.safeParse(rawArgs);
      if (!parsed.success) {
        const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
        return failure(`invalid arguments for ${agent.name}: ${why}`);
      }
      args = parsed.data;
    }
    const signal = opts.signal ?? new AbortController().signal;
    if (signal.aborted) return failure('the call was cancelled before it started');

    const rt = this.runtime(agent.name);
    if (rt.state === 'TERMINATED') return failure(`agent ${agent.name} has been removed`);

    const slots = this.bulkheadFor(agent);
    const enqueuedAt = performance.now();
    const mustQueue = slots.executionSlots === 0;
    if (mustQueue) {
      if (slots.queueSlots === 0) {
        return failure(
          `agent ${agent.name} is at capacity: ${agent.maxConcurrency} running and ` +
            `${agent.queueLimit} queued (max_concurrency / queue_limit); try again later`,
        );
      }
      rt.queued++;
      observer.queued?.();
    }

    let admitted = false;
    try {
      return await slots.execute(async () => {
        admitted = true;
        if (mustQueue) rt.queued--;
        observer.admitted?.(performance.now() - enqueuedAt);
        return this.attempts(agent, args, signal, opts, observer, rt);
      }, signal);
    } catch (err) {
      if (mustQueue && !admitted) rt.queued--;
      if (err instanceof BulkheadRejectedError) {
        return failure(`agent ${agent.name} is at capacity (max_concurrency ${agent.maxConcurrency}, queue_limit ${agent.queueLimit}); try again later`);
      }
      if (signal.aborted) return failure('the call was cancelled while it waited in the queue');
      return failure(errorMessage(err));
    }
  }

  private async attempts(
    agent: AgentDefinition,
    args: AgentToolArgs,
    signal: AbortSignal,
    opts: InvokeOptions,
    observer: InvocationObserver,
    rt: AgentRuntime,
  ): Promise<AgentResult> {
    const started = performance.now();
    rt.started();
    this.onInFlight?.(agent.name, rt.inFlight);
    let lastError: unknown;
    let attempt = 0;
    try {
      const model = this.options.models(agent);
      const timeoutMs = agent.timeout * 1000;
      const text = await abortable(
        this.retryPolicy(agent.maxRetries).execute(async () => {
          attempt++;
          const n = attempt;
          observer.attemptStarted?.(n);
          try {
            const answer = await withTimeout((attempt) => this.loops(agent, args, model, attempt, opts, observer), timeoutMs, signal);
            observer.attemptFinished?.(n);
            return answer;
          } catch (err) {
            lastError = err instanceof TaskCancelledError && !signal.aborted ? timeoutError(agent) : err;
            observer.attemptFinished?.(n, lastError);
            if (signal.aborted || (lastError instanceof ModelError && !lastError.retryable)) throw new NoRetry(err);
            // `err` (not lastError) keeps isTaskCancelledError() below true for a timeout.
            const thrown = typeof err === 'object' && err ? err : new Error(String(err));
            this.failedAttempts.set(thrown, observer);
            throw thrown;
          }
        }, signal),
        signal,
      );
      rt.finished(true, performance.now() - started);
      this.onInFlight?.(agent.name, rt.inFlight);
      return { result: text, success: true, error: null };
    } catch (caught) {
      const err = caught instanceof NoRetry ? caught.cause : caught;
      const message = signal.aborted
        ? 'the call was cancelled'
        : isTaskCancelledError(err)
          ? timeoutError(agent).message
          : errorMessage(lastError ?? err);
      const why = retriesNote(message, attempt, signal);
      rt.finished(false, performance.now() - started, why);
      this.onInFlight?.(agent.name, rt.inFlight);
      return failure(why);
    }
  }

  /** max_loops: each loop refines the previous answer. */
  private async loops(
    agent: AgentDefinition,
    args: AgentToolArgs,
    model: ReturnType<ModelResolver>,
    attempt: AbortController,
    opts: InvokeOptions,
    observer: InvocationObserver,
  ): Promise<string> {
    const images = [...(args.img ? [args.img] : []), ...(args.imgs ?? [])];
    let answer = '';
    for (let loop = 1; loop <= agent.maxLoops; loop++) {
      const task =
        loop === 1
          ? args.task
          : `${args.task}\n\nYour previous answer (loop ${loop - 1} of ${agent.maxLoops}):\n${answer}\n\nImprove it.`;
      const t0 = performance.now();
      let firstTokenMs: number | undefined;
      let chars = 0;
      const request = new AttemptRequest(agent, task, images, attempt, opts.env, (delta) => {
        firstTokenMs ??= performance.now() - t0;
        chars += delta.length;
        opts.onText?.(delta, chars);
      });
      // A tool loop reports its own turns (one model span per turn).
      const response = opts.toolLoop ? await opts.toolLoop(request, model) : await model.complete(request);
      if (!opts.toolLoop) observer.modelCalled?.(response.model ?? agent.model ?? model.id, response, firstTokenMs);
      answer = response.text;
    }
    return answer;
  }
}

/**
 * One attempt's request to the model. Its signal is made when a model reads it (a model that never
 * can be cancelled costs no AbortSignal). A class, not an object literal with `get signal()`: V8
 * gives each literal with a getter closure of its own a hidden class of its own, in old space, that
 * keeps the call's objects alive through young-generation GCs (bench/NOTES.md, "Per-call getters").
 * A copy made with spread has no `signal`: pass it on explicitly (the tool loop does).
 */
class AttemptRequest implements ChatRequest {
  readonly system: string;
  readonly images?: string[];
  readonly model?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly #attempt: AbortController;

  constructor(
    agent: AgentDefinition,
    readonly task: string,
    images: string[],
    attempt: AbortController,
    readonly env: Record<string, string> | undefined,
    readonly onText: (delta: string) => void,
  ) {
    this.system = agent.systemPrompt;
    this.images = images.length ? images : undefined;
    this.model = agent.model;
    this.temperature = agent.temperature;
    this.maxTokens = agent.maxTokens;
    this.#attempt = attempt;
  }

  get signal(): AbortSignal {
    return this.#attempt.signal;
  }
}

/**
 * The arguments almost every call has, `{task: "…"}` and nothing else the schema knows, checked
 * without zod (its parse is a tenth of a call's CPU); anything else goes through the schema.
 */
function plainTask(raw: unknown): AgentToolArgs | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o.task !== 'string' || o.task.length === 0) return undefined;
  if (o.img !== undefined || o.imgs !== undefined || o.correct_answer !== undefined) return undefined;
  return { task: o.task };
}

function failure(error: string): AgentResult {
  return { result: '', success: false, error };
}

function timeoutError(agent: AgentDefinition): Error {
  return new Error(`timed out after ${agent.timeout} s (timeout per attempt)`);
}

function retriesNote(message: string, attempts: number, signal: AbortSignal): string {
  if (signal.aborted || attempts <= 1) return message;
  return `${message} (after ${attempts} attempts)`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Wraps an error the attempt refuses to retry (cancelled call, non-retryable model error); unwrapped by `attempts`. */
class NoRetry {
  constructor(readonly cause: unknown) {}
}

/**
 * Cockatiel's aggressive per-attempt timeout without its cost on the fast path: one AbortController
 * and one timer per attempt, aborted only when the timeout fires or the call is cancelled.
 * (`TimeoutPolicy` aborts its controller after every attempt to release listeners; on Node 20
 * each `abort()` builds a DOMException with a stack, ~20 µs.) Rejects with cockatiel's
 * TaskCancelledError on timeout, at once, even if the model ignores the signal.
 */
function withTimeout<T>(fn: (attempt: AbortController) => Promise<T>, ms: number, parent: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const attempt = linkedController(parent, ms, (ctrl) => {
      ctrl.abort();
      reject(new TaskCancelledError(`Operation timed out after ${ms}ms`));
    });
    fn(attempt.controller).then(
      (v) => (attempt.release(), resolve(v)),
      (e) => (attempt.release(), reject(e)),
    );
  });
}

/** Resolves or rejects with the promise, but rejects at once when the signal aborts (cockatiel's backoff wait is not abortable). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
