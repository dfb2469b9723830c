import type { AgentDefinition } from '../agents/definition';

export interface ChatRequest {
  /** System prompt φ of the agent. */
  system: string;
  /** The task (user message). */
  task: string;
  images?: string[];
  model?: string;
  temperature?: number;
  maxTokens?: number;
  /** Aborted when the MCP request is cancelled or the attempt times out. The model call must stop. */
  signal: AbortSignal;
  /** Called with each streamed piece of text, when the backend streams. */
  onText?: (delta: string) => void;
}

export interface ChatUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface ChatResponse {
  text: string;
  model?: string;
  usage?: ChatUsage;
  /** Why the model stopped, as reported by the backend (`stop`, `length`, exit code for commands…). */
  finishReason?: string;
}

/** One language-model backend. Implementations throw `ModelError` on failure. */
export interface ChatModel {
  readonly id: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
}

/** Picks the ChatModel an agent runs on. Throws ModelError when it cannot resolve one. */
export type ModelResolver = (agent: AgentDefinition) => ChatModel;

export class ModelError extends Error {
  constructor(
    message: string,
    /** false for errors that another attempt cannot fix (bad key, unknown model). */
    readonly retryable = true,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
