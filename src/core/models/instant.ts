import { throwIfAborted } from './abort';
import type { ChatModel, ChatRequest, ChatResponse } from './types';

export type InstantAnswer = (task: string, request: ChatRequest) => string;

export interface InstantChatModelOptions {
  id?: string;
  /** Reported as `ChatResponse.model` when the request names none. Default `instant`. */
  model?: string;
}

/**
 * In-process model that answers at once with a function of the task (default: the task itself).
 * For benchmarks and tests: no I/O, no timers; the promise is already resolved when returned.
 * Throwing from `answer` (e.g. a `ModelError`) rejects the call.
 */
export class InstantChatModel implements ChatModel {
  readonly id: string;
  /** Number of calls so far. */
  calls = 0;

  constructor(
    private readonly answer: InstantAnswer = (task) => task,
    private readonly options: InstantChatModelOptions = {},
  ) {
    this.id = options.id ?? 'instant';
  }

  complete(request: ChatRequest): Promise<ChatResponse> {
    try {
      throwIfAborted(request.signal);
      this.calls++;
      const text = this.answer(request.task, request);
      if (text) request.onText?.(text);
      return Promise.resolve({
        text,
        model: request.model ?? this.options.model ?? 'instant',
        usage: { inputTokens: roughTokens(request.system) + roughTokens(request.task), outputTokens: roughTokens(text) },
        finishReason: 'stop',
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** ~4 characters per token, good enough for benchmark bookkeeping. */
function roughTokens(text: string | undefined): number {
  return text ? Math.ceil(text.length / 4) : 0;
}
