/** A function the model may call: the OpenAI `tools[].function` shape, also mapped to vscode.lm tools. */
export interface ToolFunction {
  /** `^[a-zA-Z0-9_-]{1,64}$` (OpenAI-style APIs and vscode.lm). */
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** One call the model asked for. `arguments` is the JSON text as the model wrote it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A turn of a tool loop after the task: the model's tool calls, or one call's result. */
export type ChatTurn =
  | { role: 'assistant'; content: string; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** Bounds on what a model may ask for in one turn (peers are untrusted, models included). */
export const MAX_TOOL_CALLS_PER_TURN = 64;
export const MAX_TOOL_ARGUMENT_CHARS = 256 * 1024;
