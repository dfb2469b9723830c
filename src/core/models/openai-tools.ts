import type { ChatTurn, ToolCall, ToolFunction } from './tool-types';
import { MAX_TOOL_ARGUMENT_CHARS, MAX_TOOL_CALLS_PER_TURN } from './tool-types';
import { ModelError } from './types';

/** `tools` of a Chat Completions request. */
export function openAiTools(tools: readonly ToolFunction[]): unknown[] {
  return tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

/** Tool-loop turns as Chat Completions messages (assistant `tool_calls`, `role: tool` results). */
export function openAiHistory(history: readonly ChatTurn[]): unknown[] {
  return history.map((turn) =>
    turn.role === 'assistant'
      ? {
          role: 'assistant',
          content: turn.content || null,
          tool_calls: turn.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
        }
      : { role: 'tool', tool_call_id: turn.toolCallId, content: turn.content },
  );
}

/**
 * Collects `tool_calls` from streamed deltas (`{index, id?, function: {name?, arguments?}}`, the
 * arguments arriving in pieces) or from a whole message. Bounded: a model asking for more calls or
 * longer arguments than the limits is a malformed answer.
 */
export class ToolCallAccumulator {
  private readonly calls: { id?: string; name: string; arguments: string }[] = [];

  add(deltas: unknown): void {
    if (!Array.isArray(deltas)) return;
    for (const d of deltas as { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } }[]) {
      if (!d || typeof d !== 'object') continue;
      const index = typeof d.index === 'number' && Number.isInteger(d.index) && d.index >= 0 ? d.index : this.calls.length;
      if (index >= MAX_TOOL_CALLS_PER_TURN) throw new ModelError(`the model asked for more than ${MAX_TOOL_CALLS_PER_TURN} tool calls in one turn`, false);
      const call = (this.calls[index] ??= { name: '', arguments: '' });
      if (typeof d.id === 'string' && d.id) call.id = d.id;
      if (typeof d.function?.name === 'string') call.name += d.function.name;
      if (typeof d.function?.arguments === 'string') call.arguments += d.function.arguments;
      else if (d.function?.arguments && typeof d.function.arguments === 'object') call.arguments += JSON.stringify(d.function.arguments);
      if (call.arguments.length > MAX_TOOL_ARGUMENT_CHARS || call.name.length > 256) {
        throw new ModelError(`tool call arguments longer than ${MAX_TOOL_ARGUMENT_CHARS} characters`, false);
      }
    }
  }

  result(): ToolCall[] {
    return this.calls
      .filter((c) => c && c.name)
      .map((c, i) => ({ id: c.id ?? `call_${i}`, name: c.name, arguments: c.arguments || '{}' }));
  }
}
