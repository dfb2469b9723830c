import type { ChatModel, ChatRequest, ChatResponse, ChatUsage } from '../models/types';
import { ModelError } from '../models/types';
import type { ChatTurn, ToolCall, ToolFunction } from '../models/tool-types';
import type { AopSpan } from '../tracing/tracer';

/** A tool call being traced: its span (child calls nest under it) and how to end it. */
export interface ToolCallHandle {
  span?: AopSpan;
  end(outcome: ToolOutcome): void;
}

/** What one tool call gave: text for the model, and whether it failed (the model sees that too). */
export interface ToolOutcome {
  text: string;
  isError: boolean;
}

/** Hooks of one loop (tracing): a turn, the model call inside it, each tool call. */
export interface ToolLoopObserver {
  turnStarted?(turn: number): void;
  modelCalled?(turn: number, response: ChatResponse, firstTokenMs?: number): void;
  /** Returns a handle whose `end` is called with the outcome. */
  toolCallStarted?(turn: number, call: ToolCall): ToolCallHandle | undefined;
  turnFinished?(turn: number, error?: unknown): void;
}

export interface ToolLoopOptions {
  model: ChatModel;
  /** The request of the first turn (system, task, model, signal, onText…). */
  request: ChatRequest;
  tools: ToolFunction[];
  maxTurns: number;
  /** Runs one call; must not throw for tool failures (they become `isError` outcomes). */
  execute(call: ToolCall, turn: number, signal: AbortSignal, handle?: ToolCallHandle): Promise<ToolOutcome>;
  /** Tool calls of one turn running at once. */
  concurrency: number;
  observer?: ToolLoopObserver;
}

/**
 * The tool loop: call the model with the tools, run the calls it asks for (concurrently, bounded,
 * results in the order asked), send the results back as `role: tool` messages, repeat until an
 * answer without tool calls or `maxTurns` turns.
 */
export async function runToolLoop(o: ToolLoopOptions): Promise<ChatResponse> {
  if (!o.model.supportsTools) {
    throw new ModelError(`model ${o.model.id} cannot call tools; use provider openai or editor for an agent with tools:`, false);
  }
  const history: ChatTurn[] = [];
  const usage: ChatUsage = {};
  for (let turn = 1; turn <= o.maxTurns; turn++) {
    o.observer?.turnStarted?.(turn);
    try {
      const t0 = performance.now();
      let firstTokenMs: number | undefined;
      const response = await o.model.complete({
        ...o.request,
        // a getter (the executor's AttemptRequest) is not copied by spread
        signal: o.request.signal,
        tools: o.tools,
        history: [...history],
        onText: (delta) => {
          firstTokenMs ??= performance.now() - t0;
          o.request.onText?.(delta);
        },
      });
      addUsage(usage, response.usage);
      o.observer?.modelCalled?.(turn, response, firstTokenMs);
      const calls = response.toolCalls ?? [];
      if (calls.length === 0) {
        o.observer?.turnFinished?.(turn);
        return { ...response, usage: hasUsage(usage) ? usage : response.usage };
      }
      if (turn === o.maxTurns) {
        throw new ModelError(`max_turns ${o.maxTurns} reached and the model still asked for tools (${calls.map((c) => c.name).join(', ')})`, false);
      }
      history.push({ role: 'assistant', content: response.text, toolCalls: calls });
      const outcomes = await mapBounded(calls, o.concurrency, async (call) => {
        const span = o.observer?.toolCallStarted?.(turn, call);
        let outcome: ToolOutcome;
        try {
          outcome = await o.execute(call, turn, o.request.signal, span);
        } catch (err) {
          outcome = { text: `tool ${call.name} failed: ${err instanceof Error ? err.message : String(err)}`, isError: true };
        }
        span?.end(outcome);
        return outcome;
      });
      if (o.request.signal.aborted) throw o.request.signal.reason ?? new Error('cancelled');
      calls.forEach((call, i) => {
        const r = outcomes[i];
        history.push({ role: 'tool', toolCallId: call.id, name: call.name, content: r.isError ? `ERROR: ${r.text}` : r.text, isError: r.isError });
      });
      o.observer?.turnFinished?.(turn);
    } catch (err) {
      o.observer?.turnFinished?.(turn, err);
      throw err;
    }
  }
  throw new ModelError('max_turns must be at least 1', false);
}

/** Maps with at most `limit` promises in flight; results keep the input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function addUsage(into: ChatUsage, u: ChatUsage | undefined): void {
  if (!u) return;
  if (u.inputTokens !== undefined) into.inputTokens = (into.inputTokens ?? 0) + u.inputTokens;
  if (u.outputTokens !== undefined) into.outputTokens = (into.outputTokens ?? 0) + u.outputTokens;
}

function hasUsage(u: ChatUsage): boolean {
  return u.inputTokens !== undefined || u.outputTokens !== undefined;
}
