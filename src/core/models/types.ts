import type { AgentDefinition } from '../agents/definition';
import type { ChatTurn, ToolCall, ToolFunction } from './tool-types';

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
  /** Functions the model may call (tool loop); only for models with `supportsTools`. */
  tools?: ToolFunction[];
  /** Earlier turns of a tool loop, after the task: assistant tool calls and their results. */
  history?: ChatTurn[];
  /** Extra environment for `provider: command` (AOP_URL, a scoped AOP_TOKEN); other backends ignore it. */
  env?: Record<string, string>;
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
  /** Functions the model asked to call (tool loop); empty or absent for a final answer. */
  toolCalls?: ToolCall[];
}

/** One language-model backend. Implementations throw `ModelError` on failure. */
export interface ChatModel {
  readonly id: string;
  /** The backend understands `tools` / `history` and returns `toolCalls` (OpenAI, vscode.lm). */
  readonly supportsTools?: boolean;
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
